"""The one interface every provider implements, and helpers they share."""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kcc_llm.errors import ProviderError
from kcc_llm.spec import ModelSpec
from kcc_llm.structured import schema_instruction
from kcc_llm.types import LLMRequest, Usage


class ProviderResult(BaseModel):
    """What a provider returns for one successful HTTP/model call (before validation against a schema)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str = ""
    data: Any = None  # natively parsed structured value (pydantic instance or dict), if any
    native_error: str | None = None  # the provider's own parse failed (the text is kept for extraction)
    usage: Usage = Field(default_factory=Usage)
    raw: dict[str, Any] | None = None


class Provider(ABC):
    """Turns an LLMRequest into one model call. Raises on failure (the client classifies and retries)."""

    native_structured: bool = False
    supports_batch: bool = False

    def __init__(self, spec: ModelSpec, *, timeout: float = 120.0) -> None:
        self.spec = spec
        self.timeout = timeout

    @abstractmethod
    async def generate(self, req: LLMRequest) -> ProviderResult: ...

    def sent_params(self, req: LLMRequest) -> dict[str, Any]:
        """The generation parameters this provider actually sends (provenance and cache key)."""
        return req.params()

    def system_for(self, req: LLMRequest) -> str | None:
        """System prompt, plus the JSON-schema instruction when the provider cannot enforce the schema."""
        if req.schema is not None and not self.native_structured:
            extra = schema_instruction(req.schema)
            return f"{req.system}\n\n{extra}" if req.system else extra
        return req.system

    async def aclose(self) -> None:
        return None


def env_key(var: str, *, required: bool = True, default: str | None = None) -> str | None:
    val = os.environ.get(var) or default
    if required and not val:
        raise ProviderError("auth", f"{var} is not set (API keys are read from the environment only)")
    return val


def empty_reply(stop: Any) -> ProviderError:
    """A 200 reply with no answer text in it (stored as a candidate it would pass for an empty answer).
    `stop` is the provider's finish/stop reason; running out of tokens gets a hint, since reasoning models
    can spend the whole max_tokens budget before writing anything."""
    hint = ""
    if stop in ("length", "max_tokens", "max_output_tokens"):
        hint = ": the token limit ran out before any answer text (reasoning models can use it all; raise max_tokens)"
    return ProviderError("empty_response", f"the model returned no text (stop reason {stop or 'not given'}){hint}")


def body_json(http_response: Any) -> dict[str, Any]:
    """Decode a raw HTTP body; malformed JSON raises json.JSONDecodeError (classified as retryable)."""
    data = json.loads(http_response.text)
    if not isinstance(data, dict):
        raise json.JSONDecodeError("expected a JSON object", http_response.text, 0)
    return data
