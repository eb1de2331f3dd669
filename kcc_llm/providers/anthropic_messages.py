"""Anthropic Messages (`anthropic:<model>`).

Structured output natively: the same `output_config.format` json_schema that messages.parse(output_format=...)
sends (built with the SDK's transform_schema), or forced tool use (`structured="tool"`). We call
messages.create through with_raw_response instead of .parse so the raw text is kept when validation fails.
anthropic 2.14 has no temperature parameter, so none is sent."""

from __future__ import annotations

import os
from typing import Any, Literal

from kcc_llm.providers.base import Provider, ProviderResult, body_json, empty_reply, env_key
from kcc_llm.spec import ModelSpec
from kcc_llm.types import LLMRequest, Usage

TOOL_NAME = "submit"


class AnthropicProvider(Provider):
    native_structured = True
    supports_batch = True

    def __init__(
        self, spec: ModelSpec, *, timeout: float = 120.0, structured: Literal["output_format", "tool"] = "output_format"
    ) -> None:
        super().__init__(spec, timeout=timeout)
        from anthropic import AsyncAnthropic

        self.structured = structured
        self.client = AsyncAnthropic(
            api_key=env_key("ANTHROPIC_API_KEY"),
            base_url=os.environ.get("ANTHROPIC_BASE_URL") or None,
            max_retries=0,
            timeout=timeout,
        )

    def sent_params(self, req: LLMRequest) -> dict[str, Any]:
        return {"max_tokens": req.max_tokens}

    def _kwargs(self, req: LLMRequest) -> dict[str, Any]:
        kw: dict[str, Any] = {"model": self.spec.name, "messages": list(req.messages), **self.sent_params(req)}
        system = self.system_for(req)
        if system:
            kw["system"] = system
        return kw

    def _tool(self, req: LLMRequest) -> dict[str, Any]:
        assert req.schema is not None
        return {
            "name": TOOL_NAME,
            "description": f"Submit the answer as {req.schema.__name__}.",
            "input_schema": req.schema.model_json_schema(),
        }

    def batch_body(self, req: LLMRequest) -> dict[str, Any]:
        body = self._kwargs(req)
        if req.schema is not None:
            if self.structured == "tool":
                body["tools"] = [self._tool(req)]
                body["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
            else:
                from anthropic.lib._parse._transform import transform_schema

                schema = transform_schema(req.schema.model_json_schema())
                body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return body

    @staticmethod
    def parse_body(body: dict[str, Any]) -> ProviderResult:
        texts, data = [], None
        for block in body.get("content") or []:
            if block.get("type") == "text":
                texts.append(block.get("text") or "")
            elif block.get("type") == "tool_use" and data is None:
                data = block.get("input")
        u = body.get("usage") or {}
        usage = Usage(prompt_tokens=u.get("input_tokens") or 0, completion_tokens=u.get("output_tokens") or 0)
        text = "".join(texts)
        if data is None and not text:
            raise empty_reply(body.get("stop_reason"))
        if data is not None and not text:
            import json

            text = json.dumps(data, ensure_ascii=False)
        return ProviderResult(text=text, data=data, usage=usage, raw=body)

    async def generate(self, req: LLMRequest) -> ProviderResult:
        # batch_body() carries the native structured-output request (output_config json_schema or a forced
        # tool); the raw body is decoded here so the text survives a failed validation (for the repair retry).
        kw = self.batch_body(req)
        raw = await self.client.messages.with_raw_response.create(**kw)
        result = self.parse_body(body_json(raw.http_response))
        if req.schema is not None and result.data is None:
            try:
                result.data = req.schema.model_validate_json(result.text)
            except ValueError as e:
                result.native_error = f"{type(e).__name__}: {e}"
        return result

    async def aclose(self) -> None:
        await self.client.close()
