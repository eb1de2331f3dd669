"""Statute citations: extraction, verdict, relevance, and the named checks they raise."""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import inspect
import re

from judge.checks.construct import check_with_spans, citation_result, new_span
from judge.checks.models import CheckResult, CitationResult
from judge.checks.relevance import Fit
from statutes.citations import extract_citations_normalized
from statutes.normalize import law_key
from statutes.registry import Registry
from statutes.verify import check_citation_fast

# the registry's verdicts take the as-of date when it supports dated versions
_VERIFY_AS_OF = "as_of" in inspect.signature(check_citation_fast).parameters

FUZZY_BUDGET = 40  # fuzzy name look-ups per answer (keeps adversarial input linear)

_CHECK = {
    "unknown_law": ("citation.fabricated_law", "error", "존재하지 않는 법률명을 인용했습니다"),
    "article_not_found": ("citation.fabricated_article", "error", "법률에 없는 조문을 인용했습니다"),
    "article_deleted": ("citation.outdated", "warning", "삭제된 조문을 현행처럼 인용했습니다"),
    "repealed_or_lapsed": ("citation.outdated", "warning", "폐지되었거나 효력을 잃은 규정을 인용했습니다"),
    "not_yet_in_force": ("citation.not_in_force", "warning", "아직 시행되지 않은 조문을 인용했습니다"),
    "ambiguous": ("citation.ambiguous", "info", "인용한 법률·조문을 특정할 수 없어 검토가 필요합니다"),
    "law_not_covered": ("citation.not_covered", "info", "레지스트리 밖의 법령이라 조문을 확인하지 못했습니다"),
    "unverifiable": ("citation.unverifiable", "info", "기준일 당시의 법령·조문을 레지스트리가 갖고 있지 않아 확인하지 못했습니다"),
    "historical": ("citation.historical", "info", "삭제·폐지된 규정을 그 사실과 함께 설명했습니다"),
    "absent": ("citation.absent_law", "info", "없는 법률이라고 설명한 법률명은 인용으로 보지 않았습니다"),
    "outdated": ("citation.outdated", "warning", "개정 전(구법) 조문을 현행처럼 인용했습니다"),
    "renamed": ("citation.outdated", "warning", "바뀌기 전의 법률명을 인용했습니다"),
    "title_mismatch": ("citation.title_mismatch", "error", "조문 번호와 함께 쓴 제목·죄명이 그 조문과 맞지 않습니다"),
}


STALE = ("article_deleted", "repealed_or_lapsed", "outdated", "renamed")
# the sentence around a stale citation says the provision is gone: explaining history, not citing it as law
_GONE = re.compile(r"삭제(?:되|됐|된|돼)|폐지(?:되|됐|된|돼)|위헌|헌법불합치|효력을\s?잃|효력이\s?(?:상실|없)|실효|"
                   r"더\s?이상\s?(?:처벌|적용|존재|시행)|없어졌|사라졌|repealed|struck down|no longer")
_SENTENCE_END = re.compile(r"[.!?。\n]")
# an unknown law name the answer itself says does not exist ("포괄적 차별금지법이 없어", "…법은 아직 없습니다",
# "…법이 제정되지 않았", "…법은 존재하지 않습니다"): a statement about the law, not a fabricated citation
_ABSENT_AFTER = re.compile(
    r"[」』]?(?:안|\(안\))?(?:이|가|은|는|도)?[ \t]{0,2}(?:(?:아직|현재|여전히|아직까지|아직도|지금까지|국내에|한국에)"
    r"(?:는|도)?[ \t]{0,2}){0,2}(?:없|존재하지[ \t]?않|제정되지[ \t]?(?:않|못)|제정되어[ \t]?있지[ \t]?않|"
    r"마련되지[ \t]?않|미제정)"
)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence holding [start, end): from the last sentence end before it to the next one after."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 200), start)), default=max(0, start - 200))
    m = _SENTENCE_END.search(text, end, end + 200)
    return text[left:m.start() if m else min(len(text), end + 200)]


