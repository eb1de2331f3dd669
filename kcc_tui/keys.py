"""The key table behind the help screen: every binding of the app and its screens, remapping applied."""

from __future__ import annotations

from textual.binding import Binding


def _screens() -> list[tuple[str, list[Binding]]]:
    from kcc_tui.screens.browse import BrowseScreen
    from kcc_tui.screens.jobs import JobsScreen
    from kcc_tui.screens.search import SearchScreen
    from kcc_tui.screens.seed import SeedScreen
    from kcc_tui.screens.stats import StatsScreen

    def b(cls: type) -> list[Binding]:
        return [x for x in cls.BINDINGS if isinstance(x, Binding)]

    return [("browse", b(BrowseScreen)), ("seed/queue", b(SeedScreen)), ("search", b(SearchScreen)),
            ("stats", b(StatsScreen)), ("jobs", b(JobsScreen))]


def display_key(key: str) -> str:
    names = {"exclamation_mark": "!", "at": "@", "number_sign": "#", "question_mark": "?", "slash": "/",
             "escape": "esc", "pagedown": "pgdn"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def key_table(app) -> list[tuple[str, str, str, str]]:  # noqa: ANN001 - a KccApp
    """(where, keys, description, binding id) rows; keys reflect the app's keymap."""
    keymap: dict[str, str] = dict(getattr(app, "keymap_config", {}) or {})
    rows: list[tuple[str, str, str, str]] = []
    groups = [("everywhere", [x for x in type(app).BINDINGS if isinstance(x, Binding)]), *_screens()]
    for where, bindings in groups:
        for bnd in bindings:
            key = keymap.get(bnd.id or "", bnd.key)
            rows.append((where, display_key(key), bnd.description or bnd.action, bnd.id or ""))
    rows.append(("everywhere", "ctrl+p", "command palette", ""))
    return rows
