"""Search: full-text over seeds and candidates (Korean via the store's trigram index) → open a seed."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from db.store import SearchHit, SeedFilter
from kcc_tui.literal import one_line
from kcc_tui.nav import SeedNavigator
from kcc_tui.stylesheet import StyledOnMount
from kcc_tui.widgets.footer import KeyFooter

LIMIT = 200


class SearchScreen(StyledOnMount, Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="search_back"),
        Binding("ctrl+l", "focus_query", "Query", id="focus_query"),
        Binding("slash", "focus_query", "New search", id="search_again", show=False, key_display="/"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []
        self.last_query = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search seeds and answers (Korean ok; 3+ characters use the index)", id="query")
        yield DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield Static("", id="search-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"{self.app.db_path.name} · Search"  # type: ignore[attr-defined]
        table = self.query_one("#hits", DataTable)
        table.add_column("kind", key="kind")
        table.add_column("seed", key="seed")
        table.add_column("match", key="match")
        self.query_one("#query", Input).focus()

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.hits:
            self.query_one("#hits", DataTable).focus()

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        with self.app.open_store() as store:  # type: ignore[attr-defined]
            hits = store.search(query, limit=LIMIT) if query.strip() else []
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_hits, query, hits)

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        """Results of a query, unless the reviewer typed on since (a slower search of an earlier prefix,
        its worker cancelled but its thread still running, must not replace the newer results)."""
        if query != self.query_one("#query", Input).value:
            return
        self.hits = hits
        self.last_query = query
        table = self.query_one("#hits", DataTable)
        table.clear()
        rows = []
        for h in hits:
            snippet = Text(one_line(h.snippet))
            snippet.truncate(80, overflow="ellipsis")
            rows.append((Text(h.kind), Text(one_line(h.seed_id, 24)), snippet))
        table.add_rows(rows)
        more = f" (first {LIMIT})" if len(hits) >= LIMIT else ""
        self.query_one("#search-status", Static).update(
            f"{len(hits)} hits{more}" if query.strip() else "type to search")

    @on(DataTable.RowSelected, "#hits")
    def _open(self, event: DataTable.RowSelected) -> None:
        from kcc_tui.screens.seed import SeedScreen

        if not 0 <= event.cursor_row < len(self.hits):
            return
        ids = list(dict.fromkeys(h.seed_id for h in self.hits))
        nav = SeedNavigator(self.app.store, SeedFilter(ids=ids))  # type: ignore[attr-defined]
        nav.load_more()
        index = nav.index_of(self.hits[event.cursor_row].seed_id) or 0
        self.app.push_screen(SeedScreen(nav, index, title=f"Search: {one_line(self.last_query, 30)}"))

    def action_focus_query(self) -> None:
        """`/` again (or ctrl+l): a new query, the old one selected so typing replaces it."""
        box = self.query_one("#query", Input)
        box.focus()
        box.select_all()

    def on_screen_resume(self) -> None:
        self.action_focus_query()

    def action_back(self) -> None:
        if self.focused is not self.query_one("#query", Input) and self.hits:
            self.action_focus_query()
            return
        self.app.switch_mode("browse")
