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
    from db.importer import import_file
    from db.store import Store
    from judge.cli import _known_categories
    from judge.labels import label_agreement
    from judge.pipeline import JudgeConfig, JudgeRunner
    from judge.report import print_summary

    con = Console(highlight=False)
    if not sample.is_file():
        con.print(Text(f"demo: {sample} not found (run from the repository root)"))
        return 2
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with Store(db) as store:
        rep = import_file(store, sample, known_categories=_known_categories(), rejects_path=out / "rejects.jsonl")
        con.print(Text(f"Imported {sample}: {rep.seeds_added} seeds, {rep.candidates_added} candidates "
                       f"({rep.rejected} rejected) into {db}"))
        for e in rep.errors[:10]:
            con.print(Text(str(e)))
        con.print(Text("Judging rules-only (no judge model configured: the deterministic checks rank alone)…"))
        runner = JudgeRunner(store, JudgeConfig(input=str(sample)), out)
        runner.imported = rep.model_dump(exclude={"errors"})  # summary.json carries the import, written once
        summary = runner.execute()
        print_summary(summary, con)
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

