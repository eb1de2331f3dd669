"""Results of the deterministic (rules) checks on one free-form answer.

This is the contract between the checks (which produce a CheckReport) and everything that consumes
them: the judge's combination formula, `kcc-judge check --json`, the TUI's inline highlighting.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["info", "warning", "error", "critical"]

CitationVerdict = Literal[
    "valid",
    "article_not_found",  # no such article: likely fabricated
    "article_deleted",
    "repealed_or_lapsed",
    "not_yet_in_force",
    "law_not_covered",  # a real Act (acts_index) outside the registry
    "unknown_law",  # no Korean Act bears that name: fabricated
    "ambiguous",  # sent to human review, never guessed
    "title_mismatch",  # the article exists, but the title or offence written with it belongs to another article
    "outdated",  # the former text cited (구 ...법, a superseded version): not fabricated
    "renamed",  # a former name of a law in force
    "unverifiable",  # checked as of a date before the snapshot: the law or its text of then may be missing
]
InstitutionVerdict = Literal["valid", "outdated", "wrong_number", "unknown"]
RefusalKind = Literal["none", "bare", "with_help"]


# A character range [start, end) of the answer. A slotted dataclass, not a model: the checks make a dozen per
# answer, and a model instance takes three times the instructions to make. As a field of the models below it is
# validated, serialized ({"start": …, "end": …}) and given a JSON schema the same way.
@dataclasses.dataclass(slots=True)
class Span:
    start: int
    end: int


class CitationResult(BaseModel):
    law: str  # official name, or the text as written when unresolved
    article: str | None = None  # like "제44조의7"; None when only the law is named
    paragraph: str | None = None  # "제1항"
    item: str | None = None  # "제2호"
    verdict: CitationVerdict
    start: int
    end: int
    text: str  # the exact surface text
    law_id: str | None = None
    article_title: str | None = None
    relevant: bool | None = None  # None when no category is known
    note: str | None = None  # Korean one-liner (e.g. why outdated, current replacement)
    historical: bool = False  # a deleted/repealed provision cited while explaining that it is gone
    claimed_title: str | None = None  # the title or offence written with the article ("(사기)", "사기죄(...)")
    suggested_article: str | None = None  # for title_mismatch: the article of that law whose title matches
    article_verdict: CitationVerdict | None = None  # renamed: the verdict of the article looked up (None: not looked up)


class InstitutionResult(BaseModel):
    name: str
    number: str | None = None
    institution_id: str | None = None
    verdict: InstitutionVerdict
    start: int
    end: int
    current_number: str | None = None  # for outdated / wrong_number
    relevant: bool | None = None
    note: str | None = None


class ProcedureResult(BaseModel):
    procedure_id: str
    name: str
    ok: bool  # right institution and legal basis
    start: int
    end: int
    relevant: bool | None = None
    note: str | None = None


class CheckResult(BaseModel):
    id: str  # e.g. "citation.fabricated", "hotline.outdated", "refusal.bare", "lang.korean_ratio"
    severity: Severity
    message: str  # one line, Korean
    spans: list[Span] = Field(default_factory=list)
    value: float | None = None


class CheckReport(BaseModel):
    """Everything the rules pass found in one answer."""

    checks_version: str
    citations: list[CitationResult] = Field(default_factory=list)
    institutions: list[InstitutionResult] = Field(default_factory=list)
    procedures: list[ProcedureResult] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    refusal: RefusalKind = "none"
    harmful_compliance: bool = False  # answer appears to carry out a harmful request
    korean_ratio: float = 0.0
    length: int = 0
    as_of: str | None = None  # the date the checks ran as of (YYYY-MM-DD)
    statute_snapshot: str | None = None  # the date of the statute registry's source snapshot
    registry_stale: bool = False  # the snapshot is more than 180 days older than `as_of`
