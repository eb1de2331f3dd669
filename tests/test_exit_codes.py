"""One exit-code table: the README shows it verbatim, every CLI's --help lists its codes, no CLI exits with a bare
number, and the shared click classes turn an interrupt, an input error and a crash into the table's codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kcc_core.cli import KccCommand
from kcc_core.exit_codes import MEANING, ExitCode, for_run_status, markdown_table, run_status_for_exit

REPO = Path(__file__).resolve().parent.parent
CLI_FILES = ["kcc_gen/cli.py", "kcc_train/cli.py", "db/cli.py", "statutes/cli.py", "taxonomy/cli.py",
             "kcc_tui/cli.py", "judge/checks/cli.py"]


def test_readme_has_the_table_verbatim():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert markdown_table() in section
    assert all(f"| {int(c)} | `{c.name}` |" in section for c in ExitCode)


def _bare_exits(path: Path) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in ("exit", "SystemExit", "_fail", "fail", "Exit"):
            args = list(node.args[1:] if name in ("_fail", "fail") else node.args)
            args += [k.value for k in node.keywords if k.arg == "code"]
            for a in args:
                if isinstance(a, ast.Constant) and isinstance(a.value, int) and not isinstance(a.value, bool):
                    bad.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}({a.value})")
    return bad


def test_no_cli_exits_with_a_bare_number():
    bad = [b for f in CLI_FILES for b in _bare_exits(REPO / f)]
    assert not bad, "\n".join(bad)


def _commands(cmd: click.Command, ctx: click.Context, path: tuple[str, ...] = ()):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _commands(sub, ctx, (*path, name))


@pytest.mark.parametrize("entry", ["kcc_tui.cli:main", "kcc_train.cli:main", "judge.checks.cli:check_command"])
def test_every_help_lists_its_exit_codes_from_the_table(entry):
    import importlib

    mod, attr = entry.split(":")
    root = getattr(importlib.import_module(mod), attr)
    ctx = click.Context(root, info_name="kcc")
    seen = 0
    for path, _cmd in _commands(root, ctx):
        res = CliRunner().invoke(root, [*path, "--help"])
        assert res.exit_code == 0, (path, res.output)
        text = " ".join(res.output.split())
        assert "Exit codes (the same in every kcc command):" in text, (entry, path)
        listed = [int(n) for n in re.findall(r"(?:^|\s)(\d{1,3}) (?=\S)", text.split("Exit codes", 1)[1])]
        for code in (ExitCode.OK, ExitCode.USAGE, ExitCode.FAILED, ExitCode.INTERRUPTED):
            assert int(code) in listed, (entry, path, listed)
            assert " ".join(MEANING[code].split()) in text
        seen += 1
    assert seen >= 1


def test_specific_codes_are_on_the_commands_that_return_them():
    from kcc_gen.cli import generate_group
    from kcc_train.cli import main as train

    def helptext(cli, args):
        return " ".join(CliRunner().invoke(cli, [*args, "--help"]).output.split())

    assert MEANING[ExitCode.BUDGET] in helptext(generate_group, ["seeds"])
    assert MEANING[ExitCode.PENDING] in helptext(generate_group, ["collect"])
    assert MEANING[ExitCode.GATE] in helptext(train, ["eval"])
    assert MEANING[ExitCode.DATA_MISSING] in helptext(train, ["eval"])
    assert MEANING[ExitCode.EMPTY] in helptext(train, ["export"])


def _cmd(raise_: BaseException) -> click.Command:
    @click.command(cls=KccCommand)
    def cmd() -> None:
        raise raise_

    return cmd


@pytest.mark.parametrize("exc,code", [
    (KeyboardInterrupt(), ExitCode.INTERRUPTED),
    (RuntimeError("boom"), ExitCode.FAILED),
    (ValueError("plain"), ExitCode.FAILED),
    (click.ClickException("bad input"), ExitCode.USAGE),
    (click.UsageError("bad option"), ExitCode.USAGE),
])
def test_shared_click_classes_give_the_tables_codes(exc, code):
    res = CliRunner().invoke(_cmd(exc), [])
    assert res.exit_code == code, res.output
    if code == ExitCode.FAILED:
        assert "Traceback" in res.stderr and "unexpected error" in res.stderr


def test_run_status_and_exit_code_agree():
    assert for_run_status("done") == ExitCode.OK
    assert for_run_status("cancelled") == for_run_status("interrupted") == ExitCode.INTERRUPTED
    assert for_run_status("failed") == ExitCode.FAILED
    assert run_status_for_exit(0) == "done"
    assert run_status_for_exit(ExitCode.INTERRUPTED) == "interrupted"
    assert run_status_for_exit(ExitCode.PARTIAL) == run_status_for_exit(-9) == "failed"
