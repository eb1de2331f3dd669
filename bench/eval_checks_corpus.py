"""Prints the checks' figures on the labelled corpus and on the precedent 참조조문 sample.

Run: .venv/bin/python bench/eval_checks_corpus.py [--misses]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from judge.checks.evaluate import evaluate, load_rows
from judge.checks.precedents import load_precedents, score_precedents

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "t_checks" / "data" / "corpus.jsonl"
PRECEDENTS = ROOT / "tests" / "t_checks" / "data" / "precedent_refs.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    sc = evaluate(load_rows(CORPUS))
    print("== corpus")
    print(sc.summary())
    if args.misses:
        print("\n".join(sc.misses))
    print("== precedent 참조조문 (details: bench/eval_precedents.py --examples)")
    print(score_precedents(load_precedents(PRECEDENTS)).summary())

if __name__ == "__main__":
    main()
