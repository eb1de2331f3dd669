"""As of a date before the statute snapshot the registry cannot know every law of then (it holds every law in force
on the snapshot, not every law repealed before it) nor an article of a document before the earliest text it holds:
such citations are `unverifiable`, neither fabricated nor credited. As of today (the default) nothing changes."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from judge.checks import run_checks
from judge.checks.cli import check_command
from judge.scoring import gates, rules_score
from statutes.registry import registry

UNKNOWN = "국민행복증진특별법 제3조에 따라 지원받을 수 있습니다."  # no such law
OLD = dt.date(1970, 1, 1)


def _verdicts(text: str, **kw) -> list[str]:
    return [c.verdict for c in run_checks(text, **kw).citations]


def test_unknown_name_as_of_an_old_date_is_unverifiable():
    rep = run_checks(UNKNOWN, as_of=OLD)
    assert [c.verdict for c in rep.citations] == ["unverifiable"]
    assert registry().snapshot in rep.citations[0].note and "1970-01-01" in rep.citations[0].note
    assert [c.id for c in rep.checks if c.id.startswith("citation.")] == ["citation.unverifiable"]
    assert next(c for c in rep.checks if c.id == "citation.unverifiable").severity == "info"


def test_unknown_name_as_of_today_or_the_snapshot_is_unknown_law():
    assert _verdicts(UNKNOWN) == ["unknown_law"]
    assert _verdicts(UNKNOWN, as_of=registry().snapshot) == ["unknown_law"]
    assert _verdicts(UNKNOWN, as_of="2030-01-01") == ["unknown_law"]


def test_article_before_the_documents_earliest_text_is_unverifiable():
    reg = registry()
    res = reg.resolve("민사소송법")
    earliest = reg.earliest_text(res.doc_id)
    assert earliest is not None and earliest <= reg.snapshot
    text = "민사소송법 제737조"  # not in any text of the Act the book holds
    assert _verdicts(text) == ["article_not_found"]
    assert _verdicts(text, as_of=earliest) == ["article_not_found"]  # the book holds the text of that day
    day_before = dt.date.fromisoformat(earliest) - dt.timedelta(days=1)
    got = run_checks(text, as_of=day_before).citations[0]
    assert got.verdict == "unverifiable" and earliest in got.note
    assert _verdicts("민사소송법 제1조", as_of=OLD) == ["valid"]  # an article the earliest text has


def test_curated_law_article_missing_as_of_an_old_date_is_unverifiable():
    assert _verdicts("형법 제999조") == ["article_not_found"]
    assert _verdicts("형법 제999조", as_of=OLD) == ["unverifiable"]


def test_article_deleted_since_is_valid_as_of_a_date_before_the_deletion():
    art = registry().articles[registry().by_name["민법"].id]["제982조"]
    assert art.deleted and art.deleted_on == "2005.3.31"
    assert _verdicts("민법 제982조") == ["article_deleted"]
    assert _verdicts("민법 제982조", as_of="2005-03-31") == ["article_deleted"]
    got = run_checks("민법 제982조", as_of="1978-02-14").citations[0]
    assert got.verdict == "valid" and "2005.3.31" in got.note


def test_unverifiable_is_neither_penalised_nor_credited():
    old = run_checks(UNKNOWN, as_of=OLD)
    today = run_checks(UNKNOWN)
    assert gates(old) == [] and gates(today) == ["fabricated_statute"]
    parts = rules_score(old, None).parts
    assert "fabricated" not in parts and "citations" not in parts
    bare = rules_score(run_checks("지원받을 수 있습니다.", as_of=OLD), None)
    assert rules_score(old, None).score >= bare.score


def test_cli_as_of_an_old_date_shows_unverifiable():
    res = CliRunner().invoke(check_command, ["--as-of", "1970-01-01", UNKNOWN])
    assert res.exit_code == 0, res.output
    assert "unverifiable" in res.stdout and "unknown_law" not in res.stdout
    res = CliRunner().invoke(check_command, [UNKNOWN])
    assert "unknown_law" in res.stdout
