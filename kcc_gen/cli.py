"""`kcc generate …`: a thin click layer over kcc_gen.generate (stdout: JSON summary; stderr: estimate, progress)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from db import Store
from kcc_core.aio import run_cancellable
from kcc_core.cancel import Cancelled
from kcc_core.cli import KccCommandGroup
from kcc_core.exit_codes import ExitCode, epilog
from kcc_settings import settings as kcc_settings

T = TypeVar("T")

_err = Console(stderr=True, highlight=False)


def _csv(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _db_path(db: str | None) -> str:
    return db or kcc_settings().db


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; Ctrl-C and SIGTERM cancel it cleanly (finished items stay committed)."""
    try:
        return run_cancellable(make)
    except (Cancelled, KeyboardInterrupt):
        _interrupted()


def _interrupted() -> NoReturn:
    _err.print("interrupted: finished items are saved; run the same command again to resume", markup=False)
    sys.exit(ExitCode.INTERRUPTED)


class _Bar:
    """A rich progress bar on stderr, fed by the pipeline's on_progress callback."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.progress = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=_err,
            transient=False, disable=not enabled,
        )
        self.task: Any = None

    def __enter__(self) -> _Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("run", total=total)
        self.progress.update(self.task, completed=done, total=total)


def _estimate_printer(est: Any) -> None:
    _err.print(est.line(), markup=False)


def _emit(summary: Any) -> None:
    click.echo(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2))


def _exit_code(summary: Any) -> ExitCode:
    if summary.reason == "budget":
        return ExitCode.BUDGET
    if summary.status == "cancelled":  # a cancel request in the store: the workers stopped before more items
        return ExitCode.INTERRUPTED
    if summary.failed:
        return ExitCode.PARTIAL
    return ExitCode.OK


RUN_CODES = (ExitCode.PARTIAL, ExitCode.BUDGET)


common_options = [
    click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help="SQLite store (default: config db)."),
    click.option("--no-cache", is_flag=True, help="Call the models even when a cached reply exists."),
    click.option("--budget", "budget", type=click.FloatRange(min=0), default=None, help="Stop cleanly before spending more USD."),
    click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Concurrent requests per provider (overrides config)."),
    click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Completion token limit per call."),
    click.option("--temperature", type=float, default=None, help="Sampling temperature."),
    click.option("--quiet", is_flag=True, help="No progress bar."),
]


def _with_common(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(common_options):
        f = opt(f)
    return f


@click.group(
    "generate",
    cls=KccCommandGroup,
    help="""Generate seeds and candidate answers with LLMs (resumable, cached, cost-aware).

