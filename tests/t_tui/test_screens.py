"""Screen behaviour a reviewer relies on: resize, Home/End in a long list, `/` again, mode keys, citation
jumps keeping card titles, the header naming the screen, confirmed job cancel (real app, Pilot)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Input

from kcc_settings import Settings
from kcc_testkit.synthetic import build_store
from kcc_tui.app import KccApp
from kcc_tui.screens.browse import BrowseScreen, SeedTable
from kcc_tui.screens.jobs import JobsScreen
from kcc_tui.screens.modals import ConfirmModal
from kcc_tui.screens.search import SearchScreen
from kcc_tui.screens.seed import SeedScreen

from .conftest import screen_text, settle


async def test_seed_column_follows_a_resize(store_path: Path, config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(SeedTable)
        wide = list(table.columns.values())[2].width
        await pilot.resize_terminal(200, 50)
        await settle(pilot, app)
        assert list(table.columns.values())[2].width > wide
        await pilot.resize_terminal(80, 24)
        await settle(pilot, app)
        narrow = list(table.columns.values())[2].width
        assert narrow < wide and table.row_count == 31
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())


async def test_end_and_home_reach_the_whole_list(tmp_path: Path, config: Settings) -> None:
    path = tmp_path / "long.db"
    build_store(path, 900, judged_fraction=0.1).close()
    app = KccApp(path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(SeedTable)
        assert table.row_count == 200
        await pilot.press("end")
        await pilot.pause()
        assert table.row_count == 900 and table.cursor_row == 899
        assert "900 shown of 900" in screen_text(app)
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0
        await pilot.press("end", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen) and app.screen.view.seed.id == "s000899"


async def test_second_slash_focuses_the_query(store_path: Path, config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"딥페이크")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, SearchScreen) and screen.hits
        await pilot.press("enter")  # into the results
        assert screen.focused is screen.query_one("#hits")
        await pilot.press("slash")
        assert screen.focused is screen.query_one("#query", Input)
        await pilot.press(*"보이스")  # replaces the selected old query
        assert screen.query_one("#query", Input).value == "보이스"
        await pilot.press("escape", "escape", "b", "slash")  # leave and come back: the query again
        await pilot.pause()
        assert app.screen is screen and screen.focused is screen.query_one("#query", Input)


async def test_jobs_then_browse_then_enter_opens_the_seed_without_a_toast(store_path: Path,
                                                                          config: Settings) -> None:
    app = KccApp(store_path, config=config)
    notes: list[str] = []
    real = app.notify
    app.notify = lambda message, *a, **k: (notes.append(str(message)), real(message, *a, **k))[1]  # type: ignore
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        await pilot.press("J")
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen) and app.screen.view.seed.id == "s000000"
        assert [n for n in notes if "theme" not in n] == []
        header = screen_text(app).splitlines()[0]
        assert "Seed s000000" in header and "Browse" not in header


async def test_card_title_stays_visible_on_a_citation_jump(tmp_path: Path, config: Settings) -> None:
    from kcc_testkit.synthetic import ANSWERS

    path = tmp_path / "long.db"
    long_answer = "앞부분 설명입니다.\n" * 60 + ANSWERS[0][1]  # the citations sit far down the card
    build_store(path, 2, extra_seeds=[("긴 답변이 있는 질문", long_answer)]).close()
    for size in ((80, 24), (130, 36)):
        app = KccApp(path, config=config)
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            app.screen.query_one(SeedTable).move_cursor(row=2)
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SeedScreen)
            for _ in range(len(screen.all_marks())):
                await pilot.press("i")
                await pilot.pause()
                panel, _, mark = screen.all_marks()[screen._mark]
                text = screen_text(app)
                assert f" {panel.slot}  (s000002-c{panel.slot})" in text, (size, panel.slot)
                if panel.slot == 1:
                    assert panel.scroll_y > 0  # the card did scroll down to the citation


async def test_cancel_asks_first(store_path: Path, config: Settings) -> None:
    from .test_jobs import trivial

    app = KccApp(store_path, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        await pilot.press("J")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        screen.start_spec(trivial(store_path, "long-job", "loop"))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen) and app.store.get_run("long-job").status == "running"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and app.store.get_run("long-job").status == "running":
            await pilot.pause(0.1)
        assert app.store.get_run("long-job").status == "cancelled"
        assert isinstance(app.screen, JobsScreen) and not isinstance(app.screen, BrowseScreen)
