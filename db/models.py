"""Pydantic records that cross the store's boundary.

Every table row the rest of KCC reads or writes has a model here, so callers never see SQL rows.
JSON columns (params, rubric, checks, flags, config) are plain dicts/lists in the models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Verdict = Literal["safe", "unsafe", "unscored"]
PairSource = Literal["judge", "human"]
RunKind = Literal["generate", "judge", "train", "eval", "export", "import"]
RunStatus = Literal["pending", "running", "done", "failed", "cancelled", "interrupted"]


def utcnow() -> str:
    """ISO-8601 UTC timestamp with seconds precision; the store's only time format."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Seed(BaseModel):
    id: str
    text: str
    category: str | None = None
    subcategory: str | None = None
    style: str | None = None  # direct, roleplay, ..., or an augmentation name
    source: str = "import"  # import | generated | eval
    generator_model: str | None = None
    prompt_hash: str | None = None
    policy_version: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    created_at: str = Field(default_factory=utcnow)


class Candidate(BaseModel):
    id: str
    seed_id: str
    text: str
    model: str = "unknown"
    provider: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    with_policy: bool = True
    policy_version: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    run_id: str | None = None
    created_at: str = Field(default_factory=utcnow)


class Judgment(BaseModel):
    id: int | None = None
    candidate_id: str
    run_id: str
    rubric: dict[str, Any] = Field(default_factory=dict)
    checks: dict[str, Any] = Field(default_factory=dict)
    total: float | None = None
    verdict: Verdict = "unscored"
    verdict_reason: str | None = None
    judge_model: str = "rules"
    rubric_version: str | None = None
    policy_version: str | None = None
    checks_version: str | None = None
    prompt_hash: str | None = None
    transcript: str | None = None
    created_at: str = Field(default_factory=utcnow)


class Pair(BaseModel):
    seed_id: str
    chosen_id: str | None = None
    rejected_id: str | None = None
    margin: float | None = None
    source: PairSource = "judge"
    status: Literal["pair", "tie", "skip", "no_pair"] = "pair"
    run_id: str | None = None
    flags: list[str] = Field(default_factory=list)
    reviewer: str | None = None
    reason: str | None = None
    # the judge's own choice, kept beside a human override so it stays visible
    judge_chosen_id: str | None = None
    judge_rejected_id: str | None = None
    judge_margin: float | None = None
    updated_at: str = Field(default_factory=utcnow)


class Review(BaseModel):
    id: int | None = None
    seed_id: str
    reviewer: str
    action: str  # a decision or flag/unflag/note/reason (db.decisions), or undo
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    created_at: str = Field(default_factory=utcnow)


class Run(BaseModel):
    id: str
    kind: RunKind
    status: RunStatus = "pending"
    config: dict[str, Any] = Field(default_factory=dict)
    progress_done: int = 0
    progress_total: int | None = None
    error: str | None = None
    pid: int | None = None
    parent_id: str | None = None  # e.g. the export a training run used
    summary: dict[str, Any] = Field(default_factory=dict)
    started_at: str = Field(default_factory=utcnow)
    finished_at: str | None = None
    updated_at: str = Field(default_factory=utcnow)
    host: str | None = None  # with pid: which process holds the run (db.runs)
    heartbeat_at: str | None = None


class Metric(BaseModel):
    run_id: str
    step: int
    name: str
    value: float
    created_at: str = Field(default_factory=utcnow)


class LogLine(BaseModel):
    run_id: str
    level: str = "info"
    message: str
    created_at: str = Field(default_factory=utcnow)


class LLMCall(BaseModel):
    """One provider call (or cache hit) for cost and token accounting."""

    run_id: str | None = None
    stage: str  # seeds | candidates | judge | eval
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cached: bool = False
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    created_at: str = Field(default_factory=utcnow)


class BatchJob(BaseModel):
    id: str  # provider's batch id
    provider: str
    run_id: str | None = None
    stage: str
    status: str = "submitted"
    request_count: int = 0
    meta: dict[str, Any] = Field(default_factory=dict)
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)


class EvalResult(BaseModel):
    run_id: str
    model: str
    benchmark: str  # cultural_safe_rate | over_refusal | kmmlu | haerae | kobest_* ...
    category: str = "all"
    metric: str = "accuracy"
    value: float
    n: int = 0
    ci_low: float | None = None
    ci_high: float | None = None
    created_at: str = Field(default_factory=utcnow)


class EvalItem(BaseModel):
    """One item's result in an eval run: `value` is 1/0 for accuracy-like metrics (acc, acc_norm, safe, refused)."""

    run_id: str
    role: str  # after | before
    model: str
    benchmark: str
    item_id: str
    metric: str
    value: float
    category: str = "all"


class ExportRecord(BaseModel):
    id: str
    path: str
    format: str
    filters: dict[str, Any] = Field(default_factory=dict)
    n_pairs: int = 0
    run_id: str | None = None
    created_at: str = Field(default_factory=utcnow)
