"""Real text we did not write: the 참조조문 of 1,462 court decisions of every case type (legalize-kr/precedent-kr,
via its copy in Bullskc/Legalize-KR; repo, commit, path and 판례일련번호 recorded per row; rebuilt by
build_precedent_refs.py; no decision whose 판례일련번호 ends in 7: those are reserved for evaluation).

A decision cites the law as it stood when decided (judge/checks/precedents.py classifies each citation first):
current citations of registry laws must come out valid; articles the court marks "(현행 삭제)" must come out
deleted/repealed, never as fabricated; former text ("구 ○○법") is never called fabricated. The full breakdown
is printed here and by bench/eval_precedents.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.checks.precedents import FABRICATED, load_precedents, score_precedents

DATA = Path(__file__).parent / "data" / "precedent_refs.jsonl"


@pytest.fixture(scope="module")
def scores():
    return score_precedents(load_precedents(DATA))


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
    assert scores.fabricated_per_1000() <= 8.0


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
