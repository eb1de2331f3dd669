"""Instructions the rules pass executes per answer, counted by valgrind (callgrind), this tree and another.

Run: .venv/bin/python bench/bench_instructions.py --against /tmp/base [--n 300] [--sets dense,sample] [--cache-sim]

Timings on a shared machine drift by 5-10 % from one second to the next; an instruction count hardly does: the
same code, answers and interpreter gave counts within 0.05 % of each other run to run, whatever else the machine
was doing (with --cache-sim, a slower run, they came out up to 1 % apart from runs without it). It is not
time (cache misses and mispredicted branches cost cycles without instructions, and a tight C loop runs several
instructions per cycle where the interpreter runs one), so read it beside bench_checks.py's side-by-side timings. `--cache-sim` also simulates caches and branch prediction and prints
an estimate of cycles: Ir + 10 × L1 misses + 100 × last-level misses + 20 × mispredicted branches, a model.

The answer sets are bench_checks.py's (same seed), smaller by default (valgrind runs ~50× slower: about a minute
per tree). Only the checks are counted: each set is run once to warm up, then once inside functools.reduce,
and callgrind collects only inside that C function (`--toggle-collect`), dumping its count after each set.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("sample", "realistic", "dense", "dense-chars")
EVENTS_CACHE = ("--cache-sim=yes", "--branch-sim=yes")


def _inner(sets: list[str], n: int) -> None:
    """Run inside valgrind, on the tree PYTHONPATH names: warm each set, then one counted pass of it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # this tree's answer sets (bench_checks.py by path), the other tree's checks (first on sys.path)
    spec = importlib.util.spec_from_file_location("_kcc_bench_checks", ROOT / "bench" / "bench_checks.py")
    bc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bc)
    from judge.checks.runner import run_checks
    from statutes.institutions import institution_registry
    from statutes.registry import registry

    registry()
    institution_registry()
    built = bc._built_sets(random.Random(7), bc.sample_answers(), n)

    def step(_acc, item):
        run_checks(item[0], category=item[1])

    for name in sets:
        items = built[name][0]
        for text, cat in items:
            run_checks(text, category=cat)
        functools.reduce(step, items, None)
        print(f"{name} {len(items)}", flush=True)


def count(tree: Path, sets: list[str], n: int, cache_sim: bool) -> dict[str, dict[str, int]]:
    """{set: {event: count over the set's answers, "answers": n}} for the checks of `tree`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
               "--dump-after=functools_reduce", f"--callgrind-out-file={out}",
               *(EVENTS_CACHE if cache_sim else ()),
               sys.executable, str(Path(__file__).resolve()), "--inner", "--n", str(n), "--sets", ",".join(sets)]
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"valgrind on {tree} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        sizes = [line.split() for line in proc.stdout.splitlines() if line.strip()]
        result = {}
        for i, (name, answers) in enumerate(sizes, start=1):
            dump = Path(f"{out}.{i}").read_text(encoding="utf-8", errors="replace")
            events = re.search(r"^events: (.+)$", dump, re.M).group(1).split()
            totals = [int(x) for x in re.search(r"^summary: (.+)$", dump, re.M).group(1).split()]
            if not totals or totals[0] == 0:
                sys.exit(f"no instructions counted for {name} on {tree}: this Python has no functools_reduce symbol")
            result[name] = {**dict(zip(events, totals, strict=False)), "answers": int(answers)}
        return result


def cycles(ev: dict[str, int]) -> float:
    l1 = ev.get("I1mr", 0) + ev.get("D1mr", 0) + ev.get("D1mw", 0)
    ll = ev.get("ILmr", 0) + ev.get("DLmr", 0) + ev.get("DLmw", 0)
    return ev["Ir"] + 10 * l1 + 100 * ll + 20 * (ev.get("Bcm", 0) + ev.get("Bim", 0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", type=Path, help="another source tree to count beside this one")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    ap.add_argument("--cache-sim", action="store_true", help="simulate caches and branches (about 2× slower)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if unknown := set(sets) - set(SETS):
        ap.error(f"--sets: unknown {', '.join(sorted(unknown))}")
    if args.inner:
        _inner(sets, args.n)
        return
    if shutil.which("valgrind") is None:
        print("skipped: valgrind is not installed (Debian: apt-get install valgrind)")
        return  # `make bench` runs every script: a missing tool is no failure of the code
    trees = {"new": ROOT} if args.against is None else {"base": args.against, "new": ROOT}
    got = {side: count(tree, sets, args.n, args.cache_sim) for side, tree in trees.items()}
    print("instructions per answer (callgrind Ir)" + ("; est. cycles: Ir + 10·L1m + 100·LLm + 20·mispredicts"
                                                       if args.cache_sim else "") + ":")
    for name in sets:
        line = f"  {name:12s}"
        for side in trees:
            ev = got[side][name]
            line += f"  {side} {ev['Ir'] / ev['answers']:12,.0f}"
            if args.cache_sim:
                line += f" (cycles {cycles(ev) / ev['answers']:12,.0f})"
        if "base" in got:
            b, nw = got["base"][name], got["new"][name]
            line += f"  new/base Ir {nw['Ir'] / b['Ir']:.4f}"
            if args.cache_sim:
                line += f", cycles {cycles(nw) / cycles(b):.4f}"
        print(line)


if __name__ == "__main__":
    main()
