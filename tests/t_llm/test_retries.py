"""Faults over real HTTP: 429 with retry-after(-ms), 500, malformed bodies, timeouts, bounded retries."""

from __future__ import annotations

import time

from db.config import ProviderLimits
from kcc_llm import LLMClient, LLMRequest, LLMSettings
from kcc_llm.testing.fake_server import FakeReply

FAST = LLMSettings(backoff_base_s=0.01, backoff_max_s=0.05)


def _req(text: str = "질문") -> LLMRequest:
    return LLMRequest(model="openai:gpt-4o-mini", messages=[{"role": "user", "content": text}])


async def test_429_retry_after_ms_is_honoured(llm_env):
    llm_env.enqueue(FakeReply(status=429, headers={"retry-after-ms": "300"}))
    async with LLMClient(settings=FAST) as client:
        t0 = time.monotonic()
        c = await client.complete(_req())
        waited = time.monotonic() - t0
    assert c.ok and c.attempts == 2 and client.stats.rate_limited == 1 and client.stats.retries == 1
    assert waited >= 0.3
    first, second = llm_env.model_requests()
    assert second.at - first.at >= 0.3


async def test_429_retry_after_seconds(llm_env):
    llm_env.enqueue(FakeReply(status=429, headers={"retry-after": "1"}, error_message="slow down"))
    async with LLMClient(settings=FAST) as client:
        c = await client.complete(_req("anthropic"))
    first, second = llm_env.model_requests()
    assert c.ok and second.at - first.at >= 1.0


async def test_server_errors_and_malformed_bodies_are_retried(llm_env):
    llm_env.enqueue(FakeReply(status=500), FakeReply(status=529), FakeReply(body=b'{"choices": [oops'))
    async with LLMClient(settings=FAST) as client:
        c = await client.complete(_req())
    assert c.ok and c.attempts == 4 and client.stats.retries == 3


async def test_timeout_then_success(llm_env):
    llm_env.enqueue(FakeReply(delay_s=1.5))
    settings = FAST.model_copy(update={"default_limits": ProviderLimits(timeout_s=0.4, max_retries=2)})
    async with LLMClient(settings=settings) as client:
        t0 = time.monotonic()
        c = await client.complete(_req())
    assert c.ok and c.attempts == 2 and time.monotonic() - t0 < 1.4


async def test_retries_are_bounded_and_reason_kept(llm_env):
    llm_env.enqueue(*[FakeReply(status=503, error_message="backend down")] * 5)
    settings = FAST.model_copy(update={"max_retries": 2})
    async with LLMClient(settings=settings) as client:
        c = await client.complete(_req())
    assert not c.ok and c.error_kind == "server" and "503" in c.error and "backend down" in c.error
    assert c.attempts == 3 and llm_env.count() == 3


async def test_client_errors_are_not_retried(llm_env):
    llm_env.enqueue(FakeReply(status=400, error_message="bad parameter"), FakeReply(status=401))
    async with LLMClient(settings=FAST) as client:
        bad = await client.complete(_req("a"))
        auth = await client.complete(_req("b"))
    assert bad.error_kind == "bad_request" and bad.attempts == 1
    assert auth.error_kind == "auth" and llm_env.count() == 2
