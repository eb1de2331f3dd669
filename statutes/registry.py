"""The statute registry: laws, articles, aliases, changes, the Act index; loaded once, validated, indexed.

`registry()` is cached: the package data is parsed and validated on first use only. Name resolution goes
exact key -> decree split -> fuzzy (rapidfuzz `fuzz.ratio`, conservative), and never maps one law onto
another silently: a fuzzy hit is accepted only when it is close and unique, otherwise it is `ambiguous`.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Literal

from rapidfuzz import fuzz, process

from statutes.book import ENV, Book, DatedArticle, default_root
from statutes.models import Act, Alias, Article, Change, Document, HistoryFact, Law, RenumberEntry, Version
from statutes.normalize import law_key

SNAPSHOT = "2026-06-05"
STALE_AFTER_DAYS = 180

ResolutionKind = Literal["registry", "act", "repealed", "decree", "document", "renamed", "ambiguous", "unknown"]

FUZZY_ACCEPT = 92.0  # fuzz.ratio on keys: accepted as a typo of one law only at or above this score
FUZZY_REVIEW = 75.0  # between REVIEW and ACCEPT (or tied candidates): ambiguous, sent to review
FUZZY_MIN_LEN = 5  # keys shorter than this are never fuzzy-matched (형법 vs 민법)
FUZZY_NEAR = 75.0  # below the review score of a 5-6 character key: still unknown, the near names noted


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
    doc_id: str | None = None  # 법령ID of the statute-book document cited (when the book has it)
    history: HistoryFact | None = None  # kinds renamed / repealed (mined from decisions)
    book: Book | None = field(default=None, repr=False, compare=False)

    @property
    def document(self) -> Document | None:
        """The statute-book document cited (its full record is read on first use)."""
        return self.book.document(self.doc_id) if self.book is not None and self.doc_id else None


@dataclass(slots=True)
class _NameHit:
    law_id: str | None = None  # registry law
    act: Act | None = None
    change: Change | None = None  # repealed law
    alias_kind: str | None = None
    doc_id: str | None = None  # statute-book document
    history: HistoryFact | None = None  # former or repealed name


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
    book: Book | None = None  # every document of the statute book (None when no book data is installed)
    mined_aliases: dict[str, list[Alias]] = field(default_factory=dict)  # doc id -> abbreviations from decisions
    history_by_key: dict[str, HistoryFact] = field(default_factory=dict)
    _act_dates: dict[str, str] = field(default_factory=dict)  # Act id -> 공포일자 (acts_index)

    # ---- dates -------------------------------------------------------------------------------------
    @functools.cached_property
    def snapshot_date(self) -> date:
        """Date of the snapshot (latest 공포일자 of the source tree)."""
        return date.fromisoformat(self.book.snapshot if self.book else self.snapshot)

    # ---- the statute book --------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        return self.book.document(doc_id) if self.book else None

    def _prom(self, doc_id: str) -> str:
        acts = self._act_dates.get(doc_id)
        return acts or ""

    def _doc_id(self, doc_id: str | None) -> str | None:
        return doc_id if doc_id and self.book is not None and doc_id in self.book.ids else None

    def documents_named(self, name: str) -> list[Document]:
        """Book documents whose name, mined abbreviation or former name is `name` (spacing-insensitive)."""
        out: list[Document] = []
        for h in self.names.get(law_key(name), []):
            did = h.doc_id or h.law_id or (h.act.law_id if h.act else None)
            if h.history and h.history.successor_id:
                did = h.history.successor_id
            d = self.document(did) if did else None
            if d is not None and d not in out:
                out.append(d)
        return out

    def history(self, name: str) -> HistoryFact | None:
        """A former or repealed name (mined), or None when `name` is not one."""
        return self.history_by_key.get(law_key(name))

    def version_as_of(self, doc_id: str, as_of: date | None = None) -> Version | None:
        """The version of the document in force on `as_of` (default: the snapshot date)."""
        if self.book is None or doc_id not in self.book.ids:
            return None
        on = (as_of or self.snapshot_date).isoformat()
        vs = self.book.versions(doc_id)
        return vs[self.book.version_index(doc_id, on)][0] if vs else None

    def earliest_text(self, doc_id: str) -> str | None:
        """시행일자 of the earliest text of the document the book holds (None when it holds none): before that
        date the book cannot say which articles the document had."""
        if self.book is None or doc_id not in self.book.ids:
            return None
        vs = self.book.versions(doc_id)
        return vs[0][0].effective if vs else None

    def article_as_of(self, doc_id: str, no: str, as_of: date | None = None) -> DatedArticle | None:
        """Article `no` of the document in the version in force on `as_of` (default: the snapshot date)."""
        if self.book is None or doc_id not in self.book.ids:
            return None
        return self.book.article(doc_id, no, (as_of or self.snapshot_date).isoformat())

    def former_article(self, doc_id: str, no: str) -> tuple[int, str] | None:
        """Evidence (count, decision path) that article `no` existed in a former text of the document."""
        if self.book is None or doc_id not in self.book.ids:
            return None
        return self.book.former_article(doc_id, no)

    def history_article(self, name: str, no: str) -> tuple[int, str] | None:
        """Evidence (count, decision path) that court decisions cite article `no` under the former or repealed
        name `name` (mined from 참조조문; the dev set and reserved decisions excluded)."""
        if self.book is None:
            return None
        return self.book.history_article(law_key(name), no)

    def earlier_article(self, doc_id: str, no: str) -> tuple[str | None, str] | None:
        """(title, 시행일자 of the last earlier text with it) when only earlier texts in the source history have
        article `no` (it was deleted as a heading, renumbered or dropped by a wholesale revision)."""
        if self.book is None or doc_id not in self.book.ids:
            return None
        return self.book.earlier_article(doc_id, no)

    def aliases_of(self, doc_id: str) -> list[Alias]:
        """Reference and curated aliases (registry laws) followed by abbreviations mined from decisions."""
        law = self.laws.get(doc_id)
        return [*(law.aliases if law else []), *self.mined_aliases.get(doc_id, [])]

    # ---- name resolution -------------------------------------------------------------------
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
        hits = self.names.get(key)
        if hits and any(h.law_id or h.doc_id or h.act for h in hits):
            return self._from_hits(written, hits, fuzzy=False)
        for suffix in ("시행령", "시행규칙"):
            if key.endswith(suffix) and len(key) > len(suffix):
                base = self._resolve(key[: -len(suffix)], fuzzy)
                if base.history is not None and (base.kind == "repealed" or (
                        base.kind == "renamed" and base.doc_id is None and not (hits and any(h.history for h in hits)))):
                    # the decree of an Act repealed long ago, or known only by a former name (successor unknown)
                    # and not mined itself: gone, or former, with its Act
                    gone = "폐지된" if base.kind == "repealed" else "옛"
                    return Resolution(kind=base.kind, written=written, name=f"{base.name} {suffix}", fuzzy=base.fuzzy,
                                      history=base.history, decree=suffix, book=self.book,
                                      note=f"{gone} 법률({base.name})의 {suffix}입니다; {base.note}")
                if base.kind in ("registry", "act", "repealed"):
                    return Resolution(
                        kind="decree",
                        written=written,
                        name=f"{base.name} {suffix}",
                        law=base.law,
                        act=base.act,
                        decree=suffix,
                        fuzzy=base.fuzzy,
                        book=self.book,
                        note=f"{suffix}은(는) 법률({base.name})과 별개이며 법령집에 해당 문서가 없습니다",
                    )
                return Resolution(kind=base.kind, written=written, name=written, candidates=base.candidates)
        hits = self.names.get(key)
        if hits:
            return self._from_hits(written, hits, fuzzy=False)
        if not fuzzy or len(key) < FUZZY_MIN_LEN:
            return Resolution(kind="unknown", written=written, name=written)
        review = FUZZY_REVIEW if len(key) > 6 else FUZZY_REVIEW + 10.0
        found = process.extract(key, self._fuzzy_choices, scorer=fuzz.ratio, processor=None, limit=4,
                                score_cutoff=min(review, FUZZY_NEAR))
        if found and found[0][1] < review:
            # close to a short name (행정소정법, 귀속재산법) but under its review score: still unknown, the real names noted
            return Resolution(kind="unknown", written=written, name=written, candidates=self._names_of(found)[:3])
        found = [f for f in found if f[1] >= review]
        if not found:
            return Resolution(kind="unknown", written=written, name=written)
        best_score = found[0][1]
        close = [c for c, s, _ in found if s >= best_score - 4.0]
        targets = {self._target_name(self.names[c][0]) for c in close}
        if best_score >= FUZZY_ACCEPT and len(targets) == 1 and len(self.names[found[0][0]]) == 1:
            res = self._from_hits(written, self.names[found[0][0]], fuzzy=True)
            return res
        cands = self._names_of(found)
        return Resolution(
            kind="ambiguous",
            written=written,
            name=written,
            candidates=cands,
            note="법률명이 불확실합니다(유사: " + ", ".join(cands[:3]) + ")",
        )

    def _names_of(self, found: list) -> tuple[str, ...]:
        """The real names behind fuzzy-matched keys (best first, each once)."""
        return tuple(dict.fromkeys(self._target_name(self.names[c][0]) for c, _, _ in found))

    def _target_name(self, hit: _NameHit) -> str:
        if hit.law_id:
            return self.laws[hit.law_id].name
        if hit.act:
            return hit.act.name
        if hit.doc_id and self.book is not None:
            return self.book.slim[hit.doc_id][1]
        if hit.history:
            return hit.history.name
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
                kind="registry", written=written, name=law.name, law=law, fuzzy=fuzzy, alias_kind=h.alias_kind,
                note=note, doc_id=self._doc_id(law.id), book=self.book,
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
        if acts:
            # same name, several Act ids (e.g. 증권거래세법 twice): still one real Act name
            act = max(acts, key=lambda a: a.promulgated)  # one name, several ids (교육세법 1961/1990): the latest
            did = self._doc_id(act.law_id) or next((h.doc_id for h in hits if h.doc_id), None)
            note = (f"현행 법률이지만 레지스트리 범위 밖이라 조문은 확인하지 않았습니다(공포 {act.promulgated})"
                    if did is None else None)
            return Resolution(kind="act", written=written, name=act.name, act=act, fuzzy=fuzzy, note=note,
                              doc_id=did, book=self.book,
                              alias_kind=next((h.alias_kind for h in hits if h.alias_kind), None))
        docs = [self.book.slim[h.doc_id] for h in hits if h.doc_id and self.book is not None]
        if docs:
            # [id, name, key, parent, kind, form]; several documents of one name: the first listed
            did, name, _key, parent_id, kind, form = max(docs, key=lambda r: (r[4] == "법률", self._prom(r[0])))
            kind_h = next((h.alias_kind for h in hits if h.doc_id == did), None)
            if kind == "법률":
                return Resolution(kind="act", written=written, name=name, fuzzy=fuzzy, doc_id=did, book=self.book,
                                  alias_kind=kind_h)
            parent = self.book.slim.get(parent_id) if parent_id and self.book is not None else None
            decree = next((s for s in ("시행령", "시행규칙") if law_key(name).endswith(s)), None)
            if decree is not None or form in ("시행령", "시행규칙"):
                return Resolution(
                    kind="decree", written=written, name=name, law=self.laws.get(parent_id or ""),
                    act=None, decree=decree or form, fuzzy=fuzzy, doc_id=did, book=self.book, alias_kind=kind_h,
                    note=f"{kind}: 「{parent[1]}」의 {decree or form}" if parent else kind,
                )
            return Resolution(kind="document", written=written, name=name, fuzzy=fuzzy, doc_id=did, book=self.book,
                              alias_kind=kind_h, note=kind)
        hist = next((h.history for h in hits if h.history), None)
        if hist is not None:
            if hist.kind == "repealed":
                note = "폐지된 법령입니다" + (f"; 대체: {hist.successor}" if hist.successor else "")
                return Resolution(kind="repealed", written=written, name=hist.name, fuzzy=fuzzy, history=hist,
                                  note=note + f" (판례 {hist.count}건 근거)")
            succ = self._doc_id(hist.successor_id) if hist.successor_id else None
            if succ is not None and hist.successor:
                note = f"옛 명칭입니다. 현재 명칭은 「{hist.successor}」"
                name = hist.successor
            else:
                note = "현재 이 이름의 법령은 없습니다(개정 전 옛 명칭)"
                name = hist.name
            return Resolution(kind="renamed", written=written, name=name, fuzzy=fuzzy, history=hist, doc_id=succ,
                              book=self.book, law=self.laws.get(succ) if succ else None,
                              note=note + f" (판례 {hist.count}건 근거)")
        return Resolution(kind="unknown", written=written, name=written)

    # ---- articles ------------------------------------------------------------------------------
    def article(self, law: Law, no: str) -> Article | None:
        return self.articles[law.id].get(no)

    def search_book(self, query: str, limit: int = 30, *, articles: bool = True) -> list[tuple[Document, DatedArticle | None]]:
        """Every book document (Acts, decrees, rules) whose name or mined abbreviation contains `query`, then
        article titles (version in force on the snapshot date) containing it."""
        q = law_key(query)
        out: list[tuple[Document, DatedArticle | None]] = []
        if not q or self.book is None:
            return out
        rows = self.book.rows
        for did, row in rows.items():
            forms = [row["name"]] + [a.alias for a in self.mined_aliases.get(did, [])]
            if did in self.laws:
                forms += [a.alias for a in self.laws[did].aliases]
            if any(q in law_key(f) for f in forms):
                out.append((self.book.document(did), None))  # type: ignore[arg-type]
                if len(out) >= limit:
                    return out
        if not articles:
            return out
        for did in rows:
            vers = self.book.versions(did)
            if not vers:
                continue
            i = self.book.version_index(did, self.book.snapshot)
            for no, (title, _deleted) in vers[i][1].items():
                if title and q in law_key(title):
                    a = self.book.article(did, no)
                    out.append((self.book.document(did), a))  # type: ignore[arg-type]
                    if len(out) >= limit:
                        return out
        return out

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


def staleness_warning(reg: Registry, as_of: date | None = None) -> str | None:
    """One line when the snapshot is more than 180 days older than `as_of` (default: today), else None."""
    on = as_of or date.today()
    age = (on - reg.snapshot_date).days
    if age <= STALE_AFTER_DAYS:
        return None
    return (f"법령 데이터 기준일 {reg.snapshot_date.isoformat()}이(가) {on.isoformat()}보다 {age}일 이전입니다: "
            f"이후 개정은 반영되지 않았을 수 있습니다(kcc statutes build로 갱신)")


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
    reg._fuzzy_choices = list(names)  # fuzzy matching stays on the curated laws, the Act index and repeals
    _add_book(reg, names, add)
    reg.names = names
    reg.suffixes = frozenset(k[i:] for k in names for i in range(len(k)))
    reg.max_key_words = 12
    return reg


def _add_book(reg: Registry, names: dict[str, list[_NameHit]], add) -> None:
    """Names of every statute-book document, its mined abbreviations and the mined former/repealed names."""
    try:
        book = Book(default_root())
    except FileNotFoundError:
        if os.environ.get(ENV):
            raise
        return
    reg.book = book
    reg._act_dates = {a.law_id: a.promulgated for a in reg.acts}
    trust = book.keys_valid

    def put(k: str, hit: _NameHit) -> None:
        if k:
            names.setdefault(k, []).append(hit)

    for did, name, key, *_rest in book.names:
        k = key if trust else law_key(name)
        lst = names.get(k)
        if lst is not None and any(h.law_id == did or (h.act and h.act.law_id == did) for h in lst):
            continue
        put(k, _NameHit(doc_id=did, alias_kind="official"))
    for a in book.abbreviation_rows:
        if a["id"] not in book.ids:
            continue
        used = a.get("how") == "used"
        al = Alias(alias=a["alias"], kind="abbreviation", source="mined", verified=False,
                   defined_in_precedents=None if used else a["count"], used_in_precedents=a["count"] if used else None)
        reg.mined_aliases.setdefault(a["id"], []).append(al)
        k = a["key"] if trust else law_key(a["alias"])
        if k in names:
            continue  # a curated or official name wins
        if a["id"] in reg.laws:
            put(k, _NameHit(law_id=a["id"], alias_kind="abbreviation"))
        else:
            put(k, _NameHit(doc_id=a["id"], alias_kind="abbreviation"))
    for raw, h in zip(book.history_rows, book.history(), strict=True):
        k = raw["key"] if trust else law_key(h.name)
        if not k or k in names:
            continue
        reg.history_by_key[k] = h
        put(k, _NameHit(history=h, alias_kind=h.kind))
