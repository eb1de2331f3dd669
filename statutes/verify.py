"""A verdict for each extracted citation, against the registry as of the snapshot date (2026-06-05)."""

from __future__ import annotations

import functools
from datetime import date
from typing import Literal

from pydantic import BaseModel

from statutes.citations import TREATY_END, Citation
from statutes.fastmodel import raw_record
from statutes.models import Change, Law
from statutes.normalize import law_key
from statutes.registry import Registry, registry

Verdict = Literal[
    "valid",
    "article_not_found",
    "article_deleted",
    "repealed_or_lapsed",
    "not_yet_in_force",
    "law_not_covered",
    "unknown_law",
    "ambiguous",
    "outdated",  # the former text cited (구 X법): the article is not in the current version
    "renamed",  # a former name of a document in force
    "title_mismatch",  # produced by the claim checks (article title written beside the number)
    "unverifiable",  # as of a date before the snapshot: the book may lack the law or its text of that date
]


class CitationCheck(BaseModel):
    verdict: Verdict
    law: str  # official name, or the text as written when unresolved
    law_id: str | None = None
    article_title: str | None = None
    note: str | None = None
    # a renamed citation whose article was looked up (docs/checks.md): the article's own verdict, from the
    # articles decisions cite under the former name or from the successor's text; None when not looked up
    article_verdict: Verdict | None = None


_CheckRecord, _check_model = raw_record(CitationCheck)


def _lapsed_change(law: Law, article: str, reg: Registry) -> Change | None:
    return _lapsed_for(reg, law.name, article)


@functools.lru_cache(maxsize=8192)
def _lapsed_for(reg: Registry, law_name: str, article: str) -> Change | None:
    """Cached: asked for every valid citation; the registry never changes after load."""
    for ch in reg.changes_by_law.get(law_name, []):
        if article in ch.articles and ("unconstitutional" in ch.type or "lapsed" in ch.type):
            return ch
    return None


def _deleted_change(law: Law, article: str, reg: Registry) -> Change | None:
    for ch in reg.changes_by_law.get(law.name, []):
        if article in ch.articles:
            return ch
        if ch.type == "moved_to_other_law":
            return ch
    return None


def check_citation(c: Citation, reg: Registry | None = None, *, budget: list[int] | None = None,
                   as_of: date | None = None) -> CitationCheck:
    """Verdict for one citation. `budget` (a one-item list) caps fuzzy look-ups per answer; `as_of` (default the
    snapshot date) picks the version of the statute book in force."""
    return _check_model(check_citation_fast(c, reg, budget=budget, as_of=as_of))


def check_citation_fast(c, reg: Registry | None = None, *, budget: list[int] | None = None,
                        as_of: date | None = None):
    """`check_citation` for a citation or citation record, returning a lightweight record (same attributes as
    `CitationCheck`): the checks' hot path."""
    reg = reg or registry()
    if c.law_text is None:
        if c.instrument and law_key(c.instrument).endswith(TREATY_END):
            return _CheckRecord(verdict="law_not_covered", law=c.text,
                                note=f"{c.instrument}: 조약·협정은 국내 법령집 밖이라 조문을 확인하지 않았습니다")
        if c.instrument:
            return _CheckRecord(
                verdict="ambiguous", law=c.text,
                note=f"{c.instrument}은(는) 법률이 아닌 규칙·명령이라 레지스트리로 조문을 확인하지 않았습니다",
            )
        return _CheckRecord(
            verdict="ambiguous", law=c.text, note="법률명 없이 조문만 인용되어 어느 법률인지 알 수 없습니다"
        )
    fuzzy = True
    if budget is not None:
        fuzzy = budget[0] > 0
        budget[0] -= 1
    return _named_verdict(reg, c.law_text, c.article, c.paragraph, c.old_law, c.instrument, fuzzy, as_of)


class _Named:
    """The attributes of a citation with a law name that its verdict depends on (nothing else is read)."""

    __slots__ = ("law_text", "article", "paragraph", "old_law", "instrument")

    def __init__(self, law_text: str, article: str | None, paragraph: str | None, old_law: bool,
                 instrument: str | None) -> None:
        self.law_text, self.article, self.paragraph = law_text, article, paragraph
        self.old_law, self.instrument = old_law, instrument


