"""OpenAI Responses API (`openai-responses:<model>`), native structured output via responses.parse."""

from __future__ import annotations

import os
from typing import Any

from kcc_llm.providers.base import Provider, ProviderResult, body_json, empty_reply, env_key
from kcc_llm.spec import ModelSpec
from kcc_llm.types import LLMRequest, Usage


class OpenAIResponsesProvider(Provider):
    native_structured = True
    supports_batch = True
    batch_endpoint = "/v1/responses"

    def __init__(self, spec: ModelSpec, *, timeout: float = 120.0) -> None:
        super().__init__(spec, timeout=timeout)
        from openai import AsyncOpenAI

        self.client = AsyncOpenAI(
            api_key=env_key("OPENAI_API_KEY"),
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            max_retries=0,
            timeout=timeout,
        )

    def sent_params(self, req: LLMRequest) -> dict[str, Any]:
        p: dict[str, Any] = {"max_output_tokens": req.max_tokens}
        if req.temperature is not None:
            p["temperature"] = req.temperature
        return p

    def _kwargs(self, req: LLMRequest) -> dict[str, Any]:
        kw: dict[str, Any] = {"model": self.spec.name, "input": list(req.messages), **self.sent_params(req)}
        system = self.system_for(req)
        if system:
            kw["instructions"] = system
        return kw

    def batch_body(self, req: LLMRequest) -> dict[str, Any]:
        body = self._kwargs(req)
        if req.schema is not None:
            from openai.lib._parsing._responses import type_to_text_format_param

            body["text"] = {"format": type_to_text_format_param(req.schema)}
        return body

    @staticmethod
    def parse_body(body: dict[str, Any]) -> ProviderResult:
        texts = []
        for item in body.get("output") or []:
            if item.get("type") != "message":
                continue
            for part in item.get("content") or []:
                if part.get("type") in ("output_text", "refusal"):
                    texts.append(part.get("text") or part.get("refusal") or "")
        if not "".join(texts):
            reason = (body.get("incomplete_details") or {}).get("reason")
            raise empty_reply(reason or body.get("status"))
        u = body.get("usage") or {}
        usage = Usage(prompt_tokens=u.get("input_tokens") or 0, completion_tokens=u.get("output_tokens") or 0)
        return ProviderResult(text="".join(texts), usage=usage, raw=body)

    async def generate(self, req: LLMRequest) -> ProviderResult:
        if req.schema is not None:
            raw = await self.client.responses.with_raw_response.parse(text_format=req.schema, **self._kwargs(req))
            result = self.parse_body(body_json(raw.http_response))
            try:
                result.data = raw.parse().output_parsed
            except Exception as e:  # keep the text; the client extracts/repairs
                result.native_error = f"{type(e).__name__}: {e}"
            return result
        raw = await self.client.responses.with_raw_response.create(**self._kwargs(req))
        return self.parse_body(body_json(raw.http_response))

    async def aclose(self) -> None:
        await self.client.close()
