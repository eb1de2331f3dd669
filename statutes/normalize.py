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
    """'２５０' or '250' -> 250 (int() reads every Unicode decimal digit, the full-width ones included)."""
    return int(digits)


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


# ---- text normalisation for matching, with an offset map back into the original ------------------------------
# Answers arrive with zero-width and bidi marks (copied from web pages and chat UIs), full-width digits, decomposed
# (NFD) Hangul and Hanja citation words. Matching runs on a normalised copy; every span found in it is mapped back
# into the original text. Plain text (ASCII, Hangul syllables, the punctuation answers use) takes a fast path: one
# C scan finds no character to normalise and the text is used as is.
_DROP_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# characters that are left alone: ASCII, Latin-1 punctuation, general punctuation (minus the marks above), arrows,
# math, box drawing, symbols, dingbats, CJK punctuation (「」『』 and the ideographic space), compatibility jamo
# (ㆍ: NFKC would turn it into U+119E), enclosed alphanumerics (① .. ⑳ are paragraph marks), Hangul syllables
NEEDS_WORK_CLASS = (  # written as the complement of the kept set: a positive class scans a little faster
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0100-\u200f\u2028-\u202f\u2060-\u218f\u2400-\u245f"
    "\u27c0-\u2fff\u3040-\u3130\u318f-\u31ff\u3300-\uabff\ud7a4-\U0010ffff]"
)
_PLAIN = re.compile(NEEDS_WORK_CLASS)
_HANJA_WORD = str.maketrans({"第": "제", "條": "조", "条": "조", "項": "항", "号": "호", "號": "호"})
_HANJA_ART = re.compile(r"第[ \t]{0,2}[0-9]{1,4}[ \t]{0,2}[條条](?:[ \t]{0,2}(?:의|之)[ \t]{0,2}[0-9]{1,3})?"
                        r"|(?<=[條条0-9 ])[ \t]{0,2}第?[ \t]{0,2}[0-9]{1,3}[ \t]{0,2}[項号號]")
_L0, _V0, _T0 = 0x1100, 0x1161, 0x11A7
_SPECIAL_RUN = re.compile(_PLAIN.pattern + "+")
# inside a run of special characters, those that always need work (NFKC-stable runs without them are kept)
_NEEDS = re.compile("[" + _DROP_CHARS + "\u1100-\u11ff第條条項号號]")


_JAMO = re.compile("[\u1100-\u11ff]")
# a decomposed modern syllable, L V (T): what NFD Hangul is made of
_LVT = re.compile("[\u1100-\u1112][\u1161-\u1175][\u11a8-\u11c2]?")
_REP: dict[int, str] = {}  # character -> its replacement (learnt on first sight; identity entries left out)
_KNOWN: set[str] = set()
_ONE_TO_ONE: set[str] = set()  # characters replaced by exactly one character (or kept)


def _learn(ch: str) -> None:
    rep = "" if ch in _DROP_CHARS else ch if ch in "第條条項号號" else unicodedata.normalize("NFKC", ch)
    if rep != ch:
        _REP[ord(ch)] = rep
    if len(rep) == 1:
        _ONE_TO_ONE.add(ch)
    _KNOWN.add(ch)


class NormText:
    """A normalised copy of a text and the map from its positions back to the original.

    `segments` holds (norm_start, orig_start, norm_len, orig_len) per run; a run with equal lengths maps
    position by position, any other run (a composed syllable, an expanded character) maps as a whole."""

    __slots__ = ("text", "original", "segments", "_starts")

    def __init__(self, text: str, original: str, segments: list[tuple[int, int, int, int]] | None) -> None:
        self.text, self.original, self.segments = text, original, segments
        self._starts = [s[0] for s in segments] if segments else None

    @property
    def mapped(self) -> bool:
        """False when the text needed no change (positions are the same in both)."""
        return self.segments is not None

    def _seg(self, p: int) -> tuple[int, int, int, int]:
        import bisect

        i = bisect.bisect_right(self._starts, p) - 1
        return self.segments[max(i, 0)]

    def start(self, p: int) -> int:
        """Original position of normalised position `p` (as the start of a span)."""
        if self.segments is None:
            return p
        if p >= len(self.text):
            return len(self.original)
        ns, os_, nl, ol = self._seg(p)
        return os_ + (p - ns) if nl == ol else os_

    def end(self, p: int) -> int:
        """Original position of normalised position `p` (as the exclusive end of a span)."""
        if self.segments is None:
            return p
        if p <= 0:
            return 0
        ns, os_, nl, ol = self._seg(p - 1)
        return os_ + (p - ns) if nl == ol else os_ + ol

    def span(self, s: int, e: int) -> tuple[int, int]:
        if self.segments is None:
            return s, e
        a = self.start(s)
        return (a, a) if e <= s else (a, max(a, self.end(e)))



