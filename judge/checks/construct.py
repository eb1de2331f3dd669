"""Fast constructors of the result models for the checks' hot path (trusted data; see statutes.fastmodel)."""

from __future__ import annotations

from judge.checks.models import (
    CheckReport,
    CheckResult,
    CitationResult,
    InstitutionResult,
    ProcedureResult,
    Span,
)
from statutes.fastmodel import (
    fast_constructor,
    keyword_constructor,
)

# a Span is a slotted dataclass: its own constructor is the fast one (positional: start, end)
new_span = Span

new_check = fast_constructor(CheckResult)
new_report = fast_constructor(CheckReport)

# the hot call sites, which always pass the same fields: keyword-only constructors (no **kw dict per call)
citation_result = keyword_constructor(CitationResult, (
    "law", "article", "paragraph", "item", "verdict", "start", "end", "text", "law_id", "article_title", "relevant",
    "note", "historical"))
procedure_result = keyword_constructor(ProcedureResult, (
    "procedure_id", "name", "ok", "start", "end", "relevant", "note"))
institution_result = keyword_constructor(InstitutionResult, (
    "name", "number", "institution_id", "verdict", "start", "end", "current_number", "relevant", "note"))
report = keyword_constructor(CheckReport, (
    "checks_version", "length", "checks", "citations", "institutions", "procedures", "refusal", "harmful_compliance",
    "korean_ratio", "as_of", "statute_snapshot", "registry_stale"))
check_with_spans = keyword_constructor(CheckResult, ("id", "severity", "message", "spans"))
check_with_spans_value = keyword_constructor(CheckResult, ("id", "severity", "message", "spans", "value"))
