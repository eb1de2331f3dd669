"""Limits, retry policy and price overrides for kcc_llm, built from the KCC config (kcc_settings.Settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kcc_llm.spec import ModelSpec
from kcc_settings import ProviderLimits


class LLMSettings(BaseModel):
    limits: dict[str, ProviderLimits] = Field(
        default_factory=dict, description="per provider: openai, anthropic, compat, local, or compat:host:port"
    )
    default_limits: ProviderLimits = Field(default_factory=ProviderLimits)
    concurrency: int | None = Field(None, description="override the concurrency of every provider")
    timeout_s: float | None = Field(None, description="override every provider's per-request timeout")
    max_retries: int | None = Field(None, description="override every provider's retry count")
    prices: dict[str, list[float]] = Field(default_factory=dict, description="model -> [input, output] USD/1M")
    backoff_base_s: float = Field(0.5, description="first retry waits up to this long (exponential, jittered)")
    backoff_max_s: float = Field(30.0, description="longest wait between retries when no retry-after is given")
    repair: bool = Field(True, description="one repair retry when structured output fails validation")
    anthropic_structured: Literal["output_format", "tool"] = "output_format"

    def limits_for(self, spec: ModelSpec) -> ProviderLimits:
        base = self.limits.get(spec.limit_key) or self.limits.get(spec.limit_family) or self.default_limits
        update = {}
        if self.concurrency is not None:
            update["concurrency"] = self.concurrency
        if self.timeout_s is not None:
            update["timeout_s"] = self.timeout_s
        if self.max_retries is not None:
            update["max_retries"] = self.max_retries
        return base.model_copy(update=update) if update else base

    @classmethod
    def from_config(cls, **overrides: object) -> LLMSettings:
        """Limits and prices from kcc.toml / KCC_* env, then explicit overrides (None values ignored)."""
        from kcc_settings import settings

        cfg = settings()
        data: dict[str, object] = {"limits": dict(cfg.limits), "prices": dict(cfg.prices)}
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(data)
