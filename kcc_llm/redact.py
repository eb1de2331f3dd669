"""Keep API keys out of everything we write: errors, logs, the store, exports.

The rules live in `db.redact` (the store applies them to every value it writes); this module keeps the
kcc_llm entry point for errors and log lines.
"""

from __future__ import annotations

from db.redact import KEY_SHAPES, MASK, Redactor, redact, secret_values

KEY_ENV_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "KCC_COMPAT_API_KEY")  # matched by name pattern too

__all__ = ["KEY_ENV_VARS", "KEY_SHAPES", "MASK", "Redactor", "redact", "secret_values"]
