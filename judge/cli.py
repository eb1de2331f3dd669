"""`kcc-judge`: the headless judge (a thin layer over judge.pipeline).

stdout carries data (the summary JSON with --json), stderr carries diagnostics, the progress bar and the
rich summary table.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kcc_core.cli import KccCommandGroup

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAILED, EXIT_BUSY, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3")

EXIT_CODES_HELP = """\b
Exit codes:
  0    every candidate judged (safe or unsafe)
  1    finished, but some candidates are unscored or some input rows were rejected
  2    usage or input error (bad option, missing/unreadable input, unknown model string, finished --run-id,
       bad kcc.toml / KCC_* value)
  3    the run failed (unexpected error; the run row says why)
  4    the run is held by another live process (e.g. a second --resume of one run): nothing was judged
  130  interrupted (SIGINT/SIGTERM): the run is "cancelled"; continue it with --resume
"""


class _JudgeGroup(KccCommandGroup):
    """Adds `check` (judge.checks.cli.check_command) lazily, so `run` never pays for its import."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "check"})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "check" and name not in self.commands:
            from judge.checks.cli import check_command

            return check_command
        return super().get_command(ctx, name)


@click.group(cls=_JudgeGroup, epilog=EXIT_CODES_HELP)
def main() -> None:
    """KCC judge: LLM rubric + deterministic checks → ranking → preference pairs.

    With no --model (and no judge_model in kcc.toml / KCC_JUDGE_MODEL) the judge runs rules-only: it ranks
    with the deterministic checks alone and says so in every output.
    """


def _known_categories() -> set[str]:
    """Category and subcategory ids of the taxonomy (the importer rejects rows naming others)."""
    from taxonomy import known_ids

    return set(known_ids())


@main.command("run", epilog=EXIT_CODES_HELP)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="folder for results.jsonl, pairs.jsonl and summary.json")
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
              help="store to import INPUT into (default: Settings().db, i.e. KCC_DB or ./kcc.db)")
@click.option("--model", "models", multiple=True,
              help="judge model (repeatable for several judges), e.g. openai:gpt-…, anthropic:claude-…")
@click.option("--resume", is_flag=True, help="continue the latest unfinished judge run with the same input/config")
@click.option("--json", "as_json", is_flag=True, help="print the summary JSON on stdout")
@click.option("--run-id", help="adopt this run row (pending/running, e.g. created by the TUI) or create it")
@click.option("--limit", type=click.IntRange(min=1), help="judge at most N seeds")
@click.option("--no-cache", is_flag=True, help="bypass the LLM response cache")
@click.option("--separate-family", is_flag=True,
              help="skip a judge of the same model family as a seed's candidate (the reason is recorded)")
@click.option("--pairwise", is_flag=True, help="pairwise comparisons instead of pointwise rubric scores")
@click.option("--no-progress", is_flag=True, help="no progress bar")
@click.option("--guard", type=click.Choice(["prompt", "classifier", "none"]),
              help="the safe/unsafe verdict from a guard model: the Korean guard prompt or a Llama-Guard-style "
                   "classifier (`safe` / `unsafe\\nS..`); default: judge_guard in kcc.toml / KCC_JUDGE_GUARD, "
                   "else `prompt` when --guard-model is given, else none (the rubric's harm_avoidance)")
@click.option("--guard-model", "guard_models", multiple=True,
              help="model asked by the guard (repeatable; default: the --model judges; config: guard_model). "
                   "Alone, without --model, only the guard is asked")
