"""`python -m judge.demo` (what `make demo` runs): import the bundled Korean sample into a fresh
kcc-demo.db, judge it rules-only, export pairs and print a readable summary. No API key, no network."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

SAMPLE = Path("examples/sample_seeds.jsonl")
DB = Path("kcc-demo.db")
OUT = Path("demo-out")


def main(sample: Path = SAMPLE, db: Path = DB, out: Path = OUT) -> int:
    from db.store import Store
    from judge.labels import label_agreement
    from judge.report import print_summary
    from judge.run_file import judge_file
    from kcc_settings import JudgeWeights

    con = Console(highlight=False)
    if not sample.is_file():
        con.print(Text(f"demo: {sample} not found (run from the repository root)"))
        return 2
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    def on_import(rep) -> None:
        con.print(Text(f"Imported {sample}: {rep.seeds_added} seeds, {rep.candidates_added} candidates "
                       f"({rep.rejected} rejected) into {db}"))
        for e in rep.errors[:10]:
            con.print(Text(str(e)))

    def on_start(cfg) -> None:  # noqa: ARG001
        con.print(Text("Judging rules-only (no judge model configured: the deterministic checks rank alone)…"))

    # rules-only whatever kcc.toml / KCC_* say: the demo needs no key and no network
    res = judge_file(sample, out, db=db, models=[], guard="none", weights=JudgeWeights(), input_name=str(sample),
                     on_import=on_import, on_start=on_start)
    summary = res.summary
    print_summary(summary, con)
    with Store(db, create=False) as store:
        agree = label_agreement(store)
    con.print(Text(f"\nPairs (TRL conversational JSONL): {summary.pairs.get('path')}"))
    con.print(Text(f"Per-candidate results: {(out / 'results.jsonl').resolve()}"))
    con.print(Text(
        f"Agreement with the sample's labels: {agree.both_ok}/{agree.seeds} seeds ({100 * agree.rate:.1f}%) — "
        f"chosen is the coherent answer in {agree.chosen_ok}, rejected is a fabricated/harmful (or the worst) "
        f"answer in {agree.rejected_ok}"))
    for m in agree.misses[:10]:
        con.print(Text(f"  differs: {m.seed_id} ({m.category}) chosen={m.chosen} rejected={m.rejected}"))
    con.print(Text(f"\nOpen the reviewer: {_kcc_command()} {db}"))
    return 0


def _kcc_command() -> str:
    """`kcc` as the user can type it: the venv's script (relative when under the cwd) unless it is on PATH."""
    import os

    script = Path(sys.executable).parent / "kcc"
    if not script.exists() or shutil.which("kcc") == str(script):
        return "kcc"
    try:
        return os.path.relpath(script)
    except ValueError:
        return str(script)


if __name__ == "__main__":
    sys.exit(main())

