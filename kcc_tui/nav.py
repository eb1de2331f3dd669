"""Paged navigation over the seed list and the data of one seed view, read from the store on demand.

Nothing here holds more than the pages the reviewer has reached: a 100,000-seed store costs one page of
200 rows until the reviewer scrolls further.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from db import review as store_review
from db.models import Candidate, Judgment, Pair, Seed
from db.store import SeedFilter, SeedRow, Store

PAGE = 200


class SeedNavigator:
    """An ordered, lazily paged list of seed rows for a filter and an order ("rowid" or "queue").

    When the order or the filter depends on review state (queue order; review/source filters), reviewing
    moves seeds inside the result set, so further pages are read again from the top and rows already
    listed are skipped: nothing is shown twice and nothing is skipped.
    """

    def __init__(self, store: Store, filt: SeedFilter | None = None, order: str = "rowid", page: int = PAGE
                 ) -> None:
        self.store = store
        self.filter = filt or SeedFilter()
        self.order = order
        self.page = page
        self.rows: list[SeedRow] = []
        self._seen: set[str] = set()
        self._offset = 0
        self.exhausted = False
        self._total: int | None = None

    @property
    def volatile(self) -> bool:
        return self.order == "queue" or self.filter.review is not None or self.filter.source is not None

    @property
    def total(self) -> int:
        if self._total is None:
            self._total = store_review.count_matching(self.store, self.filter)
        return self._total

    def invalidate_total(self) -> None:
        self._total = None

    def _page(self, offset: int, limit: int) -> list[SeedRow]:
        if self.order == "queue":
            return store_review.queue_page(self.store, self.filter, offset=offset, limit=limit)
        return self.store.page_seeds(self.filter, offset=offset, limit=limit, order=self.order)

    def load_more(self) -> list[SeedRow]:
        """Fetch the next page; returns the rows added (empty when the list is complete)."""
        if self.exhausted:
            return []
        if self.volatile:
            fetched = self._page(0, len(self.rows) + self.page)
            complete = len(fetched) < len(self.rows) + self.page
        else:
            fetched = self._page(self._offset, self.page)
            self._offset += len(fetched)
            complete = len(fetched) < self.page
        new = [r for r in fetched if r.id not in self._seen]
        for r in new:
            self._seen.add(r.id)
        self.rows.extend(new)
        if complete or not new:
            self.exhausted = True
        return new

    def load_all(self) -> list[SeedRow]:
        """Every remaining row in one read (End in the list): no page-by-page OFFSET walk."""
        if self.exhausted:
            return []
        if self.volatile:
            fetched = self._page(0, -1)
        else:
            fetched = self._page(self._offset, -1)
            self._offset += len(fetched)
        new = [r for r in fetched if r.id not in self._seen]
        self._seen.update(r.id for r in new)
        self.rows.extend(new)
        self.exhausted = True
        return new

    def ensure(self, index: int) -> bool:
        """Make row `index` available (fetching pages as needed); False if the list is shorter."""
        while index >= len(self.rows) and not self.exhausted:
            self.load_more()
        return 0 <= index < len(self.rows)

    def index_of(self, seed_id: str) -> int | None:
        for i, r in enumerate(self.rows):
            if r.id == seed_id:
                return i
        return None


class SeedView(BaseModel):
    """Everything the seed screen shows for one seed."""

    seed: Seed
    candidates: list[Candidate]
    judgments: dict[str, Judgment]
    pair: Pair | None
    note: str | None = None  # a reviewer's note written before deciding
    judge_reason: str | None = None  # the judge's reason for its own pair

    def refresh_notes(self, store: Store) -> None:
        self.note = store_review.pending_note(store, self.seed.id)
        self.judge_reason = store_review.judge_reason(store, self.seed.id, self.pair)

    def label(self, candidate_id: str | None) -> str:
        """How answers are named everywhere on screen: `2 (s001-b)`."""
        if candidate_id is None:
            return "—"
        slot = self.slot(candidate_id)
        return f"{slot} ({candidate_id})" if slot else candidate_id

    def relabel(self, text: str) -> str:
        """A text naming candidate ids (a judge's reason) with the on-screen labels instead."""
        ids = sorted(self.candidate_ids, key=len, reverse=True)
        if not ids:
            return text
        return re.sub("|".join(re.escape(c) for c in ids), lambda m: self.label(m.group(0)), text)

    @property
    def candidate_ids(self) -> list[str]:
        return [c.id for c in self.candidates]

    @property
    def totals(self) -> dict[str, float | None]:
        return {cid: j.total for cid, j in self.judgments.items()}

    def slot(self, candidate_id: str | None) -> int | None:
        """1-based position of a candidate on screen (None when absent)."""
        if candidate_id is None:
            return None
        ids = self.candidate_ids
        return ids.index(candidate_id) + 1 if candidate_id in ids else None


def load_seed_view(store: Store, seed_id: str) -> SeedView | None:
    seed = store.get_seed(seed_id)
    if seed is None:
        return None
    view = SeedView(seed=seed, candidates=store.candidates_for(seed_id),
                    judgments=store.judgments_for_seed(seed_id), pair=store.get_pair(seed_id))
    view.refresh_notes(store)
    return view
