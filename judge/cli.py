"""`kcc-judge`: the headless judge (a thin layer over judge.run_file.judge_file).

stdout carries data (the summary JSON with --json), stderr carries diagnostics, the progress bar and the
rich summary table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

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
from kcc_core.cli import fail as _fail
from kcc_core.exit_codes import ExitCode, epilog

EXIT_CODES_HELP = epilog(ExitCode.OK, ExitCode.PARTIAL, ExitCode.USAGE, ExitCode.FAILED, ExitCode.BUSY,
                         ExitCode.INTERRUPTED)


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
    from judge.pipeline import JudgeError
    from judge.report import print_summary
    from judge.run_file import judge_file

    err = Console(stderr=True, highlight=False)

    def say(msg: str) -> None:
        err.print(msg, markup=False, highlight=False)

    def fail(msg: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
        _fail(msg, code, prog="kcc-judge")

    def on_import(rep) -> None:
        for e in rep.errors[:20]:
            say(str(e))
        if rep.rejected > 20:
            say(f"... {rep.rejected - 20} more rejected rows in {out_dir / 'rejects.jsonl'}")
        say(f"imported {input_path}: {rep.seeds_added} seeds, {rep.candidates_added} candidates added, "
            f"{rep.duplicates} already present, {rep.rejected} rejected")

    show = not no_progress and err.is_terminal
    progress = Progress(TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=err, disable=not show, refresh_per_second=4)
    task = progress.add_task("judge", total=None)
    started = []

    def on_start(cfg) -> None:
        if cfg.mode == "rules-only":
            say("kcc-judge: rules-only mode (no judge model given or configured): ranking with the "
                "deterministic checks alone")
        progress.start()
        started.append(True)

    def stop_progress() -> None:  # before any message, so the bar never interleaves with it
        if started:
            progress.stop()

    try:
        res = judge_file(input_path, out_dir, db=db_path, models=list(models) or None, guard=guard,
                         guard_models=guard_models, resume=resume, run_id=run_id, limit=limit, no_cache=no_cache,
                         separate_family=separate_family, pairwise=pairwise, handle_signals=True,
                         on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                         on_import=on_import, on_start=on_start)
    except JudgeError as e:
        stop_progress()
        fail(str(e), e.exit_code)
    except KeyboardInterrupt:
        stop_progress()
        fail("interrupted; the run is cancelled (continue with --resume)", ExitCode.INTERRUPTED)
    except Exception as e:  # the run row already records the failure
        stop_progress()
        if isinstance(e, ValueError) and isinstance(getattr(e, "exit_code", None), int):
            raise  # a library error with its own code (bad kcc.toml): the command group reports it
        fail(f"run failed: {type(e).__name__}: {e}", ExitCode.FAILED)
    stop_progress()
    summary = res.summary
    print_summary(summary, err)
    if summary.lengths is not None:
        from judge.length import PairLengthReport, length_line

        err.print(length_line(PairLengthReport.model_validate(summary.lengths)), markup=False,
                  highlight=False, soft_wrap=True)
    if as_json:
        click.echo(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False))
    sys.exit(int(res.exit_code))


if __name__ == "__main__":  # pragma: no cover
    main()
