"""Real text we did not write: the 참조조문 of 484 Supreme Court criminal decisions (legalize-kr/precedent-kr, via
its copy in Bullskc/Legalize-KR; repo, commit and path recorded per row; rebuilt by build_precedent_refs.py).

A decision cites the law as it stood when decided (judge/checks/precedents.py classifies each citation first):
current citations of registry laws must come out valid; articles the court marks "(현행 삭제)" must come out
deleted/repealed, never as fabricated; former text ("구 ○○법") is never called fabricated. The full breakdown
is printed here and by bench/eval_precedents.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.checks.precedents import DELETED, FABRICATED, load_precedents, score_precedents

DATA = Path(__file__).parent / "data" / "precedent_refs.jsonl"


@pytest.fixture(scope="module")
def scores():
    return score_precedents(load_precedents(DATA))


def test_provenance_recorded():
    rows = load_precedents(DATA)
    assert len(rows) >= 100
    assert DATA.stat().st_size < 500_000
    for r in rows:
        assert r["repo"] and len(r["commit"]) == 40 and r["path"].startswith("precedent-kr/형사/대법원/")
        assert r["case"] and r["decided"] and r["refs"]
    assert len({r["path"] for r in rows}) == len(rows)


def test_current_citations_valid(scores):
    print(scores.summary())
    assert scores.citations >= 1000 and scores.n("current") >= 500
    assert scores.rate("current", ("valid",)) >= 0.95
    # not valid: deleted since the decision (fine), or an article number that a later wholesale revision
    # removed (도로교통법 제107조의2 before 2005): reported, kept rare
    assert scores.rate("current", FABRICATED) <= 0.02


def test_deleted_articles_not_fabricated(scores):
    assert scores.n("deleted_article") >= 5
    assert scores.n("deleted_article", FABRICATED) == 0
    # valid only where a "구" citation's number was reused by the current law (군형법 제92조의8)
    assert scores.rate("deleted_article", DELETED) >= 0.75


def test_former_text_and_parts_never_fabricated(scores):
    for cls in ("old_law", "deleted_part", "renumbered_marked"):
        assert scores.n(cls) > 0, cls
        assert scores.n(cls, FABRICATED) == 0, (cls, scores.counts[cls])
