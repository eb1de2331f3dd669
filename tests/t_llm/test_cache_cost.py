"""Cache in the store (a re-run makes zero calls), cost per call/run/stage, and the budget guard."""

from __future__ import annotations

from pydantic import BaseModel

from kcc_gen.generate import CandidateGenConfig, generate_candidates
from kcc_llm import Budget, LLMClient, LLMRequest, LLMSettings

from .conftest import seed_store


class Seeds(BaseModel):
    prompts: list[str]


def _req(text: str, **kw) -> LLMRequest:
    return LLMRequest(model="openai:gpt-4o-mini", messages=[{"role": "user", "content": text}], stage="judge", **kw)


async def test_cache_hit_makes_no_call_and_costs_nothing(llm_env, store):
    async with LLMClient(store, run_id="r1") as client:
        first = await client.complete(_req("캐시 질문", schema=Seeds))
    async with LLMClient(store, run_id="r2") as client:
        again = await client.complete(_req("캐시 질문", schema=Seeds))
        other = await client.complete(_req("캐시 질문", schema=Seeds, temperature=0.1))  # params are in the key
    assert first.ok and not first.cached and first.cost_usd > 0
    assert again.cached and again.cost_usd == 0 and again.parsed == first.parsed and again.text == first.text
    assert not other.cached and llm_env.count() == 2
    r2 = store.cost_summary("r2")["judge"]
    assert r2["calls"] == 2 and r2["cached"] == 1
    assert store.cost_summary("r1")["judge"]["cost_usd"] == first.cost_usd


async def test_no_cache_bypasses(llm_env, store):
    async with LLMClient(store) as client:
        await client.complete(_req("질문"))
    async with LLMClient(store, no_cache=True) as client:
        c = await client.complete(_req("질문"))
    assert not c.cached and llm_env.count() == 2


async def test_failed_calls_are_not_cached_but_recorded(llm_env, store):
    from kcc_testkit.fake_server import FakeReply

    llm_env.enqueue(FakeReply(status=400, error_message="nope"))
    async with LLMClient(store, run_id="r") as client:
        bad = await client.complete(_req("실패"))
        good = await client.complete(_req("실패"))
    assert not bad.ok and good.ok and not good.cached
    assert store.cost_summary("r")["judge"]["errors"] == 1


async def test_budget_refuses_new_calls(llm_env):
    budget = Budget(0.0001)
    async with LLMClient(budget=budget) as client:
        c = await client.complete(_req("가" * 10, max_tokens=4000))
    assert c.error_kind == "budget" and budget.exhausted and llm_env.count() == 0


async def test_candidates_budget_stops_run_cleanly(llm_env, store):
    seed_store(store, 30)
    settings = LLMSettings(prices={"m-priced": [100.0, 100.0]}, concurrency=2)
    cfg = CandidateGenConfig(models=["openai:m-priced"], max_tokens=20, budget_usd=1.0)
    s = await generate_candidates(store, cfg, settings=settings)
    assert s.status == "cancelled" and s.reason == "budget" and s.not_started > 0
    assert 0 < s.generated < 30 and s.generated + s.not_started == 30 and s.failed == 0
    assert s.cost_usd <= 1.0 and llm_env.count() == s.generated
    run = store.get_run(s.run_id)
    assert run.status == "cancelled" and run.error == "budget"
    assert store.cost_summary(s.run_id)["candidates"]["cost_usd"] == s.cost_usd
