"""Read-only aggregates for the reviewer's stats: safe rates per category from the judgments (not a scan of
every seed and candidate), per-reviewer progress, and the decisions two reviewers made on the same seeds.
"""

from __future__ import annotations

import json
from typing import Any

from db.store import Store


def data_stamp(store: Store) -> tuple[int, int]:
    """Where the store's data stands, seen from this connection: (commits by other connections, rows this
    connection changed). SQLite bumps the first on every commit of another connection and the second on
    every row this one writes, so numbers computed at an equal stamp are still the numbers of the data."""
    with store._lock:
        return store.conn.execute("PRAGMA data_version").fetchone()[0], store.conn.total_changes


def category_stats(store: Store) -> list[dict[str, Any]]:
    """Same rows as Store.category_stats() — (category, subcategory, seeds, safe, scored) — computed from
    the judgments outward: the seed counts come from the category index, the rates from the latest judgment
    of each judged candidate, so a 100,000-seed store with few judgments costs only those."""
    seeds = {(r["category"], r["subcategory"]): int(r["seeds"]) for r in store.category_counts()}
    rows = store._q(
        "WITH latest AS (SELECT candidate_id, max(id) AS id FROM judgments GROUP BY candidate_id) "
        "SELECT s.category, s.subcategory, sum(j.verdict = 'safe') AS safe, "
        "sum(j.verdict IN ('safe','unsafe')) AS scored FROM latest l JOIN judgments j ON j.id = l.id "
        "JOIN candidates c ON c.id = l.candidate_id JOIN seeds s ON s.id = c.seed_id "
        "GROUP BY s.category, s.subcategory")
    rates = {(r["category"], r["subcategory"]): (r["safe"], r["scored"]) for r in rows}
    out = []
    for key in sorted(seeds, key=lambda k: (k[0] or "", k[1] or "")):
        safe, scored = rates.get(key, (None, None))
        out.append({"category": key[0], "subcategory": key[1], "seeds": seeds[key], "safe": safe,
                    "scored": scored})
    return out


def reviewer_progress(store: Store) -> list[dict[str, Any]]:
    """Per reviewer: seeds whose current pair they decided, of those overridden, and audit actions."""
    rows = store._q(
        "SELECT reviewer, count(*) AS decided, sum(chosen_id IS NOT judge_chosen_id OR rejected_id IS NOT "
        "judge_rejected_id OR status != 'pair') AS overridden FROM pairs WHERE source = 'human' "
        "GROUP BY reviewer ORDER BY decided DESC, reviewer")
    actions = {r[0]: r[1] for r in store._q("SELECT reviewer, count(*) FROM reviews GROUP BY reviewer")}
    return [{"reviewer": r["reviewer"], "decided": r["decided"], "overridden": r["overridden"] or 0,
             "actions": actions.get(r["reviewer"], 0)} for r in rows]


DECISION_ACTIONS = ("choose", "reject", "swap", "tie", "skip", "accept", "bulk_accept", "pick")


def reviewer_decisions(store: Store) -> dict[str, dict[str, tuple[str, str | None]]]:
    """{reviewer: {seed_id: (status, chosen_id)}}: each reviewer's latest decision per seed, from the audit
    log (the pair row keeps only the last reviewer's; the log keeps everyone's). Undone actions are dropped."""
    out: dict[str, dict[str, tuple[str, str | None]]] = {}
    seeds: dict[str, list[Any]] = {}
    for r in store._q("SELECT seed_id, reviewer, action, after FROM reviews ORDER BY seed_id, id"):
        seeds.setdefault(r["seed_id"], []).append(r)
    for sid, rows in seeds.items():
        undone = sum(1 for r in rows if r["action"] == "undo")
        acts = [r for r in rows if r["action"] != "undo"]
        for r in acts[: max(0, len(acts) - undone)]:
            if r["action"] in DECISION_ACTIONS and r["after"]:
                after = json.loads(r["after"])
                out.setdefault(r["reviewer"], {})[sid] = (after.get("status"), after.get("chosen_id"))
    return out
