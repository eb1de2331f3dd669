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
from statutes.fastmodel import fast_constructor

new_span = fast_constructor(Span)
new_check = fast_constructor(CheckResult)
new_citation_result = fast_constructor(CitationResult)
new_institution_result = fast_constructor(InstitutionResult)
new_procedure_result = fast_constructor(ProcedureResult)
new_report = fast_constructor(CheckReport)
