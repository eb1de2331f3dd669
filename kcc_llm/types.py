"""The request/response records of kcc_llm: one shape for every provider."""

from __future__ import annotations

import warnings
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


with warnings.catch_warnings():
    # `schema` is the name the rest of KCC uses; it shadows the deprecated BaseModel.schema() on purpose.
    warnings.simplefilter("ignore", UserWarning)

    class LLMRequest(BaseModel):
        """One model call. `schema` asks for structured output validated into that pydantic model."""

        model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

        model: str
        messages: list[dict[str, Any]]
        system: str | None = None
        temperature: float | None = 0.7
        max_tokens: int = 1024
        schema: type[BaseModel] | None = None
        stage: str = "misc"
        metadata: dict[str, Any] = Field(default_factory=dict)

        def params(self) -> dict[str, Any]:
            """Generation parameters that change the output (part of the cache key and provenance)."""
            return {"temperature": self.temperature, "max_tokens": self.max_tokens}


class Completion(BaseModel):
    """The outcome of one request: never an exception. `error` is set (and `error_kind`) when it failed;
    a structured request whose output never validated keeps the raw text in `text`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str = ""
    parsed: Any = None  # an instance of request.schema, or None
    error: str | None = None
    error_kind: str | None = None  # rate_limit, server, timeout, connection, malformed_response, parse, budget, ...
    raw: dict[str, Any] | None = None
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cached: bool = False
    model: str = ""
    provider: str = ""
    attempts: int = 0
    repaired: bool = False
    price_known: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None
