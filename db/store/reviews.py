"""Reviewer actions (table `reviews`, the append-only audit log, and the pair each action changes):
`apply_review` is the one write path of a reviewer's action (rules in db.decisions), `undo_review` walks
it back, and notes wait in the audit log for the next decision.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from db import decisions
from db.models import Pair, Review, utcnow
from db.store.base import StoreError
from db.store.pairs import PairStore


class ReviewStore(PairStore):
    """The reviewer's writes to pairs and the audit log."""

    def apply_review(self, seed_id: str, reviewer: str, action: str, *, chosen_id: str | None = None,
                     rejected_id: str | None = None, status: str | None = None,
                     flags: list[str] | None = None, reason: str | None = None, tag: str | None = None
                     ) -> Review | None:
        """The one write path of a reviewer's action (TUI keys, bulk accept, scripts): validate it, write the
        pair and its audit row in one transaction; None when it would change nothing (then nothing is
        written). The rules (db.decisions): a decision makes the pair the reviewer's, with a margin computed
        from the reviewer's pair; a flag, a note or a reason is not a decision.

        Fields left None keep their value. `tag` goes into the audit row's reason (a bulk action's id). The
        judge's own choice stays in the judge_* columns beside an override. Nested in an open
        `transaction()` it joins it (bulk accept writes many seeds at once)."""
        if action not in decisions.ACTIONS:
            raise StoreError(f"unknown review action {action!r} (one of {', '.join(sorted(decisions.ACTIONS))})")
        if status is not None and status not in decisions.STATUSES:
            raise StoreError(f"unknown pair status {status!r} (pair, tie or skip)")
        if action not in decisions.DECISIONS and (chosen_id or rejected_id or status):
            raise StoreError(f"{action!r} is not a decision: it cannot change the chosen/rejected answers or status")
        red = self._redactor
        reason = red.text(reason) if reason is not None else None
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,)).fetchone()
            before = self._decode("pairs", row) if row else None
            if before is None:
                if conn.execute("SELECT 1 FROM seeds WHERE id = ?", (seed_id,)).fetchone() is None:
                    raise StoreError(f"no seed {seed_id!r}")
                # a seed the judge has not paired yet: flags and decisions need a row to live in
                cur = Pair(seed_id=seed_id, status="no_pair", source="judge")
            else:
                cur = Pair(**before)
            named = {cid for cid in (chosen_id, rejected_id) if cid is not None}
            if named:
                mine = {r[0] for r in conn.execute(
                    f"SELECT id FROM candidates WHERE seed_id = ? AND id IN ({','.join('?' * len(named))})",
                    (seed_id, *named))}
                for role, cid in (("chosen", chosen_id), ("rejected", rejected_id)):
                    if cid is not None and cid not in mine:
                        raise StoreError(f"{role} answer {cid!r} is not a candidate of seed {seed_id!r}")
            if action == "note":
                text = (reason or "").strip()
                if not text:
                    raise StoreError("empty note")
                return self._audit(conn, seed_id, reviewer, action, before, before, text)
            if action == "reason" and cur.source != "human":
                raise StoreError("a reason explains a reviewer's decision and this pair has none yet; "
                                 "write a note (it becomes the reason of the next decision)")
            update: dict[str, Any] = {}
            for k, v in (("chosen_id", chosen_id), ("rejected_id", rejected_id), ("status", status),
                         ("flags", flags), ("reason", reason)):
                if v is not None:
                    update[k] = v
            if action in decisions.DECISIONS:
                if status is None and (chosen_id or rejected_id):
                    update["status"] = "pair"  # naming an answer chosen or rejected makes a pair
                update["source"] = "human"
                update["reviewer"] = reviewer
                if reason is None:
                    # the judge's reason does not explain the reviewer's pair; a note written before deciding does
                    update["reason"] = (self._pending_note(conn, seed_id) if cur.source != "human"
                                        else cur.reason)
            after = cur.model_copy(update=update)
            if after.source == "human":
                if after.status == "pair":
                    if not after.chosen_id or not after.rejected_id:
                        raise StoreError("a pair needs a chosen and a rejected answer")
                    if after.chosen_id == after.rejected_id:
                        raise StoreError("chosen and rejected must differ")
                    after.margin = self._human_margin(conn, after.chosen_id, after.rejected_id)
                elif after.status == "no_pair":
                    raise StoreError("a decision needs a pair, a tie or a skip")
                else:
                    after.margin = None
            if row is not None and all(getattr(after, k) == getattr(cur, k) for k in decisions.COMPARED):
                return None
            after.updated_at = utcnow()
            self._insert(conn, "pairs", after, verb="INSERT OR REPLACE")
            return self._audit(conn, seed_id, reviewer, action, before, after.model_dump(), tag or reason)

    def _audit(self, conn: sqlite3.Connection, seed_id: str, reviewer: str, action: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None, reason: str | None) -> Review:
        """Append one audit row (everything in it redacted like any other string the store writes)."""
        red = self._redactor
        review = Review(seed_id=seed_id, reviewer=red.text(reviewer), action=action, before=before, after=after,
                        reason=red.text(reason) if reason is not None else None)
        review.id = conn.execute(
            "INSERT INTO reviews (seed_id, reviewer, action, before, after, reason, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (seed_id, review.reviewer, action,
             json.dumps(before, ensure_ascii=False) if before is not None else None,  # read back: redacted
             json.dumps(red.value(after), ensure_ascii=False) if after is not None else None,
             review.reason, review.created_at)).lastrowid
        return review

    @staticmethod
    def _pending_note(conn: sqlite3.Connection, seed_id: str) -> str | None:
        rows = conn.execute("SELECT id, action, reason FROM reviews WHERE seed_id = ? ORDER BY id", (seed_id,))
        return decisions.pending_note(rows.fetchall())

    def pending_note(self, seed_id: str) -> str | None:
        """A note written since the reviewer's last decision on this seed (None when there is none)."""
        with self._lock:
            return self._pending_note(self.conn, seed_id)

    def undo_review(self, seed_id: str, reviewer: str) -> Review | None:
        """Restore the pair as it was before the latest non-undo action (itself recorded as 'undo')."""
        with self.transaction() as conn:
            rows = conn.execute("SELECT * FROM reviews WHERE seed_id = ? ORDER BY id DESC", (seed_id,)).fetchall()
            undone = sum(1 for r in rows if r["action"] == "undo")
            actions = [r for r in rows if r["action"] != "undo"]
            # each undo cancels the most recent remaining action
            if undone >= len(actions):
                return None
            target = self._decode("reviews", actions[undone])
            cur = conn.execute("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,)).fetchone()
            current = self._decode("pairs", cur) if cur else None
            restored = target["before"]
            if target["action"] == "note":  # a note changed no pair: undoing it leaves the pair as it is now
                restored = current
            elif restored is None:
                conn.execute("DELETE FROM pairs WHERE seed_id = ?", (seed_id,))
            else:
                self._insert(conn, "pairs", Pair(**restored), verb="INSERT OR REPLACE")
            return self._audit(conn, seed_id, reviewer, "undo", current, restored, f"undo review #{target['id']}")

    def reviews_for(self, seed_id: str) -> list[Review]:
        rows = self._q("SELECT * FROM reviews WHERE seed_id = ? ORDER BY id", (seed_id,))
        return [Review(**self._decode("reviews", r)) for r in rows]

    def review_counts(self) -> dict[str, int]:
        r = self._q("SELECT count(*) AS total, sum(source = 'human') AS human, "
                    "sum(source = 'human' AND (chosen_id IS NOT judge_chosen_id OR rejected_id IS NOT "
                    "judge_rejected_id)) AS overridden, sum(flags != '[]') AS flagged FROM pairs")[0]
        return {k: r[k] or 0 for k in r.keys()}
