"""Every rules pass runs as of a date: amendments in force by then apply; the snapshot date is in every report and a
stale registry is reported once per process."""

from __future__ import annotations

import datetime as dt
import io
import json

from click.testing import CliRunner

from judge.checks import dating, run_checks
from judge.checks.cli import check_command
from statutes.registry import registry

PENDING = "형법 제98조의2에 따라 처벌됩니다."  # promulgated, in force 2026-09-13 (after the snapshot)


def test_pending_article_before_and_after_its_effective_date():
    snap = registry().snapshot
    before = run_checks(PENDING, as_of=snap)
    assert [c.verdict for c in before.citations] == ["not_yet_in_force"]
    after = run_checks(PENDING, as_of="2026-10-01")
    assert [c.verdict for c in after.citations] == ["valid"]
    assert after.citations[0].article_title == "외국 등을 위한 간첩"  # the title of the version in force then
    assert after.as_of == "2026-10-01" and after.statute_snapshot == snap


def test_default_is_today_and_dates_are_in_every_report():
    rep = run_checks("안녕하세요")
    assert rep.as_of == dt.date.today().isoformat()
    assert rep.statute_snapshot == registry().snapshot
    assert run_checks("", as_of=dt.date(2026, 7, 1)).as_of == "2026-07-01"


def test_stale_registry_warned_once(monkeypatch):
    snap = registry().snapshot
    monkeypatch.setattr(dating, "_warned", [False])
    err = io.StringIO()
    monkeypatch.setattr(dating.sys, "stderr", err)
    late = dt.date.fromisoformat(snap) + dt.timedelta(days=dating.STALE_DAYS + 1)
    for _ in range(3):
        assert run_checks("형법 제250조", as_of=late).registry_stale
    assert err.getvalue().count("\n") == 1 and snap in err.getvalue()
    monkeypatch.setattr(dating, "_warned", [False])
    err2 = io.StringIO()
    monkeypatch.setattr(dating.sys, "stderr", err2)
    assert not run_checks("형법 제250조", as_of=snap).registry_stale
    assert err2.getvalue() == ""


def test_cli_as_of_and_json_fields():
    res = CliRunner().invoke(check_command, ["--json", "-", "--as-of", "2026-10-01"],
                             input=json.dumps({"id": 1, "text": PENDING}, ensure_ascii=False) + "\n")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.splitlines()[0])
    assert out["as_of"] == "2026-10-01" and out["statute_snapshot"] == registry().snapshot
    assert out["citations"][0]["verdict"] == "valid"
    res = CliRunner().invoke(check_command, ["--as-of", registry().snapshot, PENDING])
    assert res.exit_code == 0 and "not_yet_in_force" in res.stdout
    bad = CliRunner().invoke(check_command, ["--as-of", "2026-13-01", PENDING])
    assert bad.exit_code == 2 and "--as-of" in bad.output
