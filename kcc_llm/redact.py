"""Keep API keys out of everything we write: errors, logs, the store, exports."""

from __future__ import annotations

import os
import re

KEY_ENV_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "KCC_COMPAT_API_KEY")
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9_\-\.]{8,})")


def redact(text: str | None) -> str | None:
    """Replace the configured keys (and anything key-shaped) with ***."""
    if not text:
        return text
    for var in KEY_ENV_VARS:
        val = os.environ.get(var)
        if val and len(val) >= 6:
            text = text.replace(val, "***")
    return _KEYLIKE.sub("***", text)