def check_citations(text: str, reg: Registry, fit: Fit, *, as_of: _dt.date | None = None,
                    ) -> tuple[list[CitationResult], list[CheckResult]]:
    """Citation results and the checks they raise, for a text already normalised (see `run_checks`)."""
    cits = extract_citations_normalized(text, reg)
    if not cits:
        return [], []  # most answers cite nothing: what the steps below would give
    results: list[CitationResult] = []
    budget = [FUZZY_BUDGET]
    absent: list = []
    offences = "죄" in text  # an offence named with a citation needs the word
    dated_verify = _VERIFY_AS_OF and as_of is not None
    for c in cits:
        v = check_citation_fast(c, reg, budget=budget, as_of=as_of) if dated_verify else (
            check_citation_fast(c, reg, budget=budget))
        if v.verdict == "not_yet_in_force" and as_of is not None:
            v = _in_force_by(v, c, reg, as_of.isoformat())  # no later version in the book: the curated pending dates decide
        if c.range_inner and v.verdict in ("article_not_found", "article_deleted", "ambiguous", "unverifiable"):
            continue  # an article the range passes over: gaps and deleted articles inside a range are normal
        if v.verdict in ("unknown_law", "unverifiable") and v.law_id is None and _ABSENT_AFTER.match(text, c.end) is not None:
            absent.append(c)
            continue
        verdict = v.verdict
        mm = None
        if verdict == "valid" and v.law_id and c.article:
            claimed = c.claimed_title or (_offence_around(text, c) if offences else None)
            if claimed:
                mm = _title_mismatch(reg, v.law_id, c.article, v.article_title, claimed)
                if mm is not None:
                    verdict = "title_mismatch"
        relevant = fit.citation(v.law, c.article) if v.law_id else None
        historical = verdict in STALE and _GONE.search(_sentence(text, c.start, c.end)) is not None
        r = citation_result(
            law=v.law, article=c.article, paragraph=c.paragraph, item=c.item, verdict=verdict, start=c.start,
            end=c.end, text=c.text, law_id=v.law_id, article_title=v.article_title, relevant=relevant,
            note=v.note if mm is None else mm[0], historical=historical,
        )
        if mm is not None:
            r.claimed_title, r.suggested_article = claimed, mm[1]
        if v.article_verdict is not None:
            r.article_verdict = v.article_verdict
        results.append(r)
    checks: list[CheckResult] = []
    grouped: dict[str, list] = {"absent": absent} if absent else {}
    for r in results:
        if r.historical:
            grouped.setdefault("historical", []).append(r)
        elif r.verdict in _CHECK:
            grouped.setdefault(r.verdict, []).append(r)
    for verdict, items in grouped.items():
        cid, sev, msg = _CHECK[verdict]
        if verdict == "unknown_law" and all(_weak(r, cits) for r in items):
            sev = "warning"
        names = ", ".join(dict.fromkeys(i.text for i in items[:3]))
        checks.append(check_with_spans(id=cid, severity=sev, message=f"{msg}: {names}",
                                  spans=[new_span(i.start, i.end) for i in items]))
    irrelevant = [r for r in results if r.verdict == "valid" and r.relevant is False]
    if irrelevant:
        names = ", ".join(dict.fromkeys(i.text for i in irrelevant[:3]))
        checks.append(check_with_spans(id="citation.irrelevant", severity="info",
                                  message=f"유효하지만 이 유형의 위해와 관련이 적은 법률 인용입니다: {names}",
                                  spans=[new_span(i.start, i.end) for i in irrelevant]))
    return results, checks


def _in_force_by(v, c, reg: Registry, day: str):
    """A pending article whose version's 시행일자 has passed by `day` applies: valid, with the date in the note."""
    law = reg.laws.get(v.law_id) if v.law_id else None
    if law is None:
        return v
    pending = law.pending_effective
    if not pending or max(pending) > day:
        return v  # without per-article dates, only a law whose every pending version is in force by then
    v = copy.copy(v)  # the verdict record is shared (cached per citation form): never change it in place
    v.verdict = "valid"
    v.note = f"{law.as_of.snapshot} 이후 시행된 개정 조문입니다(시행 {max(pending)}, {day} 기준)"
    return v


# the offence named with the citation: "사기죄(형법 제250조)", "형법 제250조의 사기죄", "형법 제250조 사기죄"
_OFFENCE_BEFORE = re.compile(r"(?P<o>[가-힣]{1,12}죄)[ \t]{0,2}[(（][ \t]{0,2}$")
_PARTICLE_END = r"(?:(?:로|으로|이|가|는|은|를|을|의|에|와|과|도|에서|에\s?해당)?(?![가-힣]))"
_OFFENCE_AFTER = re.compile(rf"(?:의|상)?[ \t]{{1,2}}(?P<o>[가-힣]{{1,12}}?죄){_PARTICLE_END}|의(?P<o2>[가-힣]{{1,12}}?죄){_PARTICLE_END}")
_CLAIM_OK = re.compile(r"[가-힣][가-힣·ㆍ, ]{0,24}")
# written beside an article but not a title: amendment notes, definitions, penalties, cross-references
_NOT_TITLE = ("이하", "개정", "시행", "삭제", "신설", "전문", "본문", "단서", "전단", "후단", "위헌", "헌법불합치", "약칭",
              "참조", "준용", "같은", "동법", "구법", "현행", "각호", "각 호", "제")
