"""Instructions the rules pass executes per answer, counted by valgrind (callgrind), this tree and another.

Run: .venv/bin/python bench/bench_instructions.py --against /tmp/base [--n 300] [--sets dense,sample] [--cache-sim]
     .venv/bin/python bench/bench_instructions.py --against /tmp/base --steps [--sets sample] [--n 200]

Timings on a shared machine drift by 5-10 % from one second to the next; an instruction count hardly does: the
same code, answers and interpreter gave counts within 0.05 % of each other run to run, whatever else the machine
was doing (with --cache-sim, a slower run, they came out up to 1 % apart from runs without it). It is not
time: cache misses and mispredicted branches cost cycles without instructions, and a tight C loop retires more
instructions per cycle than the interpreter does. Read it beside bench_checks.py's side-by-side timings.
`--cache-sim` also simulates caches and branch prediction and prints an estimate of cycles: Ir + 10 × L1 misses +
100 × last-level misses + 20 × mispredicted branches, a model.

The answer sets are bench_checks.py's (same seed), smaller by default (valgrind runs ~50× slower: about a minute
per tree). Only the checks are counted: each set is run once to warm up, then once inside functools.reduce,
and callgrind collects only inside that C function (`--toggle-collect`), dumping its count after each set.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("sample", "realistic", "dense", "dense-chars")
EVENTS_CACHE = ("--cache-sim=yes", "--branch-sim=yes")


STEPS = ("check_degenerate", "check_citations", "check_institutions", "check_procedures", "check_foreign",
         "detect_refusal", "check_stance", "detect_harmful_compliance", "check_korean")


def _replaying(runner, items: list, steps: list[str]) -> dict[str, list]:
    """Run `items` once with every step of `runner` recorded: {step: its return values, in call order}."""
    record: dict[str, list] = {s: [] for s in steps}
    real = {s: getattr(runner, s) for s in steps}

    def recorder(name):
        def call(*a, **kw):
            out = real[name](*a, **kw)
            record[name].append(out)
            return out
        return call

    for s in steps:
        setattr(runner, s, recorder(s))
    try:
        for text, cat in items:
            runner.run_checks(text, category=cat)
    finally:
        for s in steps:
            setattr(runner, s, real[s])
    return record


def _answer_sets(n: int) -> dict[str, tuple[list, str]]:
    """This tree's answer sets (bench_checks.py loaded by path) with the registries of the tree first on sys.path
    (the one counted) loaded, so that neither is counted."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    spec = importlib.util.spec_from_file_location("_kcc_bench_checks", ROOT / "bench" / "bench_checks.py")
    bc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bc)
    from statutes.institutions import institution_registry
    from statutes.registry import registry

    registry()
    institution_registry()
    return bc.answer_sets(n)


def _inner_steps(name: str, n: int) -> None:
    """One counted pass of set `name`, then one per step with that step's results replayed from a recording:
    the difference is roughly what the step costs (shared caches between steps blur it a little)."""
    import copy

    import judge.checks.runner as runner

    items = _answer_sets(n)[name][0]
    steps = [s for s in STEPS if hasattr(runner, s)]
    record = _replaying(runner, items, steps)

    def step(_acc, item):
        runner.run_checks(item[0], category=item[1])

    functools.reduce(step, items, None)
    print(f"full {len(items)}", flush=True)
    for s in steps:
        # run_checks extends the list the degenerate check returns: a fresh copy per call, made before counting
        outs = [copy.deepcopy(o) for o in record[s]] if s == "check_degenerate" else record[s]
        it = iter(outs)
        real = getattr(runner, s)
        setattr(runner, s, lambda *a, _it=it, **kw: next(_it))
        functools.reduce(step, items, None)
        setattr(runner, s, real)
        print(f"{s} {len(items)}", flush=True)


def _inner(sets: list[str], n: int) -> None:
    """Run inside valgrind, on the tree PYTHONPATH names: warm each set, then one counted pass of it."""
    built = _answer_sets(n)
    from judge.checks.runner import run_checks

    def step(_acc, item):
        run_checks(item[0], category=item[1])

    for name in sets:
        items = built[name][0]
        for text, cat in items:
            run_checks(text, category=cat)
        functools.reduce(step, items, None)
        print(f"{name} {len(items)}", flush=True)


def count(tree: Path, sets: list[str], n: int, cache_sim: bool, steps: bool = False) -> dict[str, dict[str, int]]:
    """{set: {event: count over the set's answers, "answers": n}} for the checks of `tree`; with `steps`, {"full"
    or a step name: ...} for the one set in `sets`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        mode = ["--inner-steps", sets[0]] if steps else ["--inner", "--sets", ",".join(sets)]
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
               "--dump-after=functools_reduce", f"--callgrind-out-file={out}",
               *(EVENTS_CACHE if cache_sim else ()),
               sys.executable, str(Path(__file__).resolve()), *mode, "--n", str(n)]
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


def _print_steps(trees: dict[str, Path], name: str, n: int) -> None:
    got = {side: count(tree, [name], n, False, steps=True) for side, tree in trees.items()}
    print(f"instructions per answer of each step of run_checks ({name}; the full pass minus the pass with that step "
          "replayed):")
    for side, res in got.items():
        full = res["full"]
        per = {k: (full["Ir"] - v["Ir"]) / v["answers"] for k, v in res.items() if k != "full"}
        total = full["Ir"] / full["answers"]
        print(f"  {side}: {total:,.0f} in all; " + ", ".join(f"{k} {v:,.0f}" for k, v in per.items())
              + f"; run_checks itself and the report {total - sum(per.values()):,.0f}")


def cycles(ev: dict[str, int]) -> float:
    l1 = ev.get("I1mr", 0) + ev.get("D1mr", 0) + ev.get("D1mw", 0)
    ll = ev.get("ILmr", 0) + ev.get("DLmr", 0) + ev.get("DLmw", 0)
    return ev["Ir"] + 10 * l1 + 100 * ll + 20 * (ev.get("Bcm", 0) + ev.get("Bim", 0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", type=Path, help="another source tree to count beside this one")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--sets", help=f"comma-separated, of {', '.join(SETS)} (default: all; with --steps: dense)")
    ap.add_argument("--cache-sim", action="store_true", help="simulate caches and branches (about 2× slower)")
    ap.add_argument("--steps", action="store_true",
                    help="per step of run_checks, on the first set of --sets (default dense; about 2 min per tree)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--inner-steps", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inner_steps:
        _inner_steps(args.inner_steps, args.n)
        return
    default = "dense" if args.steps else ",".join(SETS)
    sets = [s.strip() for s in (args.sets or default).split(",") if s.strip()]
    if unknown := set(sets) - set(SETS):
        ap.error(f"--sets: unknown {', '.join(sorted(unknown))}")
    if args.inner:
        _inner(sets, args.n)
        return
    if shutil.which("valgrind") is None:
        print("skipped: valgrind is not installed (Debian: apt-get install valgrind)")
        return  # `make bench` runs every script: a missing tool is no failure of the code
    trees = {"new": ROOT} if args.against is None else {"base": args.against, "new": ROOT}
    if args.steps:
        _print_steps(trees, sets[0], args.n)
        return
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
