"""Compile a word list into a prefix-trie regex: far faster than a flat alternation of ~200 literals,
because each branch point offers only the characters that can follow (longest match first)."""

from __future__ import annotations

import re


def trie_regex(words: list[str] | set[str]) -> str:
    trie: dict = {}
    for w in words:
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True
    return _emit(trie)


def _emit(node: dict) -> str:
    end = "" in node
    branches = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch != ""]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        # longest match first: try to continue, else stop here
        return f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body
