"""The hot-path helpers give exactly what the public, model-returning API gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from judge.checks.models import CheckReport, CheckResult, CitationResult, ProcedureResult, Span
from statutes import (
    assess_mentions,
    check_citation,
    extract_citations,
    find_mentions,
    find_procedures,
)
from statutes.citations import Citation, extract_citations_fast
from statutes.fastmodel import fast_constructor, keyword_constructor, raw_record
from statutes.institutions import assess_mentions_fast, find_mentions_fast, find_procedures_fast
from statutes.verify import check_citation_fast

CORPUS = Path(__file__).resolve().parents[1] / "t_checks" / "data" / "corpus.jsonl"


def _texts() -> list[str]:
    return [json.loads(x)["text"] for x in CORPUS.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.parametrize(
    ("model", "kw"),
    [
        (CheckResult, {"id": "x", "severity": "info", "message": "m"}),
        (CheckResult, {"id": "x", "severity": "info", "message": "m", "spans": [Span(start=0, end=1)], "value": 1.0}),
        (CitationResult, {"law": "형법", "verdict": "valid", "start": 0, "end": 2, "text": "형법"}),
        (CheckReport, {"checks_version": "v", "length": 3}),
    ],
)
def test_fast_constructor_is_model_construct(model, kw):
    a, b = fast_constructor(model)(**kw), model.model_construct(**kw)
    assert a.__dict__ == b.__dict__ and list(a.__dict__) == list(b.__dict__)
    assert a.model_fields_set == b.model_fields_set
    assert a == b and a.model_dump_json() == b.model_dump_json()
    assert model.model_validate(a.model_dump()) == a


@pytest.mark.parametrize(
    ("model", "kw"),
    [
        (CheckResult, {"id": "x", "severity": "info", "message": "m", "spans": [Span(start=0, end=1)]}),
        (CitationResult, {"law": "형법", "article": None, "verdict": "valid", "start": 0, "end": 2, "text": "형법",
                          "relevant": None, "historical": False}),
        (CheckReport, {"checks_version": "v", "length": 3, "as_of": "2026-01-01"}),
        (ProcedureResult, {"procedure_id": "p", "name": "n", "ok": True, "start": 0, "end": 1, "relevant": None,
                           "note": None}),
    ],
)
def test_keyword_constructor_is_model_construct(model, kw):
    a, b = keyword_constructor(model, tuple(kw))(**kw), model.model_construct(**kw)
    assert a.__dict__ == b.__dict__ and list(a.__dict__) == list(b.__dict__)
    assert a.model_fields_set == b.model_fields_set
    assert a == b and a.model_dump_json() == b.model_dump_json()
    if model is CheckReport:
        c = keyword_constructor(model, tuple(kw))(**kw)
        a.checks.append(CheckResult(id="x", severity="info", message="m"))
        assert c.checks == []  # default factories called per instance


def test_keyword_constructor_refuses_what_it_cannot_build():
    with pytest.raises(TypeError, match="no fields"):
        keyword_constructor(CitationResult, ("law", "middle"))
    with pytest.raises(TypeError, match="required field"):
        keyword_constructor(CitationResult, ("law",))


def test_a_span_is_a_plain_record_that_models_validate_and_serialize():
    """Span is a slotted dataclass (cheap to make); inside a report it reads and writes as an object."""
    res = CheckResult(id="x", severity="info", message="m", spans=[Span(0, 2)])
    assert res.model_dump()["spans"] == [{"start": 0, "end": 2}]
    back = CheckResult.model_validate_json(res.model_dump_json())
    assert back == res and isinstance(back.spans[0], Span)
    with pytest.raises(ValueError, match="start"):
        CheckResult.model_validate({"id": "x", "severity": "info", "message": "m", "spans": [{"start": "a", "end": 1}]})


def test_default_factories_are_fresh():
    make = fast_constructor(CheckReport)
    a, b = make(checks_version="v"), make(checks_version="v")
    a.checks.append(CheckResult(id="x", severity="info", message="m"))
    assert b.checks == []


def test_raw_record_round_trip():
    record, to_model = raw_record(Citation)
    r = record(text="형법 제1조", start=0, end=6, law_text="형법", article="제1조")
    assert r.law_ref == "named" and r.paragraph is None and r.lang == "ko"
    m = to_model(r)
    assert m == Citation(text="형법 제1조", start=0, end=6, law_text="형법", article="제1조")
    with pytest.raises(TypeError):
        record(start=0, end=1)  # required field missing

    class WithFactory(BaseModel):
        xs: list[int] = Field(default_factory=list)

    with pytest.raises(TypeError):
        raw_record(WithFactory)


def _same(model, rec) -> None:
    for name in type(model).model_fields:
        assert getattr(model, name) == getattr(rec, name), name


def test_fast_paths_agree_with_public_api():
    for text in _texts():
        cits, fast = extract_citations(text), extract_citations_fast(text)
        assert len(cits) == len(fast)
        for c, f in zip(cits, fast, strict=True):
            _same(c, f)
            _same(check_citation(c), check_citation_fast(f))
        ms, fms = find_mentions(text), find_mentions_fast(text)
        assert len(ms) == len(fms)
        for m, f in zip(ms, fms, strict=True):
            _same(m, f)
        found, ffound = assess_mentions(text, ms), assess_mentions_fast(text, fms)
        assert len(found) == len(ffound)
        for m, f in zip(found, ffound, strict=True):
            _same(m, f)
        procs, fprocs = find_procedures(text), find_procedures_fast(text)
        assert len(procs) == len(fprocs)
        for m, f in zip(procs, fprocs, strict=True):
            _same(m, f)


@pytest.mark.parametrize(
    "text",
    ["", "「형법」 제250조", "『「법」』", "「「a」」『b』「c』 「」x「" + "y" * 90 + "」", "『『「」「a」『b』",
     "『" * 200 + "「형법」『민법』", "「」" * 100 + "「형법」", "「형\n법」「민법」"],
)
def test_bracket_finder_is_the_regex_scan(text):
    from statutes.citations import _BRACKET, _brackets

    assert [m.span() for m in _brackets(text)] == [m.span() for m in _BRACKET.finditer(text)]


def test_cached_verdicts_are_not_changed_by_the_pending_date_rule():
    """A verdict record is shared between citations of the same form: the checks copy it before changing it."""
    import datetime as dt

    from judge.checks.citation_check import _in_force_by
    from statutes.registry import registry

    reg = registry()
    c = extract_citations_fast("형법 제123조의2")[0]
    day = reg.snapshot_date
    v = check_citation_fast(c, reg, as_of=day)
    assert v.verdict == "not_yet_in_force"
    changed = _in_force_by(v, c, reg, (day + dt.timedelta(days=3650)).isoformat())
    assert changed.verdict == "valid" and changed is not v
    assert v.verdict == "not_yet_in_force"
    assert check_citation_fast(c, reg, as_of=day).verdict == "not_yet_in_force"
    assert check_citation(c, as_of=day).verdict == "not_yet_in_force"
