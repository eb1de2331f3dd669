"""Screenshots of the main screens at 100x30 and 80x24 on fixed data (pytest-textual-snapshot).

Baselines live in __snapshots__/; regenerate after an intended visual change with
`pytest tests/t_tui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kcc_settings import Settings
from kcc_testkit.synthetic import add_run, build_store
from kcc_tui.app import KccApp

from .conftest import MARKUP_ANSWER, MARKUP_SEED

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]


@pytest.fixture
def snap_app(tmp_path: Path):  # noqa: ANN201
    """A fixed store (same name every run: the header shows it) and an app factory."""
    path = tmp_path / "snap.db"
    store = build_store(path, 24, extra_seeds=[(MARKUP_SEED, MARKUP_ANSWER)])
    add_run(store, "eval-demo", "eval", "failed", done=3, total=10)
    store.update_run("eval-demo", error="process ended without finishing the run (exit code 1)")
    add_run(store, "train-demo", "train", "done", done=40, total=40,
            losses=[0.69, 0.6, 0.52, 0.41, 0.35, 0.3, 0.22, 0.2, 0.15, 0.12])
    store.close()

    def make() -> KccApp:
        return KccApp(path, config=Settings(reviewer="snap", theme="textual-dark"))

    return make


async def _settle(pilot) -> None:  # noqa: ANN001
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause(0.05)  # let late layout (tree labels filled by the worker) settle


@pytest.mark.parametrize("size", SIZES)
def test_browse(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    assert snap_compare(snap_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_seed_view(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    assert snap_compare(snap_app(), terminal_size=size, press=["down", "enter"], run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_seed_view_markup_literal(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    assert snap_compare(snap_app(), terminal_size=size, press=["ctrl+end", "enter"], run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_citation_popup(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    assert snap_compare(snap_app(), terminal_size=size, press=["enter", "i", "i", "i", "i", "enter"],
                        run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_queue(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    assert snap_compare(snap_app(), terminal_size=size, press=["w"], run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_search(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    async def search(pilot) -> None:  # noqa: ANN001
        await _settle(pilot)
        await pilot.press("slash", *"딥페이크")
        # Each key starts a search and cancels the previous one; wait_for_complete returns as soon as one
        # cancelled worker is seen, so wait for the last query's results themselves.
        screen = pilot.app.screen
        for _ in range(500):
            if screen.last_query == "딥페이크":
                break
            await pilot.pause(0.01)
        assert screen.last_query == "딥페이크"
        # the query's cursor blinks every 0.5 s: on a busy machine the picture caught it on or off
        screen.query_one("#query").cursor_blink = False
        await _settle(pilot)

    assert snap_compare(snap_app(), terminal_size=size, run_before=search)


@pytest.mark.parametrize("size", SIZES)
def test_stats(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    async def stats(pilot) -> None:  # noqa: ANN001
        await _settle(pilot)
        await pilot.press("S")
        await _settle(pilot)

    assert snap_compare(snap_app(), terminal_size=size, run_before=stats)


@pytest.mark.parametrize("size", SIZES)
def test_jobs(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    async def jobs(pilot) -> None:  # noqa: ANN001
        await _settle(pilot)
        await pilot.press("J")
        await _settle(pilot)

    assert snap_compare(snap_app(), terminal_size=size, run_before=jobs)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, snap_app, size) -> None:  # noqa: ANN001
    assert snap_compare(snap_app(), terminal_size=size, press=["question_mark"], run_before=_settle)
