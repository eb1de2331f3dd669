"""The statute registry: laws, articles, aliases, changes, the Act index; loaded once, validated, indexed.

`registry()` is cached: the package data is parsed and validated on first use only. Name resolution goes
exact key -> decree split -> fuzzy (rapidfuzz `fuzz.ratio`, conservative), and never maps one law onto
another silently: a fuzzy hit is accepted only when it is close and unique, otherwise it is `ambiguous`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from rapidfuzz import fuzz, process

from statutes.models import Act, Article, Change, Law, RenumberEntry
from statutes.normalize import law_key

SNAPSHOT = "2026-06-05"

ResolutionKind = Literal["registry", "act", "repealed", "decree", "ambiguous", "unknown"]

FUZZY_ACCEPT = 92.0  # fuzz.ratio on keys: accepted as a typo of one law only at or above this score
FUZZY_REVIEW = 75.0  # between REVIEW and ACCEPT (or tied candidates): ambiguous, sent to review
FUZZY_MIN_LEN = 5  # keys shorter than this are never fuzzy-matched (형법 vs 민법)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a law name as written refers to."""

    kind: ResolutionKind
    written: str
    name: str  # official name (registry/act/repealed), or the text as written
    law: Law | None = None
    act: Act | None = None
    change: Change | None = None
    decree: str | None = None  # "시행령" / "시행규칙" when the citation is to a decree of `name`
    fuzzy: bool = False
    alias_kind: str | None = None
    candidates: tuple[str, ...] = ()
    note: str | None = None


@dataclass(slots=True)
class _NameHit:
    law_id: str | None = None  # registry law
    act: Act | None = None
    change: Change | None = None  # repealed law
    alias_kind: str | None = None


@dataclass
class Registry:
    laws: dict[str, Law]  # by law id
    by_name: dict[str, Law]  # official name -> law
    articles: dict[str, dict[str, Article]]  # law id -> article no -> Article
    changes: list[Change]
    acts: list[Act]
    snapshot: str = SNAPSHOT
    names: dict[str, list[_NameHit]] = field(default_factory=dict)  # key -> hits
    changes_by_law: dict[str, list[Change]] = field(default_factory=dict)  # official name -> changes
    renumbered: dict[tuple[str, str], tuple[Change, RenumberEntry]] = field(default_factory=dict)
    _fuzzy_choices: list[str] = field(default_factory=list)
    suffixes: frozenset[str] = frozenset()  # every suffix of every known key (early exit in the parser)
    max_key_words: int = 12

    # ---- name resolution -------------------------------------------------------------------
    def lookup_key(self, key: str) -> list[_NameHit]:
        return self.names.get(key, [])

    def is_known_key(self, key: str) -> bool:
        if key in self.names:
            return True
        for suffix in ("시행령", "시행규칙"):
            if key.endswith(suffix) and key[: -len(suffix)] in self.names:
                return True
        return False

    def resolve(self, written: str, *, fuzzy: bool = True) -> Resolution:
        return _resolve_cached(self, written, fuzzy)

    def _resolve(self, written: str, fuzzy: bool) -> Resolution:
        key = law_key(written)
        for suffix in ("시행령", "시행규칙"):
            if key.endswith(suffix) and len(key) > len(suffix):
                base = self._resolve(key[: -len(suffix)], fuzzy)
                if base.kind in ("registry", "act", "repealed"):
                    return Resolution(
                        kind="decree",
                        written=written,
                        name=f"{base.name} {suffix}",
                        law=base.law,
                        act=base.act,
                        decree=suffix,
                        fuzzy=base.fuzzy,
                        note=f"{suffix}은(는) 법률({base.name})과 별개이며 레지스트리 범위 밖입니다",
                    )
                return Resolution(kind=base.kind, written=written, name=written, candidates=base.candidates)
        hits = self.names.get(key)
        if hits:
            return self._from_hits(written, hits, fuzzy=False)
        if not fuzzy or len(key) < FUZZY_MIN_LEN:
            return Resolution(kind="unknown", written=written, name=written)
        review = FUZZY_REVIEW if len(key) > 6 else FUZZY_REVIEW + 10.0
        found = process.extract(key, self._fuzzy_choices, scorer=fuzz.ratio, processor=None, limit=4, score_cutoff=review)
        if not found:
            return Resolution(kind="unknown", written=written, name=written)
        best_score = found[0][1]
        close = [c for c, s, _ in found if s >= best_score - 4.0]
        targets = {self._target_name(self.names[c][0]) for c in close}
        if best_score >= FUZZY_ACCEPT and len(targets) == 1 and len(self.names[found[0][0]]) == 1:
            res = self._from_hits(written, self.names[found[0][0]], fuzzy=True)
            return res
        cands = tuple(dict.fromkeys(self._target_name(self.names[c][0]) for c, _, _ in found))
        return Resolution(
            kind="ambiguous",
            written=written,
            name=written,
            candidates=cands,
            note="법률명이 불확실합니다(유사: " + ", ".join(cands[:3]) + ")",
        )

    def _target_name(self, hit: _NameHit) -> str:
        if hit.law_id:
            return self.laws[hit.law_id].name
        if hit.act:
            return hit.act.name
        return hit.change.law if hit.change else ""

    def _from_hits(self, written: str, hits: list[_NameHit], fuzzy: bool) -> Resolution:
        laws = {h.law_id for h in hits if h.law_id}
        if len(laws) == 1:
            h = next(h for h in hits if h.law_id)
            law = self.laws[h.law_id]
            note = None
            if h.alias_kind == "non_official":
                note = f"비공식 명칭입니다. 공식 명칭은 「{law.name}」"
            elif fuzzy:
                note = f"법률명 오타로 보임: 「{law.name}」"
            return Resolution(
                kind="registry", written=written, name=law.name, law=law, fuzzy=fuzzy, alias_kind=h.alias_kind, note=note
            )
        if len(laws) > 1:
            cands = tuple(sorted(self.laws[i].name for i in laws))
            return Resolution(
                kind="ambiguous",
                written=written,
                name=written,
                candidates=cands,
                note="여러 법률을 가리킬 수 있는 이름입니다: " + ", ".join(cands),
            )
        ch = next((h.change for h in hits if h.change), None)
        if ch is not None:
            note = f"폐지된 법률입니다({ch.status_now or 'repealed'})"
            if ch.replaced_by:
                note += f"; 현행: {ch.replaced_by}"
            return Resolution(kind="repealed", written=written, name=ch.law if key_eq(ch.law, written) else written,
                              change=ch, fuzzy=fuzzy, note=note)
        acts = [h.act for h in hits if h.act]
        if len({a.law_id for a in acts}) > 1:
            # same name, several Act ids (e.g. 증권거래세법 twice): still one real Act name
            pass
        act = acts[0]
        return Resolution(
            kind="act",
            written=written,
            name=act.name,
            act=act,
            fuzzy=fuzzy,
            note=f"현행 법률이지만 레지스트리 범위 밖이라 조문은 확인하지 않았습니다(공포 {act.promulgated})",
        )

    # ---- articles ------------------------------------------------------------------------------
    def article(self, law: Law, no: str) -> Article | None:
        return self.articles[law.id].get(no)

    def search(self, query: str, limit: int = 30) -> list[tuple[str, Law, Article | None]]:
        """Law names, aliases and article titles containing `query` (spacing/dot-insensitive)."""
        q = law_key(query)
        out: list[tuple[str, Law, Article | None]] = []
        if not q:
            return out
        for law in self.laws.values():
            forms = [law.name] + [a.alias for a in law.aliases]
            if any(q in law_key(f) for f in forms):
                out.append(("law", law, None))
        for law in self.laws.values():
            for art in law.articles:
                titles = [t for t in (art.title, art.in_force_title) if t]
                if any(q in law_key(t) for t in titles):
                    out.append(("article", law, art))
                    if len(out) >= limit:
                        return out
        return out[:limit]


