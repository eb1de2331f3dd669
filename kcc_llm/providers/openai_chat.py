"""OpenAI chat completions, and any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, SGLang)."""

from __future__ import annotations

import os
from typing import Any

from kcc_llm.providers.base import Provider, ProviderResult, body_json, empty_reply, env_key
from kcc_llm.spec import ModelSpec
from kcc_llm.types import LLMRequest, Usage


class OpenAIChatProvider(Provider):
    """`openai:<model>`: chat.completions, native structured output via chat.completions.parse."""

    native_structured = True
    supports_batch = True
    batch_endpoint = "/v1/chat/completions"
    max_tokens_field = "max_completion_tokens"

    def __init__(self, spec: ModelSpec, *, timeout: float = 120.0) -> None:
        super().__init__(spec, timeout=timeout)
        from openai import AsyncOpenAI

        self.client = AsyncOpenAI(
            api_key=self._api_key(), base_url=self._base_url(), max_retries=0, timeout=timeout
        )

    def _api_key(self) -> str | None:
        return env_key("OPENAI_API_KEY")

    def _base_url(self) -> str | None:
        return os.environ.get("OPENAI_BASE_URL") or None

    def sent_params(self, req: LLMRequest) -> dict[str, Any]:
        p: dict[str, Any] = {self.max_tokens_field: req.max_tokens}
        if req.temperature is not None:
            p["temperature"] = req.temperature
        return p

    def messages_for(self, req: LLMRequest) -> list[dict[str, Any]]:
        system = self.system_for(req)
        return ([{"role": "system", "content": system}] if system else []) + list(req.messages)

    def batch_body(self, req: LLMRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.spec.name, "messages": self.messages_for(req), **self.sent_params(req)}
        if req.schema is not None and self.native_structured:
            from openai.lib._parsing._completions import type_to_response_format_param

            body["response_format"] = type_to_response_format_param(req.schema)
        return body

    @staticmethod
    def parse_body(body: dict[str, Any]) -> ProviderResult:
        choices = body.get("choices") or []
        choice = (choices[0] or {}) if choices else {}
        msg = choice.get("message") or {}
        text = msg.get("content") or msg.get("refusal") or ""
        if not text:
            raise empty_reply(choice.get("finish_reason"))
        u = body.get("usage") or {}
        usage = Usage(prompt_tokens=u.get("prompt_tokens") or 0, completion_tokens=u.get("completion_tokens") or 0)
        return ProviderResult(text=text, usage=usage, raw=body)

    async def generate(self, req: LLMRequest) -> ProviderResult:
        kwargs = {"model": self.spec.name, "messages": self.messages_for(req), **self.sent_params(req)}
        if req.schema is not None and self.native_structured:
            raw = await self.client.chat.completions.with_raw_response.parse(response_format=req.schema, **kwargs)
            result = self.parse_body(body_json(raw.http_response))
            try:
                result.data = raw.parse().choices[0].message.parsed
            except Exception as e:  # validation of the model's JSON failed: keep the text, repair later
                result.native_error = f"{type(e).__name__}: {e}"
            return result
        raw = await self.client.chat.completions.with_raw_response.create(**kwargs)
        return self.parse_body(body_json(raw.http_response))

    async def aclose(self) -> None:
        await self.client.close()


class CompatProvider(OpenAIChatProvider):
    """`compat:http://host:port/v1#model`: an OpenAI-compatible server. Structured output by JSON extraction
    (servers differ in response_format support); key from KCC_COMPAT_API_KEY if the server wants one."""

    native_structured = False
    supports_batch = False
    max_tokens_field = "max_tokens"

    def _api_key(self) -> str | None:
        return env_key("KCC_COMPAT_API_KEY", required=False, default="not-needed")

    def _base_url(self) -> str | None:
        return self.spec.base_url
