"""kcc_llm: model providers, structured output, cache, concurrency, retries, batch APIs and cost.

    async with LLMClient(store, run_id=run.id) as client:
        c = await client.complete(LLMRequest(model="openai:gpt-4o-mini", messages=[...], schema=MyModel))
"""

from kcc_llm.budget import Budget
from kcc_llm.client import ClientStats, LLMClient
from kcc_llm.estimate import RunEstimate, estimate_requests, estimate_tokens
from kcc_llm.settings import LLMSettings
from kcc_llm.spec import ModelSpec, parse_model_spec
from kcc_llm.types import Completion, LLMRequest, Usage

__all__ = [
    "Budget",
    "ClientStats",
    "Completion",
    "LLMClient",
    "LLMRequest",
    "LLMSettings",
    "ModelSpec",
    "RunEstimate",
    "Usage",
    "estimate_requests",
    "estimate_tokens",
    "parse_model_spec",
]
