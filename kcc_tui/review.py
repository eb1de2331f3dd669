"""What each review key does to a pair, as pure planning functions plus one `apply` that writes it.

Kept free of Textual so the rules (e.g. choosing the current rejected answer swaps the pair) are unit-tested
directly, and the screen stays a thin key -> plan -> store.apply_review layer.
"""

from __future__ import annotations

from pydantic import BaseModel

from db.models import Pair, Review
from db.store import Store

REVIEWER_FLAG = "reviewer"


class ReviewPlan(BaseModel):
    """Arguments of one store.apply_review call (None = keep the current value)."""

    action: str
    chosen_id: str | None = None
    rejected_id: str | None = None
    status: str | None = None
    flags: list[str] | None = None
    reason: str | None = None


class ReviewError(ValueError):
    """The key cannot apply to this seed (e.g. fewer than two candidates); the message says why."""


class NeedPick(ReviewError):
    """One answer was picked but nothing says which other answer it is compared with: ask the reviewer."""

    def __init__(self, role: str, picked: str, options: list[str]) -> None:
        super().__init__(f"pick the {role} answer")
        self.role, self.picked, self.options = role, picked, options


def _only_other(candidates: list[str], picked: str, role: str) -> str:
    """The other answer when there is exactly one; else the reviewer must say which (NeedPick)."""
    others = [c for c in candidates if c != picked]
    if not others:
        raise ReviewError("a pair needs at least two candidates")
    if len(others) == 1:
        return others[0]
    raise NeedPick(role, picked, others)


def plan_pick(chosen: str, rejected: str) -> ReviewPlan:
    """Both answers named by the reviewer (after NeedPick)."""
    return ReviewPlan(action="choose", chosen_id=chosen, rejected_id=rejected, status="pair")


def plan_choose(pair: Pair | None, candidates: list[str], index: int,
                totals: dict[str, float | None] | None = None) -> ReviewPlan:
    """Candidate `index` becomes chosen; the rejected one stays unless it is the same answer, in which case
    the previous chosen (or the lowest-scored other) becomes rejected."""
    if not 0 <= index < len(candidates):
        raise ReviewError(f"no candidate {index + 1}")
    chosen = candidates[index]
    rejected = pair.rejected_id if pair else None
    if rejected is None or rejected == chosen or rejected not in candidates:
        prev = pair.chosen_id if pair else None
        if prev and prev != chosen and prev in candidates:
            rejected = prev
        else:
            rejected = _only_other(candidates, chosen, "rejected")
    return ReviewPlan(action="choose", chosen_id=chosen, rejected_id=rejected, status="pair")


def plan_reject(pair: Pair | None, candidates: list[str], index: int,
                totals: dict[str, float | None] | None = None) -> ReviewPlan:
    """Candidate `index` becomes rejected (mirror of plan_choose)."""
    if not 0 <= index < len(candidates):
        raise ReviewError(f"no candidate {index + 1}")
    rejected = candidates[index]
    chosen = pair.chosen_id if pair else None
    if chosen is None or chosen == rejected or chosen not in candidates:
        prev = pair.rejected_id if pair else None
        if prev and prev != rejected and prev in candidates:
            chosen = prev
        else:
            chosen = _only_other(candidates, rejected, "chosen")
    return ReviewPlan(action="reject", chosen_id=chosen, rejected_id=rejected, status="pair")


def plan_swap(pair: Pair | None) -> ReviewPlan:
    if pair is None or not pair.chosen_id or not pair.rejected_id:
        raise ReviewError("nothing to swap: no chosen/rejected pair yet")
    return ReviewPlan(action="swap", chosen_id=pair.rejected_id, rejected_id=pair.chosen_id, status="pair")


def plan_tie() -> ReviewPlan:
    return ReviewPlan(action="tie", status="tie")


def plan_skip() -> ReviewPlan:
    return ReviewPlan(action="skip", status="skip")


def plan_flag(pair: Pair | None) -> ReviewPlan:
    """Toggle the reviewer flag (other flags, e.g. the judge's low_margin, are kept)."""
    flags = list(pair.flags) if pair else []
    if REVIEWER_FLAG in flags:
        return ReviewPlan(action="unflag", flags=[f for f in flags if f != REVIEWER_FLAG])
    return ReviewPlan(action="flag", flags=[*flags, REVIEWER_FLAG])


def plan_reason(text: str, pair: Pair | None = None) -> ReviewPlan:
    """The reason of the reviewer's decision; before any decision it is a note (not a decision itself) that
    becomes the reason of the next one."""
    text = text.strip()
    if not text:
        raise ReviewError("empty reason")
    return ReviewPlan(action="reason" if pair is not None and pair.source == "human" else "note", reason=text)


def apply(store: Store, seed_id: str, reviewer: str, plan: ReviewPlan) -> Review | None:
    """Write one planned action (atomic; appended to the audit log with the reviewer and time); None when it
    changes nothing (then nothing is written)."""
    return store.apply_review(seed_id, reviewer, plan.action, **plan.model_dump(exclude={"action"}))


def plan_accept(pair: Pair | None) -> ReviewPlan:
    """Confirm the judge's own choice (recorded as a human decision that agrees with the judge)."""
    if pair is None or not pair.judge_chosen_id or not pair.judge_rejected_id:
        raise ReviewError("no judge pair to accept")
    return ReviewPlan(action="accept", chosen_id=pair.judge_chosen_id, rejected_id=pair.judge_rejected_id,
                      status="pair")
