"""Rules-only `kcc-judge run` over N seeds x 3 candidates (default 10,000): prints wall time, judge time,
throughput and peak RSS. Target (issue 6): <= 60 s for 10,000 x 3 on the 2-core machine.

    python bench/bench_judge.py [--seeds 10000] [--keep DIR]

The input is generated from examples/sample_seeds.jsonl (texts varied per copy so ids and hashes differ).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_input(path: Path, n: int) -> None:
    base = [json.loads(line) for line in (ROOT / "examples" / "sample_seeds.jsonl").open(encoding="utf-8")]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            src = base[i % len(base)]
            row = {"id": f"b{i:06d}", "category": src.get("category"), "subcategory": src.get("subcategory"),
                   "prompt": f"{src['prompt']} ({i})",
                   "candidates": [{"id": c["id"].rsplit("-", 1)[-1], "model": c["model"],
                                   "response": c["response"] + (f" 참고 번호 {i}." if k == 0 else "")}
                                  for k, c in enumerate(src["candidates"])]}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kcc-bench-judge-"))
    work.mkdir(parents=True, exist_ok=True)
    inp, out, db = work / "input.jsonl", work / "out", work / "bench.db"
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    make_input(inp, args.seeds)
    print(f"generated {args.seeds} seeds x 3 candidates ({inp.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - t:.1f}s")
    cmd = [sys.executable, "-m", "judge.cli", "run", str(inp), "--out", str(out), "--db", str(db), "--json",
           "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("KCC_JUDGE_MODEL", None)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode not in (0, 1):
        print(proc.stderr[-3000:], file=sys.stderr)
        print(f"kcc-judge exited {proc.returncode}", file=sys.stderr)
        return 1
    summary = json.loads(proc.stdout)
    judge_s = summary["elapsed_s"]
    n_cand = summary["counts"]["candidates"]
    print(f"kcc-judge run (rules-only, import + judge + export): {wall:.1f}s wall, exit {proc.returncode}")
    print(f"  judge phase: {judge_s:.1f}s for {summary['counts']['seeds']} seeds / {n_cand} candidates "
          f"= {n_cand / judge_s:,.0f} candidates/s")
    print(f"  import + startup: {wall - judge_s:.1f}s")
    print(f"  pairs: {summary['pairs']}  safe rate: {summary['safe_rate']}")
    print(f"  peak RSS (child): {rss_mb:.0f} MB")
    print(f"  target <= 60 s: {'OK' if wall <= 60 else 'MISSED'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
