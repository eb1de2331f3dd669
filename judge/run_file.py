"""`judge_file`: judge one input end to end (import it, judge it, publish every output once).

`kcc-judge run`, `make demo` (judge/demo.py) and the TUI's judge jobs (which launch `kcc-judge run`) all go
through it, so "how a judge run works" lives here and in judge/pipeline.py, never in a CLI. It raises for
what stops a run before it starts (`JudgeError` with an `exit_code`: usage 2, busy 4), lets KeyboardInterrupt
and unexpected errors through once the run row has recorded them, and returns a `JudgeFileResult` whose
`exit_code` says how a command should end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from db.importer import ImportFailure, ImportReport, import_file
from db.store import Store, StoreError
from judge.pipeline import (
    JudgeConfig,
    JudgeError,
    JudgeRunner,
    JudgeSummary,
    default_models,
)
from kcc_core.cancel import CancelToken, install_signal_handlers
from kcc_core.exit_codes import ExitCode
from kcc_settings import JudgeWeights, settings

STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
GuardChoice = Literal["prompt", "classifier", "none"]


class JudgeFileError(JudgeError):
    """The input, the store or an option is wrong: nothing was judged (and, for a bad model string, nothing
    was imported)."""


class RateSummary(BaseModel):
    """The run's safe rates over its harm-category answers (as in summary.json; None where nothing to count)."""

    safe_rate: float | None = None  # safe / all harm-category answers
    safe_rate_scored: float | None = None  # safe / (safe + unsafe)
    unscored_share: float | None = None


class JudgeFileResult(BaseModel):
    """What one `judge_file` call did: the run, its counts and rates, the files it wrote, how to exit."""

    run_id: str
    status: str  # done | cancelled
    mode: str  # rules-only | llm
    input: str
    db: str
    out_dir: Path
    counts: dict[str, int] = Field(default_factory=dict)
    rates: RateSummary
    paths: dict[str, Path] = Field(default_factory=dict, description="OUT file name -> path, of those this call wrote")
    written: list[str] = Field(default_factory=list, description="OUT files this call published, in order")
    imported: dict[str, Any] | None = None  # the import report (as in summary.json); None for a store input
    summary: JudgeSummary
    exit_code: ExitCode


def is_store_path(path: str | Path) -> bool:
    """An input with a store's suffix is judged in place instead of imported."""
    return Path(path).suffix.lower() in STORE_SUFFIXES


def exit_code_for(summary: JudgeSummary, imported: dict[str, Any] | None) -> ExitCode:
    """0 every candidate judged; 1 finished with unscored candidates or rejected rows; 130 cancelled; 3 else."""
    if summary.status == "cancelled":
        return ExitCode.INTERRUPTED
    if summary.status != "done":
        return ExitCode.FAILED
    if summary.counts.get("unscored", 0) or (imported and imported.get("rejected")):
        return ExitCode.PARTIAL
    return ExitCode.OK


def _resolve_models(models: Sequence[str] | None, guard: GuardChoice | None, guard_models: Sequence[str] | None
                    ) -> tuple[list[str], str | None, list[str]]:
    """Judge models, guard mode and guard models from the arguments, then kcc.toml / KCC_*; all checked
    before anything touches the store (a typo must not leave rows behind)."""
    from kcc_llm.spec import parse_model_spec

    chosen = list(models) if models is not None else default_models()
    g_models = list(guard_models or ()) or ([settings().guard_model] if settings().guard_model else [])
    g_mode = guard or settings().judge_guard or ("prompt" if g_models else "none")
    g_mode = None if g_mode == "none" else g_mode
    if g_mode and not (g_models or chosen):
        raise JudgeFileError(f"--guard {g_mode} needs a model: --guard-model or --model")
    for m in [*chosen, *g_models]:
        try:
            parse_model_spec(m)
        except ValueError as e:
            raise JudgeFileError(str(e)) from None
    return chosen, g_mode, g_models if g_mode else []


def _open_store(input_path: Path, db: str | Path | None) -> Store:
    try:
        if is_store_path(input_path):
            if db is not None and Path(db).resolve() != input_path.resolve():
                raise JudgeFileError(f"INPUT {input_path} is a store; --db {db} would be a second store (drop --db)")
            return Store(input_path, create=False)
        return Store(db or settings().db)
    except StoreError as e:
        raise JudgeFileError(str(e)) from None


