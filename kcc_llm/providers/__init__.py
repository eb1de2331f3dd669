"""Model providers behind one interface; `make_provider(spec)` picks the class for a model string."""

from __future__ import annotations

from kcc_llm.providers.base import Provider, ProviderResult
from kcc_llm.spec import ModelSpec


def make_provider(spec: ModelSpec, *, timeout: float = 120.0, anthropic_structured: str = "output_format") -> Provider:
    if spec.kind == "openai":
        from kcc_llm.providers.openai_chat import OpenAIChatProvider

        return OpenAIChatProvider(spec, timeout=timeout)
    if spec.kind == "openai-responses":
        from kcc_llm.providers.openai_responses import OpenAIResponsesProvider

        return OpenAIResponsesProvider(spec, timeout=timeout)
    if spec.kind == "anthropic":
        from kcc_llm.providers.anthropic_messages import AnthropicProvider

        return AnthropicProvider(spec, timeout=timeout, structured=anthropic_structured)  # type: ignore[arg-type]
    if spec.kind == "compat":
        from kcc_llm.providers.openai_chat import CompatProvider

        return CompatProvider(spec, timeout=timeout)
    from kcc_llm.providers.local import LocalProvider

    return LocalProvider(spec, timeout=timeout)


__all__ = ["Provider", "ProviderResult", "make_provider"]