def run_command(input_path: Path, out_dir: Path, db_path: Path | None, models: tuple[str, ...], resume: bool,
                as_json: bool, run_id: str | None, limit: int | None, no_cache: bool, separate_family: bool,
                pairwise: bool, no_progress: bool, guard: str | None, guard_models: tuple[str, ...]) -> None:
    """Judge INPUT (JSONL / JSON / CSV / Parquet, imported into the store; or an existing .db store, judged
    in place) and write OUT/results.jsonl, OUT/pairs.jsonl and OUT/summary.json.

    A file INPUT: the seeds of that file are judged (the store may hold others). A store INPUT: every seed
    in it. Human pair overrides are never changed.
    """
    from db.store import Store, StoreError
    from judge.pipeline import (
        JudgeBusyError,
        JudgeConfig,
        JudgeError,
        JudgeRunner,
        default_models,
        install_signal_handlers,
    )
    from judge.report import print_summary
    from kcc_settings import settings

    err = Console(stderr=True, highlight=False)

    rejects_tmp: Path | None = None

    def fail(msg: str, code: int = EXIT_USAGE) -> None:
        if rejects_tmp is not None:  # a run that never published leaves no temp file behind
            rejects_tmp.unlink(missing_ok=True)
        err.print(f"kcc-judge: {msg}", markup=False, highlight=False)
        sys.exit(code)

    if not input_path.exists():
        fail(f"{input_path}: no such file")
    # model strings are checked before anything is imported: a typo must not leave rows in the store
    chosen = list(models) or default_models()
    from kcc_llm.spec import parse_model_spec

    g_models = list(guard_models) or ([settings().guard_model] if settings().guard_model else [])
    g_mode = guard or settings().judge_guard or ("prompt" if g_models else "none")
    g_mode = None if g_mode == "none" else g_mode
    if g_mode and not (g_models or chosen):
        fail(f"--guard {g_mode} needs a model: --guard-model or --model")
    for m in [*chosen, *g_models]:
        try:
            parse_model_spec(m)
        except ValueError as e:
            fail(str(e))
    imported = None
    seed_ids: set[str] | None = None
    try:
        if input_path.suffix.lower() in STORE_SUFFIXES:
            if db_path is not None and db_path.resolve() != input_path.resolve():
                fail(f"INPUT {input_path} is a store; --db {db_path} would be a second store (drop --db)")
            store = Store(input_path, create=False)
        else:
            store = Store(db_path or settings().db)
    except StoreError as e:
        fail(str(e))
    with store:
        if input_path.suffix.lower() not in STORE_SUFFIXES:
            from db.importer import ImportFailure, import_file

            out_dir.mkdir(parents=True, exist_ok=True)
            # rejects are published with the run's other outputs (never beside an older run's summary)
            rejects_tmp = out_dir / f".rejects.{os.getpid()}.jsonl.part"
            try:
                rep = import_file(store, input_path, known_categories=_known_categories(),
                                  rejects_path=rejects_tmp)
            except (ImportFailure, ValueError, OSError) as e:
                fail(f"cannot import {input_path}: {e}")
            for e in rep.errors[:20]:
                err.print(str(e), markup=False, highlight=False)
            if rep.rejected > 20:
                err.print(f"... {rep.rejected - 20} more rejected rows in {out_dir / 'rejects.jsonl'}",
                          markup=False)
            err.print(f"imported {input_path}: {rep.seeds_added} seeds, {rep.candidates_added} candidates added, "
                      f"{rep.duplicates} already present, {rep.rejected} rejected", markup=False, highlight=False)
            imported = rep.model_dump(exclude={"errors"})
            if imported.get("rejects_path"):
                imported["rejects_path"] = str(out_dir / "rejects.jsonl")
            seed_ids = set(rep.seed_ids)
        cfg = JudgeConfig(models=chosen, separate_family=separate_family, pairwise=pairwise, no_cache=no_cache,
                          limit=limit, input=str(input_path.resolve()), weights=settings().weights,
                          guard=g_mode, guard_models=g_models if g_mode else [])
        if cfg.mode == "rules-only":
            err.print("kcc-judge: rules-only mode (no judge model given or configured): ranking with the "
                      "deterministic checks alone", markup=False, highlight=False)
        show = not no_progress and err.is_terminal
        progress = Progress(TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TimeRemainingColumn(), console=err, disable=not show, refresh_per_second=4)
        task = progress.add_task("judge", total=None)

        def on_progress(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        try:
            runner = JudgeRunner(store, cfg, out_dir, run_id=run_id, resume=resume, progress=on_progress,
                                 log=lambda m: None, seed_ids=seed_ids)
        except JudgeError as e:
            fail(str(e))
        runner.imported = imported
        if imported is not None:
            runner.extra_outputs["rejects.jsonl"] = rejects_tmp
        restore = install_signal_handlers(runner)
        try:
            with progress:
                summary = runner.execute()
        except JudgeBusyError as e:
            fail(str(e), EXIT_BUSY)
        except JudgeError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted; the run is cancelled (continue with --resume)", EXIT_INTERRUPTED)
        except Exception as e:  # the run row already records the failure
            fail(f"run failed: {type(e).__name__}: {e}", EXIT_FAILED)
        finally:
            restore()
        print_summary(summary, err)
        if summary.lengths is not None:
            from judge.length import PairLengthReport, length_line

            err.print(length_line(PairLengthReport.model_validate(summary.lengths)), markup=False,
                      highlight=False, soft_wrap=True)
        if as_json:
            click.echo(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False))
        if summary.status == "cancelled":
            sys.exit(EXIT_INTERRUPTED)
        if summary.status != "done":
            sys.exit(EXIT_FAILED)
        if summary.counts.get("unscored", 0) or (imported and imported.get("rejected")):
            sys.exit(EXIT_PARTIAL)
        sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
