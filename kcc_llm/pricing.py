"""USD per 1M tokens per model family, for cost accounting, estimates and --budget.

The table is a convenience, NOT a sourced fact: figures were copied from the providers' public price pages
as of PRICES_AS_OF and are marked unverified. Override any model in config (`prices` in kcc.toml:
model -> [input, output]); unknown hosted models cost 0 and are flagged (`price_known=False`).
Self-hosted models (compat:, local:) cost 0 unless overridden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from kcc_llm.spec import ModelSpec
from kcc_llm.types import Usage

PRICES_AS_OF = "2025-11 (unverified; check the provider's pricing page)"
BATCH_DISCOUNT = 0.5  # OpenAI Batch and Anthropic Message Batches bill half the online price


class Price(BaseModel):
    input: float  # USD per 1M prompt tokens
    output: float  # USD per 1M completion tokens
    source: str = "table"  # table | config | self-hosted


# family prefix -> (input, output); the longest matching prefix of the model name wins.
PRICE_TABLE: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o3": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "claude-opus-4-5": (5.00, 25.00),
    "claude-opus-4": (15.00, 75.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-3-7-sonnet": (3.00, 15.00),
}


def _lookup(name: str, table: Mapping[str, Sequence[float]]) -> tuple[str, Sequence[float]] | None:
    best = None
    for prefix, price in table.items():
        if name.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, price)
    return best


def price_for(spec: ModelSpec, overrides: Mapping[str, Sequence[float]] | None = None) -> Price | None:
    """The price of a model, or None when unknown (hosted model missing from table and config)."""
    overrides = overrides or {}
    for key in (spec.raw, spec.name):
        if key in overrides:
            inp, out = overrides[key]
            return Price(input=inp, output=out, source="config")
    hit = _lookup(spec.name, overrides)
    if hit:
        return Price(input=hit[1][0], output=hit[1][1], source="config")
    if spec.kind in ("compat", "local"):
        return Price(input=0.0, output=0.0, source="self-hosted")
    hit = _lookup(spec.name, PRICE_TABLE)
    if hit:
        return Price(input=hit[1][0], output=hit[1][1])
    return None


def cost_usd(
    spec: ModelSpec, usage: Usage, overrides: Mapping[str, Sequence[float]] | None = None, *, batch: bool = False
) -> tuple[float, bool]:
    """(cost in USD, price known?) for one call's usage."""
    price = price_for(spec, overrides)
    if price is None:
        return 0.0, False
    cost = (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1_000_000
    return cost * (BATCH_DISCOUNT if batch else 1.0), True
