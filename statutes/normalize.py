"""Normalisation shared by the registry and the parser.

Law names are compared on a *key*: NFKC, no brackets/quotes, no spacing, no middle dots (people write `·`,
the source writes `ㆍ`, NFKC turns `ㆍ` into U+119E), lower-case Latin. Digits may be full-width in answers.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_DOTS = "·ㆍᆞ・‧∙•⋅･"
_DROP = _DOTS + "「」『』〈〉《》\"'“”‘’`"
_DROP_TABLE = str.maketrans("", "", _DROP)
_SPACE_RE = re.compile(r"\s+")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① .. ⑳


@functools.lru_cache(maxsize=65536)
def law_key(name: str) -> str:
    """Comparison key of a law name (spacing-, dot- and bracket-insensitive)."""
    s = unicodedata.normalize("NFKC", name)
    s = s.translate(_DROP_TABLE)
    s = _SPACE_RE.sub("", s)
    return s.lower()


def to_int(digits: str) -> int:
    """'２５０' or '250' -> 250."""
    return int(digits.translate(FULLWIDTH_DIGITS))


def article_no(num: int | str, sub: int | str | None = None) -> str:
    """Canonical article number: 제250조, 제44조의7."""
    n = to_int(num) if isinstance(num, str) else num
    if sub is None or sub == "":
        return f"제{n}조"
    m = to_int(sub) if isinstance(sub, str) else sub
    return f"제{n}조의{m}"


_ART_RE = re.compile(r"^\s*(?:제\s*)?([0-9０-９]{1,4})\s*(?:조)?\s*(?:(?:의|-)\s*([0-9０-９]{1,3}))?\s*(?:조)?\s*$")


def parse_article(text: str) -> str | None:
    """'250', '제250조', '44조의7', '44-7' -> canonical article number, or None."""
    m = _ART_RE.match(text or "")
    if not m:
        return None
    return article_no(m.group(1), m.group(2))


def article_sort_key(no: str) -> tuple[int, int]:
    m = re.match(r"제(\d+)조(?:의(\d+))?", no)
    if not m:
        return (0, 0)
    return (int(m.group(1)), int(m.group(2) or 0))
