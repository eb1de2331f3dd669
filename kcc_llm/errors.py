"""Provider failures normalised to one exception with a kind, a retry decision and a retry-after hint."""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import time
from typing import Any

from kcc_llm.redact import redact

RETRYABLE_KINDS = {"rate_limit", "server", "timeout", "connection", "malformed_response", "overloaded"}
# Like the openai/anthropic SDKs: a server that asks for a longer wait than this is not waited for (a daily
# quota's retry-after would otherwise park the item, and through the shared cooldown the whole run, for hours).
MAX_RETRY_AFTER_S = 120.0


class ProviderError(Exception):
    def __init__(
        self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None,
        should_retry: bool | None = None,
    ):
        super().__init__(redact(message))
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.should_retry = should_retry  # the server's `x-should-retry` header, when it sent one

    @property
    def retryable(self) -> bool:
        if self.retry_after is not None and self.retry_after > MAX_RETRY_AFTER_S:
            return False
        if self.should_retry is not None:
            return self.should_retry
        return self.kind in RETRYABLE_KINDS

    def __str__(self) -> str:
        prefix = f"{self.kind}" + (f" (HTTP {self.status})" if self.status else "")
        return f"{prefix}: {self.args[0]}"


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        ms, ra = headers.get("retry-after-ms"), headers.get("retry-after")
    except (TypeError, AttributeError):
        return None
    for value, divisor in ((ms, 1000), (ra, 1)):
        if value is None:
            continue
        try:
            delay = float(value) / divisor
        except (TypeError, ValueError):
            continue  # an unreadable retry-after-ms falls back to retry-after, as in the SDKs
        if math.isfinite(delay):
            return max(0.0, delay)
    if ra is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(ra)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_kind(status: int) -> str:
    if status == 429:
        return "rate_limit"
    if status == 529:
        return "overloaded"
    if status == 408:
        return "timeout"
    if status == 409 or status >= 500:
        return "server"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    return "bad_request"


def classify(exc: BaseException) -> ProviderError:
    """Map an SDK (openai/anthropic), JSON or asyncio exception to a ProviderError."""
    if isinstance(exc, ProviderError):
        return exc
    import anthropic
    import openai

    if isinstance(exc, openai.APITimeoutError | anthropic.APITimeoutError | asyncio.TimeoutError | TimeoutError):
        return ProviderError("timeout", str(exc) or "request timed out")
    if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
        status = exc.status_code
        headers = getattr(exc.response, "headers", None)
        retry_after = parse_retry_after(headers)
        kind, message = _status_kind(status), exc.message
        if _error_code(exc) == "insufficient_quota":
            # OpenAI answers an exhausted quota / billing limit with 429 too; waiting does not help
            kind = "quota"
        if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
            message = f"{message} (the server asks to wait {retry_after:.0f} s, over {MAX_RETRY_AFTER_S:.0f} s: not retried)"
        return ProviderError(kind, message, status=status, retry_after=retry_after,
                             should_retry=_should_retry_header(headers))
    if isinstance(exc, openai.APIConnectionError | anthropic.APIConnectionError):
        return ProviderError("connection", str(exc) or "connection error")
    if isinstance(exc, openai.APIResponseValidationError | anthropic.APIResponseValidationError):
        return ProviderError("malformed_response", str(exc))
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return ProviderError("malformed_response", f"invalid JSON body from the server: {exc}")
    return ProviderError("other", f"{type(exc).__name__}: {exc}")


def _should_retry_header(headers: Any) -> bool | None:
    """The non-standard `x-should-retry: true|false` both APIs send; the SDKs obey it, so do we."""
    try:
        value = headers.get("x-should-retry") if headers is not None else None
    except (TypeError, AttributeError):
        return None
    return {"true": True, "false": False}.get(str(value).strip().lower()) if value is not None else None


def _error_code(exc: Any) -> str | None:
    """`error.code` (OpenAI) or `error.type` of an API error body, whichever the SDK exposes."""
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error") if isinstance(body.get("error"), dict) else body
        for k in ("code", "type"):
            if err.get(k):
                return str(err[k])
    return None
