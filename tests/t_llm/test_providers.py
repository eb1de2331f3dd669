"""Every provider through the real SDK over HTTP to the fake server: text, structured output, wire shapes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from kcc_llm import LLMClient, LLMRequest, LLMSettings
from kcc_testkit.fake_server import FakeReply

from .conftest import ANTHROPIC_KEY, OPENAI_KEY


class Seeds(BaseModel):
    prompts: list[str]


def _req(model: str, text: str = "안녕하세요", **kw) -> LLMRequest:
    return LLMRequest(model=model, messages=[{"role": "user", "content": text}], **kw)


@pytest.mark.parametrize(
    "model,api",
    [
        ("openai:gpt-4o-mini", "openai.chat"),
        ("openai-responses:gpt-4o-mini", "openai.responses"),
        ("anthropic:claude-haiku-4-5", "anthropic.messages"),
    ],
)
async def test_text_and_structured(llm_env, model, api):
    async with LLMClient() as client:
        c = await client.complete(_req(model, "보이스피싱 신고 방법", system="정책 프롬프트", temperature=0.3, max_tokens=77))
        assert c.ok and "보이스피싱" in c.text and c.usage.prompt_tokens > 0 and c.usage.completion_tokens > 0
        assert c.cost_usd > 0 and c.price_known and c.attempts == 1 and not c.cached
        r = llm_env.model_requests()[-1]
        assert r.api == api and r.system == "정책 프롬프트" and r.prompt == "보이스피싱 신고 방법"
        s = await client.complete(_req(model, "씨앗", schema=Seeds))
        assert s.ok and isinstance(s.parsed, Seeds) and len(s.parsed.prompts) == 3
        assert llm_env.model_requests()[-1].schema_mode in ("json_schema", "output_format")


async def test_wire_parameters(llm_env):
    async with LLMClient() as client:
        await client.complete(_req("openai:gpt-4o", temperature=0.2, max_tokens=55))
        await client.complete(_req("anthropic:claude-sonnet-4", temperature=0.2, max_tokens=66))
        await client.complete(_req("openai-responses:gpt-4o", max_tokens=44))
    chat, msg, resp = llm_env.model_requests()
    assert chat.body["max_completion_tokens"] == 55 and chat.body["temperature"] == 0.2
    assert msg.body["max_tokens"] == 66 and "temperature" not in msg.body  # not in anthropic 2.14's API
    assert resp.body["max_output_tokens"] == 44
    assert chat.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert msg.headers["authorization"] == f"Bearer {ANTHROPIC_KEY}" and "anthropic-version" in msg.headers
    assert chat.headers["x-stainless-retry-count"] == "0"  # SDK retries are off: we retry and count ourselves


async def test_anthropic_forced_tool_use(llm_env):
    settings = LLMSettings(anthropic_structured="tool")
    async with LLMClient(settings=settings) as client:
        c = await client.complete(_req("anthropic:claude-haiku-4-5", "씨앗", schema=Seeds))
    assert c.ok and isinstance(c.parsed, Seeds)
    r = llm_env.model_requests()[-1]
    assert r.schema_mode == "tool" and r.body["tool_choice"] == {"type": "tool", "name": "submit"}


async def test_compat_server_structured_by_extraction(llm_env, monkeypatch):
    monkeypatch.setenv("KCC_COMPAT_API_KEY", "compat-secret-key-99")
    model = llm_env.compat_model("Qwen/Qwen3-8B")
    llm_env.enqueue(FakeReply(text='네, 요청하신 JSON입니다:\n```json\n{"prompts": ["첫째", "둘째"]}\n```'))
    async with LLMClient() as client:
        c = await client.complete(_req(model, "씨앗", schema=Seeds))
        t = await client.complete(_req(model, "일반 질문", max_tokens=12))
    assert c.ok and c.parsed.prompts == ["첫째", "둘째"] and c.cost_usd == 0 and c.price_known
    first, second = llm_env.model_requests()
    assert "JSON schema" in first.system and "response_format" not in first.body
    assert first.model == "Qwen/Qwen3-8B" and second.body["max_tokens"] == 12
    assert first.headers["authorization"] == "Bearer compat-secret-key-99"
    assert t.ok and t.provider == "compat"


async def test_missing_key_is_an_item_error(fake, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
    async with LLMClient() as client:
        c = await client.complete(_req("openai:gpt-4o"))
    assert not c.ok and c.error_kind == "auth" and "OPENAI_API_KEY" in c.error
    assert fake.count() == 0


async def test_bad_model_string_is_an_item_error():
    async with LLMClient() as client:
        c = await client.complete(_req("gpt-4o"))
    assert c.error_kind == "bad_request" and "provider prefix" in c.error


@pytest.mark.parametrize("model", ["openai:gpt-4o", "anthropic:claude-haiku-4-5", "openai-responses:gpt-4o"])
async def test_repair_retry_fixes_bad_json(llm_env, model):
    llm_env.enqueue(FakeReply(text="죄송합니다, 형식을 못 지켰어요"), FakeReply(text='{"prompts": ["고친 답"]}'))
    async with LLMClient() as client:
        c = await client.complete(_req(model, "씨앗", schema=Seeds))
    assert c.ok and c.repaired and c.parsed.prompts == ["고친 답"] and c.attempts == 2
    repair = llm_env.model_requests()[-1]
    assert "could not be used" in repair.prompt and "no JSON" in repair.prompt


async def test_failed_parse_keeps_raw_text_and_never_raises(llm_env):
    llm_env.enqueue(FakeReply(text="첫 번째 엉터리"), FakeReply(text="두 번째 엉터리"))
    async with LLMClient() as client:
        c = await client.complete(_req("openai:gpt-4o", "씨앗", schema=Seeds))
    assert not c.ok and c.error_kind == "parse" and c.text == "두 번째 엉터리" and c.parsed is None
    assert "after repair" in c.error and c.usage.completion_tokens > 0


MODELS = ["openai:gpt-4o-mini", "openai-responses:gpt-5-mini", "anthropic:claude-haiku-4-5"]


@pytest.mark.parametrize("model", MODELS)
async def test_reply_without_text_is_an_item_error_not_an_empty_answer(llm_env, model):
    # a reasoning model that spends max_tokens thinking answers 200 with no text (chat finish_reason "length",
    # responses status "incomplete" with only a reasoning item, anthropic stop_reason "max_tokens")
    llm_env.enqueue(FakeReply(text="", finish_reason="length", completion_tokens=1024))
    async with LLMClient() as client:
        c = await client.complete(_req(model, max_tokens=1024))
    assert not c.ok and c.text == "" and c.error_kind == "empty_response" and c.attempts == 1
    assert "token limit ran out" in c.error and "raise max_tokens" in c.error


@pytest.mark.parametrize("model", MODELS)
async def test_truncated_and_refusal_replies_keep_their_text(llm_env, model):
    llm_env.enqueue(FakeReply(text="여기까지 답하다가", finish_reason="length"),
                    FakeReply(text="그 요청은 도와드릴 수 없습니다.", finish_reason="refusal"))
    async with LLMClient() as client:
        cut = await client.complete(_req(model, "a"))
        no = await client.complete(_req(model, "b"))
    assert cut.ok and cut.text == "여기까지 답하다가"
    assert no.ok and no.text == "그 요청은 도와드릴 수 없습니다."


async def test_batch_reply_without_text_fails_that_item(llm_env, store):
    from kcc_llm.batch import BatchItem, collect_job, poll_job, submit_batches

    llm_env.enqueue(FakeReply(text="", finish_reason="length"))
    items = [BatchItem(custom_id=f"i{i}", request=_req("openai-responses:gpt-5-mini", f"q{i}")) for i in range(2)]
    async with LLMClient(store) as client:
        (job,) = await submit_batches(client, items, stage="t")
        assert await poll_job(client, job) == "ended"
        got = dict(await collect_job(client, job))
    assert got["i0"].error_kind == "empty_response" and "max_output_tokens" in got["i0"].error and got["i1"].ok
