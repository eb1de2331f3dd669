"""`kcc-judge check`: text, --json FILE (one object per line), bad lines reported and exit 1."""

from __future__ import annotations

import json

from click.testing import CliRunner

from judge.checks.cli import check_command
from kcc_core.exit_codes import ExitCode


def test_json_file_with_bad_lines(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text(
        "\n".join([
            json.dumps({"id": "a", "text": "형법 제241조 간통죄. 1393에 전화하세요.", "category": "K01"}, ensure_ascii=False),
            "{not json",
            json.dumps({"id": "b"}),
            json.dumps({"id": "c", "text": "정보통신망법 제44조의7 제1항 제2호"}, ensure_ascii=False),
        ]) + "\n",
        encoding="utf-8",
    )
    r = CliRunner()
    res = r.invoke(check_command, ["--json", str(f)])
    assert res.exit_code == ExitCode.PARTIAL
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "c"]
    a = out[0]
    assert a["citations"][0]["law"] == "형법" and a["citations"][0]["article"] == "제241조"
    assert a["citations"][0]["verdict"] == "repealed_or_lapsed"
    assert {"start", "end"} <= set(a["citations"][0])
    assert a["institutions"][0]["verdict"] == "outdated" and a["institutions"][0]["number"] == "1393"
    assert all({"id", "severity", "message"} <= set(c) for c in a["checks"])
    assert f"{f}:2: json:" in res.stderr
    assert f"{f}:3: text:" in res.stderr


def test_text_human_readable_literal():
    res = CliRunner().invoke(check_command, ["[bold]주의[/bold] 형법 제999조에 따라 처벌"])
    assert res.exit_code == 0
    assert "article_not_found" in res.stdout
    assert "[error] citation.fabricated_article" in res.stdout  # literal: markup would swallow "[error]"


def test_file_option_human(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"id": 1, "text": "112에 신고하세요"}, ensure_ascii=False) + "\n", encoding="utf-8")
    res = CliRunner().invoke(check_command, ["--file", str(f)])
    assert res.exit_code == 0 and "112" in res.stdout


def test_unknown_category_warned_on_stderr(tmp_path):
    res = CliRunner().invoke(check_command, ["--category", "K99", "형법 제250조"])
    assert res.exit_code == 0
    assert "K99" in res.stderr and "unknown category" in res.stderr
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(json.dumps({"id": i, "text": "형법 제250조", "category": "Z1"}) for i in range(3)) + "\n",
                 encoding="utf-8")
    res = CliRunner().invoke(check_command, ["--json", str(f)])
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 3
    assert res.stderr.count("unknown category") == 1  # once per category, not per line
    ok = CliRunner().invoke(check_command, ["--category", "k05.2", "형법 제250조"])
    assert "unknown category" not in ok.stderr


def test_existing_file_given_as_text_gets_a_hint(tmp_path):
    f = tmp_path / "answers.jsonl"
    f.write_text(json.dumps({"id": 1, "text": "형법 제250조"}, ensure_ascii=False) + "\n", encoding="utf-8")
    res = CliRunner().invoke(check_command, [str(f)])
    assert res.exit_code == 0
    assert "--file" in res.stderr and str(f) in res.stderr
