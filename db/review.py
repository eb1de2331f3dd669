"""Reviewer decisions on pairs: the review-queue order, bulk accept of the judge's pairs and its undo, the
reviewer's extra filters. Every write goes through `Store.apply_review`, the one review write path; the rules
of what a decision records live in db.decisions (docs/tui.md).
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from typing import Any

from db.decisions import COMPARED, DECISIONS, pair_margin  # noqa: F401 - re-exported for the reviewer
from db.models import Pair
from db.store import SeedFilter, SeedRow, Store, StoreError


def human_margin(store: Store, chosen_id: str | None, rejected_id: str | None) -> float | None:
    return store.human_margin(chosen_id, rejected_id)


def pending_note(store: Store, seed_id: str) -> str | None:
    """A note written since the reviewer's last decision on this seed (None when there is none)."""
    return store.pending_note(seed_id)


def judge_reason(store: Store, seed_id: str, pair: Pair | None) -> str | None:
    """The judge's own reason for its pair (kept in the audit log once a reviewer decided)."""
    if pair is None:
        return None
    if pair.source == "judge":
        return pair.reason
    rows = store._q("SELECT before FROM reviews WHERE seed_id = ? AND before IS NOT NULL ORDER BY id DESC",
                    (seed_id,))
    for r in rows:
        before = json.loads(r[0])
        if before.get("source") == "judge":
            return before.get("reason")
    return None


# -- queue --------------------------------------------------------------------------------------------------
# Queue order: pairs nobody decided yet, flagged first (a reviewer's flag before the judge's), lowest margin first; then seeds with no pair yet (the
# judge has not seen them); reviewer-decided pairs last. Each group is its own query, so a page of the queue
# sorts only the pairs of one group, never the whole 100,000-seed join.
_GROUPS = [
    ("p.source = 'judge' AND p.flags != '[]'", "(instr(p.flags, '\"reviewer\"') = 0), coalesce(p.margin, 1e9), s.rowid"),
    ("p.source = 'judge' AND p.flags = '[]'", "coalesce(p.margin, 1e9), s.rowid"),
    ("p.seed_id IS NULL", "s.rowid"),
    ("p.source = 'human'", "(p.flags = '[]'), coalesce(p.margin, 1e9), s.rowid"),
]
_COLS = "s.id, s.text, s.category, s.subcategory, p.source AS pair_source, p.margin, p.status, p.flags"


def _row(r: sqlite3.Row) -> SeedRow:
    return SeedRow(**{**dict(r), "flags": json.loads(r["flags"]) if r["flags"] else []})


def count_matching(store: Store, f: SeedFilter | None = None) -> int:
    """Store.count_page: the number of seeds under a filter. A filter that does not look at the pairs is
    counted on the seeds alone (each seed has at most one pair, so the join to pairs changes nothing): an
    index count instead of a 100,000-row join."""
    f = f or SeedFilter()
    where, params = store._seed_where(f)
    if re.search(r"\bp\.", where):
        return store.count_page(f)
    return store._q(f"SELECT count(*) FROM seeds s WHERE {where}", params)[0][0]


def queue_page(store: Store, f: SeedFilter | None = None, *, offset: int = 0, limit: int = 200) -> list[SeedRow]:
    """One page of the review queue (see the order above) under a seed filter."""
    f = f or SeedFilter()
    where, params = store._seed_where(f)
    out: list[SeedRow] = []
    for cond, order in _GROUPS:
        if 0 <= limit <= len(out):
            break
        base = f"FROM seeds s LEFT JOIN pairs p ON p.seed_id = s.id WHERE {where} AND {cond}"
        if offset:
            n = store._q(f"SELECT count(*) {base}", params)[0][0]
            if n <= offset:
                offset -= n
                continue
        rows = store._q(f"SELECT {_COLS} {base} ORDER BY {order} LIMIT ? OFFSET ?",
                        [*params, limit - len(out) if limit >= 0 else -1, offset])
        offset = 0
        out.extend(_row(r) for r in rows)
    return out


# -- bulk ---------------------------------------------------------------------------------------------------
def _acceptable(store: Store, f: SeedFilter) -> tuple[str, list[Any]]:
    where, params = store._seed_where(f)
    return (f"FROM seeds s JOIN pairs p ON p.seed_id = s.id WHERE {where} AND p.source = 'judge' "
            "AND p.judge_chosen_id IS NOT NULL AND p.judge_rejected_id IS NOT NULL", params)


def count_acceptable(store: Store, f: SeedFilter) -> int:
    sql, params = _acceptable(store, f)
    return store._q(f"SELECT count(*) {sql}", params)[0][0]