def key_eq(a: str, b: str) -> bool:
    return law_key(a) == law_key(b)


@functools.lru_cache(maxsize=8192)
def _resolve_cached(reg: Registry, written: str, fuzzy: bool) -> Resolution:
    return reg._resolve(written, fuzzy)


# Registry is a mutable dataclass but is built once and never changed; hash by identity for the cache.
Registry.__hash__ = object.__hash__  # type: ignore[method-assign]
Registry.__eq__ = lambda self, other: self is other  # type: ignore[method-assign]


def _read(name: str) -> dict:
    return json.loads(resources.files("statutes.data").joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def registry() -> Registry:
    """The registry, built from package data on first call (pydantic-validated)."""
    laws: dict[str, Law] = {}
    for fn in ("laws_core.json", "laws_extra.json"):
        for raw in _read(fn)["laws"]:
            law = Law.model_validate(raw)
            laws[law.id] = law
    changes = [Change.model_validate(c) for c in _read("changes.json")["changes"]]
    acts = [Act(name=r[0], law_id=r[1], promulgated=r[2], effective=r[3]) for r in _read("acts_index.json")["acts"]]
    reg = Registry(
        laws=laws,
        by_name={law.name: law for law in laws.values()},
        articles={law.id: {a.no: a for a in law.articles} for law in laws.values()},
        changes=changes,
        acts=acts,
    )
    names: dict[str, list[_NameHit]] = {}

    def add(form: str, hit: _NameHit) -> None:
        k = law_key(form)
        if not k:
            return
        lst = names.setdefault(k, [])
        if hit.law_id and any(h.law_id == hit.law_id for h in lst):
            return
        lst.append(hit)

    for law in laws.values():
        add(law.name, _NameHit(law_id=law.id, alias_kind="official"))
        for al in law.aliases:
            add(al.alias, _NameHit(law_id=law.id, alias_kind=al.kind))
    registry_ids = set(laws)
    for act in acts:
        if act.law_id in registry_ids or act.name in reg.by_name:
            continue
        add(act.name, _NameHit(act=act))
    for ch in changes:
        reg.changes_by_law.setdefault(ch.law, []).append(ch)
        if ch.type == "law_repealed":
            for nm in [ch.law, *ch.also_repealed_same_act]:
                if law_key(nm) not in names:
                    add(nm, _NameHit(change=ch.model_copy(update={"law": nm})))
        for m in ch.mapping:
            law = reg.by_name.get(ch.law)
            if law is not None:
                reg.renumbered.setdefault((law.id, m.old_no), (ch, m))
    reg.names = names
    reg._fuzzy_choices = list(names)
    reg.suffixes = frozenset(k[i:] for k in names for i in range(len(k)))
    reg.max_key_words = 12
    return reg