0 when every item was generated (or nothing was left to do, or the batch was submitted); 1 when some items
failed (each is logged in the run with its reason); 7 when --budget stopped the run (status cancelled, reason
budget); 8 when `collect` left batch jobs still pending; 130 on Ctrl-C / SIGTERM (finished items are saved:
run the same command again to resume).""",
    epilog=epilog(*RUN_CODES, ExitCode.PENDING),
)
def generate_group() -> None:
    pass


def _seed_cfg(model, per_subcategory, styles, categories, subcategories, no_cache, budget, concurrency,
              max_tokens, temperature):
    from kcc_gen.generate import SeedGenConfig

    data: dict[str, Any] = dict(
        model=model, per_subcategory=per_subcategory, styles=_csv(styles) or ["direct"],
        categories=_csv(categories), subcategories=_csv(subcategories), no_cache=no_cache, budget_usd=budget,
        concurrency=concurrency,
    )
    if max_tokens is not None:
        data["max_tokens"] = max_tokens
    if temperature is not None:
        data["temperature"] = temperature
    return SeedGenConfig(**data)


def _cand_cfg(models, baseline, category, limit, source, no_cache, budget, concurrency, max_tokens, temperature):
    from kcc_gen.generate import CandidateGenConfig

    data: dict[str, Any] = dict(
        models=_csv(models) or [], baseline=baseline, categories=[c for v in category for c in _csv(v) or []] or None,
        limit=limit, source=source, no_cache=no_cache, budget_usd=budget, concurrency=concurrency,
    )
    if max_tokens is not None:
        data["max_tokens"] = max_tokens
    if temperature is not None:
        data["temperature"] = temperature
    return CandidateGenConfig(**data)


@generate_group.command("seeds", epilog=epilog(*RUN_CODES))
@click.option("--model", "-m", default=None,
              help="Generator model, e.g. openai:gpt-4o-mini (default: seed_model in kcc.toml / KCC_SEED_MODEL).")
@click.option("--per-subcategory", "-n", type=int, default=5, show_default=True, help="Seeds per subcategory and style.")
@click.option("--styles", default="direct", show_default=True, help="Comma list: direct,roleplay,hypothetical,emotional,slang.")
@click.option("--categories", default=None, help="Comma list of category ids (default: all).")
@click.option("--subcategories", default=None, help="Comma list of subcategory ids (default: all).")
@_with_common
def seeds_cmd(model, per_subcategory, styles, categories, subcategories, db, no_cache, budget, concurrency,
              max_tokens, temperature, quiet):
    """Expand taxonomy subcategories into Korean seed prompts (near-duplicates removed)."""
    from kcc_gen.generate import generate_seeds

    model = model or kcc_settings().seed_model
    if not model:
        raise click.UsageError("no generator model: pass --model or set seed_model in kcc.toml")
    try:
        cfg = _seed_cfg(model, per_subcategory, styles, categories, subcategories, no_cache, budget, concurrency,
                        max_tokens, temperature)
        with Store(_db_path(db)) as store, _Bar("seeds", enabled=not quiet) as bar:
            summary = _run(lambda: generate_seeds(store, cfg, on_progress=bar, on_estimate=_estimate_printer))
    except (ValueError, KeyError) as e:
        raise click.UsageError(str(e)) from e
    _emit(summary)
    sys.exit(_exit_code(summary))


@generate_group.command("candidates", epilog=epilog(*RUN_CODES))
@click.option("--models", default=None,
              help="Comma list of model strings; each answers every seed (default: candidate_models in kcc.toml).")
@click.option("--baseline", is_flag=True, help="Also answer without the policy system prompt.")
@click.option("--category", multiple=True, help="Only seeds of this category (repeat or comma list).")
@click.option("--limit", type=int, default=None, help="At most this many seeds.")
@click.option("--source", default=None, help="Only seeds of this source (import, generated, eval).")
@click.option("--batch", "use_batch", is_flag=True, help="Submit as provider batch jobs; then run `collect`.")
@_with_common
def candidates_cmd(models, baseline, category, limit, source, use_batch, db, no_cache, budget, concurrency,
                   max_tokens, temperature, quiet):
    """Have each model answer each seed under the category policy (the candidates the judge ranks)."""
    from kcc_gen.generate import generate_candidates, submit_candidates_batch

    models = models or ",".join(kcc_settings().candidate_models)
    if not models:
        raise click.UsageError("no candidate models: pass --models a,b,c or set candidate_models in kcc.toml")
    try:
        cfg = _cand_cfg(models, baseline, category, limit, source, no_cache, budget, concurrency, max_tokens,
                        temperature)
        with Store(_db_path(db)) as store:
            if use_batch:
                summary = _run(lambda: submit_candidates_batch(store, cfg, on_estimate=_estimate_printer))
            else:
                with _Bar("candidates", enabled=not quiet) as bar:
                    summary = _run(
                        lambda: generate_candidates(store, cfg, on_progress=bar, on_estimate=_estimate_printer)
                    )
    except (ValueError, KeyError) as e:
        raise click.UsageError(str(e)) from e
    _emit(summary)
    sys.exit(_exit_code(summary))


@generate_group.command("collect", epilog=epilog(ExitCode.PARTIAL, ExitCode.PENDING))
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help="SQLite store (default: config db).")
@click.option("--run", "run_id", default=None, help="Only the batch jobs of this run.")
@click.option("--wait", is_flag=True, help="Keep polling until every job has ended.")
@click.option("--poll-interval", type=float, default=30.0, show_default=True, help="Seconds between polls.")
@click.option("--timeout", type=float, default=None, help="Give up waiting after this many seconds.")
def collect_cmd(db, run_id, wait, poll_interval, timeout):
    """Poll submitted batch jobs and store the answers of those that ended (safe to repeat)."""
    from kcc_gen.generate import collect_batches

    with Store(_db_path(db)) as store:
        out = _run(lambda: collect_batches(store, run_id=run_id, wait=wait, poll_interval_s=poll_interval,
                                           timeout_s=timeout))
    click.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2))
    if out.still_running:
        sys.exit(ExitCode.PENDING)
    sys.exit(ExitCode.PARTIAL if out.failed else ExitCode.OK)


@generate_group.command("estimate", epilog=epilog(ExitCode.OK))
@click.argument("stage", type=click.Choice(["seeds", "candidates"]))
@click.option("--model", "-m", default=None, help="seeds: generator model.")
@click.option("--models", default=None, help="candidates: comma list of models.")
@click.option("--per-subcategory", "-n", type=int, default=5, show_default=True)
@click.option("--styles", default="direct", show_default=True)
@click.option("--categories", default=None)
@click.option("--subcategories", default=None)
@click.option("--baseline", is_flag=True)
@click.option("--category", multiple=True)
@click.option("--limit", type=int, default=None)
@click.option("--source", default=None)
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None)
@click.option("--max-tokens", type=int, default=None)
@click.option("--temperature", type=float, default=None)
def estimate_cmd(stage, model, models, per_subcategory, styles, categories, subcategories, baseline, category,
                 limit, source, db, max_tokens, temperature):
    """Print the calls, tokens and USD a run would take (JSON on stdout); makes no calls."""
    from kcc_gen.generate import estimate_candidates, estimate_seeds

    try:
        with Store(_db_path(db)) as store:
            if stage == "seeds":
                if not model:
                    raise click.UsageError("estimate seeds needs --model")
                cfg = _seed_cfg(model, per_subcategory, styles, categories, subcategories, False, None, None,
                                max_tokens, temperature)
                est = estimate_seeds(store, cfg)
            else:
                if not models:
                    raise click.UsageError("estimate candidates needs --models")
                ccfg = _cand_cfg(models, baseline, category, limit, source, False, None, None, max_tokens,
                                 temperature)
                est = estimate_candidates(store, ccfg)
    except (ValueError, KeyError) as e:
        raise click.UsageError(str(e)) from e
    _err.print(est.line(), markup=False)
    click.echo(json.dumps(est.model_dump(mode="json"), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    generate_group()
