"""Cheap token estimates (no tokenizer download) for pre-run cost estimates and the budget guard.

Korean is token-hungry: current BPE vocabularies spend roughly one token per Hangul syllable, while
Latin text averages about four characters per token. The estimate errs on the high side.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from kcc_llm.pricing import price_for
from kcc_llm.spec import parse_model_spec
from kcc_llm.types import LLMRequest, Usage

MESSAGE_OVERHEAD = 4  # role markers etc. per message
EXPECTED_COMPLETION_SHARE = 0.5  # expected completion length as a share of max_tokens


def estimate_tokens(text: str) -> int:
    """Tokens of a text: 1 per Hangul/CJK char, 1 per 4 other non-space chars, 1 per 4 whitespace."""
    wide = other = space = 0
    for ch in text:
        o = ord(ch)
        if 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0x4E00 <= o <= 0x9FFF:
            wide += 1
        elif ch.isspace():
            space += 1
        else:
            other += 1
    return wide + (other + 3) // 4 + space // 4


def estimate_prompt_tokens(req: LLMRequest) -> int:
    n = estimate_tokens(req.system or "") + MESSAGE_OVERHEAD
    for m in req.messages:
        content = m.get("content")
        n += MESSAGE_OVERHEAD + estimate_tokens(content if isinstance(content, str) else json.dumps(content))
    if req.schema is not None:
        n += estimate_tokens(json.dumps(req.schema.model_json_schema()))
    return n


def estimate_usage(req: LLMRequest, *, worst_case: bool = False) -> Usage:
    share = 1.0 if worst_case else EXPECTED_COMPLETION_SHARE
    return Usage(prompt_tokens=estimate_prompt_tokens(req), completion_tokens=int(req.max_tokens * share))


class RunEstimate(BaseModel):
    """What a run would cost before it starts (printed by `kcc generate ... ` and `kcc generate estimate`)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0  # expected (completion = half of max_tokens)
    cost_usd_max: float = 0.0  # every completion at max_tokens
    by_model: dict[str, dict[str, float]] = Field(default_factory=dict)
    unpriced_models: list[str] = Field(default_factory=list)

    def line(self) -> str:
        warn = f"; no price for {', '.join(self.unpriced_models)} (counted as $0)" if self.unpriced_models else ""
        return (
            f"estimate: {self.calls} calls, ~{self.prompt_tokens:,} prompt + ~{self.completion_tokens:,} completion "
            f"tokens, ~${self.cost_usd:.4f} (at most ${self.cost_usd_max:.4f}){warn}"
        )


def estimate_requests(
    requests: Sequence[LLMRequest], overrides: Mapping[str, Sequence[float]] | None = None
) -> RunEstimate:
    est = RunEstimate()
    for req in requests:
        spec = parse_model_spec(req.model)
        usage = estimate_usage(req)
        price = price_for(spec, overrides)
        row = est.by_model.setdefault(req.model, {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0})
        est.calls += 1
        est.prompt_tokens += usage.prompt_tokens
        est.completion_tokens += usage.completion_tokens
        row["calls"] += 1
        row["prompt_tokens"] += usage.prompt_tokens
        row["completion_tokens"] += usage.completion_tokens
        if price is None:
            if req.model not in est.unpriced_models:
                est.unpriced_models.append(req.model)
            continue
        cost = (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6
        est.cost_usd += cost
        est.cost_usd_max += (usage.prompt_tokens * price.input + req.max_tokens * price.output) / 1e6
        row["cost_usd"] += cost
    return est
