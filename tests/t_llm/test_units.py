"""Pure parts: model strings, JSON extraction, pricing, estimates, redaction, the adaptive limiter."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from kcc_llm.estimate import estimate_requests, estimate_tokens
from kcc_llm.limiter import AdaptiveLimiter
from kcc_llm.pricing import cost_usd, price_for
from kcc_llm.redact import redact
from kcc_llm.spec import parse_model_spec
from kcc_llm.structured import extract_json, parse_structured, repair_messages
from kcc_llm.types import LLMRequest, Usage


class Out(BaseModel):
    prompts: list[str]


def test_parse_model_spec_formats():
    s = parse_model_spec("openai:gpt-4o-mini")
    assert (s.kind, s.name, s.limit_key) == ("openai", "gpt-4o-mini", "openai")
    assert parse_model_spec("openai-responses:gpt-5").limit_key == "openai"
    a = parse_model_spec("anthropic:claude-sonnet-4-5")
    assert (a.kind, a.name) == ("anthropic", "claude-sonnet-4-5")
    c = parse_model_spec("compat:http://gpu1:8000/v1#Qwen/Qwen3-8B")
    assert (c.kind, c.name, c.base_url, c.limit_key) == ("compat", "Qwen/Qwen3-8B", "http://gpu1:8000/v1", "compat:gpu1:8000")
    loc = parse_model_spec("local:/models/my-dpo")
    assert (loc.kind, loc.name) == ("local", "/models/my-dpo")


@pytest.mark.parametrize("bad", ["gpt-4o", "foo:bar", "compat:http://x:8000/v1", "compat:nourl#m", "openai:"])
def test_parse_model_spec_rejects(bad):
    with pytest.raises(ValueError, match="model"):
        parse_model_spec(bad)


def test_extract_json_variants():
    assert extract_json('{"prompts": ["가"]}') == {"prompts": ["가"]}
    fenced = '설명입니다.\n```json\n{"prompts": ["나", "다"]}\n```\n끝'
    assert extract_json(fenced) == {"prompts": ["나", "다"]}
    braces = '앞말 {"prompts": ["괄호 } 안 {문자열}"]} 뒷말'
    assert extract_json(braces) == {"prompts": ["괄호 } 안 {문자열}"]}
    assert extract_json("JSON이 없습니다") is None


def test_parse_structured_reasons():
    ok, err = parse_structured('결과: {"prompts": ["하나"]}', Out)
    assert ok == Out(prompts=["하나"]) and err is None
    none, err = parse_structured("그냥 글", Out)
    assert none is None and "no JSON" in err
    none, err = parse_structured('{"items": []}', Out)
    assert none is None and "prompts" in err
    msgs = repair_messages([{"role": "user", "content": "q"}], "bad", "prompts: Field required")
    assert msgs[-2] == {"role": "assistant", "content": "bad"} and "prompts: Field required" in msgs[-1]["content"]


def test_pricing_table_overrides_and_unknown():
    spec = parse_model_spec("openai:gpt-4o-mini-2024-07-18")
    assert price_for(spec).input == 0.15  # longest prefix wins over gpt-4o
    cost, known = cost_usd(spec, Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000))
    assert known and cost == pytest.approx(0.75)
    batch_cost, _ = cost_usd(spec, Usage(prompt_tokens=1_000_000), batch=True)
    assert batch_cost == pytest.approx(0.075)
    unknown = parse_model_spec("openai:mystery-model")
    assert cost_usd(unknown, Usage(prompt_tokens=10)) == (0.0, False)
    assert price_for(unknown, {"mystery-model": [1.0, 2.0]}).source == "config"
    assert price_for(parse_model_spec("compat:http://h:1/v1#m")).source == "self-hosted"


def test_korean_token_estimate_is_per_syllable():
    assert estimate_tokens("안녕하세요") == 5
    assert estimate_tokens("hello world!") == 3 + 0  # 11 non-space chars / 4 rounded up, 1 space / 4
    req = LLMRequest(model="openai:gpt-4o", messages=[{"role": "user", "content": "가" * 100}], max_tokens=200)
    est = estimate_requests([req, req])
    assert est.calls == 2 and est.prompt_tokens >= 200 and est.completion_tokens == 200
    assert est.cost_usd > 0 and est.cost_usd_max > est.cost_usd
    assert estimate_requests([req.model_copy(update={"model": "anthropic:nope"})]).unpriced_models == ["anthropic:nope"]


def test_redact_hides_env_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "zz-custom-key-123456")
    assert redact("bad key zz-custom-key-123456 here") == "bad key *** here"
    assert "sk-abcdefghijkl" not in redact("Authorization: Bearer sk-abcdefghijkl")


async def test_limiter_bounds_concurrency_and_adapts():
    lim = AdaptiveLimiter(4)
    active, peak = 0, 0

    async def job():
        nonlocal active, peak
        async with lim.slot():
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1
            lim.on_success()

    await asyncio.gather(*(job() for _ in range(40)))
    assert peak == 4
    lim.on_rate_limited(0.05)
    assert lim.limit == 3
    lim.on_rate_limited(0.05)  # the same overload: no second cut inside the window
    assert lim.limit == 3
    loop = asyncio.get_running_loop()
    assert lim.cooldown_until > loop.time()
    t0 = loop.time()
    async with lim.slot():
        pass
    assert loop.time() - t0 >= 0.03  # waited out the shared cooldown
    for _ in range(10):
        lim.on_success()
    assert lim.limit == 4