@functools.lru_cache(maxsize=32768)
def _named_verdict(reg: Registry, law_text: str, article: str | None, paragraph: str | None, old_law: bool,
                   instrument: str | None, fuzzy: bool, as_of: date | None):
    """Cached per (law as written, article, paragraph, 구법 mark, date): answers cite the same few provisions
    again and again, and the registry never changes after load. The record is shared: callers copy before
    changing it."""
    return _verdict_named(_Named(law_text, article, paragraph, old_law, instrument), reg, fuzzy, as_of)


def _verdict_named(c, reg: Registry, fuzzy: bool, as_of: date | None):
    res = reg.resolve(c.law_text, fuzzy=fuzzy)
    if res.kind == "unknown":
        # close to a real name (행정소정법, 귀속재산법): a typo or a shorthand as likely as an invention
        near = "; 이름이 비슷한 실제 법령: " + ", ".join(res.candidates) if res.candidates else ""
        if as_of is not None and as_of < reg.snapshot_date:
            return _CheckRecord(verdict="unverifiable", law=c.law_text, note=_unknown_then_note(reg, as_of) + near)
        return _CheckRecord(verdict="unknown_law", law=c.law_text,
                            note="이 이름의 한국 법률이 없습니다(지어낸 법률명일 수 있음)" + near)
    if res.kind == "ambiguous":
        return _CheckRecord(verdict="ambiguous", law=c.law_text, note=res.note)
    if res.kind == "repealed":
        note = res.note
        if as_of is not None and as_of < reg.snapshot_date:
            # mined repeals carry no date: as of an earlier date the law may still have been in force
            note = f"{note}; 폐지 시기는 확인하지 못했습니다({as_of.isoformat()} 당시에는 시행 중이었을 수 있음)"
        return _CheckRecord(verdict="repealed_or_lapsed", law=res.name, note=note)
    if res.kind == "renamed":
        if c.article is not None:
            got = _renamed_article(c, res, reg, as_of)
            if got is not None:
                return _CheckRecord(verdict="renamed", law=res.name, law_id=res.doc_id, article_title=got[1],
                                    note=f"{res.note}; {got[2]}", article_verdict=got[0])
        return _CheckRecord(verdict="renamed", law=res.name, law_id=res.doc_id, note=res.note)
    if res.kind in ("act", "decree", "document") and res.doc_id is not None and res.law is None:
        return _book_check(c, res, reg, as_of)
    if res.kind == "decree" and res.doc_id is not None:
        return _book_check(c, res, reg, as_of)
    if res.kind in ("act", "decree"):
        return _CheckRecord(verdict="law_not_covered", law=res.name, law_id=res.act.law_id if res.act else None,
                             note=res.note)
    law = res.law
    assert law is not None
    if c.article is None:
        return _CheckRecord(verdict="valid", law=law.name, law_id=law.id, note=res.note)
    if as_of is not None and res.doc_id is not None and _later_version_changes(reg, res.doc_id, c.article, as_of):
        return _book_check(c, res, reg, as_of)
    art = reg.article(law, c.article)
    old_note = "구법(개정 전 조문) 인용: 현행 조문 기준으로만 확인했습니다" if c.old_law else None
    if art is None:
        ren = reg.renumbered.get((law.id, c.article))
        if ren is not None:
            ch, m = ren
            return _CheckRecord(
                verdict="repealed_or_lapsed", law=law.name, law_id=law.id, article_title=m.title,
                note=f"조문번호 변경: 개정 전 {m.old_no}({m.title})은 현행 {m.new_no}입니다 ({ch.type})",
            )
        if c.old_law:
            return _CheckRecord(
                verdict="repealed_or_lapsed", law=law.name, law_id=law.id,
                note="구법 조문: 현행 법률에는 이 조문이 없습니다",
            )
        earlier = reg.earlier_article(law.id, c.article)
        if earlier is not None:
            return _CheckRecord(verdict="outdated", law=law.name, law_id=law.id,
                                article_title=earlier[0], note=_earlier_note(earlier))
        former = reg.former_article(law.id, c.article)
        if former is not None:
            return _CheckRecord(verdict="outdated", law=law.name, law_id=law.id, note=_former_note(former))
        named = _cited_under_written_name(c, law.name, reg)
        if named is not None:
            return _CheckRecord(verdict="outdated", law=law.name, law_id=law.id, note=named)
        earliest = _text_later_than(reg, res.doc_id, as_of)
        if earliest is not None:
            return _CheckRecord(verdict="unverifiable", law=law.name, law_id=law.id,
                                note=_article_then_note(law.name, c.article, earliest, as_of))
        return _CheckRecord(
            verdict="article_not_found", law=law.name, law_id=law.id,
            note=f"「{law.name}」에 {c.article}이(가) 없습니다(지어낸 조문일 수 있음)",
        )
    title = art.in_force_title or art.title
    if art.deleted is None:
        return _CheckRecord(verdict="ambiguous", law=law.name, law_id=law.id, note=art.note or "출처에 조문 제목·본문이 없어 확인 불가(미확인)")
    if art.not_yet_in_force:
        earliest = _text_later_than(reg, res.doc_id, as_of)
        if earliest is not None:
            return _CheckRecord(verdict="unverifiable", law=law.name, law_id=law.id,
                                note=_article_then_note(law.name, c.article, earliest, as_of))
        eff = ", ".join(law.pending_effective) or "미정"
        return _CheckRecord(
            verdict="not_yet_in_force", law=law.name, law_id=law.id, article_title=art.title,
            note=f"공포되었으나 {law.as_of.snapshot} 기준 아직 시행 전인 조문입니다(시행 예정: {eff})",
        )
    if art.deleted:
        if art.deletion_not_yet_in_force:
            return _CheckRecord(
                verdict="valid", law=law.name, law_id=law.id, article_title=art.in_force_title,
                note=f"삭제가 공포되었으나 아직 시행 전입니다(삭제 {art.deleted_on})",
            )
        lapsed = _lapsed_change(law, c.article, reg)
        if lapsed is not None:
            return _CheckRecord(
                verdict="repealed_or_lapsed", law=law.name, law_id=law.id, article_title=_old_title(lapsed, c.article),
                note=_events_note(lapsed),
            )
        ch = _deleted_change(law, c.article, reg)
        gone = _iso(art.deleted_on)
        if as_of is not None and gone is not None and as_of.isoformat() < gone:
            # cited as of a date before the deleting amendment was promulgated: the article was then in force
            return _CheckRecord(verdict="valid", law=law.name, law_id=law.id,
                                article_title=_old_title(ch, c.article) if ch else None,
                                note=f"{as_of.isoformat()} 당시 시행 중이던 조문입니다(이후 {art.deleted_on} 삭제)")
        note = f"삭제된 조문입니다(삭제 {art.deleted_on})" if art.deleted_on else "삭제된 조문입니다"
        if ch is not None:
            note += f"; {ch.status_now or ch.type}"
        return _CheckRecord(verdict="article_deleted", law=law.name, law_id=law.id,
                             article_title=_old_title(ch, c.article) if ch else None, note=note)
    lapsed = _lapsed_change(law, c.article, reg)
    if lapsed is not None and (c.paragraph in (None, "제1항")):
        return _CheckRecord(
            verdict="repealed_or_lapsed", law=law.name, law_id=law.id, article_title=title,
            note=_events_note(lapsed) + (f" (범위: {lapsed.scope})" if lapsed.scope else ""),
        )
    note = old_note or res.note
    if art.in_force_title and art.in_force_title != art.title:
        note = (note + "; " if note else "") + f"개정 공포된 제목 '{art.title}'은 아직 시행 전"
    return _CheckRecord(verdict="valid", law=law.name, law_id=law.id, article_title=title, note=note)