def normalize_text(text: str) -> NormText:
    """`text` with zero-width/bidi marks dropped, NFD Hangul composed, compatibility forms (full-width digits and
    letters, CJK compatibility ideographs) folded by NFKC, and Hanja article words (第250條, 第1項) read as
    제250조 / 제1항; positions map back through the returned object. Linear in the text length."""
    if _PLAIN.search(text) is None:
        return NormText(text, text, None)
    out: list[str] = []
    segs: list[tuple[int, int, int, int]] = []
    n_pos = 0  # length of the normalised text so far
    plain_from = 0  # start of the pending identity run in the original
    n = len(text)
    changed = False
    if _JAMO.search(text) is None:
        return _fold(text)
    composed = _compose_nfd(text)
    if composed is not None:
        return composed
    for run in _SPECIAL_RUN.finditer(text):
        rs, re_ = run.span()
        chunk = run.group(0)
        if _NEEDS.search(chunk) is None and unicodedata.is_normalized("NFKC", chunk):
            continue  # emoji, Hanja, other scripts: kept as they are (part of the identity run)
        i = rs
        while i < re_:
            ch = text[i]
            j = i + 1
            o = ord(ch)
            if ch in _DROP_CHARS:
                rep = ""
            elif _L0 <= o <= 0x1112 and j < n and _V0 <= ord(text[j]) <= 0x1175:
                s = 0xAC00 + ((o - _L0) * 21 + (ord(text[j]) - _V0)) * 28  # a decomposed syllable: L V (T)
                j += 1
                if j < n and 0x11A8 <= ord(text[j]) <= 0x11C2:
                    s += ord(text[j]) - _T0
                    j += 1
                rep = chr(s)
            elif ch in "第條条項号號":
                rep = ch  # read in context below
            else:
                rep = unicodedata.normalize("NFKC", ch)
            if rep != text[i:j]:
                changed = True
                if i > plain_from:
                    out.append(text[plain_from:i])
                    segs.append((n_pos, plain_from, i - plain_from, i - plain_from))
                    n_pos += i - plain_from
                if rep:
                    out.append(rep)
                    segs.append((n_pos, i, len(rep), j - i))
                    n_pos += len(rep)
                plain_from = j
            i = j
    if not changed:
        out, segs, n_pos, plain_from = [], [], 0, 0
    if plain_from < n:
        out.append(text[plain_from:])
        segs.append((n_pos, plain_from, n - plain_from, n - plain_from))
    norm = "".join(out)
    if "第" in norm or "條" in norm or "条" in norm or "項" in norm:
        norm = _HANJA_ART.sub(lambda mm: mm.group(0).translate(_HANJA_WORD).replace("之", "의"), norm)
    if norm == text:
        return NormText(text, text, None)
    return NormText(norm, text, _merge(segs))


def _compose_nfd(text: str) -> NormText | None:
    """`normalize_text` of a text whose only special characters are decomposed syllables (NFD Hangul, nothing
    else to fold): NFC composes them in one C call, and one regex pass maps each syllable to its jamo; no Python
    step per character (a megabyte of NFD text in a fraction of a second). None when the text has anything else."""
    if "\u2329" in text or "\u232a" in text:
        return None  # the angle brackets are plain here but NFC would turn them into 〈 〉
    if _PLAIN.search(_LVT.sub("", text)) is not None:
        return None
    norm = unicodedata.normalize("NFC", text)
    segs: list[tuple[int, int, int, int]] = []
    append = segs.append
    n_pos = prev = 0
    for m in _LVT.finditer(text):
        a, b = m.span()
        if a > prev:
            append((n_pos, prev, a - prev, a - prev))
            n_pos += a - prev
        append((n_pos, a, 1, b - a))
        n_pos += 1
        prev = b
    n = len(text)
    if prev < n:
        append((n_pos, prev, n - prev, n - prev))
        n_pos += n - prev
    if n_pos != len(norm):
        return None  # not one syllable per L V (T): leave it to the general loop
    return NormText(norm, text, segs)  # identity runs and syllables alternate: nothing for _merge to join


def _fold(text: str) -> NormText:
    """`normalize_text` without decomposed Hangul: one C-level translate, and map points only where a character
    is dropped or expanded (so a megabyte of zero-width marks stays well under a second)."""
    chars = set(text)
    for ch in chars - _KNOWN:
        if _PLAIN.match(ch) is None:
            _KNOWN.add(ch)  # plain: never changed
        else:
            _learn(ch)
    norm = text.translate(_REP)
    n = len(text)
    resized = "".join(ch for ch in chars if ch not in _ONE_TO_ONE and ord(ch) in _REP)
    if not resized:
        segs = [(0, 0, n, n)]
    else:
        segs = []
        n_pos = prev = 0
        for m in re.finditer("[" + re.escape(resized) + "]", text):
            i = m.start()
            r = _REP[ord(text[i])]
            if i > prev:
                segs.append((n_pos, prev, i - prev, i - prev))
                n_pos += i - prev
            if r:
                segs.append((n_pos, i, len(r), 1))
                n_pos += len(r)
            prev = i + 1
        if prev < n:
            segs.append((n_pos, prev, n - prev, n - prev))
    if "第" in norm or "條" in norm or "条" in norm or "項" in norm:
        norm = _HANJA_ART.sub(lambda mm: mm.group(0).translate(_HANJA_WORD).replace("之", "의"), norm)
    if norm == text:
        return NormText(text, text, None)
    return NormText(norm, text, segs)


def _merge(segs: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Adjacent identity runs joined (fewer segments to search)."""
    out: list[tuple[int, int, int, int]] = []
    for s in segs:
        if out:
            ns, os_, nl, ol = out[-1]
            if nl == ol and s[2] == s[3] and ns + nl == s[0] and os_ + ol == s[1]:
                out[-1] = (ns, os_, nl + s[2], ol + s[3])
                continue
        out.append(s)
    return out
