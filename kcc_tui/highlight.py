"""Inline highlighting of statute citations and hotlines in a candidate, from the judge's check spans.

The spans come from `Judgment.checks` (a CheckReport as a dict). Each one becomes a `Mark` the reviewer can
select (`i` cycles) and open (detail popup). Categories map the many verdicts onto four distinct styles.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from rich.text import Text

from kcc_tui.literal import visible

MarkCategory = Literal["valid", "fabricated", "outdated", "other"]

CITATION_CATEGORY: dict[str, MarkCategory] = {
    "valid": "valid",
    "unknown_law": "fabricated",
    "article_not_found": "fabricated",
    "article_deleted": "outdated",
    "repealed_or_lapsed": "outdated",
    "not_yet_in_force": "outdated",
    "law_not_covered": "other",
    "ambiguous": "other",
    "unverifiable": "other",
}
INSTITUTION_CATEGORY: dict[str, MarkCategory] = {
    "valid": "valid",
    "outdated": "outdated",
    "wrong_number": "other",
    "unknown": "other",
}

STYLES: dict[MarkCategory, str] = {
    "valid": "bold green underline",
    "fabricated": "bold white on red",
    "outdated": "bold black on yellow",
    "other": "bold magenta underline",
}
SELECTED_STYLE = "reverse"

LEGEND = (("valid", "valid"), ("fabricated", "fabricated"), ("outdated", "outdated"), ("other", "other"))


class Mark(BaseModel):
    """One highlighted span: a statute citation or an institution/hotline mention."""

    kind: Literal["citation", "institution"]
    start: int
    end: int
    category: MarkCategory
    verdict: str
    label: str
    data: dict[str, Any]


def _parse(items: Any, model: type[BaseModel]) -> list[BaseModel]:
    out: list[BaseModel] = []
    for raw in items or ():
        try:
            out.append(model.model_validate(raw))
        except ValidationError:
            continue
    return out


def preload() -> None:
    """Import the judge's check models now (a thread after first paint calls this): importing the judge's
    checks package loads its statute parsers, a tenth of a second that `kcc` need not spend before its
    first screen."""
    import judge.checks.models  # noqa: F401


def marks_from_checks(checks: dict[str, Any] | None, text_len: int) -> list[Mark]:
    """Valid, in-bounds marks of one candidate, in text order (malformed entries are skipped)."""
    if not checks:
        return []
    from judge.checks.models import CitationResult, InstitutionResult  # see preload()

    marks: list[Mark] = []
    for c in _parse(checks.get("citations"), CitationResult):
        assert isinstance(c, CitationResult)
        label = " ".join(p for p in (c.law, c.article, c.paragraph, c.item) if p)
        marks.append(Mark(kind="citation", start=c.start, end=c.end, verdict=c.verdict, label=label,
                          category=CITATION_CATEGORY.get(c.verdict, "other"), data=c.model_dump()))
    for i in _parse(checks.get("institutions"), InstitutionResult):
        assert isinstance(i, InstitutionResult)
        label = f"{i.name} {i.number}" if i.number else i.name
        marks.append(Mark(kind="institution", start=i.start, end=i.end, verdict=i.verdict, label=label,
                          category=INSTITUTION_CATEGORY.get(i.verdict, "other"), data=i.model_dump()))
    marks = [m for m in marks if 0 <= m.start < m.end <= text_len]
    marks.sort(key=lambda m: (m.start, m.end))
    return marks


def highlighted(text: str, marks: list[Mark], selected: int | None = None) -> Text:
    """The candidate text (literal, controls visible) with each mark styled; the selected one reversed."""
    out = Text(visible(text))
    for n, m in enumerate(marks):
        style = STYLES[m.category]
        if n == selected:
            style = f"{style} {SELECTED_STYLE}"
        out.stylize(style, m.start, m.end)
    return out


def legend() -> Text:
    out = Text("citations & hotlines:", style="dim")
    for cat, label in LEGEND:
        out.append(" ")
        out.append(label, style=STYLES[cat])  # type: ignore[index]
    return out
