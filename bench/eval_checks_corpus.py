"""Prints the checks' figures on the labelled corpus and on the precedent 참조조문 sample.

Run: .venv/bin/python bench/eval_checks_corpus.py [--misses]
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from judge.checks import run_checks
from judge.checks.evaluate import evaluate, load_rows

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
    print("== precedent 참조조문")
    rows = [json.loads(x) for x in PRECEDENTS.read_text(encoding="utf-8").splitlines() if x.strip()]
    by = collections.Counter()
    for r in rows:
        for c in run_checks(r["refs"]).citations:
            scope = "registry" if c.law_id and c.verdict != "law_not_covered" else "outside registry"
            by[(scope, c.verdict)] += 1
    total = sum(by.values())
    print(f"decisions={len(rows)} citations={total}")
    for (scope, verdict), n in sorted(by.items()):
        print(f"  {scope:16s} {verdict:20s} {n:4d} ({n / total:.0%})")


if __name__ == "__main__":
    main()
