"""JSONL: one JSON object a line, read a line at a time (a line over MAX_LINE_BYTES is skipped unread)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from db.readers.base import (
    MAX_DEPTH,
    MAX_LINE_BYTES,
    ImportFailure,
    Item,
    RowError,
    legacy_hint,
    looks_utf16_without_bom,
)
from db.readers.values import check_values


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=reject_constant)
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")


def parse_json(text: str) -> Any:
    """json.loads that rejects NaN/Infinity and reports deep nesting as a ValueError."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None


def unstorable(text: str, obj: dict[str, Any]) -> tuple[str, str] | None:
    """check_values for a row parsed from strict UTF-8 JSON `text`: skipped when the text cannot hold a lone
    surrogate (no \\uD8xx-\\uDFxx escape) nor nest deeper than MAX_DEPTH (fewer brackets than that)."""
    if not _SURROGATE_ESCAPE.search(text) and text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    return check_values(obj)


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
            bad = unstorable(text, obj)
            if bad is not None:
                yield lineno, text, RowError(file=str(path), line=lineno, field=bad[0], message=bad[1])
                continue
            yield lineno, text, obj