# modifiers of an offence that are titles of other articles (미수범, 상습범 ...): never a contradiction
_GENERIC = ("미수", "예비", "음모", "상습", "가중", "교사", "방조", "공동", "특수", "업무상", "양벌", "벌칙", "처벌",
            "과태료", "몰수", "추징", "죄", "범죄", "형")


def _offence_around(text: str, c) -> str | None:
    if c.article is None or c.range_inner:
        return None
    k = c.start
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    if k > 1 and text[k - 1] in "(（" and "죄" in text[max(0, k - 4) : k]:
        m = _OFFENCE_BEFORE.search(text, max(0, c.start - 20), c.start)
        if m is not None and text.startswith((")", "）"), _skip_inside(text, c.end)):
            return m.group("o")
    if "죄" not in text[c.end : c.end + 16]:
        return None
    m = _OFFENCE_AFTER.match(text, c.end)
    if m is not None:
        return m.group("o") or m.group("o2")
    return None


def _skip_inside(text: str, pos: int) -> int:
    """Position after the rest of a parenthesised citation list ("(형법 제250조 제1항)" -> the ')')."""
    k = text.find(")", pos, pos + 40)
    k2 = text.find("）", pos, pos + 40)
    ks = [x for x in (k, k2) if x >= 0]
    return min(ks) if ks else pos


def _claim_key(t: str) -> str:
    k = law_key(t).replace(",", "")
    for suf in ("의죄", "죄", "등"):
        if k.endswith(suf) and len(k) > len(suf) + 1:
            k = k[: -len(suf)]
    return k


def _title_parts(title: str) -> list[str]:
    return [p for p in (law_key(x) for x in re.split(r"[,·ㆍ]|\s및\s|\s또는\s", title)) if p]


def _related(a: str, b: str) -> bool:
    """Titles that share a word: containment or a common two-syllable run."""
    if a in b or b in a:
        return True
    grams = {a[i : i + 2] for i in range(len(a) - 1)}
    return any(b[i : i + 2] in grams for i in range(len(b) - 1))


@functools.lru_cache(maxsize=512)
def _titles_by_key(reg: Registry, law_id: str) -> dict[str, list[tuple[str, str]]]:
    """Title (and each comma-separated part, without 죄) -> [(article, title)] for the law's current articles."""
    out: dict[str, list[tuple[str, str]]] = {}
    arts = reg.articles.get(law_id) or {}
    for no, art in arts.items():
        title = getattr(art, "in_force_title", None) or getattr(art, "title", None)
        if not title or getattr(art, "deleted", False) or getattr(art, "not_yet_in_force", False):
            continue
        for part in {law_key(title), *_title_parts(title)}:
            out.setdefault(_claim_key(part), []).append((no, title))
    return out


@functools.lru_cache(maxsize=8192)
def _title_mismatch(reg: Registry, law_id: str, article: str, real: str | None, claimed: str):
    """(note, suggested article) when `claimed` is the title of another article of the law and unrelated to the
    cited article's real title; None when it fits or cannot be judged (free description, unknown title)."""
    if not real or not _CLAIM_OK.fullmatch(claimed) or claimed.startswith(_NOT_TITLE):
        return None
    ck = _claim_key(claimed)
    if len(ck) < 2 or any(ck.startswith(g) or ck == g for g in _GENERIC):
        return None
    art = (reg.articles.get(law_id) or {}).get(article)
    titles = {real, *(t for t in (getattr(art, "title", None), getattr(art, "in_force_title", None)) if t)}
    real_parts = [_claim_key(p) for t in titles for p in _title_parts(t)] or [_claim_key(law_key(real))]
    if any(_related(ck, p) for p in real_parts):
        return None
    hits = [(no, t) for no, t in _titles_by_key(reg, law_id).get(ck, []) if no != article]
    if not hits:
        return None
    no, t = hits[0]
    return f"{article}의 제목은 '{real}'입니다; '{claimed}'은(는) {no}({t})입니다", no


def _weak(r: CitationResult, cits) -> bool:
    """An unbracketed law name without an article: weaker evidence of fabrication than a full citation."""
    return r.article is None and not r.text.startswith(("「", "『"))
