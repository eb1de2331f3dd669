"""Statute citations: extraction, verdict, relevance, and the named checks they raise."""

from __future__ import annotations

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
}


def check_citations(text: str, reg: Registry, fit: Fit) -> tuple[list[CitationResult], list[CheckResult]]:
    cits = extract_citations_fast(text, reg)
    results: list[CitationResult] = []
    budget = [FUZZY_BUDGET]
    for c in cits:
        v = check_citation_fast(c, reg, budget=budget)
        relevant = fit.citation(v.law, c.article) if v.law_id else None
        results.append(
            new_citation_result(
                law=v.law, article=c.article, paragraph=c.paragraph, item=c.item, verdict=v.verdict, start=c.start,
                end=c.end, text=c.text, law_id=v.law_id, article_title=v.article_title, relevant=relevant, note=v.note,
            )
        )
    checks: list[CheckResult] = []
    grouped: dict[str, list[CitationResult]] = {}
    for r in results:
        if r.verdict in _CHECK:
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
