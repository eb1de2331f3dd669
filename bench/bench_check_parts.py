"""Where the rules pass spends its time: each step of judge.checks.runner.run_checks timed on its own, per answer.

Run: taskset -c 0 .venv/bin/python bench/bench_check_parts.py [--set sample|dense] [--root TREE]
  --root: another tree (e.g. an older commit exported to /tmp/base) to time instead of this one, with the same
  answers; the steps it lacks are left out. Each step is wrapped in a timer (about 0.1 µs per call added), so the
  total is a little above bench_checks.py's; compare steps, not totals, and only runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

STEPS = ("check_degenerate", "check_citations", "check_institutions", "check_procedures", "check_foreign",
         "detect_refusal", "check_stance", "detect_harmful_compliance", "check_korean", "report", "category_fit")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=("sample", "dense"), default="sample")
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(args.root))
    os.chdir(args.root)
    import bench.bench_checks as bc
    import judge.checks.runner as runner

    if args.set == "sample":
        items = bc.sample_answers() * 9
    else:
        rng = random.Random(7)
        items = [(bc.make_answer(rng, target_bytes=1500), bc.DENSE_CATS[i % 5]) for i in range(1500)]
    steps = [s for s in STEPS if hasattr(runner, s)]
    spent = dict.fromkeys(steps, 0.0)
    clock = time.perf_counter

    def timed(name, fn):
        def call(*a, **kw):
            t = clock()
            out = fn(*a, **kw)
            spent[name] += clock() - t
            return out
        return call

    for s in steps:
        setattr(runner, s, timed(s, getattr(runner, s)))
    for text, cat in items[:200]:
        runner.run_checks(text, category=cat)
    best = None
    for _ in range(args.repeat):
        before = dict(spent)
        t0 = clock()
        for text, cat in items:
            runner.run_checks(text, category=cat)
        total = clock() - t0
        if best is None or total < best[0]:
            best = (total, {s: spent[s] - before[s] for s in steps})
    total, parts = best
    n = len(items)
    print(f"{args.root} · {args.set} answers ({n}): {total / n * 1e6:.1f} µs per answer")
    for s in steps:
        print(f"  {s:28s} {parts[s] / n * 1e6:7.2f} µs")
    print(f"  {'(run_checks itself)':28s} {(total - sum(parts.values())) / n * 1e6:7.2f} µs")
    scan = getattr(runner, "_SPECIAL", None)
    if scan is not None:  # the plain-text scan inside run_checks itself (trees with Unicode normalisation)
        texts = [t for t, _ in items]
        best_scan = min(_timed_loop(scan.search, texts) for _ in range(args.repeat))
        print(f"    of which the plain-text scan {best_scan / n * 1e6:5.2f} µs")


def _timed_loop(fn, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for t in texts:
        fn(t)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
