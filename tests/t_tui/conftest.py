"""Fixtures of the TUI tests: a real store file built by kcc_testkit.synthetic, the real app under Pilot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kcc_settings import Settings
from kcc_testkit.synthetic import build_store

os.environ.setdefault("OMP_NUM_THREADS", "1")

MARKUP_SEED = "마크업이 섞인 질문 [bold red]x[/] 입니다"
MARKUP_ANSWER = "답변 [bold red]x[/] 그리고 [link=http://x]y[/link] 또 \x1b[31m빨강\x1b[0m 끝"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """30 judged seeds (3 candidates each) plus one seed whose text and answer carry markup and ANSI."""
    path = tmp_path / "kcc.db"
    build_store(path, 30, extra_seeds=[(MARKUP_SEED, MARKUP_ANSWER)]).close()
    return path


@pytest.fixture
def config() -> Settings:
    return Settings(reviewer="tester", theme="textual-dark")


def screen_text(app) -> str:  # noqa: ANN001
    """What the terminal shows right now, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot, app) -> None:  # noqa: ANN001
    """Let workers finish and the screen repaint."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
