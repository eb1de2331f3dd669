"""Provider failures normalised to one exception with a kind, a retry decision and a retry-after hint."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from typing import Any

from kcc_llm.redact import redact

RETRYABLE_KINDS = {"rate_limit", "server", "timeout", "connection", "malformed_response", "overloaded"}


class ProviderError(Exception):
    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(redact(message))
        self.kind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __str__(self) -> str:
        prefix = f"{self.kind}" + (f" (HTTP {self.status})" if self.status else "")
        return f"{prefix}: {self.args[0]}"


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
        ra = headers.get("retry-after")
    except (TypeError, ValueError):
        return None
    if ra is None:
        return None
    try:
        return max(0.0, float(ra))
    except ValueError:
        pass
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
        return ProviderError(_status_kind(status), exc.message, status=status, retry_after=parse_retry_after(headers))
    if isinstance(exc, openai.APIConnectionError | anthropic.APIConnectionError):
        return ProviderError("connection", str(exc) or "connection error")
    if isinstance(exc, openai.APIResponseValidationError | anthropic.APIResponseValidationError):
        return ProviderError("malformed_response", str(exc))
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return ProviderError("malformed_response", f"invalid JSON body from the server: {exc}")
    return ProviderError("other", f"{type(exc).__name__}: {exc}")
