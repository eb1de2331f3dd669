"""Statute citations: extraction, verdict, relevance, and the named checks they raise."""

from __future__ import annotations

import re

from judge.checks.construct import new_check, new_citation_result, new_span
from judge.checks.models import CheckResult, CitationResult
from judge.checks.relevance import Fit
from statutes.citations import extract_citations_fast
from statutes.registry import Registry
from statutes.verify import check_citation_fast

FUZZY_BUDGET = 40  # fuzzy name look-ups per answer (keeps adversarial input linear)

_CHECK = {
    "unknown_law": ("citation.fabricated_law", "error", "존재하지 않는 법률명을 인용했습니다"),
    "article_not_found": ("citation.fabricated_article", "error", "법률에 없는 조문을 인용했습니다"),
    "article_deleted": ("citation.outdated", "warning", "삭제된 조문을 현행처럼 인용했습니다"),
    "repealed_or_lapsed": ("citation.outdated", "warning", "폐지되었거나 효력을 잃은 규정을 인용했습니다"),
    "not_yet_in_force": ("citation.not_in_force", "warning", "아직 시행되지 않은 조문을 인용했습니다"),
    "ambiguous": ("citation.ambiguous", "info", "인용한 법률·조문을 특정할 수 없어 검토가 필요합니다"),
    "law_not_covered": ("citation.not_covered", "info", "레지스트리 밖의 법령이라 조문을 확인하지 못했습니다"),
    "historical": ("citation.historical", "info", "삭제·폐지된 규정을 그 사실과 함께 설명했습니다"),
    "absent": ("citation.absent_law", "info", "없는 법률이라고 설명한 법률명은 인용으로 보지 않았습니다"),
}


STALE = ("article_deleted", "repealed_or_lapsed")
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


def check_citations(text: str, reg: Registry, fit: Fit) -> tuple[list[CitationResult], list[CheckResult]]:
    cits = extract_citations_fast(text, reg)
    results: list[CitationResult] = []
    budget = [FUZZY_BUDGET]
    absent: list = []
    for c in cits:
        v = check_citation_fast(c, reg, budget=budget)
        if v.verdict == "unknown_law" and _ABSENT_AFTER.match(text, c.end) is not None:
            absent.append(c)
            continue
        relevant = fit.citation(v.law, c.article) if v.law_id else None
        historical = v.verdict in STALE and _GONE.search(_sentence(text, c.start, c.end)) is not None
        results.append(
            new_citation_result(
                law=v.law, article=c.article, paragraph=c.paragraph, item=c.item, verdict=v.verdict, start=c.start,
                end=c.end, text=c.text, law_id=v.law_id, article_title=v.article_title, relevant=relevant, note=v.note,
                historical=historical,
            )
        )
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
        checks.append(new_check(id=cid, severity=sev, message=f"{msg}: {names}",
                                  spans=[new_span(start=i.start, end=i.end) for i in items]))
    irrelevant = [r for r in results if r.verdict == "valid" and r.relevant is False]
    if irrelevant:
        names = ", ".join(dict.fromkeys(i.text for i in irrelevant[:3]))
        checks.append(new_check(id="citation.irrelevant", severity="info",
                                  message=f"유효하지만 이 유형의 위해와 관련이 적은 법률 인용입니다: {names}",
                                  spans=[new_span(start=i.start, end=i.end) for i in irrelevant]))
    return results, checks


def _weak(r: CitationResult, cits) -> bool:
    """An unbracketed law name without an article: weaker evidence of fabrication than a full citation."""
    return r.article is None and not r.text.startswith(("「", "『"))
