"""`kcc import` and `kcc export`: thin click commands over db.importer / db.exporter.

Exit codes (kcc_core.exit_codes): 0 all rows imported/exported; 1 some rows were rejected, id conflicts
included (the good ones are stored); 2 the command could not run (missing or unreadable input, unknown format,
corrupt file, a rejects path that is an input or unwritable, a --db that is not a store, a full disk,
unwritable output, bad options or config, a finished --run-id); 4 (export --run-id) the run is held by another
live process; 9 (export) no pair matched the filters: nothing was written, since `datasets` cannot load an empty
file. `kcc export --run-id` holds its run through db.runs.RunLease, like every other job.
The taxonomy check of category ids is injected by the caller (`ctx.obj["known_categories"]`, a callable),
because db sits below taxonomy in the layering.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click
from rich.console import Console

from db.exporter import EmptyExportError, ExportFilters, export_pairs
from db.import_paths import check_input, check_rejects
from db.importer import ImportFailure, import_file
from db.runs import RunBusyError, RunLease, RunStateError, status_for
from db.store import Store, StoreError
from kcc_core.cancel import install_signal_handlers
from kcc_core.cli import KccCommand
from kcc_core.exit_codes import ExitCode, epilog
from kcc_settings import settings

err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
EXPORT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def _known_categories(ctx: click.Context) -> set[str] | None:
    obj = ctx.find_object(dict) or {}
    provider = obj.get("known_categories")
    return provider() if callable(provider) else None


@click.command("import", cls=KccCommand, epilog=epilog(ExitCode.PARTIAL))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--db", "db_path", default=None, help="store file (default: KCC_DB or ./kcc.db)")
@click.option("--rejects", type=click.Path(path_type=Path), default=None,
              help="where rejected rows go (default: FILE.rejects.jsonl)")
@click.option("--batch-size", default=1000, show_default=True, help="rows per transaction")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON on stdout")
@click.pass_context
def import_command(ctx: click.Context, files: tuple[Path, ...], db_path: str | None, rejects: Path | None,
                   batch_size: int, as_json: bool) -> None:
    """Import seeds (optionally with candidates) from JSONL, JSON, CSV or Parquet.

    Each bad row is reported as FILE:LINE: FIELD: MESSAGE and written to the rejects file; the valid rows
    are kept. Re-importing the same file adds nothing (ids are given or content hashes).
    """
    known = _known_categories(ctx)
    rc = ExitCode.OK
    path = Path(db_path or settings().db)
    try:  # everything that can be checked before the store is opened, so a refused import changes nothing
        if rejects is not None and len(files) > 1:
            raise ImportFailure("--rejects names one file: give one input, or let each input have its own "
                                "FILE.rejects.jsonl")
        for f in files:
            check_input(f)
            check_rejects(rejects or f.with_name(f.name + ".rejects.jsonl"), list(files), path)
    except ImportFailure as e:
        err.print(f"error: {e}")
        sys.exit(ExitCode.USAGE)
    try:
        store = Store(path)
    except StoreError as e:
        err.print(f"error: {e}")
        sys.exit(ExitCode.USAGE)
    except sqlite3.DatabaseError as e:
        err.print(f"error: {path}: not a KCC store ({e}); give a new or existing store with --db")
        sys.exit(ExitCode.USAGE)
    with store:
        for f in files:
            try:
                rep = import_file(store, f, known_categories=known, rejects_path=rejects, batch_size=batch_size,
                                  keep_seed_ids=False)
            except ImportFailure as e:
                err.print(f"error: {e}")
                sys.exit(ExitCode.USAGE)
            except sqlite3.Error as e:
                err.print(f"error: {path}: {e}")
                sys.exit(ExitCode.USAGE)
            except OSError as e:  # the input became unreadable while read (I/O error, removed mount)
                err.print(f"error: {f}: {e.strerror or e}")
                sys.exit(ExitCode.USAGE)
            for e in rep.errors:
                err.print(str(e))
            if rep.rejected > len(rep.errors):
                err.print(f"... {rep.rejected - len(rep.errors)} more rejected rows in {rep.rejects_path}")
            err.print(f"{f}: {rep.seeds_added} seeds and {rep.candidates_added} candidates added, "
                      f"{rep.duplicates} already present, {rep.rejected} rejected"
                      + (f" (see {rep.rejects_path})" if rep.rejects_path else ""))
            if as_json:
                click.echo(json.dumps(rep.model_dump(), ensure_ascii=False))
            if rep.rejected:
                rc = ExitCode.PARTIAL
    sys.exit(rc)


@click.command("export", cls=KccCommand, epilog=epilog(ExitCode.EMPTY, ExitCode.BUSY))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--db", "db_path", default=None, help="store file (default: KCC_DB or ./kcc.db)")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default=None,
              help="default: from the file extension, else jsonl")
@click.option("--category", "categories", multiple=True, help="only these categories (repeatable)")
@click.option("--source", type=click.Choice(["judge", "human"]), default=None)
@click.option("--min-margin", type=float, default=None,
              help="skip pairs with a smaller margin (a reviewer's pair: the margin of the reviewer's pair)")
@click.option("--keep-reviewed/--no-keep-reviewed", default=True, show_default=True,
              help="keep every reviewer-decided pair whatever --min-margin says; the summary counts them")
@click.option("--reviewed-only", is_flag=True, help="only pairs a reviewer decided")
@click.option("--run-id", default=None, help="record the export under this run id (jobs launched from the TUI)")
def export_command(out: Path, db_path: str | None, fmt: str | None, categories: tuple[str, ...],
                   source: str | None, min_margin: float | None, keep_reviewed: bool, reviewed_only: bool,
                   run_id: str | None) -> None:
    """Export preference pairs as TRL conversational prompt/chosen/rejected rows with metadata.

    The format follows OUT's extension (.jsonl / .ndjson or .parquet); any other extension needs --format.
    --min-margin compares each pair's margin; a reviewer's pair carries the margin of the reviewer's own pair
    (negative when it overrules the judge). Reviewer pairs are kept whatever their margin unless
    --no-keep-reviewed; the summary says how many reviewer pairs below the margin were kept or dropped.
    """
    if fmt is None:
        fmt = EXPORT_SUFFIXES.get(out.suffix.lower())
        if fmt is None:
            err.print(f"error: {out}: cannot tell the format from {out.suffix or 'no extension'!r}; "
                      "name the file .jsonl or .parquet, or pass --format jsonl|parquet")
            sys.exit(ExitCode.USAGE)
    path = db_path or settings().db
    if not Path(path).exists():
        err.print(f"error: {path}: no such store")
        sys.exit(ExitCode.USAGE)
    with Store(path) as store:
        lease = None
        if run_id:  # a job launched from the TUI: adopt its row (or create it) with the one run lifecycle
            try:
                lease = RunLease.open(store, "export", config={"out": str(out)}, run_id=run_id)
            except (RunBusyError, RunStateError) as e:
                err.print(f"error: {e}")
                sys.exit(e.exit_code)
            lease.start_heartbeat()
        # SIGTERM (the TUI's cancel) / Ctrl-C: the lease's token is set and the export stops at once (it writes a
        # temp file, published only when complete); the run ends `cancelled`, exit 130
        restore = install_signal_handlers(lease.token, on_signal=_stop_now) if lease else (lambda: None)
        filters = ExportFilters(categories=list(categories) or None, source=source, min_margin=min_margin,
                                reviewed_only=reviewed_only, keep_reviewed=keep_reviewed)
        try:
            rec = export_pairs(store, out, fmt=fmt, filters=filters, run_id=run_id)
        except EmptyExportError as e:
            if lease:
                lease.log(f"error: {e}", "error")
                lease.finish("failed", error=str(e))
            err.print(f"error: {e}")
            sys.exit(ExitCode.EMPTY)
        except (OSError, RuntimeError) as e:  # unwritable path, missing pyarrow: one line, not a traceback
            if lease:
                lease.log(f"error: cannot write {out}: {e}", "error")
                lease.finish("failed", error=f"{type(e).__name__}: {e}")
            err.print(f"error: cannot write {out}: {e}")
            sys.exit(ExitCode.USAGE)
        except BaseException as e:  # Ctrl-C / SIGTERM (cancelled) or an unexpected error (failed)
            if lease:
                lease.finish(*status_for(e))
            raise
        finally:
            restore()
        if lease:
            lease.log(f"{rec.n_pairs} pairs written to {rec.path} (export {rec.id})")
            lease.progress(rec.n_pairs, rec.n_pairs)
            lease.finish("done", summary={
                "export_id": rec.id, "n_pairs": rec.n_pairs, "path": rec.path,
                **{k: v for k, v in rec.filters.items() if k.startswith("reviewed_below_margin")}})
    err.print(f"{rec.n_pairs} pairs written to {rec.path} (export {rec.id})")
    if kept := rec.filters.get("reviewed_below_margin_kept"):
        err.print(f"{_pairs(kept)} below --min-margin {min_margin} kept (--no-keep-reviewed leaves them out)")
    if dropped := rec.filters.get("reviewed_below_margin_dropped"):
        err.print(f"{_pairs(dropped)} below --min-margin {min_margin} left out (--no-keep-reviewed; "
                  "--keep-reviewed keeps them)")
    click.echo(rec.path)


def _stop_now() -> None:
    raise KeyboardInterrupt


def _pairs(n: int) -> str:
    return f"{n} reviewer pair{'' if n == 1 else 's'}"
