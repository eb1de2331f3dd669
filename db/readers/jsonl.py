"""JSONL: one JSON object a line, read a line at a time (a line over MAX_LINE_BYTES is skipped unread)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from db.readers.base import (
    MAX_LINE_BYTES,
    ImportFailure,
    Item,
    RowError,
    legacy_hint,
    looks_utf16_without_bom,
)


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """json.loads that rejects NaN/Infinity and reports deep nesting as a ValueError."""
    try:
        return json.loads(text, parse_constant=reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None


def read_jsonl(path: Path) -> Iterator[Item]:
    with path.open("rb") as f:
        head = f.read(200)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_utf16_without_bom(head):
            raise ImportFailure(f"{path}: the file is UTF-16; JSONL must be UTF-8 (convert it with "
                                "`iconv -f utf-16 -t utf-8`)")
        f.seek(0)
        lineno = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            lineno += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield lineno, raw[:200].decode("utf-8", "replace") + "…", RowError(
                    file=str(path), line=lineno, field="json",
                    message=f"the line is longer than {MAX_LINE_BYTES} bytes (too long; not read)")
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield lineno, raw.decode("utf-8", "replace"), RowError(
                    file=str(path), line=lineno, field="encoding",
                    message=f"invalid UTF-8 at byte {e.start}{legacy_hint(raw)}")
                continue
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                obj = parse_json(text)
            except ValueError as e:  # JSONDecodeError is a ValueError
                yield lineno, text, RowError(file=str(path), line=lineno, field="json", message=str(e))
                continue
            if not isinstance(obj, dict):
                yield lineno, text, RowError(file=str(path), line=lineno, field="json",
                                             message=f"expected one JSON object per line, got {type(obj).__name__}")
                continue
            yield lineno, text, obj
