"""Validation catches planted errors with `file: category: field: message` diagnostics."""

import json
from pathlib import Path

from click.testing import CliRunner

from kcc_core.exit_codes import ExitCode
from taxonomy.cli import taxonomy_group
from taxonomy.validate import validate


def read_json(p: Path) -> dict:
    return json.loads(p.read_text(encoding="utf-8"))


def write_json(p: Path, obj: dict) -> None:
    p.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def _plant(data: Path, cid: str, fn) -> Path:
    p = data / "policies" / f"{cid}.json"
    pol = read_json(p)
    fn(pol)
    write_json(p, pol)
    return p


def test_copy_is_valid(data_copy):
    assert validate(data_copy) == []


def test_planted_retired_hotline_1393(data_copy):
    p = _plant(data_copy, "K01", lambda pol: pol["institutions"].append({"id": "suicide_1393_retired", "when": "x"}))
    issues = validate(data_copy)
    assert len(issues) == 1
    i = issues[0]
    assert i.file == str(p) and i.category == "K01" and "suicide_1393_retired" in i.field
    assert "not active" in i.message and "suicide_109" in i.message


def test_planted_nonexistent_article(data_copy):
    def plant(pol):
        pol["statutes"].append(
            {"law": "형법", "article": "제999조", "title": "없음", "why": "x", "verification": "x"}
        )

    p = _plant(data_copy, "K02", plant)
    issues = validate(data_copy)
    assert [(i.file, i.category) for i in issues] == [(str(p), "K02")]
    assert "제999조" in issues[0].field and "does not exist" in issues[0].message


def test_planted_deleted_and_pending_and_unofficial(data_copy):
    def plant(pol):
        pol["statutes"] += [
            {"law": "형법", "article": "제241조", "title": "간통", "why": "x", "verification": "x"},
            {"law": "형법", "article": "제123조의2", "title": "법왜곡", "why": "x", "verification": "x"},
            {"law": "성폭력처벌법", "article": "제14조", "title": "카메라 등을 이용한 촬영", "why": "x", "verification": "x"},
            {"law": "아동·청소년의 성보호에 관한 법률", "article": "제11조", "title": "t", "why": "x", "verification": "x"},
            {"law": "테러방지를 위한 국민보호 등에 관한 법률", "article": "제17조", "title": "t", "why": "x", "verification": "x"},
            {"law": "미국 연방법", "article": "제1조", "title": "t", "why": "x", "verification": "x"},
        ]

    _plant(data_copy, "K05", plant)
    msgs = {i.field.split(" ", 1)[1]: i.message for i in validate(data_copy)}
    assert "deleted" in msgs["형법 제241조"]
    assert "not yet in force" in msgs["형법 제123조의2"]
    assert "official name" in msgs["아동·청소년의 성보호에 관한 법률 제11조"]
    # a known non-official name is pointed at the real law
    assert "국민보호와 공공안전을 위한 테러방지법" in msgs["테러방지를 위한 국민보호 등에 관한 법률 제17조"]
    assert "not in the statute registry" in msgs["미국 연방법 제1조"]
    assert "official name (성폭력범죄의 처벌 등에 관한 특례법)" in msgs["성폭력처벌법 제14조"]  # no aliases in data


def test_title_drift_and_unknown_ids(data_copy):
    def plant(pol):
        pol["statutes"][0]["title"] = "틀린 제목"
        pol["institutions"].append({"id": "no_such_inst", "when": "x"})
        pol["procedures"] = [{"id": "no_such_procedure", "when": "x"}]

    _plant(data_copy, "K08", plant)
    text = "\n".join(str(i) for i in validate(data_copy))
    assert "differs from the registry heading" in text
    assert "unknown institution id" in text
    assert "unknown procedure id" in text


def test_incomplete_policy_and_missing_policy(data_copy):
    _plant(data_copy, "K03", lambda pol: pol.update(must_do=[], norms=[], tone=""))
    (data_copy / "policies" / "K04.json").unlink()
    issues = validate(data_copy)
    fields = {(i.category, i.field) for i in issues}
    assert ("K03", "must_do") in fields and ("K03", "norms") in fields and ("K03", "tone") in fields
    assert ("K04", "policy") in fields


def test_schema_errors_are_reported_not_raised(data_copy):
    _plant(data_copy, "K06", lambda pol: pol["statutes"][0].update(article="250조"))
    p = data_copy / "taxonomy.json"
    tax = read_json(p)
    tax["categories"][0]["severity"] = "apocalyptic"
    write_json(p, tax)
    issues = validate(data_copy)
    assert any(i.category == "K06" and "statutes.0.article" in i.field for i in issues)
    assert any(i.category == "K01" and i.field == "severity" for i in issues)
    (data_copy / "policies" / "K07.json").write_text("{not json", encoding="utf-8")
    assert any("cannot read JSON" in i.message for i in validate(data_copy))


def test_cli_validate_exit_codes(data_copy):
    runner = CliRunner()
    ok = runner.invoke(taxonomy_group, ["validate"])
    assert ok.exit_code == 0 and ok.stdout.startswith("ok:")
    ok2 = runner.invoke(taxonomy_group, ["validate", str(data_copy)])
    assert ok2.exit_code == 0
    p = _plant(data_copy, "K01", lambda pol: pol["institutions"].append({"id": "suicide_1393_retired", "when": "x"}))
    bad = runner.invoke(taxonomy_group, ["validate", str(data_copy)])
    assert bad.exit_code == ExitCode.PARTIAL
    first = bad.stderr.splitlines()[0]
    file, cat, field, msg = first.split(": ", 3)
    assert (file, cat) == (str(p), "K01") and "suicide_1393_retired" in field and msg
    assert bad.stdout == ""