def bulk_accept(store: Store, f: SeedFilter, reviewer: str, *, limit: int | None = None) -> tuple[str, int]:
    """Accept the judge's pair on every seed of the filter that has one and no reviewer decision yet.
    One audit row per seed, tagged with the bulk action's id (returned with the count) for `undo_bulk`."""
    tag = f"bulk-{uuid.uuid4().hex[:10]}"
    sql, params = _acceptable(store, f)
    ids = [r[0] for r in store._q(f"SELECT s.id {sql} ORDER BY s.rowid" + (" LIMIT ?" if limit else ""),
                                  [*params, *([limit] if limit else [])])]
    n = 0
    with store.transaction():  # all seeds or none; each one's write is Store.apply_review's
        for sid in ids:
            p = store.get_pair(sid)
            if p is None or p.source != "judge" or not p.judge_chosen_id or not p.judge_rejected_id:
                continue  # decided (or re-judged) since the list was read
            if store.apply_review(sid, reviewer, "bulk_accept", chosen_id=p.judge_chosen_id,
                                  rejected_id=p.judge_rejected_id, status="pair", tag=tag) is not None:
                n += 1
    return tag, n


def undo_bulk(store: Store, tag: str, reviewer: str) -> int:
    """Undo a bulk accept on every seed where it is still the latest action (later decisions are kept)."""
    n = 0
    with store.transaction():  # the check and the undo see the same audit log: all seeds or none
        rows = store._q("SELECT seed_id, id FROM reviews WHERE action = 'bulk_accept' AND reason = ?", (tag,))
        for sid, rid in rows:
            last = store._q("SELECT id FROM reviews WHERE seed_id = ? ORDER BY id DESC LIMIT 1", (sid,))
            if last and last[0][0] == rid and store.undo_review(sid, reviewer) is not None:
                n += 1
    return n


def last_bulk(store: Store) -> str | None:
    rows = store._q("SELECT reason FROM reviews WHERE action = 'bulk_accept' ORDER BY id DESC LIMIT 1")
    return rows[0][0] if rows else None


# -- filters ------------------------------------------------------------------------------------------------
CHECK_FILTERS = {
    "fabricated": ("citation.fabricated",),
    "outdated": ("citation.outdated", "citation.not_in_force", "hotline.outdated"),
    "title_mismatch": ("citation.title_mismatch",),
    "wrong_number": ("hotline.wrong_number",),
}
MAX_IDS = 30_000  # a filter result becomes an id list; SQLite takes at most 32,766 parameters


def seeds_matching(store: Store, what: str) -> list[str]:
    """Seed ids for the reviewer's extra filters: `fabricated` / `outdated` / `title_mismatch` / `wrong_number`
    (a check of any answer's latest
    judgment), `unsafe_chosen` (the current chosen answer is judged unsafe), `disagree` (the reviewer's pair
    differs from the judge's), `reviewer:NAME` (decided by NAME). At most MAX_IDS, in list order."""
    if what in CHECK_FILTERS:
        ors = " OR ".join("j.checks LIKE ?" for _ in CHECK_FILTERS[what])
        sql = ("SELECT DISTINCT c.seed_id FROM judgments j JOIN candidates c ON c.id = j.candidate_id "
               f"WHERE j.id IN (SELECT max(id) FROM judgments GROUP BY candidate_id) AND ({ors})")
        params: list[Any] = [f'%"{cid}"%' for cid in CHECK_FILTERS[what]]
    elif what == "unsafe_chosen":
        sql = ("SELECT p.seed_id FROM pairs p JOIN judgments j ON j.id = (SELECT max(id) FROM judgments "
               "WHERE candidate_id = p.chosen_id) WHERE p.status = 'pair' AND j.verdict = 'unsafe'")
        params = []
    elif what == "disagree":
        sql = ("SELECT seed_id FROM pairs WHERE source = 'human' AND judge_chosen_id IS NOT NULL AND "
               "(status != 'pair' OR chosen_id IS NOT judge_chosen_id OR rejected_id IS NOT judge_rejected_id)")
        params = []
    elif what.startswith("reviewer:"):
        sql, params = "SELECT seed_id FROM pairs WHERE source = 'human' AND reviewer = ?", [what[9:]]
    else:
        raise StoreError(f"unknown filter {what!r}")
    ids = {r[0] for r in store._q(sql, params)}
    rows = store._q("SELECT id FROM seeds ORDER BY rowid")
    return [r[0] for r in rows if r[0] in ids][:MAX_IDS]


def reviewers(store: Store) -> list[str]:
    return [r[0] for r in store._q("SELECT DISTINCT reviewer FROM pairs WHERE source = 'human' AND reviewer "
                                   "IS NOT NULL ORDER BY reviewer")]
