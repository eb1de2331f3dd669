"""Faster scans with the same matches: a pattern searched from the characters its matches can start with.

Python's regex search skips ahead in C only when a pattern starts with a plain character set or literal; a
pattern that starts with a look-ahead, a case-insensitive letter or a word boundary is tried at every position.
`lead_scanner(body, first)` starts with `first` (every character a match of `body` can start with) and runs
`body` in a look-ahead at those positions only, captured as group 1: `scan_spans` then gives exactly the spans
of `re.finditer(body)`. With `second`, the first two characters are tested before `body` runs; with `gate` (an
alternation of the exact two-character openings, cheaper to fail than a body of many named groups) as well.
"""

from __future__ import annotations

import re


def lead_scanner(body: str, first: str, second: str | None = None, *, ignorecase: bool = False,
                 capture: bool = True, gate: str | None = None) -> re.Pattern[str]:
    """`first` / `second`: the contents of a character class (e.g. "0-9a-z"), a superset of the characters a match
    of `body` can have at its first / second position (under the same case-insensitivity). Matches of `body`
    are never empty (and at least two characters long when `second` is given). `capture=False`: no group 1
    (for a body of named alternatives, so that `lastgroup` names the one that matched). `gate` (with `second`):
    a pattern matching every two-character opening of a match of `body` (same case-insensitivity)."""
    inner = f"(?i:{body})" if ignorecase else f"(?:{body})"
    if capture:
        inner = f"({inner})"
    if second is None:
        if gate is not None:
            raise ValueError("lead_scanner: a gate of two-character openings needs `second`")
        return re.compile(f"[{first}](?<=(?={inner})(?s:.))")
    ahead = f"(?={inner})"
    if gate is not None:
        ahead = (f"(?=(?i:{gate}))" if ignorecase else f"(?=(?:{gate}))") + ahead
    return re.compile(f"[{first}][{second}](?<={ahead}(?s:..))")


def scan_spans(scanner: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    """The spans of `body`'s finditer(text, pos, endpos): non-overlapping, leftmost first."""
    end = len(text) if endpos is None else endpos
    search = scanner.search
    out = []
    while True:
        m = search(text, pos, end)
        if m is None:
            return out
        s, e = m.span(1)
        out.append((s, e))
        pos = e if e > s else s + 1
