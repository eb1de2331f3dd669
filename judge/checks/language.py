"""Korean-language ratio: Hangul letters over all letters (digits, spaces, punctuation ignored).

Counted on UTF-8 bytes with `bytes.translate` (one C pass each) rather than a per-character regex:
Hangul syllables are the 3-byte characters whose lead byte is 0xEA-0xED (U+A000-U+DFFF, in practice
Hangul), compatibility jamo (ㅋ, ㅎ) are 0xE3 0x84-0x86; other letters are ASCII letters, 2-byte
characters (Latin-1, Greek, Cyrillic ...) and other 3/4-byte lead bytes (CJK, kana ...). CJK punctuation
counts as a letter: a small bias, accepted for speed.
"""

from __future__ import annotations

import re

from judge.checks.construct import new_check
from judge.checks.models import CheckResult

MIN_RATIO = 0.5
MIN_LETTERS = 20


def _keep(*ranges: tuple[int, int]) -> bytes:
    keep = {b for lo, hi in ranges for b in range(lo, hi + 1)}
    return bytes(b for b in range(256) if b not in keep)


_DEL_NOT_HANGUL_LEAD = _keep((0xEA, 0xED))


# (the last text, its result), replaced as one tuple (thread-safe): the degenerate check and check_korean
# ask for the same text one after the other
_last: tuple[object, tuple[float, int], int] = (None, (0.0, 0), 0)


def korean_ratio(text: str) -> tuple[float, int]:
    global _last
    last = _last
    if text is last[0]:
        return last[1]
    out, hangul = _korean_ratio(text)
    _last = (text, out, hangul)
    return out


def lead_count(text: str) -> int:
    """UTF-8 lead bytes 0xEA-0xED in `text` (what the degenerate check counts as syllables), taken from the
    last korean_ratio computation when it was of this very text."""
    last = _last
    if text is last[0]:
        return last[2]
    return len(text.encode("utf-8", "surrogatepass").translate(None, _DEL_NOT_HANGUL_LEAD))


# one pass keeps the bytes that can count (ASCII letters and lead bytes of 2-4 byte characters); the Hangul and
# ASCII counts are then taken on that shorter string (a Korean answer keeps about a third of its bytes)
_DEL_NOT_LETTER_OR_LEAD = _keep((0x41, 0x5A), (0x61, 0x7A), (0xC3, 0xDF), (0xE0, 0xEF), (0xF0, 0xF4))


# compatibility jamo (ㅋ, ㅎ: U+3100-U+31BF) in UTF-8: one literal-led scan, not three two-byte counts
_JAMO = re.compile(rb"\xe3[\x84-\x86]")


def _korean_ratio(text: str) -> tuple[tuple[float, int], int]:
    b = text.encode("utf-8", "surrogatepass")
    kept = b.translate(None, _DEL_NOT_LETTER_OR_LEAD)
    # every kept byte is one letter (an ASCII letter, or the lead byte of a Hangul syllable, jamo or other
    # letter): the letters are len(kept), and only the Hangul and jamo among them need counting
    letters = len(kept)
    if not letters:
        return (0.0, 0), 0
    hangul = len(kept.translate(None, _DEL_NOT_HANGUL_LEAD))
    jamo = len(_JAMO.findall(b)) if b"\xe3" in kept else 0
    return ((hangul + jamo) / letters, letters), hangul


def check_korean(text: str) -> tuple[float, list[CheckResult]]:
    ratio, letters = korean_ratio(text)
    if letters >= MIN_LETTERS and ratio < MIN_RATIO:
        return ratio, [new_check(id="lang.korean_ratio", severity="warning",
                                   message=f"한국어 비율이 낮습니다({ratio:.0%})", value=round(ratio, 3))]
    return ratio, []
