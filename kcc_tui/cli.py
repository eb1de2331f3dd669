"""`kcc`: open the reviewer (`kcc` / `kcc DB`) and the subcommands of the lower layers.

Subcommand groups live in their own packages (all shipped with kcc) and are imported only when used, so
`kcc --help` stays fast. A first argument that is not a subcommand is taken as the store to open.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import click

from kcc_core.cli import KccCommandGroup
from kcc_core.exit_codes import ExitCode, epilog

# name -> (module, attribute, one-line help shown by `kcc --help` without importing the module)
LAZY: dict[str, tuple[str, str, str]] = {
    "statutes": ("statutes.cli", "statutes_group", "Korean statute & institution registry: show, search."),
    "taxonomy": ("taxonomy.cli", "taxonomy_group", "Harm taxonomy and safe-response policy: validate, show, diff."),
    "generate": ("kcc_gen.cli", "generate_group", "Generate seeds and candidate answers with LLMs."),
    "import": ("db.cli", "import_command", "Import seeds/candidates (JSONL, JSON, CSV, Parquet) into a store."),
    "export": ("db.cli", "export_command", "Export preference pairs as TRL conversational rows."),
}


def _known_categories() -> set[str]:
    """Category and subcategory ids of the taxonomy, for `kcc import`."""
    from taxonomy import known_ids

    return set(known_ids())


class KccGroup(KccCommandGroup):
    """A click group with lazily imported subcommands; an unknown first word opens it as a store."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY} - {"open"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None or cmd_name not in LAZY:
            return cmd
        mod, attr, _ = LAZY[cmd_name]
        return getattr(importlib.import_module(mod), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY and name not in self.commands:
                rows.append((name, LAZY[name][2]))
                continue
            cmd = self.commands.get(name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(formatter.width - 6 - max(len(n) for n in LAZY))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: ANN201 - click's signature
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            return "open", self.commands["open"], args
        return super().resolve_command(ctx, args)


def run_tui(db: str | None, reviewer: str | None = None, theme: str | None = None) -> None:
    from db.store import StoreError
    from kcc_tui.app import KccApp

    try:
        app = KccApp(db, reviewer=reviewer, theme=theme)
    except StoreError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(ExitCode.USAGE)
    app.run()


@click.group(cls=KccGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]}, epilog=epilog())
@click.option("--reviewer", default=None, help="name recorded in the audit log (default: config / $USER)")
@click.option("--theme", default=None, help="Textual theme (default: config, textual-dark)")
@click.pass_context
def main(ctx: click.Context, reviewer: str | None, theme: str | None) -> None:
    """KCC: Korean Cultural Coherence toolkit.

    `kcc [DB]` opens the Textual reviewer on a store (default: KCC_DB / kcc.toml / ./kcc.db).
    Keys: ? help · / search · w review queue · S stats · J jobs · ctrl+p command palette.
    """
    ctx.ensure_object(dict)
    ctx.obj["reviewer"], ctx.obj["theme"] = reviewer, theme
    ctx.obj["known_categories"] = _known_categories
    if ctx.invoked_subcommand is None:
        run_tui(None, reviewer, theme)


@main.command("open", hidden=True)
@click.argument("db", required=False)
@click.pass_context
def open_command(ctx: click.Context, db: str | None) -> None:
    """Open the reviewer on DB."""
    obj = ctx.find_object(dict) or {}
    run_tui(db, obj.get("reviewer"), obj.get("theme"))


@main.command("jobs", epilog=epilog(ExitCode.OK))
@click.option("--db", "db_path", default=None, help="store file (default: KCC_DB or ./kcc.db)")
@click.option("--kind", type=click.Choice(["generate", "judge", "train", "eval", "export", "import"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per run on stdout")
@click.option("--limit", default=50, show_default=True)
def jobs_command(db_path: str | None, kind: str | None, as_json: bool, limit: int) -> None:
    """List runs (jobs) recorded in the store, newest first; settles runs whose process is gone."""
    from db.store import Store
    from kcc_settings import settings
    from kcc_tui.jobs import Launcher

    path = db_path or settings().db
    if not Path(path).exists():
        click.echo(f"error: {path}: no such store", err=True)
        sys.exit(ExitCode.USAGE)
    with Store(path) as store:
        Launcher(store).reconcile()
        runs = store.list_runs(kind, limit=limit)
    for r in runs:
        if as_json:
            click.echo(json.dumps(r.model_dump(), ensure_ascii=False))
        else:
            prog = f"{r.progress_done}/{r.progress_total}" if r.progress_total else str(r.progress_done)
            click.echo(f"{r.id}\t{r.kind}\t{r.status}\t{prog}\t{r.started_at}\t{r.finished_at or ''}")
