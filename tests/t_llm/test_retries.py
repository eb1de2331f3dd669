"""Faults over real HTTP: 429 with retry-after(-ms), 500, malformed bodies, timeouts, bounded retries."""

from __future__ import annotations

import asyncio
import time

from kcc_llm import LLMClient, LLMRequest, LLMSettings
from kcc_settings import ProviderLimits
from kcc_testkit.fake_server import FakeReply

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


async def test_long_retry_after_fails_the_item_instead_of_parking_the_run(llm_env):
    # a daily-quota 429 says "come back in an hour": the SDKs give up above 120 s, so must we (no hour-long sleep)
    llm_env.enqueue(FakeReply(status=429, headers={"retry-after": "3600"}, error_message="daily limit reached"))
    async with LLMClient(settings=FAST) as client:
        t0 = time.monotonic()
        c = await asyncio.wait_for(client.complete(_req()), 10)
    assert time.monotonic() - t0 < 5
    assert not c.ok and c.error_kind == "rate_limit" and c.attempts == 1 and llm_env.count() == 1
    assert "3600 s" in c.error and "daily limit reached" in c.error


async def test_insufficient_quota_is_not_retried(llm_env):
    quota = {"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                       "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
    llm_env.enqueue(FakeReply(status=429, body=quota))
    async with LLMClient(settings=FAST) as client:
        c = await client.complete(_req())
    assert not c.ok and c.error_kind == "quota" and c.attempts == 1 and "exceeded your current quota" in c.error


async def test_x_should_retry_header_is_obeyed(llm_env):
    llm_env.enqueue(FakeReply(status=503, headers={"x-should-retry": "false"}, error_message="do not retry"),
                    FakeReply(status=400, headers={"x-should-retry": "true"}, error_message="try again"))
    async with LLMClient(settings=FAST) as client:
        no = await client.complete(_req("a"))
        yes = await client.complete(_req("b"))
    assert not no.ok and no.attempts == 1
    assert yes.ok and yes.attempts == 2


def test_unreadable_retry_after_ms_falls_back_to_retry_after():
    from kcc_llm.errors import parse_retry_after

    assert parse_retry_after({"retry-after-ms": "soon", "retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "garbage"}) is None


async def test_anthropic_529_overloaded_is_retried(llm_env):
    llm_env.enqueue(FakeReply(status=529, error_message="Overloaded", headers={"retry-after": "0"}))
    async with LLMClient(settings=FAST) as client:
        c = await client.complete(LLMRequest(model="anthropic:claude-haiku-4-5",
                                             messages=[{"role": "user", "content": "질문"}]))
    assert c.ok and c.attempts == 2
    first = llm_env.model_requests()[0]
    assert first.api == "anthropic.messages"
