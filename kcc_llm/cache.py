"""Cache keys: sha256 over everything that changes a reply (provider, model, params, messages, schema)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kcc_llm.spec import ModelSpec
from kcc_llm.types import LLMRequest, Usage

CACHE_FORMAT = 1


def cache_key(spec: ModelSpec, params: dict[str, Any], req: LLMRequest) -> str:
    payload = {
        "v": CACHE_FORMAT,
        "provider": spec.kind,
        "model": spec.name,
        "base_url": spec.base_url,
        "params": params,
        "system": req.system,
        "messages": req.messages,
        "schema": req.schema.model_json_schema() if req.schema is not None else None,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def cache_entry(text: str, data: Any, usage: Usage, model: str) -> dict[str, Any]:
    """What the store keeps per key: the reply, its structured value and the tokens it cost."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    return {"text": text, "data": data, "usage": usage.model_dump(), "model": model}
