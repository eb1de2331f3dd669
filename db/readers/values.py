"""Plain JSON values only: a row holding a lone surrogate, a non-finite number, a timestamp or bytes, or
values nested deeper than MAX_DEPTH is rejected naming the field (SQLite and JSON cannot store them as given)."""

from __future__ import annotations

import math
import re
from typing import Any

from db.readers.base import MAX_DEPTH

_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_text(s: str) -> str | None:
    m = _SURROGATE.search(s)
    if m is None:
        return None
    ch = ord(m.group())
    what = "invalid UTF-8 bytes" if 0xDC80 <= ch <= 0xDCFF else "an escape such as \\ud800"
    return f"contains a lone surrogate U+{ch:04X} ({what}), which is not text"


def check_values(row: dict[str, Any]) -> tuple[str, str] | None:
    """(field path, message) of the first value that cannot be stored, or None."""
    stack: list[tuple[str, Any, int]] = [("", row, 0)]
    while stack:
        path, v, depth = stack.pop()
        if isinstance(v, str):
            msg = _bad_text(v)
            if msg:
                return path or "row", msg
        elif isinstance(v, bool) or v is None or isinstance(v, int):
            continue
        elif isinstance(v, float):
            if not math.isfinite(v):
                return path or "row", f"{v} is not a finite number"
        elif isinstance(v, dict | list):
            if depth >= MAX_DEPTH:
                return path or "row", f"nested deeper than {MAX_DEPTH} levels"
            items = list(v.items()) if isinstance(v, dict) else list(enumerate(v))
            for k, item in reversed(items):
                if isinstance(k, str) and _bad_text(k):
                    return path or "row", f"a key {_bad_text(k)}"
                stack.append((f"{path}.{k}" if path else str(k), item, depth + 1))
        else:
            return path or "row", (f"unsupported value of type {type(v).__name__} "
                                   "(store it as a string, e.g. an ISO-8601 time)")
    return None
