"""Structured output without native support: find the JSON in a reply, validate it, and say what was wrong.

Order of attempts: the whole text, fenced ```json blocks, then each balanced {...} / [...] span (string- and
escape-aware). Validation errors are turned into a short message that the repair retry sends back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.S)


def _balanced_spans(text: str) -> list[str]:
    spans, i, n = [], 0, len(text)
    while i < n:
        if text[i] not in "{[":
            i += 1
            continue
        stack, j, in_str, esc = [], i, False, False
        while j < n:
            ch = text[j]
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch in "{[":
                stack.append("}" if ch == "{" else "]")
            elif ch in "}]":
                if not stack or stack.pop() != ch:
                    break
                if not stack:
                    spans.append(text[i : j + 1])
                    break
            j += 1
        i = j + 1 if stack == [] and j < n else i + 1
    return spans


def json_candidates(text: str) -> list[str]:
    """Substrings of `text` that may be the JSON answer, most likely first."""
    out = [text.strip()]
    out += [m.group(1).strip() for m in _FENCE.finditer(text)]
    out += _balanced_spans(text)
    seen, uniq = set(), []
    for c in out:
        if c and c not in seen:
            seen.add(c)
            uniq.append(c)
    return uniq


def extract_json(text: str) -> Any | None:
    """The first JSON value found in text (see module doc), or None."""
    for c in json_candidates(text):
        try:
            return json.loads(c)
        except ValueError:
            continue
    return None


def _short_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ())) or "(root)"
        parts.append(f"{loc}: {e.get('msg')}")
    return "; ".join(parts)


def parse_structured(text: str, schema: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """(instance, None) when some JSON in text validates; else (None, reason)."""
    if not text or not text.strip():
        return None, "empty reply"
    first_error: str | None = None
    found_json = False
    for c in json_candidates(text):
        try:
            value = json.loads(c)
        except ValueError:
            continue
        found_json = True
        try:
            return schema.model_validate(value), None
        except ValidationError as e:
            first_error = first_error or _short_error(e)
    if not found_json:
        return None, "no JSON object found in the reply"
    return None, f"JSON does not match the schema: {first_error}"


def coerce(value: Any, schema: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """Validate an already-decoded value (native parse, tool input, cache)."""
    if isinstance(value, schema):
        return value, None
    try:
        return schema.model_validate(value), None
    except ValidationError as e:
        return None, f"JSON does not match the schema: {_short_error(e)}"


def schema_instruction(schema: type[BaseModel]) -> str:
    """Appended to the system prompt for providers without native structured output."""
    return (
        "Reply with a single JSON object only (no prose, no code fence) that validates against this JSON schema:\n"
        + json.dumps(schema.model_json_schema(), ensure_ascii=False)
    )


def repair_messages(messages: list[dict[str, Any]], raw: str, error: str) -> list[dict[str, Any]]:
    """The conversation for the single repair retry: the bad reply and what was wrong with it."""
    return [
        *messages,
        {"role": "assistant", "content": raw or "(empty)"},
        {
            "role": "user",
            "content": (
                f"Your previous reply could not be used: {error}. "
                "Reply again with only the corrected JSON object that matches the schema."
            ),
        },
    ]
