"""Judgments and pairs (tables `judgments`, `pairs`): a judge run's writes, which never overwrite a
reviewer's decision (only the judge's view beside it and the margin of the reviewer's pair are refreshed),
the margin of a pair from its answers' latest judgments, and the usable pairs an export streams.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from db import decisions
from db.models import Judgment, Pair, Seed, utcnow
from db.store.base import StoreBase


class PairStore(StoreBase):
    """Judgments, the judge's pairs, margins, usable pairs."""

    def latest_judgment_meta(self, candidate_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Per candidate, its latest judgment's verdict and versions (export metadata, unscored gate)."""
        rows = self._q_in(
            "SELECT candidate_id, verdict, judge_model, rubric_version, policy_version, checks_version, run_id "
            "FROM judgments WHERE id IN (SELECT max(id) FROM judgments WHERE candidate_id IN ({}) "
            "GROUP BY candidate_id)", candidate_ids)
        return {r["candidate_id"]: dict(r) for r in rows}

    def save_judgments(self, judgments: Iterable[Judgment], pairs: Iterable[Pair] = (), *,
                       judge_flags: Iterable[str] = ()) -> None:
        """Judgments of one or more seeds and their judge pairs, atomically. A human pair keeps the reviewer's
        choice; only the judge's view beside it is refreshed, and of its flags those named in `judge_flags`
        (the judge's own) are replaced by the new run's, the reviewer's stay."""
        replace = frozenset(judge_flags)
        with self.transaction() as conn:
            for j in judgments:
                self._insert(conn, "judgments", j, verb="INSERT OR REPLACE")
            for p in pairs:
                self._set_judge_pair(conn, p, replace)

    def judged_seed_ids(self, run_id: str) -> set[str]:
        rows = self._q("SELECT DISTINCT c.seed_id FROM judgments j JOIN candidates c ON c.id = j.candidate_id "
                       "WHERE j.run_id = ?", (run_id,))
        return {r[0] for r in rows}

    def judgments_for_seed(self, seed_id: str, run_id: str | None = None) -> dict[str, Judgment]:
        """Latest judgment per candidate of a seed (of one run when given)."""
        sql = ("SELECT j.* FROM judgments j JOIN candidates c ON c.id = j.candidate_id WHERE c.seed_id = ?"
               + (" AND j.run_id = ?" if run_id else "") + " ORDER BY j.id")
        rows = self._q(sql, (seed_id, run_id) if run_id else (seed_id,))
        out: dict[str, Judgment] = {}
        for r in rows:
            j = Judgment(**self._decode("judgments", r))
            out[j.candidate_id] = j
        return out

    def iter_judgments(self, run_id: str, batch: int = 2000) -> Iterator[Judgment]:
        last = 0
        while True:
            rows = self._q("SELECT * FROM judgments WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?",
                           (run_id, last, batch))
            if not rows:
                return
            for r in rows:
                j = Judgment(**self._decode("judgments", r))
                last = j.id or last
                yield j

    def _set_judge_pair(self, conn: sqlite3.Connection, p: Pair, replace: frozenset[str] = frozenset()) -> None:
        row = conn.execute("SELECT source, status, chosen_id, rejected_id FROM pairs WHERE seed_id = ?",
                           (p.seed_id,)).fetchone()
        if row is None:
            p = p.model_copy(update={"source": "judge", "judge_chosen_id": p.chosen_id,
                                     "judge_rejected_id": p.rejected_id, "judge_margin": p.margin})
            self._insert(conn, "pairs", p)
        elif row[0] == "human":
            # a reviewer's decision wins: refresh only the judge's view beside it, and the margin of the
            # reviewer's pair from the judgments just written (db.decisions)
            margin = (self._human_margin(conn, row["chosen_id"], row["rejected_id"]) if row["status"] == "pair"
                      else None)
            conn.execute(
                "UPDATE pairs SET judge_chosen_id=?, judge_rejected_id=?, judge_margin=?, run_id=?, flags=?, "
                "margin=? WHERE seed_id=?",
                (p.chosen_id, p.rejected_id, p.margin, p.run_id,
                 json.dumps(_merge_flags(conn, p, replace), ensure_ascii=False), margin, p.seed_id),
            )
        else:
            # a reviewer's flag on a pair nobody decided yet is not the judge's to drop
            kept = {"reviewer"} & set(json.loads(conn.execute("SELECT flags FROM pairs WHERE seed_id = ?",
                                                              (p.seed_id,)).fetchone()[0]))
            p = p.model_copy(update={"source": "judge", "judge_chosen_id": p.chosen_id,
                                     "judge_rejected_id": p.rejected_id, "judge_margin": p.margin,
                                     "flags": sorted(set(p.flags) | kept), "updated_at": utcnow()})
            self._insert(conn, "pairs", p, verb="INSERT OR REPLACE")

    def get_pair(self, seed_id: str) -> Pair | None:
        rows = self._q("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,))
        return Pair(**self._decode("pairs", rows[0])) if rows else None

    def iter_pairs(self, *, category: str | None = None, source: str | None = None,
                   min_margin: float | None = None, reviewed_only: bool = False,
                   categories: list[str] | None = None, keep_reviewed: bool = True,
                   batch: int = 2000) -> Iterator[tuple[Pair, Seed]]:
        """Usable (status 'pair') pairs with their seed, streamed, filtered.

        `min_margin` compares the pair's stored margin (for a reviewer's pair: the margin of the reviewer's
        pair, negative when it overrules the judge; none when an answer is unjudged). With `keep_reviewed`
        it applies to judge pairs only and every reviewer-decided pair is kept."""
        where = ["p.status = 'pair'", "p.chosen_id IS NOT NULL", "p.rejected_id IS NOT NULL"]
        params: list[Any] = []
        if category:
            where.append("s.category = ?")
            params.append(category)
        if categories:
            where.append(f"s.category IN ({','.join('?' * len(categories))})")
            params.extend(categories)
        if source:
            where.append("p.source = ?")
            params.append(source)
        if reviewed_only:
            where.append("p.source = 'human'")
        if min_margin is not None:
            where.append("(p.source = 'human' OR p.margin >= ?)" if keep_reviewed else "p.margin >= ?")
            params.append(min_margin)
        last = 0
        while True:
            rows = self._q(
                "SELECT p.rowid AS _pr, p.*, s.id AS s_id, s.text AS s_text, s.category AS s_category, "
                "s.subcategory AS s_subcategory, s.policy_version AS s_policy_version, s.style AS s_style "
                f"FROM pairs p JOIN seeds s ON s.id = p.seed_id WHERE {' AND '.join(where)} AND p.rowid > ? "
                "ORDER BY p.rowid LIMIT ?", [*params, last, batch])
            if not rows:
                return
            for r in rows:
                d = dict(r)
                last = d.pop("_pr")
                seed = Seed(id=d.pop("s_id"), text=d.pop("s_text"), category=d.pop("s_category"),
                            subcategory=d.pop("s_subcategory"), policy_version=d.pop("s_policy_version"),
                            style=d.pop("s_style"))
                d["flags"] = json.loads(d["flags"])
                yield Pair(**d), seed

    @staticmethod
    def _latest_score(conn: sqlite3.Connection, candidate_id: str | None) -> decisions.Scored:
        if candidate_id is None:
            return None, None
        row = conn.execute("SELECT total, verdict FROM judgments WHERE candidate_id = ? ORDER BY id DESC LIMIT 1",
                           (candidate_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def _human_margin(self, conn: sqlite3.Connection, chosen_id: str | None, rejected_id: str | None
                      ) -> float | None:
        return decisions.pair_margin(self._latest_score(conn, chosen_id), self._latest_score(conn, rejected_id))

    def human_margin(self, chosen_id: str | None, rejected_id: str | None) -> float | None:
        """The margin a reviewer's pair of these two answers gets (db.decisions), from their latest judgments."""
        with self._lock:
            return self._human_margin(self.conn, chosen_id, rejected_id)


def _merge_flags(conn: sqlite3.Connection, p: Pair, replace: frozenset[str]) -> list[str]:
    row = conn.execute("SELECT flags FROM pairs WHERE seed_id = ?", (p.seed_id,)).fetchone()
    have = json.loads(row[0]) if row else []
    return sorted({f for f in have if f not in replace} | set(p.flags))
