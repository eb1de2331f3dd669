"""The KCC reviewer application: modes (browse, queue, search, stats, jobs), global keys, palette, themes.

The app owns one Store for the UI thread; thread workers open their own connection (`open_store`) so a
heavy query never holds the UI's connection lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from db.store import Store
from kcc_settings import Settings, settings
from kcc_tui.commands import KccCommands
from kcc_tui.jobs import Launcher
from kcc_tui.keys import keymap_problems
from kcc_tui.screens.browse import BrowseScreen
from kcc_tui.screens.help import HelpScreen
from kcc_tui.screens.jobs import JobsScreen
from kcc_tui.screens.search import SearchScreen
from kcc_tui.screens.seed import QueueScreen
from kcc_tui.screens.stats import StatsScreen
from kcc_tui.stylesheet import ReusedStylesheet


class KccApp(App[None]):
    """`kcc [DB]`: review Korean safety preference data."""

    CSS_PATH = "kcc.tcss"
    TITLE = "KCC"
    COMMANDS = App.COMMANDS | {KccCommands}
    MODES = {"browse": BrowseScreen, "queue": QueueScreen, "search": SearchScreen, "stats": StatsScreen,
             "jobs": JobsScreen}
    DEFAULT_MODE = "browse"
    BINDINGS = [
        Binding("b", "switch_mode('browse')", "Browse", id="browse"),
        Binding("w", "switch_mode('queue')", "Queue", id="queue"),
        Binding("slash", "switch_mode('search')", "Search", id="search", key_display="/"),
        Binding("S", "switch_mode('stats')", "Stats", id="stats"),
        Binding("J", "switch_mode('jobs')", "Jobs", id="jobs"),
        Binding("question_mark,f1", "help", "Help", id="help", key_display="?"),
        Binding("ctrl+t", "next_theme", "Theme", id="next_theme", show=False),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, db: str | Path | None = None, *, config: Settings | None = None,
                 reviewer: str | None = None, theme: str | None = None) -> None:
        super().__init__()
        self.stylesheet = ReusedStylesheet(variables=self.get_css_variables())
        self.config = config or settings()
        self.db_path = Path(db or self.config.db)
        self.store = Store(self.db_path)
        self.reviewer = reviewer or self.config.reviewer
        self.launcher = Launcher(self.store)
        self.touched: set[str] = set()
        self.stats_cache = None  # StatsData of the last stats computation (shown at once on `S`)
        self.keymap_config = dict(self.config.keys.bindings)
        self.keymap_problems: list[str] = []
        if self.keymap_config:
            self.set_keymap(self.keymap_config)
        self._wanted_theme = theme or self.config.theme
        self.title = "KCC"
        self.sub_title = self.db_path.name

    def on_mount(self) -> None:
        if self._wanted_theme in self.available_themes:
            self.theme = self._wanted_theme
        else:
            self.notify(f"unknown theme {self._wanted_theme!r}; using {self.theme}", severity="warning",
                        markup=False)
        self.launcher.reconcile()  # settle jobs that ended while no TUI was open
        self.keymap_problems = keymap_problems(self, self.keymap_config)
        for problem in self.keymap_problems:
            self.notify(f"kcc.toml keys: {problem}", severity="warning", timeout=10, markup=False)

    def on_unmount(self) -> None:
        self.store.close()

    @contextmanager
    def open_store(self) -> Iterator[Store]:
        """A separate connection for a worker thread (closed on exit)."""
        store = Store(self.db_path, create=False)
        try:
            yield store
        finally:
            store.close()

    # -- actions used by keys and the command palette -----------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_next_theme(self) -> None:
        names = sorted(self.available_themes)
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]
        self.notify(f"theme: {self.theme}", markup=False)

    def start_job(self, kind: str) -> None:
        """Open the Jobs screen and its launch form for `kind` (judge, export, train, eval)."""
        self.switch_mode("jobs")
        self.call_after_refresh(lambda: self._jobs_screen().action_start(kind))

    def _jobs_screen(self) -> JobsScreen:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, JobsScreen):
                return screen
        raise LookupError("jobs screen is not active")

    def filter_seeds(self, review: str | None) -> None:
        self.switch_mode("browse")

        def apply() -> None:
            for screen in self.screen_stack:
                if isinstance(screen, BrowseScreen):
                    screen.set_filter(review=review)

        self.call_after_refresh(apply)
