"""Defects found by using `kcc` as a reviewer at 80x24 (each test failed before its fix)."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import Pair
from db.store import Store
from kcc_settings import Keymap, Settings
from kcc_testkit.synthetic import add_run
from kcc_tui.app import KccApp
from kcc_tui.screens.browse import BrowseScreen, SeedTable
from kcc_tui.screens.jobs import JobsScreen
from kcc_tui.screens.seed import QueueScreen, SeedScreen
from kcc_tui.screens.stats import StatsScreen

from .conftest import screen_text, settle

SMALL = (80, 24)


async def test_list_row_keeps_tie_and_flag_visible_after_review(store_path: Path, config: Settings) -> None:
    """The pair column was as wide as the first page's "judge 0.64": after `t` and `f` the row's "tie ⚑"
    was cut off, so the list showed no trace of the reviewer's flag."""
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen)
        await pilot.press("t", "f", "escape")
        await settle(pilot, app)
        assert isinstance(app.screen, BrowseScreen)
        first_row = next(line for line in screen_text(app).splitlines() if " 1 " in line and "K01" in line)
        assert "human" in first_row and "tie" in first_row and "⚑" in first_row
        assert app.screen.query_one(SeedTable).virtual_size.width <= 80 - 24  # no sideways scrolling


async def test_flags_and_reason_visible_at_80x24(store_path: Path, config: Settings) -> None:
    """Flags and the reason followed the pair on the second info line and fell off its end at 80 columns."""
    with Store(store_path) as store:
        store.apply_review("s000000", "kim", "tie", status="tie")
        store.apply_review("s000000", "kim", "reason", reason="근거 조문이 틀림 [bold]x[/]")
        store.apply_review("s000000", "kim", "flag", flags=["reviewer"])
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "flags: reviewer" in text
        assert "reason: 근거 조문이 틀림 [bold]x[/]" in text


async def test_browse_and_queue_refresh_after_a_job_changed_the_data(store_path: Path, config: Settings) -> None:
    """After a judge run finished (seen on the Jobs screen), Browse and the queue showed the old pairs until
    ctrl+r: here the judge flagged seed 1, and the list still showed it unflagged."""
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        await pilot.press("w")
        await settle(pilot, app)
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.view is not None
        shown = queue.view.seed.id
        await pilot.press("b")
        await settle(pilot, app)
        assert "⚑" not in screen_text(app).splitlines()[4]  # list row 2: seed 1, margin 0.64, no flag
        with Store(store_path) as other:  # what a background judge run does, from its own process
            add_run(other, "judge-bg", "judge", "done", done=31, total=31)
            for sid in ("s000001", shown):
                p = other.get_pair(sid)
                assert p is not None
                other.save_judgments([], [Pair(**{**p.model_dump(), "flags": ["low_margin"], "margin": 0.01})])
        await pilot.press("J")
        await settle(pilot, app)
        await pilot.press("b")
        await settle(pilot, app)
        row = screen_text(app).splitlines()[4]
        assert "0.01" in row and "⚑" in row
        await pilot.press("w")
        await settle(pilot, app)
        assert isinstance(app.screen, QueueScreen) and app.screen.view is not None
        assert app.screen.view.pair is not None and app.screen.view.pair.flags == ["low_margin"]


async def test_kappa_counts_a_tie_as_none_and_leaves_skips_out(store_path: Path, config: Settings) -> None:
    """A tie or a skip keeps the pair's chosen/rejected ids in the store, so both were counted as agreeing
    with the judge (the screen said "tie/skip = none")."""
    with Store(store_path) as store:
        store.apply_review("s000000", "x", "accept", chosen_id="s000000-c1", rejected_id="s000000-c2")
        store.apply_review("s000001", "x", "choose", chosen_id="s000001-c3", rejected_id="s000001-c2")
        store.apply_review("s000002", "x", "tie", status="tie")
        store.apply_review("s000003", "x", "skip", status="skip")
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("S")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.data is not None
        a = screen.data.agreement
        assert (a.n, a.agree_chosen, a.skipped) == (3, 1, 1)
        # judge labels: a a a; human: a c none -> p_o 1/3, p_e 1/3 -> kappa 0
        assert a.kappa == pytest.approx(0.0)
        screen.query_one("#stats-body").scroll_end(animate=False)
        await pilot.pause()
        assert "1 skipped, not counted" in screen_text(app)


async def test_jobs_status_and_progress_visible_at_80x24(store_path: Path, config: Settings) -> None:
    """Side by side at 80 columns the run list was 36 cells wide: "running" showed as "runnin" and the
    progress column was off screen."""
    with Store(store_path) as store:
        add_run(store, "export-6162f4ea33a1", "export", "cancelled", done=1234, total=5000)
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await pilot.press("J")
        await settle(pilot, app)
        assert isinstance(app.screen, JobsScreen)
        row = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("export-6162"))
        assert "cancelled" in row and "1,234/5,000" in row


async def test_bad_key_remapping_is_reported(store_path: Path) -> None:
    """`choose_1 = "jj"` removed key 1 and bound nothing; an unknown id or a key taken twice did nothing.
    All three were silent."""
    config = Settings(reviewer="t", keys=Keymap(bindings={"choose_1": "jj", "nosuch": "z", "swap": "t"}))
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        problems = "\n".join(app.keymap_problems)
        assert "'jj'" in problems and "nosuch" in problems and "swap and tie" in problems
        assert len(app._notifications) == 3  # shown to the reviewer, not only recorded


async def test_good_key_remapping_is_quiet_and_works(store_path: Path) -> None:
    config = Settings(reviewer="t", keys=Keymap(bindings={"choose_1": "j", "reject_1": "!", "tie": "y",
                                                         "next_seed": "right, n"}))
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        assert app.keymap_problems == []
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SeedScreen) and screen.view is not None and screen.view.pair is not None
        assert screen.view.pair.status == "tie"
        await pilot.press("right")
        await pilot.pause()
        assert screen.index == 1
