"""What every KCC command group shares: library errors that carry an `exit_code` (kcc_settings.ConfigError,
db.runs' busy error, ...) become one readable line on stderr and that code, never a traceback; an interrupt
is 130 (click alone would say "Aborted!" and 1), a `click.ClickException` (click's default code 1) is 2, and
an unexpected error is 3 with its traceback on stderr (Python alone would exit 1, which the table reserves
for "finished, with findings")."""

from __future__ import annotations

import sys
import traceback
from typing import Any, NoReturn

import click

from kcc_core.exit_codes import ExitCode


def _as_click_error(e: ValueError) -> click.ClickException | None:
    code = getattr(e, "exit_code", None)
    if not isinstance(code, int):
        return None
    err = click.ClickException(str(e))
    err.exit_code = code
    return err


class _Converting:
    """invoke() turning a `ValueError` subclass with an int `exit_code` attribute into a click error with that
    code, so library code stays free of click."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except click.ClickException as e:
            if e.exit_code == 1:  # click's own default (ClickException, FileError): an input error in the table
                e.exit_code = int(ExitCode.USAGE)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None
        except ValueError as e:
            err = _as_click_error(e)
            if err is None:
                _unexpected(ctx)
            raise err from None
        except Exception:  # noqa: BLE001 - every other error: its traceback, then the table's code
            _unexpected(ctx)


def _unexpected(ctx: click.Context) -> NoReturn:
    traceback.print_exc(file=sys.stderr)
    click.echo(f"{ctx.find_root().info_name or 'kcc'}: unexpected error (exit {int(ExitCode.FAILED)})", err=True)
    raise click.exceptions.Exit(int(ExitCode.FAILED))


class KccCommand(_Converting, click.Command):
    """A command of any KCC CLI (also when invoked on its own, as tests and the TUI's jobs do)."""


class KccCommandGroup(_Converting, click.Group):
    """A group of a KCC CLI; its subcommands made with `@group.command` are `KccCommand`s."""

    command_class = KccCommand


def fail(msg: str, code: ExitCode = ExitCode.USAGE, *, prog: str = "kcc") -> NoReturn:
    """One line on stderr, then exit with `code`."""
    click.echo(f"{prog}: {msg}", err=True)
    sys.exit(int(code))
