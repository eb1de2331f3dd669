"""Stats: safe rate per category, judge–human agreement (Cohen's kappa), override counts, small charts.

Everything is computed in a thread worker with its own store connection; the screen paints at once and
fills in when the numbers arrive. The numbers are kept with the store's data stamp (db.stats.data_stamp):
`S` shows them at once and computes them again only when the store changed since (a review, a job, an
import, from this process or another); ctrl+r always recomputes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Sparkline, Static
from textual.worker import get_current_worker

from db import stats as store_stats
from db.store import SeedFilter, Store
from kcc_tui.literal import one_line
from kcc_tui.stats import (
    Agreement,
    AgreementRow,
    CategoryRate,
    PairAgreement,
    agreement,
    bar,
    category_rates,
    pct,
    reviewer_agreement,
)
from kcc_tui.stylesheet import StyledOnMount
from kcc_tui.widgets.footer import KeyFooter


class StatsData(BaseModel):
    rates: list[CategoryRate]
    agreement: Agreement
    counts: dict[str, int]
    seeds: int
    reviewers: list[dict[str, Any]] = []
    pairwise: list[PairAgreement] = []
    stamp: tuple[int, int] | None = None  # db.stats.data_stamp of the app's store when computing began


def decision_rows(store: Store) -> tuple[list[AgreementRow], int]:
    """(judge_chosen, judge_rejected, human_chosen, human_rejected) per reviewed seed, and the number skipped.

    A reviewer's tie is a decision for neither answer (human side None, "none" in kappa); a skip is no
    decision and is left out. The store keeps the previous chosen/rejected ids on a tie or skip, so the raw
    agreement_rows() would count both as agreeing with the judge.
    """
    rows: list[AgreementRow] = [(p.judge_chosen_id, p.judge_rejected_id, p.chosen_id, p.rejected_id)
                                for p, _ in store.iter_pairs(reviewed_only=True)]
    skipped = 0
    reviewed = store.page_seeds(SeedFilter(review="reviewed"), limit=max(1, store.review_counts().get("human", 0)))
    for r in reviewed:
        if r.status == "tie":
            p = store.get_pair(r.id)
            if p is not None:
                rows.append((p.judge_chosen_id, p.judge_rejected_id, None, None))
        elif r.status == "skip":
            skipped += 1
    return rows, skipped


def compute_stats(store: Store, category_stats: list[dict[str, Any]] | None = None) -> StatsData:
    """All numbers of the stats screen (pure reads; kappa labels a choice by the chosen answer's model).
    `category_stats`: db.stats.category_stats(store) when the caller has just read it."""
    rows, skipped = decision_rows(store)
    models: dict[str, str] = {}

    def label(cid: str | None) -> str:
        if cid is None:
            return "none"
        if cid not in models:
            c = store.get_candidate(cid)
            models[cid] = c.model if c is not None else cid
        return models[cid]

    agree = agreement(rows, label).model_copy(update={"skipped": skipped})
    return StatsData(rates=category_rates(category_stats if category_stats is not None
                                                  else store_stats.category_stats(store)), agreement=agree,
                     counts=store.review_counts(), seeds=store.count_seeds(),
                     reviewers=store_stats.reviewer_progress(store),
                     pairwise=reviewer_agreement(store_stats.reviewer_decisions(store), label))


def render_rates(rates: list[CategoryRate], width: int = 20) -> Table:
    t = Table(box=None, padding=(0, 1), show_edge=False, expand=False)
    for col in ("category", "seeds", "scored", "safe rate", ""):
        t.add_column(col, justify="right" if col in ("seeds", "scored", "safe rate") else "left")
    for r in rates:
        style = "" if r.rate is None else "green" if r.rate >= 0.8 else "yellow" if r.rate >= 0.5 else "red"
        t.add_row(Text(one_line(r.category, 16)), f"{r.seeds:,}", f"{r.scored:,}", pct(r.rate),
                  Text(bar(r.rate, width), style=style))
    return t


def render_agreement(data: StatsData) -> Text:
    a, c = data.agreement, data.counts
    t = Text()
    t.append("Judge–human agreement\n", style="bold underline")
    t.append(f"reviewed pairs        {a.n:,}")
    t.append(f"  ({a.skipped:,} skipped, not counted)\n" if a.skipped else "\n", style="dim")
    t.append(f"same chosen answer    {a.agree_chosen:,}  ({pct(a.observed)})\n")
    t.append(f"same chosen+rejected  {a.agree_pair:,}\n")
    kappa = "undefined (no reviews or no variation)" if a.kappa is None else f"{a.kappa:.3f}"
    t.append(f"Cohen's kappa         {kappa}\n", style="bold")
    t.append("  (on the chosen answer, labelled by its model; a reviewer's tie = none)\n", style="dim")
    t.append("\nOverrides\n", style="bold underline")
    total = int(c.get("total", 0))
    for key, label in (("total", "pairs"), ("human", "reviewed"), ("overridden", "overridden"),
                       ("flagged", "flagged")):
        n = int(c.get(key, 0))
        share = n / total if total else None
        t.append(f"{label:<12} {n:>8,}  ")
        t.append(bar(share, 20), style="cyan")
        t.append(f" {pct(share)}\n" if key != "total" else "\n")
    if data.reviewers:
        t.append("\nReviewers\n", style="bold underline")
        for r in data.reviewers:
            share = r["decided"] / data.seeds if data.seeds else None
            t.append(f"{one_line(str(r['reviewer']), 12):<12} {r['decided']:>8,} decided  "
                     f"{r['overridden']:>6,} overridden  {r['actions']:>7,} actions  {pct(share)} of seeds\n")
    if data.pairwise:
        t.append("\nReviewer–reviewer agreement (shared seeds)\n", style="bold underline")
        for p in data.pairwise:
            kappa = "undefined" if p.kappa is None else f"{p.kappa:.3f}"
            t.append(f"{one_line(p.a, 12)} × {one_line(p.b, 12)}  {p.n:,} shared  {p.agree:,} same choice  "
                     f"kappa {kappa}\n")
    t.append(f"\nseeds in store {data.seeds:,}")
    return t


class StatsScreen(StyledOnMount, Screen[None]):
    BINDINGS = [Binding("ctrl+r", "reload", "Reload", id="stats_reload"),
                Binding("escape", "back", "Back", id="stats_back")]

    def __init__(self) -> None:
        super().__init__()
        self.data: StatsData | None = None
        self._loading: tuple[int, int] | None = None  # the stamp a worker is computing for

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats-body"):
            yield Static("computing…", id="stats-rates", markup=False)
            yield Static("Safe rate by category", id="spark-label", markup=False)
            yield Sparkline([], id="stats-spark")
            yield Static("", id="stats-agreement", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"{self.app.db_path.name} · Stats"  # type: ignore[attr-defined]
        cached = getattr(self.app, "stats_cache", None)
        if cached is not None:  # computed in the background after first paint; recomputed if out of date
            self.show(cached)
        self.refresh_numbers()

    def on_screen_resume(self) -> None:
        self.refresh_numbers()

    def action_reload(self) -> None:
        self.refresh_numbers(force=True)

    def action_back(self) -> None:
        self.app.switch_mode("browse")

    def refresh_numbers(self, force: bool = False) -> None:
        """Show the kept numbers if the store has not changed since they were computed, else compute them."""
        stamp = store_stats.data_stamp(self.app.store)  # type: ignore[attr-defined]
        cached: StatsData | None = getattr(self.app, "stats_cache", None)
        if not force and cached is not None and cached.stamp == stamp:
            if self.data is not cached:
                self.show(cached)
            return
        if not force and self._loading == stamp:
            return  # already computing these
        self._loading = stamp
        self.load(stamp)

    @work(thread=True, exclusive=True, group="stats")
    def load(self, stamp: tuple[int, int]) -> None:
        with self.app.open_store() as store:  # type: ignore[attr-defined]
            data = compute_stats(store).model_copy(update={"stamp": stamp})
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, data)

    def _loaded(self, data: StatsData) -> None:
        if self._loading == data.stamp:
            self._loading = None
        self.show(data)

    def show(self, data: StatsData) -> None:
        self.data = data
        self.app.stats_cache = data  # type: ignore[attr-defined]
        self.query_one("#stats-rates", Static).update(render_rates(data.rates))
        values: list[Any] = [r.rate for r in data.rates if r.rate is not None]
        self.query_one("#stats-spark", Sparkline).data = values
        self.query_one("#stats-agreement", Static).update(render_agreement(data))
