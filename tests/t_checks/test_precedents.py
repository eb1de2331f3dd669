"""Real text we did not write: the 참조조문 of 1,462 court decisions of every case type (legalize-kr/precedent-kr,
via its copy in Bullskc/Legalize-KR; repo, commit, path and 판례일련번호 recorded per row; rebuilt by
build_precedent_refs.py; no decision whose 판례일련번호 ends in 7: those are reserved for evaluation).

A decision cites the law as it stood when decided (judge/checks/precedents.py classifies each citation first):
current citations of registry laws must come out valid; articles the court marks "(현행 삭제)" must come out
deleted/repealed, never as fabricated; former text ("구 ○○법") is never called fabricated. The full breakdown
is printed here and by bench/eval_precedents.py.

Each decision is checked as of its decision date (`scores`); the same rows as of today (`scores_today`) keep the
figures a model answer would get: a law repealed before the snapshot that the book does not hold is `unknown_law`
as of today but `unverifiable` as of its date (docs/checks.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.checks.precedents import FABRICATED, load_precedents, score_precedents

DATA = Path(__file__).parent / "data" / "precedent_refs.jsonl"


@pytest.fixture(scope="module")
def scores():
    return score_precedents(load_precedents(DATA))


@pytest.fixture(scope="module")
def scores_today():
    return score_precedents(load_precedents(DATA), dated=False)


def test_provenance_recorded():
    rows = load_precedents(DATA)
    assert len(rows) >= 1000
    assert DATA.stat().st_size < 2_000_000
    for r in rows:
        assert r["repo"] and len(r["commit"]) == 40 and r["path"].startswith("precedent-kr/")
        assert r["case"] and r["decided"] and r["refs"] and r["serial"].isdigit()
        assert not r["serial"].endswith("7"), r["path"]  # the reserved partition is never sampled
    assert len({r["path"] for r in rows}) == len(rows)
    assert {"형사", "민사", "일반행정", "세무", "가사", "특허"} <= {r["type"] for r in rows}


def test_current_citations_valid(scores):
    print(scores.summary())
    print(scores.type_table())
    assert scores.citations >= 4000 and scores.n("current") >= 2000
    assert scores.rate("current", ("valid",)) >= 0.90
    # not valid: deleted since the decision (fine), or an article number of a former text that no other decision
    # cites (the statute book keeps the texts from the snapshot on): reported, kept rare
    assert scores.rate("current", FABRICATED) <= 0.02


def test_article_level_coverage_and_fabricated_rate(scores):
    # every document of the statute book is checked at article level, and the articles of former names where
    # they can be looked up; what is left is bare articles of 부칙 and ordinances, treaties, laws no other
    # decision cites
    for t in ("형사", "민사", "일반행정", "세무", "가사", "특허"):
        assert scores.coverage(t) >= 0.90, (t, scores.type_table())
    assert scores.coverage() >= 0.95
    for t in ("형사", "민사", "일반행정", "세무", "가사", "특허"):
        assert scores.fabricated_per_1000(t) <= 5.0, (t, scores.type_table())
        # what the date cannot settle stays visible and rare (measured at most 16 per 1,000, 일반행정)
        assert scores.unverifiable_per_1000(t) <= 20.0, (t, scores.type_table())


def test_figures_as_of_today(scores_today):
    # as of today nothing is unverifiable: a name the registry does not know is unknown_law (measured 6.8 per
    # 1,000 overall, at most 16.0 in 일반행정: laws repealed decades before the snapshot, court typos)
    print(scores_today.type_table())
    assert scores_today.unverifiable_per_1000() == 0.0
    assert scores_today.fabricated_per_1000() <= 7.5
    for t in ("형사", "민사", "일반행정", "세무", "가사", "특허"):
        assert scores_today.coverage(t) >= 0.90, (t, scores_today.type_table())
        assert scores_today.fabricated_per_1000(t) <= 17.0, (t, scores_today.type_table())


def test_dated_check_changes_only_what_the_date_settles(scores, scores_today):
    # as of its date a decision's citations are never worse: what was fabricated today is unverifiable then,
    # an article deleted since is valid then; valid stays valid
    assert scores.n("current", ("valid",)) >= scores_today.n("current", ("valid",))
    assert scores.n("old_law", ("valid",)) >= scores_today.n("old_law", ("valid",))
    assert scores.citations == scores_today.citations
    for cls in scores.counts:
        assert scores.n(cls, FABRICATED) <= scores_today.n(cls, FABRICATED), cls


def test_renamed_counts_as_article_level_only_when_its_article_was_looked_up():
    from types import SimpleNamespace as C

    from judge.checks.precedents import article_level, fabricated

    assert article_level(C(verdict="renamed", article_verdict="valid"))
    assert not article_level(C(verdict="renamed", article_verdict=None))
    assert fabricated(C(verdict="renamed", article_verdict="article_not_found"))
    assert not fabricated(C(verdict="renamed", article_verdict="valid"))


def test_deleted_articles_not_fabricated(scores):
    assert scores.n("deleted_article") + scores.n("deleted_part") >= 5
    assert scores.n("deleted_article", FABRICATED) == 0


def test_former_text_and_parts_never_fabricated(scores):
    for cls in ("old_law", "deleted_part", "renumbered_marked"):
        assert scores.n(cls) > 0, cls
        assert scores.n(cls, FABRICATED) == 0, (cls, scores.counts[cls])