@functools.lru_cache(maxsize=8192)
def _later_version_changes(reg: Registry, doc_id: str, article: str, as_of: date) -> bool:
    """A version effective after the snapshot applies on `as_of` and changes this article (added, deleted,
    retitled): the book decides; otherwise the curated record (lapses, renumberings) still holds. Cached: asked
    for every citation of a curated law."""
    if as_of <= reg.snapshot_date:
        return False
    v = reg.version_as_of(doc_id, as_of)
    if v is None or v.effective <= reg.snapshot_date.isoformat():
        return False
    return _differs(reg.article_as_of(doc_id, article, as_of), reg.article_as_of(doc_id, article))


def _differs(now, then) -> bool:
    if now is None or then is None:
        return (now is None) != (then is None)
    return then.only_later or (now.title, now.deleted) != (then.title, then.deleted)


def _book_check(c, res, reg: Registry, as_of: date | None):
    """Article-level verdict from the statute book (Acts outside the curated laws, decrees, rules)."""
    name = res.name
    did = res.doc_id
    if c.article is None:
        return _CheckRecord(verdict="valid", law=name, law_id=did, note=res.note)
    art = reg.article_as_of(did, c.article, as_of)
    on = (as_of or reg.snapshot_date).isoformat()
    if art is None:
        if c.old_law:
            return _CheckRecord(verdict="outdated", law=name, law_id=did,
                                note="구법 조문: 현행 법령에는 이 조문이 없습니다(개정 전 조문 인용)")
        earlier = reg.earlier_article(did, c.article)
        if earlier is not None:
            return _CheckRecord(verdict="outdated", law=name, law_id=did,
                                article_title=earlier[0], note=_earlier_note(earlier))
        former = reg.former_article(did, c.article)
        if former is not None:
            return _CheckRecord(verdict="outdated", law=name, law_id=did, note=_former_note(former))
        named = _cited_under_written_name(c, name, reg)
        if named is not None:
            return _CheckRecord(verdict="outdated", law=name, law_id=did, note=named)
        earliest = _text_later_than(reg, did, as_of)
        if earliest is not None:
            return _CheckRecord(verdict="unverifiable", law=name, law_id=did,
                                note=_article_then_note(name, c.article, earliest, as_of))
        return _CheckRecord(verdict="article_not_found", law=name, law_id=did,
                            note=f"「{name}」에 {c.article}이(가) 없습니다(지어낸 조문일 수 있음)")
    if art.only_later:
        earliest = _text_later_than(reg, did, as_of)
        if earliest is not None:
            return _CheckRecord(verdict="unverifiable", law=name, law_id=did,
                                note=_article_then_note(name, c.article, earliest, as_of))
        return _CheckRecord(verdict="not_yet_in_force", law=name, law_id=did, article_title=art.title,
                            note=f"공포되었으나 {on} 기준 아직 시행 전인 조문입니다(시행 {art.version.effective})")
    if art.deleted:
        if c.old_law:
            return _CheckRecord(verdict="outdated", law=name, law_id=did,
                                note="구법 조문: 현행 법령에서는 삭제된 조문입니다(개정 전 조문 인용)")
        return _CheckRecord(verdict="article_deleted", law=name, law_id=did, note="삭제된 조문입니다")
    note = "구법(개정 전 조문) 인용: 현행 조문 기준으로만 확인했습니다" if c.old_law else res.note
    if art.version.effective > reg.snapshot_date.isoformat():
        note = (note + "; " if note else "") + (f"{art.version.effective} 시행 개정본 기준"
                                                 f"(공포 {art.version.promulgated}, 기준일 {on})")
    if art.later is not None:
        later = "삭제" if art.later.deleted else f"제목 '{art.later.title}'"
        note = (note + "; " if note else "") + f"{art.later.version.effective} 시행 개정으로 {later}"
    return _CheckRecord(verdict="valid", law=name, law_id=did, article_title=art.title, note=note)


