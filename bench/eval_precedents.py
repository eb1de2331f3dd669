"""Prints the checks' verdicts on real 참조조문 of court decisions of every case type (tests/t_checks/data/precedent_refs.jsonl),
broken down by citation class (current / 구법 / deleted since / renumbered / outside the registry).

Each decision is checked as of its decision date (the law it cites was the law then in force; docs/checks.md
"As of an earlier date"); the same figures as of today, as a model answer is checked, follow. `--as-of-today`
prints only those.

Run: .venv/bin/python bench/eval_precedents.py [--examples] [--as-of-today]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from judge.checks.precedents import load_precedents, score_precedents

DATA = Path(__file__).resolve().parent.parent / "tests" / "t_checks" / "data" / "precedent_refs.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", action="store_true", help="print a few cases for every class/verdict but valid")
    ap.add_argument("--as-of-today", action="store_true", help="only the figures with every decision checked as of today")
    args = ap.parse_args()
    rows = load_precedents(DATA)
    today = score_precedents(rows, dated=False)
    sc = today if args.as_of_today else score_precedents(rows, dated=True)
    if not args.as_of_today:
        print("== as of each decision's date ==")
        print(sc.summary())
        print("per case type (targets: coverage >= 0.90, fabricated <= 5 per 1,000):")
        print(sc.type_table())
        print()
    print("== as of today ==")
    print(today.summary())
    print("per case type (targets: coverage >= 0.90, fabricated <= 5 per 1,000):")
    print(today.type_table())
    if args.examples:
        for key, cases in sorted(sc.examples.items()):
            if key.endswith("/valid"):
                continue
            print(key)
            for c in cases:
                print("   ", c.replace("\n", " "))


if __name__ == "__main__":
    main()
