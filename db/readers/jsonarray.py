"""A .json file: one array of objects (or a single object), streamed item by item.

A small scanner finds where each top-level item ends (strings and nesting tracked without recursion), so
each item is parsed alone: a bad or absurdly deep item is rejected with its line and the next one is read.
Only a break in the array itself (a missing comma) stops the file, after the rows before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from db.readers.base import MAX_DEPTH, MAX_ITEM, Item, RowError, open_text
from db.readers.jsonl import parse_json
from db.readers.values import check_values

CHUNK = 1 << 20
_OUTSIDE = re.compile(r'[\[\]{}"]')
_INSIDE = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]\s]")
_WS = re.compile(r"\S")


class _Buffer:
    """Text read so far, with the 1-based line of position `pos`."""

    def __init__(self, f) -> None:
        self.f, self.text, self.pos, self.line, self.eof = f, "", 0, 1, False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.f.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.text = self.text[self.pos:] + chunk
        self.pos = 0
        return True

    def advance(self, to: int) -> None:
        self.line += self.text.count("\n", self.pos, to)
        self.pos = to

    def skip_ws(self) -> str | None:
        """The next non-space character (not consumed), or None at the end."""
        while True:
            m = _WS.search(self.text, self.pos)
            if m:
                self.advance(m.start())
                return m.group()
            self.advance(len(self.text))
            if not self.more():
                return None


def _scan_item(b: _Buffer) -> tuple[str | None, int]:
    """Consume one value from b.pos; (its text or None when over MAX_ITEM, its maximal depth)."""
    start, kept, depth, deepest = b.pos, [], 0, 0
    size = 0
    i = b.pos
    if b.text[i] not in "[{":
        if b.text[i] == '"':
            depth = 0
        else:
            while True:
                m = _SCALAR_END.search(b.text, i)
                if m:
                    text = b.text[start:m.start()]
                    b.advance(m.start())
                    return text, 0
                kept.append(b.text[start:])
                b.advance(len(b.text))
                if not b.more():
                    return "".join(kept), 0
                start = i = 0
    in_string = b.text[i] == '"'
    if not in_string:
        depth = deepest = 1
    i += 1
    while True:
        pattern = _INSIDE if in_string else _OUTSIDE
        m = pattern.search(b.text, i)
        if m is None or (in_string and m.group() == "\\" and m.end() >= len(b.text)):
            cut = len(b.text) if m is None else m.start()
            size += cut - start
            if size <= MAX_ITEM:
                kept.append(b.text[start:cut])
            b.advance(cut)
            if not b.more():
                return ("".join(kept) if size <= MAX_ITEM else None), deepest
            start = i = 0
            continue
        ch, i = m.group(), m.end()
        if in_string:
            if ch == "\\":
                i += 1
                continue
            in_string = False
            if depth == 0:
                break
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
            if depth == 0:
                break
    size += i - start
    if size <= MAX_ITEM:
        kept.append(b.text[start:i])
    b.advance(i)
    return ("".join(kept) if size <= MAX_ITEM else None), deepest


def read_json(path: Path) -> Iterator[Item]:
    with open_text(path) as f:
        b = _Buffer(f)
        b.more()
        first = b.skip_ws()
        if first is None:
            return
        if first == "[":
            b.advance(b.pos + 1)
        elif first != "{":
            yield b.line, "", RowError(file=str(path), line=b.line, field="json",
                                       message="expected an array of objects")
            return
        single = first == "{"
        n = 0
        while True:
            ch = b.skip_ws()
            if ch is None:
                if not single:
                    yield b.line, "", RowError(file=str(path), line=b.line, field="json",
                                               message="the array is not closed with ']'")
                return
            if ch == "]" and not single:
                return
            if n and not single:
                if ch != ",":
                    yield b.line, "", RowError(file=str(path), line=b.line, field="json",
                                               message=f"expected ',' or ']' between items, got {ch!r} "
                                                       "(the rest of the file is not read)")
                    return
                b.advance(b.pos + 1)
                ch = b.skip_ws()
                if ch is None or ch == "]":
                    yield b.line, "", RowError(file=str(path), line=b.line, field="json",
                                               message="trailing comma or unclosed array")
                    return
            n += 1
            line = b.line
            text, deepest = _scan_item(b)
            yield line, *_item(path, line, text, deepest)
            if single:
                if b.skip_ws() is not None:
                    yield b.line, "", RowError(file=str(path), line=b.line, field="json",
                                               message="extra data after the top-level object")
                return


def _item(path: Path, line: int, text: str | None, deepest: int) -> tuple[str, object]:
    def err(msg: str) -> RowError:
        return RowError(file=str(path), line=line, field="json", message=msg)

    if text is None:
        return "", err(f"the item is longer than {MAX_ITEM} characters (too long; not read)")
    if deepest > MAX_DEPTH:
        return text[:200] + "…", err(f"nested {deepest} levels deep (max {MAX_DEPTH})")
    try:
        obj = parse_json(text)
    except ValueError as e:
        return text, err(str(e))
    if not isinstance(obj, dict):
        return text, err(f"each item must be an object, got {type(obj).__name__}")
    bad = check_values(obj)  # the text may hold surrogate escapes from invalid UTF-8
    if bad is not None:
        return text, RowError(file=str(path), line=line, field=bad[0], message=bad[1])
    return text, obj
