"""What every KCC command group shares: library errors that carry an `exit_code` (kcc_settings.ConfigError,
db.runs' busy error, ...) become one readable line on stderr and that code, never a traceback."""

from __future__ import annotations

import sys
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
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ValueError as e:
            err = _as_click_error(e)
            if err is None:
                raise
            raise err from None


class KccCommand(_Converting, click.Command):
    """A command of any KCC CLI (also when invoked on its own, as tests and the TUI's jobs do)."""


class KccCommandGroup(_Converting, click.Group):
    """A group of a KCC CLI; its subcommands made with `@group.command` are `KccCommand`s."""

    command_class = KccCommand


def fail(msg: str, code: ExitCode = ExitCode.USAGE, *, prog: str = "kcc") -> NoReturn:
    """One line on stderr, then exit with `code`."""
    click.echo(f"{prog}: {msg}", err=True)
    sys.exit(int(code))
