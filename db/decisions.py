"""What a reviewer's action means for a pair: the rules `Store.apply_review` enforces (docs/tui.md).

- A *decision* (choose, reject, swap, tie, skip, accept, bulk accept, pick) makes the pair the reviewer's:
  source 'human', the reviewer's name, and a margin computed from the reviewer's own pair with the judge's
  formula (chosen total minus rejected total, an unsafe rejected answer counting 0 against a chosen one that
  is not unsafe), from the latest judgments; negative when the reviewer prefers the lower-scored answer; None
  for ties, skips and unjudged answers.
- A flag or a note is not a decision: the pair keeps its source and margin; a note lives in the audit log
  (action 'note') and becomes the reason of the reviewer's next decision on that seed. A reason ('reason')
  explains a decision the reviewer made, so it needs one.
- An action that changes nothing writes nothing (no audit row).

Pure rules, no SQL: the store applies them inside its write transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DECISIONS = frozenset({"choose", "reject", "swap", "tie", "skip", "accept", "bulk_accept", "pick"})
NOT_DECISIONS = frozenset({"flag", "unflag", "reason", "note"})
ACTIONS = DECISIONS | NOT_DECISIONS
STATUSES = frozenset({"pair", "tie", "skip"})
# the pair fields an action can change: when none of them differs, the action is a no-change
COMPARED = ("chosen_id", "rejected_id", "status", "flags", "reason", "source", "margin", "reviewer")

Scored = tuple[float | None, str | None]  # (total, verdict) of an answer's latest judgment


def pair_margin(chosen: Scored, rejected: Scored) -> float | None:
    """The judge's margin formula (judge/combine.py) applied to a given (total, verdict) chosen/rejected."""
    (ct, cv), (rt, rv) = chosen, rejected
    if ct is None or rt is None:
        return None
    against = 0.0 if rv == "unsafe" and cv != "unsafe" else rt
    return round(ct - against, 4)


def effective(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Audit rows (oldest first) still in effect: each 'undo' cancels the latest remaining action
    (the rule of Store.undo_review)."""
    undone = sum(1 for r in rows if r["action"] == "undo")
    acts = [r for r in rows if r["action"] != "undo"]
    return acts[: max(0, len(acts) - undone)]


def pending_note(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """The note written since the reviewer's last decision, from a seed's audit rows (oldest first)."""
    note = None
    for r in effective(rows):
        if r["action"] == "note":
            note = r["reason"]
        elif r["action"] in DECISIONS:
            note = None
    return note
