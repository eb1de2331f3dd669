"""Browse: taxonomy tree (counts now, safe rates from a worker) → filtered, paged seed list → seed view.

First paint reads only cheap things (category counts, one page of 200 rows); the row count and the safe
rates come from thread workers with their own store connection, so a 100,000-seed store paints at once.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Header, Input, Select, Static, Tree
from textual.widgets.tree import TreeNode

from db import review as store_review
from db import stats as store_stats
from db.store import SeedFilter, SeedRow
from kcc_tui.jobs import runs_signature
from kcc_tui.literal import one_line
from kcc_tui.nav import SeedNavigator
from kcc_tui.stats import subcategory_rates
from kcc_tui.stylesheet import StyledOnMount
from kcc_tui.widgets.footer import KeyFooter

REVIEW_FILTERS = [("all", "all"), ("unreviewed", "unreviewed"), ("reviewed", "reviewed"),
                  ("flagged", "flagged"), ("overridden", "overridden")]
SOURCE_FILTERS = [("any source", "any"), ("judge", "judge"), ("human", "human")]
EXTRA_FILTERS = [("any check", "any"), ("fabricated cite", "fabricated"), ("outdated", "outdated"),
                 ("title mismatch", "title_mismatch"), ("wrong hotline", "wrong_number"), ("chosen unsafe", "unsafe_chosen"), ("judge≠human", "disagree")]
TEXT_CELLS = 56
# fixed widths: a reviewed row's state ("human 0.76 skip ⚑") must never be cut by a width measured on the
# first page (DataTable does not widen a column when a cell is updated), and the list must fit 80 columns
NUM_CELLS, CAT_CELLS, STATE_CELLS = 6, 7, 17
FIXED_CELLS = CAT_CELLS + STATE_CELLS + 4 * 2 + 2  # + cell padding of 4 columns, the scrollbar
STATUS_WORDS = {"tie": "tie", "skip": "skip", "no_pair": "none"}


def category_names() -> dict[str, str]:
    """Korean names of categories and subcategories from the taxonomy ({} when it is unavailable)."""
    try:
        from taxonomy import load_taxonomy

        tax = load_taxonomy()
    except Exception:  # noqa: BLE001 - names are a nicety; ids still show
        return {}
    out: dict[str, str] = {}
    for cat in tax.categories:
        out[cat.id] = cat.name_ko
        for sub in cat.subcategories:
            out[sub.id] = sub.name_ko
    return out


class SeedTable(DataTable):
    """The paged seed list; asks for the next page when the view nears its end (keys, wheel or drag)."""

    class NeedMore(Message):
        pass

    class Jump(Message):
        """Home / End: the first or the last row of the whole list (not only of the pages read so far)."""

        def __init__(self, last: bool) -> None:
            super().__init__()
            self.last = last

    def action_scroll_top(self) -> None:
        self.post_message(self.Jump(False))

    def action_scroll_bottom(self) -> None:
        self.post_message(self.Jump(True))

    action_scroll_home = action_scroll_top
    action_scroll_end = action_scroll_bottom

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.row_count and self.max_scroll_y - new_value < 10:
            self.post_message(self.NeedMore())


def state_cell(r: SeedRow) -> Text:
    """Compact pair state: source, margin, non-pair status, ⚑ when flagged."""
    t = Text()
    if r.status is None:
        return Text("—", style="dim")
    t.append(r.pair_source or "?", style="bold cyan" if r.pair_source == "human" else "")
    if r.margin is not None:
        t.append(f" {r.margin:.2f}")
    if r.status != "pair":
        t.append(f" {STATUS_WORDS.get(r.status, r.status)}", style="italic")
    if r.flags:
        t.append(" ⚑", style="bold yellow")
    return t


def row_cells(n: int, r: SeedRow, text_cells: int = TEXT_CELLS) -> tuple[Any, ...]:
    text = Text(one_line(r.text))
    text.truncate(text_cells, overflow="ellipsis")
    cat = one_line(r.subcategory or r.category or "—", CAT_CELLS)
    return (Text(str(n), style="dim"), Text(cat), text, state_cell(r))


class BrowseScreen(StyledOnMount, Screen[None]):
    """The home screen."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("enter", "open_seed", "Open", id="open_seed", show=False),
        Binding("o", "open_seed", "Open", id="open_seed_o"),
        Binding("pagedown", "page_down", "Page", id="page_down", show=False),
        Binding("ctrl+f", "focus_filters", "Filters", id="focus_filters"),
        Binding("ctrl+r", "reload", "Reload", id="reload"),
        Binding("e", "focus_tree", "Tree", id="focus_tree", show=False),
        Binding("g", "jump", "Go to", id="jump"),
        Binding("A", "bulk_accept", "Accept all", id="bulk_accept", show=False),
        Binding("U", "undo_bulk", "Undo bulk", id="undo_bulk", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = SeedFilter()
        self.nav: SeedNavigator | None = None
        self._shown = 0
        self._counts: dict[tuple[str | None, str | None], int] = {}
        self._runs_seen: tuple[tuple[str, str, int], ...] | None = None
        self._num_cells = NUM_CELLS
        self._extra: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browse"):
            yield Tree(Text("all"), id="tax")
            with Vertical(id="list-pane"):
                with Horizontal(id="filters"):
                    yield Select(REVIEW_FILTERS, value="all", allow_blank=False, compact=True, id="f-review")
                    yield Select(SOURCE_FILTERS, value="any", allow_blank=False, compact=True, id="f-source")
                    yield Select(EXTRA_FILTERS, value="any", allow_blank=False, compact=True, id="f-extra")
                    yield Input(placeholder="max margin", compact=True, id="f-margin")
                    yield Input(placeholder="model", compact=True, id="f-model")
                table = SeedTable(id="seeds", cursor_type="row", zebra_stripes=True)
                yield table
                yield Static("", id="list-status", markup=False)
        yield KeyFooter()

    @property
    def store(self):  # noqa: ANN201
        return self.app.store  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.sub_title = f"{self.app.db_path.name} · Browse"  # type: ignore[attr-defined]
        table = self.query_one(SeedTable)
        self._build_tree()
        self.reload_list()
        table.focus()
        self.load_rates()

    # -- taxonomy tree ------------------------------------------------------------------------------------
    def _build_tree(self) -> None:
        tree = self.query_one("#tax", Tree)
        tree.clear()
        rows = self.store.category_counts()
        total = sum(int(r["seeds"]) for r in rows)
        self._num_cells = max(3, len(str(total)))  # the row-number column: as wide as the largest number
        tree.root.set_label(Text(f"all ({total:,})"))
        tree.root.data = {"category": None, "subcategory": None, "seeds": total}
        by_cat: dict[str | None, list[dict[str, Any]]] = {}
        for r in rows:
            by_cat.setdefault(r["category"], []).append(r)
        for cat, subs in by_cat.items():
            n = sum(int(s["seeds"]) for s in subs)
            node = tree.root.add(self._label(cat or "(none)", n, None),
                                 data={"category": cat, "subcategory": None, "seeds": n}, expand=False)
            for s in subs:
                if s["subcategory"] is None:
                    continue
                node.add_leaf(self._label(s["subcategory"], int(s["seeds"]), None),
                              data={"category": cat, "subcategory": s["subcategory"], "seeds": int(s["seeds"])})
        tree.root.expand()

    @staticmethod
    def _label(ident: str, seeds: int, rate: float | None, name: str | None = None) -> Text:
        """`K05 1,234 92% 성범죄…`: id and numbers first so a narrow tree still shows them."""
        t = Text(one_line(ident, 12))
        t.append(f" {seeds:,}", style="dim")
        if rate is not None:
            t.append(f" {rate * 100:.0f}%", style="green" if rate >= 0.8 else "yellow" if rate >= 0.5 else "red")
        if name:
            t.append(" " + one_line(name, 16), style="italic")
        return t

    @work(thread=True, exclusive=True, group="rates")
    def load_rates(self) -> None:
        stamp = store_stats.data_stamp(self.app.store)  # type: ignore[attr-defined] - before reading
        with self.app.open_store() as store:  # type: ignore[attr-defined]
            stats = store_stats.category_stats(store)
            models = store.models()
            names = store_review.reviewers(store)
        self.app.call_from_thread(self._apply_rates, stats, category_names())
        self.app.call_from_thread(self._set_model_suggestions, models)
        self.app.call_from_thread(self._set_extra_options, names)
        self.warm_stats(stamp, stats)
        from kcc_tui.highlight import preload

        preload()  # what the first seed view needs, imported while the reviewer looks at the list

    @work(thread=True, exclusive=True, group="warm-stats")
    def warm_stats(self, stamp: tuple[int, int], category_stats: list[dict[str, Any]]) -> None:
        """The stats screen's numbers, computed once in the background so `S` shows them at once
        (with the store's stamp taken before reading, so the stats screen knows whether they are current)."""
        from kcc_tui.screens.stats import compute_stats

        with self.app.open_store() as store:  # type: ignore[attr-defined]
            data = compute_stats(store, category_stats).model_copy(update={"stamp": stamp})
        if getattr(self.app, "stats_cache", None) is None:
            self.app.stats_cache = data  # type: ignore[attr-defined]

    def _set_model_suggestions(self, models: list[str]) -> None:
        """The model filter completes from the store's candidate models (→ accepts a suggestion)."""
        self.query_one("#f-model", Input).suggester = SuggestFromList(models, case_sensitive=False)

    def _apply_rates(self, stats: list[dict[str, Any]], names: dict[str, str] | None = None) -> None:
        names = names or {}
        sub = subcategory_rates(stats)
        cat_acc: dict[str | None, list[int]] = {}
        for r in stats:
            a = cat_acc.setdefault(r["category"], [0, 0])
            a[0] += int(r.get("safe") or 0)
            a[1] += int(r.get("scored") or 0)

        def walk(node: TreeNode[dict[str, Any]]) -> None:
            d = node.data or {}
            if node is not self.query_one("#tax", Tree).root:
                if d.get("subcategory") is None:
                    safe, scored = cat_acc.get(d.get("category"), [0, 0])
                    rate = safe / scored if scored else None
                    ident = d.get("category") or "(none)"
                else:
                    rate = sub.get((d.get("category"), d.get("subcategory")))
                    ident = d["subcategory"]
                node.set_label(self._label(ident, int(d.get("seeds") or 0), rate, names.get(ident)))
            for child in node.children:
                walk(child)

        walk(self.query_one("#tax", Tree).root)

    @on(Tree.NodeSelected, "#tax")
    def _tree_selected(self, event: Tree.NodeSelected) -> None:
        d = event.node.data or {}
        self.filter = self.filter.model_copy(update={"category": d.get("category"),
                                                     "subcategory": d.get("subcategory")})
        self.reload_list()

    # -- filters ------------------------------------------------------------------------------------------
    @on(Select.Changed, "#f-review")
    def _review_changed(self, event: Select.Changed) -> None:
        value = None if event.value in ("all", Select.NULL) else str(event.value)
        if value != self.filter.review:
            self.filter = self.filter.model_copy(update={"review": value})
            self.reload_list()

    @on(Select.Changed, "#f-source")
    def _source_changed(self, event: Select.Changed) -> None:
        value = None if event.value in ("any", Select.NULL) else str(event.value)
        if value != self.filter.source:
            self.filter = self.filter.model_copy(update={"source": value})
            self.reload_list()

    @on(Select.Changed, "#f-extra")
    def _extra_changed(self, event: Select.Changed) -> None:
        value = None if event.value in ("any", Select.NULL) else str(event.value)
        self.set_extra(value)

    def set_extra(self, what: str | None) -> None:
        """Check result / verdict / disagreement / reviewer filters, as the list of matching seed ids."""
        if what == self._extra:
            return
        self._extra = what
        ids = None if what is None else store_review.seeds_matching(self.store, what)
        if ids is not None and len(ids) >= store_review.MAX_IDS:
            self.notify(f"{what}: showing the first {store_review.MAX_IDS:,} matches", severity="warning",
                        markup=False)
        self.filter = self.filter.model_copy(update={"ids": ids})
        self.reload_list()

    def _set_extra_options(self, names: list[str]) -> None:
        sel = self.query_one("#f-extra", Select)
        sel.set_options([*EXTRA_FILTERS, *((f"by {one_line(n, 10)}", f"reviewer:{n}") for n in names)])
        sel.value = self._extra or "any"

    @on(Input.Submitted, "#f-margin")
    def _margin_submitted(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        try:
            value = float(raw) if raw else None
        except ValueError:
            self.notify(f"not a number: {raw}", severity="warning", markup=False)
            return
        self.filter = self.filter.model_copy(update={"max_margin": value})
        self.reload_list()
        self.query_one(SeedTable).focus()

    @on(Input.Submitted, "#f-model")
    def _model_submitted(self, event: Input.Submitted) -> None:
        self.filter = self.filter.model_copy(update={"model": event.value.strip() or None})
        self.reload_list()
        self.query_one(SeedTable).focus()

    def set_filter(self, **changes: Any) -> None:
        """Programmatic filter change (command palette, tests)."""
        self.filter = self.filter.model_copy(update=changes)
        if "review" in changes:
            self.query_one("#f-review", Select).value = changes["review"] or "all"
        if "source" in changes:
            self.query_one("#f-source", Select).value = changes["source"] or "any"
        self.reload_list()

    # -- list ---------------------------------------------------------------------------------------------
    def reload_list(self) -> None:
        self._runs_seen = runs_signature(self.store)
        self.nav = SeedNavigator(self.store, self.filter)
        table = self.query_one(SeedTable)
        self._set_columns()
        table.clear()
        self._shown = 0
        self.nav.load_more()
        self._sync_rows()
        self._status()
        self.count_rows(self.nav)

    def _set_columns(self, force: bool = False) -> None:
        table = self.query_one(SeedTable)
        widths = {"n": self._num_cells, "cat": CAT_CELLS, "text": self.text_cells(), "state": STATE_CELLS}
        if force or [c.width for c in table.columns.values()] != list(widths.values()):  # first load, resize
            table.clear(columns=True)
            for label, key in (("#", "n"), ("cat", "cat"), ("seed", "text"), ("pair", "state")):
                table.add_column(label, key=key, width=widths[key])

    def text_cells(self) -> int:
        """Cells for the seed text so the row fits the terminal (fixed per list, not re-measured)."""
        tree = 24 if self.app.size.width < 120 else 30
        return max(12, min(TEXT_CELLS + 40, self.app.size.width - tree - FIXED_CELLS - self._num_cells))

    def _sync_rows(self) -> None:
        """Append rows the navigator holds but the table does not show yet."""
        assert self.nav is not None
        table = self.query_one(SeedTable)
        new = self.nav.rows[self._shown:]
        if new:
            width = self.text_cells()
            table.add_rows([row_cells(self._shown + i + 1, r, width) for i, r in enumerate(new)])
            self._shown += len(new)

    @work(thread=True, exclusive=True, group="count")
    def count_rows(self, nav: SeedNavigator) -> None:
        with self.app.open_store() as store:  # type: ignore[attr-defined]
            total = store_review.count_matching(store, nav.filter)
        nav._total = total
        self.app.call_from_thread(self._status)

    def _status(self) -> None:
        if self.nav is None:
            return
        total = f"{self.nav._total:,}" if self.nav._total is not None else "…"
        f = self.filter
        parts = [f"{k}={v}" for k, v in (("category", f.category), ("sub", f.subcategory), ("review", f.review),
                                          ("source", f.source), ("max margin", f.max_margin), ("model", f.model),
                                          ("check", self._extra))
                 if v is not None]
        more = "" if self.nav.exhausted else " (more on scroll)"
        self.query_one("#list-status", Static).update(
            f"{self._shown:,} shown of {total}{more}" + ("  ·  " + "  ".join(parts) if parts else ""))

    def load_more(self) -> None:
        if self.nav is None or self.nav.exhausted:
            return
        self.nav.load_more()
        self._sync_rows()
        self._status()

    @on(SeedTable.NeedMore)
    def _need_more(self) -> None:
        self.load_more()

    @on(SeedTable.Jump)
    def _jump(self, event: SeedTable.Jump) -> None:
        table = self.query_one(SeedTable)
        if event.last and self.nav is not None and not self.nav.exhausted:
            self.nav.load_all()
            self._sync_rows()
            self._status()
        if table.row_count:
            table.move_cursor(row=table.row_count - 1 if event.last else 0, animate=False)

    def on_resize(self) -> None:
        """The seed column follows the terminal's width (DataTable keeps the widths it was given)."""
        table = self.query_one(SeedTable)
        cols = list(table.columns.values())
        if len(cols) == 4 and cols[2].width != self.text_cells() and self.nav is not None:
            row = table.cursor_row
            self._rebuild_rows()
            if table.row_count:
                table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    def _rebuild_rows(self) -> None:
        assert self.nav is not None
        table = self.query_one(SeedTable)
        self._set_columns(force=True)
        table.clear()
        self._shown = 0
        self._sync_rows()

    @on(DataTable.RowHighlighted, "#seeds")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.nav is not None and event.cursor_row >= self._shown - 20:
            self.load_more()

    @on(DataTable.RowSelected, "#seeds")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_index(event.cursor_row)

    def action_open_seed(self) -> None:
        self.open_index(self.query_one(SeedTable).cursor_row)

    def open_index(self, index: int) -> None:
        from kcc_tui.screens.seed import SeedScreen

        if self.nav is None or not self.nav.ensure(index):
            return
        def back(last: int | None) -> None:
            self._sync_rows()
            if last is not None:
                self.query_one(SeedTable).move_cursor(row=last)

        self.app.push_screen(SeedScreen(self.nav, index), back)

    def action_jump(self) -> None:
        """`g`: go to a row number of this list or open a seed by its id."""
        from kcc_tui.screens.modals import InputModal

        def done(text: str | None) -> None:
            text = (text or "").strip()
            if not text or self.nav is None:
                return
            table = self.query_one(SeedTable)
            if text.isdigit():
                row = int(text) - 1
                if not self.nav.ensure(row):
                    self.notify(f"row {text}: the list has {len(self.nav.rows):,} rows", severity="warning")
                    return
                self._sync_rows()
                self._status()
                table.move_cursor(row=row, animate=False)
                return
            if self.store.get_seed(text) is None:
                self.notify(f"no seed {text!r}", severity="warning", markup=False)
                return
            from kcc_tui.screens.seed import SeedScreen

            nav = SeedNavigator(self.store, SeedFilter(ids=[text]))
            self.app.push_screen(SeedScreen(nav, 0))

        self.app.push_screen(InputModal("Go to: a row number of this list, or a seed id", ""), done)

    def action_bulk_accept(self) -> None:
        """`A`: accept the judge's pair on every undecided seed of this filtered list (asks first)."""
        from kcc_tui.screens.modals import ConfirmModal

        n = store_review.count_acceptable(self.store, self.filter)
        if n == 0:
            self.notify("no undecided judge pairs in this list", severity="warning")
            return
        reviewer = self.app.reviewer  # type: ignore[attr-defined]

        def done(yes: bool | None) -> None:
            if yes:
                tag, k = store_review.bulk_accept(self.store, self.filter, reviewer)
                self.notify(f"accepted the judge's pair on {k:,} seeds ({tag}; U undoes it)", markup=False)
                self._reload_in_place()

        self.app.push_screen(ConfirmModal(f"Accept the judge's pair on {n:,} seeds of this list as {reviewer}? "
                                          "(one audit row each)"), done)

    def action_undo_bulk(self) -> None:
        from kcc_tui.screens.modals import ConfirmModal

        tag = store_review.last_bulk(self.store)
        if tag is None:
            self.notify("no bulk action to undo", severity="warning")
            return
        reviewer = self.app.reviewer  # type: ignore[attr-defined]

        def done(yes: bool | None) -> None:
            if yes:
                k = store_review.undo_bulk(self.store, tag, reviewer)
                self.notify(f"undid {tag} on {k:,} seeds (later decisions kept)", markup=False)
                self._reload_in_place()

        self.app.push_screen(ConfirmModal(f"Undo bulk accept {tag}?"), done)

    def action_page_down(self) -> None:
        table = self.query_one(SeedTable)
        if table.cursor_row >= self._shown - table.size.height - 1:
            self.load_more()
        table.action_page_down()

    def action_focus_filters(self) -> None:
        self.query_one("#f-review", Select).focus()

    def action_focus_tree(self) -> None:
        self.query_one("#tax", Tree).focus()

    def action_reload(self) -> None:
        self._build_tree()
        self.reload_list()
        self.load_rates()

    def _reload_in_place(self) -> None:
        """Reload everything, keeping the cursor on the same row number."""
        row = self.query_one(SeedTable).cursor_row
        getattr(self.app, "touched", set()).clear()
        self.action_reload()
        if self.nav is not None and row > 0 and self.nav.ensure(row):
            self._sync_rows()
            self._status()
            self.query_one(SeedTable).move_cursor(row=row)

    def on_screen_resume(self) -> None:
        """Back from a seed view: show rows it paged in, refresh reviewed rows, follow its position.
        Back from anywhere after a job ran (judge, import): reload the tree, rates and list in place."""
        if self.nav is None:
            return
        if runs_signature(self.store) != self._runs_seen:
            self._reload_in_place()
            return
        self._sync_rows()
        touched: set[str] = getattr(self.app, "touched", set())
        if touched:
            table = self.query_one(SeedTable)
            by_id = {r.id: i for i, r in enumerate(self.nav.rows)}
            fresh = self.store.page_seeds(SeedFilter(ids=sorted(touched & by_id.keys())), limit=len(touched))
            for r in fresh:
                i = by_id[r.id]
                self.nav.rows[i] = r
                cells = row_cells(i + 1, r, self.text_cells())
                for col, cell in enumerate(cells):
                    table.update_cell_at((i, col), cell)
            touched.clear()
        self._status()