def _iso(dotted: str | None) -> str | None:
    """'2011.3.7' -> '2011-03-07' (the date of a deleting amendment as the registry writes it), else None."""
    parts = dotted.split(".") if dotted else []
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"


def _text_later_than(reg: Registry, doc_id: str | None, as_of: date | None) -> str | None:
    """The 시행일자 of the earliest text the book holds of the document (the snapshot date for a document without
    kept versions) when `as_of` is before it, else None: an article missing there may have existed on `as_of`."""
    if as_of is None:
        return None
    earliest = reg.earliest_text(doc_id) if doc_id else None
    earliest = earliest or reg.snapshot_date.isoformat()
    return earliest if as_of.isoformat() < earliest else None


def _unknown_then_note(reg: Registry, as_of: date) -> str:
    return (f"레지스트리는 {reg.snapshot_date.isoformat()} 현재의 법령 전부와 그 전에 폐지된 법령 일부만 갖고 있어 "
            f"{as_of.isoformat()} 당시의 법령이 빠져 있을 수 있습니다: 확인 불가(지어낸 법률명으로 보지 않음)")


def _article_then_note(name: str, article: str, earliest: str, as_of: date | None) -> str:
    on = as_of.isoformat() if as_of else ""
    return (f"법령집이 가진 「{name}」의 가장 이른 본문은 {earliest} 시행본입니다: {on} 당시 본문에 {article}이(가) "
            f"있었는지 확인할 수 없습니다(지어낸 조문으로 보지 않음)")


