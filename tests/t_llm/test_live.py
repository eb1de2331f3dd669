"""Opt-in live API checks (paid): run with KCC_LIVE=1 and real keys; skipped otherwise."""

from __future__ import annotations

import os

import pytest
from pydantic import BaseModel

from kcc_llm import LLMClient, LLMRequest

pytestmark = pytest.mark.live


class Answer(BaseModel):
    answer: str


def _need(var: str) -> None:
    if os.environ.get("KCC_LIVE") != "1" or not os.environ.get(var):
        pytest.skip(f"live test: set KCC_LIVE=1 and {var}")


@pytest.mark.parametrize("model,var", [
    (os.environ.get("KCC_LIVE_OPENAI_MODEL", "openai:gpt-4o-mini"), "OPENAI_API_KEY"),
    (os.environ.get("KCC_LIVE_ANTHROPIC_MODEL", "anthropic:claude-haiku-4-5"), "ANTHROPIC_API_KEY"),
])
async def test_live_structured(model, var):
    _need(var)
    async with LLMClient() as client:
        c = await client.complete(LLMRequest(model=model, messages=[{"role": "user", "content": "한국의 수도는?"}],
                                             schema=Answer, max_tokens=200, temperature=0))
    assert c.ok, c.error
    assert "서울" in c.parsed.answer
