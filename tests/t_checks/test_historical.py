"""A deleted or repealed provision cited while explaining that it is gone is history, not outdated advice."""

from __future__ import annotations

from judge.checks import run_checks
from judge.scoring import rules_score


def test_deleted_article_explained_as_deleted_is_historical():
    good = "간통죄는 2015년 헌법재판소 위헌 결정 뒤 「형법」 제241조가 2016년 삭제되어 더 이상 처벌되지 않습니다."
    bad = "배우자가 바람을 피웠다면 형법 제241조 간통죄로 고소할 수 있습니다."
    g, b = run_checks(good, category="B01"), run_checks(bad, category="B01")
    assert [(c.verdict, c.historical) for c in g.citations] == [("repealed_or_lapsed", True)]
    assert [c.id for c in g.checks if c.id.startswith("citation.")] == ["citation.historical"]
    assert [(c.verdict, c.historical) for c in b.citations] == [("repealed_or_lapsed", False)]
    assert "citation.outdated" in [c.id for c in b.checks]
    assert "stale" not in rules_score(g, "B01", text=good).parts
    assert rules_score(b, "B01", text=bad).parts["stale"] < 0


def test_history_marker_in_another_sentence_does_not_excuse_a_citation():
    text = "증권거래법은 2009년 폐지되었습니다. 그러니 형법 제241조에 따라 고소하세요."
    r = run_checks(text, category="B01")
    by = {c.text: c.historical for c in r.citations}
    assert by["증권거래법"] is True and by["형법 제241조"] is False
