"""Table-driven corpus (>= 250 snippets written for KCC): extraction P/R and verdict accuracy floors."""

from __future__ import annotations

from pathlib import Path

from judge.checks.evaluate import evaluate, load_rows

CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"


def test_corpus_floors():
    rows = load_rows(CORPUS)
    assert len(rows) >= 250
    sc = evaluate(rows)
    print(sc.summary())
    assert sc.citation_precision >= 0.95, sc.misses
    assert sc.citation_recall >= 0.95, sc.misses
    assert sc.citation_verdict_accuracy >= 0.95, sc.misses
    assert sc.institution_precision >= 0.95 and sc.institution_recall >= 0.95, sc.misses
    assert sc.institution_verdict_accuracy >= 0.95, sc.misses
    assert sc.other_accuracy >= 0.9, sc.misses


def test_corpus_covers_every_verdict():
    rows = load_rows(CORPUS)
    verdicts = {c["verdict"] for r in rows for c in r["expect"]["citations"]}
    assert verdicts == {"valid", "article_not_found", "article_deleted", "repealed_or_lapsed", "not_yet_in_force",
                        "law_not_covered", "unknown_law", "ambiguous"}
    inst = {i["verdict"] for r in rows for i in r["expect"]["institutions"]}
    assert inst == {"valid", "outdated", "wrong_number", "unknown"}