def judge_file(input: str | Path, out_dir: str | Path, *, db: str | Path | None = None,  # noqa: A002
               models: Sequence[str] | None = None, guard: GuardChoice | None = None,
               guard_models: Sequence[str] | None = None, resume: bool = False, run_id: str | None = None,
               limit: int | None = None, no_cache: bool = False, separate_family: bool = False,
               pairwise: bool = False, weights: JudgeWeights | None = None, input_name: str | None = None,
               on_progress: Callable[[int, int | None], None] | None = None,
               cancel: CancelToken | None = None, handle_signals: bool = False,
               on_import: Callable[[ImportReport], None] | None = None,
               on_start: Callable[[JudgeConfig], None] | None = None) -> JudgeFileResult:
    """Judge `input` and write OUT/results.jsonl, pairs.jsonl, summary.json (and rejects.jsonl) once.

    `input`: a JSONL / JSON / CSV / Parquet file, imported into `db` (default `Settings().db`) and judged
    alone (the store may hold other seeds); or a store (.db, .sqlite, .sqlite3), judged in place, every seed.
    `models` None = the configured judge models (empty = rules-only); `guard` None = the configured guard
    ("none" = no guard); `guard_models` empty = the configured guard model. `weights` None = the
    configured weights. `input_name` is how the input is named in the outputs and the resume key (default:
    its absolute path). `cancel` is the run's token (default: a fresh one): once set, by the caller or by a
    cancel request for the run in the store (the TUI's Jobs `x`), the run stops after the current chunk and
    becomes "cancelled"; `handle_signals` routes SIGINT/SIGTERM to it through kcc_core.cancel's shared handler
    (a second SIGINT stops at once), in the main thread.
    `on_import(report)` is called once the file is imported, `on_start(config)` just before judging starts,
    `on_progress(done, total)` after every committed chunk.
    """
    input_path, out = Path(input), Path(out_dir)
    if not input_path.exists():
        raise JudgeFileError(f"{input_path}: no such file")
    chosen, g_mode, g_models = _resolve_models(models, guard, guard_models)
    store = _open_store(input_path, db)
    rejects_tmp: Path | None = None
    try:
        with store:
            imported: dict[str, Any] | None = None
            seed_ids: set[str] | None = None
            if not is_store_path(input_path):
                out.mkdir(parents=True, exist_ok=True)
                # rejects are published with the run's other outputs (never beside an older run's summary)
                rejects_tmp = out / f".rejects.{os.getpid()}.jsonl.part"
                from taxonomy import known_ids

                try:
                    rep = import_file(store, input_path, known_categories=set(known_ids()), rejects_path=rejects_tmp)
                except (ImportFailure, ValueError, OSError) as e:
                    raise JudgeFileError(f"cannot import {input_path}: {e}") from None
                if on_import is not None:
                    on_import(rep)
                imported = rep.model_dump(exclude={"errors"})
                if imported.get("rejects_path"):
                    imported["rejects_path"] = str(out / "rejects.jsonl")
                seed_ids = set(rep.seed_ids)
            cfg = JudgeConfig(models=chosen, separate_family=separate_family, pairwise=pairwise, no_cache=no_cache,
                              limit=limit, input=input_name or str(input_path.resolve()),
                              weights=weights if weights is not None else settings().weights,
                              guard=g_mode, guard_models=g_models)
            if on_start is not None:
                on_start(cfg)
            runner = JudgeRunner(store, cfg, out, run_id=run_id, resume=resume, progress=on_progress,
                                 log=lambda m: None, seed_ids=seed_ids, token=cancel)
            runner.imported = imported  # summary.json carries the import report: written once, at the end
            if rejects_tmp is not None:
                runner.extra_outputs["rejects.jsonl"] = rejects_tmp
            restore = install_signal_handlers(runner.token) if handle_signals else (lambda: None)
            try:
                summary = runner.execute()
            finally:
                restore()
    finally:
        if rejects_tmp is not None:  # a run that never published leaves no temp file behind
            rejects_tmp.unlink(missing_ok=True)
    return JudgeFileResult(
        run_id=summary.run_id, status=summary.status, mode=summary.mode, input=cfg.input or str(input_path),
        db=str(store.path), out_dir=out, counts=dict(summary.counts),
        rates=RateSummary(safe_rate=summary.safe_rate, safe_rate_scored=summary.safe_rate_scored,
                          unscored_share=summary.unscored_share),
        paths={name: out / name for name in runner.written}, written=list(runner.written), imported=imported, summary=summary,
        exit_code=exit_code_for(summary, imported))