def _cited_under_written_name(c, name: str, reg: Registry) -> str | None:
    """A note when the name as written is not the document's own name (마약법 for 마약류 관리에 관한 법률) and
    court decisions cite this article under that written name: the article of the law that bore it."""
    if c.law_text is None or law_key(c.law_text) == law_key(name):
        return None
    ev = reg.history_article(c.law_text, c.article)
    if ev is None:
        return None
    return (f"현행 「{name}」에 없는 조문: 「{c.law_text}」의 {c.article}로 판례 {ev[0]}건이 인용합니다"
            f"(예: {ev[1]}; 옛 법령의 조문)")


def _renamed_article(c, res, reg: Registry, as_of: date | None) -> tuple[str, str | None, str] | None:
    """(article verdict, title, note) for the article of a citation under a former name, or None when it cannot
    be looked up. First the articles court decisions cite under that name (the former text itself), then the
    successor's text, where the renaming kept the numbering: not after a wholesale revision (전부개정)."""
    ev = reg.history_article(c.law_text, c.article)
    if ev is not None:
        return "valid", None, f"옛 명칭 「{c.law_text}」의 {c.article}: 판례 {ev[0]}건이 같은 조문을 인용합니다(예: {ev[1]})"
    did = res.doc_id
    if did is None or (res.history is not None and res.history.wholesale):
        return None
    art = reg.article_as_of(did, c.article, as_of)
    if art is not None and not art.only_later:
        if art.deleted:
            return "outdated", None, f"현행 「{res.name}」에서는 삭제된 조문입니다"
        return "valid", art.title, f"현행 「{res.name}」 {c.article} 기준으로 확인했습니다"
    earlier = reg.earlier_article(did, c.article)
    if earlier is not None:
        return "outdated", earlier[0], _earlier_note(earlier)
    former = reg.former_article(did, c.article)
    if former is not None:
        return "outdated", None, _former_note(former)
    return None


def _earlier_note(earlier: tuple[str | None, str]) -> str:
    title = f"({earlier[0]}) " if earlier[0] else ""
    return f"현행 법령에 없는 조문 {title}: 개정 전 법령에 있던 조문입니다(그 조문이 있던 마지막 본문 시행 {earlier[1]})"


def _former_note(former: tuple[int, str]) -> str:
    return f"현행 법령에 없는 조문: 개정 전 법령의 조문으로 판례 {former[0]}건이 인용합니다(예: {former[1]})"


def _old_title(ch: Change | None, article: str) -> str | None:
    if ch is None:
        return None
    return ch.old_titles.get(article) or ch.old_title


def _events_note(ch: Change) -> str:
    ev = "; ".join(f"{e.get('date')} {e.get('event')}" for e in ch.events[:2])
    verified = "" if ch.verified is True else " [부분 검증]"
    return f"효력 상실·폐지: {ev}{verified}"
