"""The ground floor (kcc_core, kcc_settings): settings free of any CLI library, one async entry, and library
errors that become one line and the table's exit code in every command."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from click.testing import CliRunner

from kcc_core.aio import run_sync
from kcc_core.exit_codes import ExitCode

REPO = Path(__file__).resolve().parent.parent


def test_settings_package_is_free_of_click():
    for f in (REPO / "kcc_settings").rglob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert "click" not in names and "rich" not in names, f


def test_config_error_is_a_usage_error_in_every_command(tmp_path, monkeypatch):
    from judge.cli import main as judge_main
    from kcc_settings import settings
    from kcc_tui.cli import main as kcc_main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KCC_DB", raising=False)
    cfg = tmp_path / "kcc.toml"
    cfg.write_text("[weights]\nrubric = 'high'\n", encoding="utf-8")
    monkeypatch.setenv("KCC_CONFIG", str(cfg))
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "s1", "prompt": "p", "category": "K01"}\n', encoding="utf-8")
    for cli, args in [(judge_main, ["run", str(src), "--out", str(tmp_path / "out")]),
                      (kcc_main, ["import", str(src)])]:
        settings.cache_clear()
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == ExitCode.USAGE, (args, res.output)
        assert "weights.rubric" in res.output and "Traceback" not in res.output
    settings.cache_clear()
    assert not (tmp_path / "kcc.db").exists()


def test_run_sync_inside_and_outside_a_running_loop():
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert run_sync(answer()) == 42

    async def outer() -> int:
        return run_sync(answer())  # a caller that already runs a loop (the TUI) gets a helper thread

    assert asyncio.run(outer()) == 42
