"""CSV of seeds; a seed may repeat on several rows, one candidate per row (columns candidate_id, model, response).

Records are split here, not by the csv module alone: a quote opens a quoted field only at the start of a
field, and a record ends at a newline outside quotes. So a field of any size is rejected with its own row
(csv's field limit would stop the reader, or resynchronise in the middle of the field), and a row longer
than MAX_RECORD is skipped without being held in memory. UTF-8 (BOM optional) and UTF-16 with BOM are read.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from db.readers.base import MAX_RECORD, MAX_TEXT, ImportFailure, Item, RowError, legacy_hint, open_text

csv.field_size_limit(MAX_RECORD + 1)  # records are bounded before csv sees them
_OPEN_QUOTE = re.compile(r'(?:^|,)"')
_SURROGATE = re.compile("[\ud800-\udfff]")
_CANDIDATE = ("candidate_id", "model", "response", "candidate_model", "candidate_response")
_SEED_KEYS = ("prompt", "text", "category", "subcategory", "style")


def _ends_quoted(line: str, in_quotes: bool) -> bool:
    """Whether `line` leaves a quoted field open, given whether it starts inside one."""
    i = 0
    while True:
        if in_quotes:
            j = line.find('"', i)
            if j < 0:
                return True
            if line.startswith('"', j + 1):
                i = j + 2
                continue
            in_quotes, i = False, j + 1
        else:
            m = _OPEN_QUOTE.search(line, i)
            if m is None:
                return False
            in_quotes, i = True, m.end()


def _records(f) -> Iterator[tuple[int, list[str] | None]]:
    """(first line, physical lines of one record, or None when the record is over MAX_RECORD)."""
    lineno = 0
    buf: list[str] | None = []
    size = 0
    in_quotes = False
    start = 1
    for line in f:
        lineno += 1
        if not in_quotes:
            start, buf, size = lineno, [], 0
        in_quotes = _ends_quoted(line, in_quotes)
        size += len(line)
        if buf is not None:
            buf.append(line)
            if size > MAX_RECORD:
                buf = None
        if not in_quotes:
            yield start, buf
    if in_quotes:
        yield start, buf


def _repeats_candidate(pending: dict[str, Any], rec: dict[str, Any]) -> bool:
    """A row repeating a candidate id of the seed above stays its own row: the importer then counts it as a
    duplicate (same answer) or rejects it alone (another answer), instead of failing the merged seed."""
    ids = {c.get("id") for c in pending.get("candidates", []) if c.get("id")}
    return any(c.get("id") in ids for c in rec.get("candidates", []))


def read_csv(path: Path) -> Iterator[Item]:
    with open_text(path) as f:
        recs = _records(f)
        header: list[str] | None = None
        for _line, lines in recs:
            if lines is None:
                raise ImportFailure(f"{path}: the header line is longer than {MAX_RECORD} characters")
            header = next(csv.reader(lines), [])
            break
        if header is None:
            return
        header = [h.strip().lower() for h in header]
        if any("\x00" in h for h in header):
            raise ImportFailure(f"{path}: NUL bytes in the header; the file may be UTF-16 without a byte order mark "
                                "(save it as UTF-8)")
        seen: set[str] = set()
        for h in header:
            if h and h in seen:
                raise ImportFailure(f"{path}:1: header: duplicate column {h!r} (column names are compared "
                                    "case-insensitively; rename or drop one)")
            seen.add(h)
        yield from _rows(path, header, recs)


def _rows(path: Path, header: list[str], recs: Iterator[tuple[int, list[str] | None]]) -> Iterator[Item]:
    no_prompt = "prompt" not in header and "text" not in header
    pending: dict[str, Any] | None = None
    pending_line = 0
    for line, lines in recs:
        def err(field: str, message: str, raw: str = "", line: int = line) -> Item:
            return line, raw, RowError(file=str(path), line=line, field=field, message=message)

        if lines is None:
            yield err("row", f"the row is longer than {MAX_RECORD} characters (too long; not read)")
            continue
        try:
            parsed = list(csv.reader(lines))
        except csv.Error as e:
            yield err("csv", str(e), "".join(lines))
            continue
        if not parsed or not any(v.strip() for v in parsed[0]):
            continue
        values = parsed[0]
        raw = ",".join(values)
        if len(parsed) > 1:
            yield err("csv", "a quote is not closed before the end of the row", raw)
            continue
        if no_prompt:
            yield err("prompt", "the CSV header has no 'prompt' (or 'text') column", raw)
            continue
        bad = _SURROGATE.search(raw)
        if bad and "\udc80" <= bad.group() <= "\udcff":
            legacy = legacy_hint(raw.encode("utf-8", "surrogateescape"))
            yield err("encoding", "invalid UTF-8" + legacy, raw.encode("utf-8", "surrogateescape").decode(
                "utf-8", "replace"))
            continue
        if bad:
            yield err("encoding", f"a lone surrogate U+{ord(bad.group()):04X} (invalid UTF-16), which is not text",
                      raw)
            continue
        if len(values) != len(header):
            yield err("csv", f"expected {len(header)} columns, got {len(values)}", raw)
            continue
        long = next((h for h, v in zip(header, values, strict=True) if len(v) > MAX_TEXT), None)
        if long is not None:
            n = len(values[header.index(long)])
            yield err(long or "row", f"is {n} characters long (max {MAX_TEXT})", raw[:1000] + "…")
            continue
        rec = {k: v for k, v in zip(header, values, strict=True) if v != ""}
        cand = {k.removeprefix("candidate_"): rec.pop(k) for k in list(rec) if k in _CANDIDATE}
        if cand:
            rec["candidates"] = [cand] if "response" in cand else []
        same_seed = pending is not None and rec.get("id") and rec.get("id") == pending.get("id") and all(
            rec.get(k) == pending.get(k) for k in _SEED_KEYS) and not _repeats_candidate(pending, rec)
        if same_seed:
            pending["candidates"].extend(rec.get("candidates", []))
            continue
        if pending is not None:
            yield pending_line, json.dumps(pending, ensure_ascii=False), pending
        rec.setdefault("candidates", [])
        pending, pending_line = rec, line
    if pending is not None:
        yield pending_line, json.dumps(pending, ensure_ascii=False), pending
