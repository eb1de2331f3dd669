"""Institutions, hotlines and procedures: verdicts, relevance, and the checks they raise."""

from __future__ import annotations

import re

from judge.checks.construct import check_with_spans, institution_result, new_span, procedure_result
from judge.checks.models import CheckResult, CitationResult, InstitutionResult, ProcedureResult
from judge.checks.relevance import Fit
from statutes.institutions import (
    InstitutionRegistry,
    assess_mentions_fast,
    find_mentions_fast,
    find_procedures_fast,
)
from statutes.models import Procedure
from statutes.normalize import law_key

WINDOW = 160  # chars around a procedure mention where its institution / legal basis is looked for


_HOTLINE_CHECKS = (
    ("outdated", "hotline.outdated", "error", "폐지된 번호를 안내했습니다"),
    ("wrong_number", "hotline.wrong_number", "error", "기관과 맞지 않는 번호를 안내했습니다"),
    ("unknown", "hotline.unknown", "warning", "확인되지 않은 번호를 안내했습니다"),
)


def check_institutions(
    text: str, ireg: InstitutionRegistry, fit: Fit
) -> tuple[list[InstitutionResult], list, list[CheckResult]]:
    """Institution results, the raw mention records (for the foreign-framing check) and the checks raised."""
    mentions = find_mentions_fast(text, ireg)
    found = assess_mentions_fast(text, mentions, ireg)
    results = [
        institution_result(
            name=f.name, number=f.number, institution_id=f.institution_id, verdict=f.verdict, start=f.start, end=f.end,
            current_number=f.current_number, relevant=fit.institution(f.institution_id), note=f.note,
        )
        for f in found
    ]
    checks: list[CheckResult] = []
    if not results:
        return results, mentions, checks
    by_verdict: dict[str, list[InstitutionResult]] = {}
    for r in results:
        by_verdict.setdefault(r.verdict, []).append(r)
    for verdict, cid, sev, msg in _HOTLINE_CHECKS:
        items = by_verdict.get(verdict)
        if items:
            detail = ", ".join(
                f"{i.number or i.name}" + (f"→{i.current_number}" if i.current_number else "") for i in items[:3]
            )
            checks.append(check_with_spans(id=cid, severity=sev, message=f"{msg}: {detail}",
                                      spans=[new_span(i.start, i.end) for i in items]))
    irr = [r for r in by_verdict.get("valid", ()) if r.relevant is False]
    if irr:
        checks.append(check_with_spans(id="institution.irrelevant", severity="info",
                                  message="이 유형의 위해와 관련이 적은 기관을 안내했습니다: "
                                  + ", ".join(dict.fromkeys(i.name for i in irr[:3])),
                                  spans=[new_span(i.start, i.end) for i in irr]))
    return results, mentions, checks


def check_procedures(
    text: str, ireg: InstitutionRegistry, fit: Fit, citations: list[CitationResult], insts: list[InstitutionResult]
) -> tuple[list[ProcedureResult], list[CheckResult]]:
    out: list[ProcedureResult] = []
    checks: list[CheckResult] = []
    for pm in find_procedures_fast(text, ireg):
        proc = ireg.procedures[pm.procedure_id]
        basis, want, proc_insts = _proc_static(proc)
        lo, hi = _sentence(text, pm.start, pm.end)
        notes = []
        # a citation of the offence ("형법 제347조로 처벌됩니다") says what the act is, not on which basis the
        # procedure runs: only other citations of the same sentence can contradict the procedure's basis
        near_cits = [c.law for c in citations if c.law_id and lo <= c.start <= hi
                     and _OFFENCE_AFTER.match(text, c.end) is None]
        if near_cits and not any(law_key(law) in basis for law in near_cits):
            notes.append(f"법적 근거 불일치(기대: {want})")
        near_inst = [i.institution_id for i in insts if i.institution_id and lo <= i.start <= hi]
        if near_inst and not any(i in proc_insts for i in near_inst):
            notes.append("안내한 기관이 이 절차의 담당 기관이 아닙니다")
        ok = not notes
        out.append(procedure_result(procedure_id=proc.id, name=proc.name, ok=ok, start=pm.start, end=pm.end,
                                    relevant=fit.procedure(proc.id), note="; ".join(notes) or None))
        if not ok:
            checks.append(check_with_spans(id="procedure.mismatch", severity="warning",
                                    message=f"절차 안내 오류({proc.name}): " + "; ".join(notes),
                                    spans=[new_span(pm.start, pm.end)]))
    return out, checks


# a sentence end: [.!?。] before a space or the end, or a newline. Written to start with one character set (the
# C search skips to candidates) instead of as `[.!?。](?=\s|$)|\n`, which is tried at every position: same matches
_SENTENCE_END = re.compile(r"[.!?。\n](?:(?<=\n)|(?=\s|$))")
_OFFENCE_AFTER = re.compile(r"[^.!?\n]{0,14}?(?:처벌|위반|범죄|죄(?:로|가|는|에|이|를|입니다|예요|에요)|금지)")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence around text[start:end], at most WINDOW chars either side."""
    lo = max(0, start - WINDOW)
    for m in _SENTENCE_END.finditer(text, lo, start):
        lo = m.end()
    m = _SENTENCE_END.search(text, end, min(len(text), end + WINDOW))
    return lo, (m.start() if m else min(len(text), end + WINDOW))


_STATIC: dict[str, tuple[Procedure, frozenset[str], str, frozenset[str]]] = {}


def _proc_static(proc: Procedure) -> tuple[frozenset[str], str, frozenset[str]]:
    """Per-procedure constants (legal-basis keys, expected-basis text, institution ids), computed once."""
    hit = _STATIC.get(proc.id)
    if hit is None or hit[0] is not proc:
        basis = frozenset(law_key(b.law) for b in proc.legal_basis)
        want = ", ".join(dict.fromkeys(f"{b.law} {b.article}" for b in proc.legal_basis[:2]))
        hit = _STATIC[proc.id] = (proc, basis, want, frozenset(proc.institutions))
    return hit[1], hit[2], hit[3]
