"""Reviewer decisions on pairs: what counts as a decision, the margin of a human pair, notes that are not
decisions, the review-queue order, bulk accept of the judge's pairs and its undo.

Rules (docs/tui.md):
- A *decision* (choose, reject, swap, tie, skip, accept) makes the pair the reviewer's: source 'human', the
  reviewer's name, and a margin computed from the reviewer's own pair with the judge's formula (chosen total
  minus rejected total, an unsafe rejected answer counting 0 against a chosen one that is not unsafe), from the
  latest judgments; negative when the reviewer prefers the lower-scored answer; None for ties, skips and
  unjudged answers.
- A flag or a note is not a decision: the pair keeps its source and margin; a note lives in the audit log
  (action 'note') and becomes the reason of the reviewer's next decision on that seed.
- An action that changes nothing writes nothing (no audit row).
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from typing import Any

from db.models import Pair, Review, utcnow
from db.store import SeedFilter, SeedRow, Store, StoreError

DECISIONS = frozenset({"choose", "reject", "swap", "tie", "skip", "accept", "bulk_accept", "pick"})
COMPARED = ("chosen_id", "rejected_id", "status", "flags", "reason", "source", "margin", "reviewer")


def _latest(conn: sqlite3.Connection, candidate_id: str | None) -> tuple[float | None, str | None]:
    if candidate_id is None:
        return None, None
    row = conn.execute("SELECT total, verdict FROM judgments WHERE candidate_id = ? ORDER BY id DESC LIMIT 1",
                       (candidate_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def pair_margin(chosen: tuple[float | None, str | None], rejected: tuple[float | None, str | None]
                ) -> float | None:
    """The judge's margin formula (judge/combine.py) applied to a given (total, verdict) chosen/rejected."""
    (ct, cv), (rt, rv) = chosen, rejected
    if ct is None or rt is None:
        return None
    against = 0.0 if rv == "unsafe" and cv != "unsafe" else rt
    return round(ct - against, 4)


def human_margin(store: Store, chosen_id: str | None, rejected_id: str | None) -> float | None:
    with store._lock:
        return pair_margin(_latest(store.conn, chosen_id), _latest(store.conn, rejected_id))


def _effective(rows: list[sqlite3.Row]) -> list[sqlite3.Row]:
    """Audit rows (oldest first) still in effect: each 'undo' cancels the latest remaining action
    (the rule of Store.undo_review)."""
    undone = sum(1 for r in rows if r["action"] == "undo")
    acts = [r for r in rows if r["action"] != "undo"]
    return acts[: max(0, len(acts) - undone)]


def _pending_note(conn: sqlite3.Connection, seed_id: str) -> str | None:
    rows = conn.execute("SELECT id, action, reason FROM reviews WHERE seed_id = ? ORDER BY id", (seed_id,)).fetchall()
    note = None
    for r in _effective(rows):
        if r["action"] == "note":
            note = r["reason"]
        elif r["action"] in DECISIONS:
            note = None
    return note


def pending_note(store: Store, seed_id: str) -> str | None:
    """A note written since the reviewer's last decision on this seed (None when there is none)."""
    with store._lock:
        return _pending_note(store.conn, seed_id)


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


def record(store: Store, seed_id: str, reviewer: str, action: str, *, chosen_id: str | None = None,
           rejected_id: str | None = None, status: str | None = None, flags: list[str] | None = None,
           reason: str | None = None, tag: str | None = None, conn: sqlite3.Connection | None = None
           ) -> Review | None:
    """Apply one reviewer action atomically with its audit row; None when it would change nothing.

    Fields left None keep their value. `tag` goes into the audit row's reason (e.g. a bulk action's id).
    """
    if conn is None:
        with store.transaction() as c:
            return record(store, seed_id, reviewer, action, chosen_id=chosen_id, rejected_id=rejected_id,
                          status=status, flags=flags, reason=reason, tag=tag, conn=c)
    row = conn.execute("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,)).fetchone()
    before = store._decode("pairs", row) if row else None
    if before is None:
        if conn.execute("SELECT 1 FROM seeds WHERE id = ?", (seed_id,)).fetchone() is None:
            raise StoreError(f"no seed {seed_id!r}")
        # a seed the judge has not paired yet: flags and decisions need a row to live in
        cur = Pair(seed_id=seed_id, status="no_pair", source="judge")
    else:
        cur = Pair(**before)
    if action == "note":
        text = (reason or "").strip()
        if not text:
            raise StoreError("empty note")
        return _audit(conn, seed_id, reviewer, action, before, before, text)
    update: dict[str, Any] = {}
    if chosen_id is not None:
        update["chosen_id"] = chosen_id
    if rejected_id is not None:
        update["rejected_id"] = rejected_id
    if status is not None:
        update["status"] = status
    if flags is not None:
        update["flags"] = flags
    if reason is not None:
        update["reason"] = reason
    if action in DECISIONS:
        update["source"] = "human"
        update["reviewer"] = reviewer
        if reason is None:
            # the judge's reason does not explain the reviewer's pair; a note written before deciding does
            update["reason"] = _pending_note(conn, seed_id) if cur.source != "human" else cur.reason
    after = cur.model_copy(update=update)
    if after.source == "human":
        if after.status == "pair":
            if not after.chosen_id or not after.rejected_id:
                raise StoreError("a pair needs a chosen and a rejected answer")
            if after.chosen_id == after.rejected_id:
                raise StoreError("chosen and rejected must differ")
            after.margin = pair_margin(_latest(conn, after.chosen_id), _latest(conn, after.rejected_id))
        else:
            after.margin = None
    if all(getattr(after, k) == getattr(cur, k) for k in COMPARED) and row is not None:
        return None
    after.updated_at = utcnow()
    store._insert(conn, "pairs", after, verb="INSERT OR REPLACE")
    return _audit(conn, seed_id, reviewer, action, before, after.model_dump(), tag or reason)


def _audit(conn: sqlite3.Connection, seed_id: str, reviewer: str, action: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None, reason: str | None) -> Review:
    review = Review(seed_id=seed_id, reviewer=reviewer, action=action, before=before, after=after, reason=reason)
    review.id = conn.execute(
        "INSERT INTO reviews (seed_id, reviewer, action, before, after, reason, created_at) VALUES (?,?,?,?,?,?,?)",
        (seed_id, reviewer, action, json.dumps(before, ensure_ascii=False) if before else None,
         json.dumps(after, ensure_ascii=False) if after else None, reason, review.created_at)).lastrowid
    return review


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
    with store.transaction() as conn:
        for sid in ids:
            p = Pair(**store._decode("pairs", conn.execute("SELECT * FROM pairs WHERE seed_id = ?",
                                                           (sid,)).fetchone()))
            if record(store, sid, reviewer, "bulk_accept", chosen_id=p.judge_chosen_id,
                      rejected_id=p.judge_rejected_id, status="pair", tag=tag, conn=conn) is not None:
                n += 1
    return tag, n


def undo_bulk(store: Store, tag: str, reviewer: str) -> int:
    """Undo a bulk accept on every seed where it is still the latest action (later decisions are kept)."""
    rows = store._q("SELECT seed_id, id FROM reviews WHERE action = 'bulk_accept' AND reason = ?", (tag,))
    n = 0
    for sid, rid in rows:
        last = store._q("SELECT id, action FROM reviews WHERE seed_id = ? ORDER BY id DESC LIMIT 1", (sid,))
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
