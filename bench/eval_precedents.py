"""Prints the checks' verdicts on real 참조조문 of court decisions of every case type (tests/t_checks/data/precedent_refs.jsonl),
broken down by citation class (current / 구법 / deleted since / renumbered / outside the registry).

Run: .venv/bin/python bench/eval_precedents.py [--examples]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from judge.checks.precedents import load_precedents, score_precedents

DATA = Path(__file__).resolve().parent.parent / "tests" / "t_checks" / "data" / "precedent_refs.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", action="store_true", help="print a few cases for every class/verdict but valid")
    args = ap.parse_args()
    sc = score_precedents(load_precedents(DATA))
    print(sc.summary())
    print("per case type (targets: coverage >= 0.90, fabricated <= 5 per 1,000):")
    print(sc.type_table())
    if args.examples:
        for key, cases in sorted(sc.examples.items()):
            if key.endswith("/valid"):
                continue
            print(key)
            for c in cases:
                print("   ", c.replace("\n", " "))


if __name__ == "__main__":
    main()
