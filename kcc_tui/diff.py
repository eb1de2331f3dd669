"""A word-level diff of two answers (what a reviewer compares when two candidates differ by a few words)."""

from __future__ import annotations

import difflib
import re

from rich.text import Text

from kcc_tui.literal import visible

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(a: str, b: str) -> Text:
    """`a` -> `b` word by word: removed words red and struck through, added words green, the rest plain."""
    ta, tb = _TOKENS.findall(visible(a)), _TOKENS.findall(visible(b))
    out = Text()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append("".join(ta[i1:i2]))
            continue
        if op in ("delete", "replace"):
            out.append("".join(ta[i1:i2]), style="bold red strike")
        if op in ("insert", "replace"):
            out.append("".join(tb[j1:j2]), style="bold green underline")
    return out


def diff_counts(a: str, b: str) -> tuple[int, int]:
    """(words removed, words added)."""
    wa, wb = a.split(), b.split()
    removed = added = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed += i2 - i1
        if op in ("insert", "replace"):
            added += j2 - j1
    return removed, added
