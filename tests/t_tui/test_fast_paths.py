"""The shortcuts that keep the reviewer fast on a large store give the same results as the long way:
counts without the join, stats numbers kept until the store changes, CSS parsed once per source, a footer
rebuilt only when its keys change."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.css.stylesheet import Stylesheet
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from db import review as store_review
from db.store import SeedFilter, Store
from kcc_settings import Settings
from kcc_tui.app import KccApp
from kcc_tui.screens import stats as stats_screen
from kcc_tui.screens.browse import BrowseScreen
from kcc_tui.screens.seed import SeedScreen
from kcc_tui.screens.stats import StatsScreen
from kcc_tui.widgets.footer import KeyFooter

from .conftest import settle

SIZE = (100, 30)


async def until(pilot: Any, ready: Any, timeout: float = 20.0) -> None:
    """Wait for a worker's result itself: wait_for_complete returns early once a cancelled worker is seen."""
    for _ in range(int(timeout / 0.02)):
        if ready():
            return
        await pilot.pause(0.02)
    assert ready()


def test_count_matching_equals_the_joined_count(store_path: Path) -> None:
    with Store(store_path) as store:
        store.apply_review("s000001", "x", "choose", chosen_id="s000001-c3", rejected_id="s000001-c2")
        store.apply_review("s000002", "x", "flag", flags=["reviewer"])
        cat = store.get_seed("s000000").category
        filters = [SeedFilter(), SeedFilter(category=cat), SeedFilter(category=cat, model="model-b"),
                   SeedFilter(review="reviewed"), SeedFilter(review="unreviewed"), SeedFilter(review="flagged"),
                   SeedFilter(source="human"), SeedFilter(max_margin=0.2), SeedFilter(ids=["s000001", "nope"]),
                   SeedFilter(ids=[])]
        for f in filters:
            assert store_review.count_matching(store, f) == store.count_page(f), f


async def test_stats_numbers_are_kept_until_the_store_changes(store_path: Path, config: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = stats_screen.compute_stats

    def counting(store: Store, *args: Any, **kwargs: Any) -> stats_screen.StatsData:
        calls.append(1)
        return real(store, *args, **kwargs)

    monkeypatch.setattr(stats_screen, "compute_stats", counting)
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await until(pilot, lambda: app.stats_cache is not None)
        assert len(calls) == 1  # warmed in the background after first paint
        for _ in range(2):  # shown from the kept numbers while nothing changed
            await pilot.press("S")
            await settle(pilot, app)
            assert isinstance(app.screen, StatsScreen) and app.screen.data is not None
            assert len(calls) == 1
            await pilot.press("b")
            await settle(pilot, app)
        human = app.stats_cache.counts["human"]

        # a decision in the reviewer: the numbers are computed again and include it
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen)
        await pilot.press("a")
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("S")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await until(pilot, lambda: screen.data is not None and screen.data.counts["human"] == human + 1)
        assert len(calls) == 2

        # a write by another process: seen through the store's data version
        with Store(store_path) as other:
            other.apply_review("s000004", "other", "accept", chosen_id="s000004-c1", rejected_id="s000004-c2")
        await pilot.press("b")
        await pilot.press("S")
        await settle(pilot, app)
        await until(pilot, lambda: screen.data.counts["human"] == human + 2)
        assert len(calls) == 3
        assert "other" in {r["reviewer"] for r in screen.data.reviewers}

        shown = screen.data
        await pilot.press("ctrl+r")  # reload always computes
        await until(pilot, lambda: screen.data is not shown)
        assert len(calls) == 4


async def test_css_is_parsed_once_per_source_and_a_theme_change_restyles(
        store_path: Path, config: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: Counter[tuple[Any, ...]] = Counter()
    real = Stylesheet._parse_rules

    def counting(self: Stylesheet, css: str, read_from: Any, *args: Any, **kwargs: Any) -> Any:
        parsed[(css, read_from, *args, tuple(sorted(self._variables.items())))] += 1
        return real(self, css, read_from, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "_parse_rules", counting)
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for key in ("w", "S", "slash", "J", "b", "w", "b", "enter", "escape"):
            await pilot.press(key)
            await pilot.pause()
        assert parsed and max(parsed.values()) == 1  # every source parsed once, not on every new screen
        sources = len(parsed)
        assert app.screen.styles.background == _background(app)

        before = app.screen.styles.background
        await pilot.press("ctrl+t")  # next theme: new variables, parsed again, every node restyled
        await settle(pilot, app)
        assert app.theme != config.theme
        assert app.screen.styles.background != before
        assert app.screen.styles.background == _background(app)
        assert len(parsed) > sources and max(parsed.values()) == 1
        await pilot.press("w")  # a screen opened before the theme change follows it too
        await pilot.pause()
        assert app.screen.styles.background == _background(app)


def _background(app: App[Any]) -> Color:
    return Color.parse(app.get_css_variables()["background"])


class _Keys(Widget, can_focus=True):
    BINDINGS = [Binding("x", "noop", "Extra")]

    def action_noop(self) -> None:
        pass


class _Plain(Widget, can_focus=True):
    pass


class _FooterApp(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield _Plain(id="a")
        yield _Plain(id="b")
        yield _Keys(id="keys")
        yield KeyFooter()


async def test_key_footer_rebuilds_only_when_its_keys_change(monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[int] = []
    real = KeyFooter.compose

    def counting(self: KeyFooter) -> ComposeResult:
        composed.append(1)
        yield from real(self)

    monkeypatch.setattr(KeyFooter, "compose", counting)
    app = _FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:

        async def focus(wid: str) -> list[str]:
            app.query_one(f"#{wid}").focus()
            await pilot.pause()
            await pilot.pause()
            return [k.description for k in app.query(FooterKey)]

        assert "Quit" in await focus("a")
        n = len(composed)
        assert "Extra" not in await focus("b")  # same keys: not rebuilt
        assert len(composed) == n
        assert "Extra" in await focus("keys")  # a new key: rebuilt
        assert len(composed) == n + 1
        assert "Extra" not in await focus("a")
        assert len(composed) == n + 2
        assert all(k.has_class("-compact") for k in app.query(FooterKey))


async def test_new_screens_start_at_their_breakpoint_and_follow_a_resize(store_path: Path,
                                                                         config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(130, 34)) as pilot:
        await settle(pilot, app)
        await pilot.press("w")
        await pilot.pause()
        queue = app.screen
        assert queue.has_class("-wide") and not queue.has_class("-narrow")
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert queue.has_class("-narrow") and not queue.has_class("-wide")
        await pilot.press("J")  # opened at 90 columns
        await pilot.pause()
        assert app.screen.has_class("-narrow") and not app.screen.has_class("-wide")
