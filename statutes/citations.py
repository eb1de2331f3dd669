"""Statute citations in free-form Korean (and English) answers, with character spans.

Linear time by construction: anchors are found with simple, bounded regexes (no nested quantifiers), and
every backward look for the law name is capped at a fixed window. Spans index the original text.

Forms: 「형법」 제250조 제1항; 형법 제250조; 형법 250조; 제44조의7 제1항 제2호; 같은 법 / 동법 / 같은 조;
lists and ranges (제14조, 제14조의2 및 제15조; 제14조부터 제16조까지); full-width digits; spacing variants;
"구 ○○법"; quotes and parentheses; "Article 250 of the Criminal Act"; law names without an article.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Literal

from pydantic import BaseModel

from statutes.fastmodel import raw_record
from statutes.normalize import CIRCLED, article_no, article_sort_key, law_key, normalize_text, to_int
from statutes.registry import Registry, registry

MAX_CITATIONS = 400  # per text: beyond this an answer is runaway, not a legal opinion
MAX_LAW_WORDS = 600  # words ending in 법/법률 examined per text (adversarial input stays linear and fast)
LawRef = Literal["named", "same_law", "context", "none"]


class Citation(BaseModel):
    """One citation as written (no verdict yet)."""

    text: str
    start: int
    end: int
    law_text: str | None = None  # the law name as written (None when not named)
    law_start: int | None = None
    law_end: int | None = None
    law_ref: LawRef = "named"
    article: str | None = None  # 제44조의7
    paragraph: str | None = None  # 제1항
    item: str | None = None  # 제2호
    old_law: bool = False  # "구 ○○법": the former text is cited on purpose
    in_range: bool = False  # endpoint of a range (제14조부터 제16조까지)
    bracketed: bool = False  # 「」 or 『』 around the law name
    lang: Literal["ko", "en"] = "ko"
    instrument: str | None = None  # a named non-statute instrument (형사소송규칙, ...령): article of no Act
    range_inner: bool = False  # an article inside a range (제329조부터 제331조까지 -> 제330조), not written itself
    claimed_title: str | None = None  # the parenthesised title written right after the article: 제250조(살인)
    defined: bool = False  # the law is named by a short name the answer defined itself ("(이하 'X'이라 한다)")


_CitationRecord, _citation_model = raw_record(Citation)


_SP = r"[ \t\u00a0\u3000]{0,3}"
_D = r"[0-9０-９]"
_JO = re.compile("조")
_BACK = re.compile(rf"(?P<pfx>제{_SP})?(?P<num>{_D}{{1,4}}){_SP}$")
_SAME_BACK = re.compile(rf"(?:같은{_SP}|동)$")
_AFTER = re.compile(
    rf"(?!{_SP}[원억만천달엔])(?:{_SP}의{_SP}(?P<sub>{_D}{{1,3}})(?![0-9０-９]))?"
)
_SAME_AFTER = re.compile(rf"(?={_SP}(?:제{_SP}{_D}|{_D}{{1,3}}{_SP}[항호]|[①-⑳]))")


_SP_CHARS = " \t\u00a0\u3000"  # the characters of _SP
_DIGIT_CHARS = "0123456789０１２３４５６７８９"  # the characters of _D


class _Anchor:
    """An article anchor found from a literal '조' (fast: no per-character regex scan)."""

    __slots__ = ("start", "end", "num", "sub", "pfx", "same")

    def __init__(self, start: int, end: int, num: str | None, sub: str | None, pfx: bool, same: bool) -> None:
        self.start, self.end, self.num, self.sub, self.pfx, self.same = start, end, num, sub, pfx, same


def _anchors(text: str, pos: int):
    for m in _JO.finditer(text, pos):
        i = m.start()
        c = text[i - 1] if i else ""
        if not (c.isdigit() or c in _SPACES or c in "은동"):
            continue
        if c and c in _SPACES:
            # "… 조치", "… 조사": after the spaces both patterns need a digit or 같은 (a third of all 조 in answers,
            # and never an anchor): looked at directly, without the two window searches
            k, lo = i - 1, i - 4
            while k > lo and k >= 0 and text[k] in _SP_CHARS:
                k -= 1
            if k < 0 or (text[k] not in _DIGIT_CHARS and not (text[k] == "은" and k > 0 and text[k - 1] == "같")):
                continue
        b = _BACK.search(text, max(0, i - 12), i) if c not in "은동" else None
        if b is not None:
            s = b.start()
            if s > 0 and text[s - 1] in _DIGIT_CHARS:
                continue
            a = _AFTER.match(text, i + 1)
            yield _Anchor(s, a.end() if a else i + 1, b.group("num"), a.group("sub") if a else None,
                          b.group("pfx") is not None, False) if a else None
            continue
        sb = _SAME_BACK.search(text, max(0, i - 6), i)
        if sb is not None and _SAME_AFTER.match(text, i + 1):
            if sb.group(0) == "동" and i - 1 > 0 and "가" <= text[i - 2] <= "힣":
                continue
            yield _Anchor(sb.start(), i + 1, None, None, False, True)


_PARA = re.compile(rf"{_SP}(?:제{_SP}(?P<n>{_D}{{1,3}}){_SP}항|(?P<m>{_D}{{1,3}}){_SP}항|(?P<c>[①-⑳]))")
_ITEM = re.compile(
    rf"{_SP}(?:제{_SP})?(?P<n>{_D}{{1,3}}){_SP}호(?!{_SP}[실선차])(?:{_SP}의{_SP}(?P<s>{_D}{{1,2}})(?![0-9０-９]))?"
)
_MOK = re.compile(rf"{_SP}[가-하]{_SP}목")
_TITLE = re.compile(r"[ \t]{0,2}\([^()\n]{1,40}\)")
_CIT_IN_TITLE = re.compile(r"제[ \t]{0,3}[0-9０-９]{1,4}[ \t]{0,3}조|현행")
# a list may go on after a line break ("민법 제1008조, \n        제1042조": 참조조문 lists, wrapped answers)
_LIST_WS = r"[ \t\u00a0\u3000]{0,3}(?:\n[ \t\u00a0\u3000]{0,12}){0,3}"  # bounded: the match stays linear
_SEP = re.compile(rf"{_LIST_WS}(?P<sep>,|ㆍ|·|/|및|와|과|또는|내지|부터|~|∼|〜|에서){_LIST_WS}")
_ART_ONLY = re.compile(
    rf"(?:제{_SP})?(?P<num>{_D}{{1,4}}){_SP}조(?!{_SP}[원억만천달엔])(?:{_SP}의{_SP}(?P<sub>{_D}{{1,3}})(?![0-9０-９]))?"
)
_UNTIL = re.compile(rf"{_SP}까지")
_LAW_WORD = re.compile(
    r"법(?:률)?(?=(?:상의|상|에서는|에서|에는|에|은|는|이|가|을|를|의|과|와|도|으로|로|이나|만|위반|입니다|이며|이고|이다)?"
    r"(?:[^가-힣]|$))"
)
_BRACKET = re.compile(r"[「『]([^「」『』\n]{1,80})[」』]")
_EN_ARTICLE = re.compile(
    r"\b(?:Article|Art\.)[ ]?(?P<num>\d{1,4})(?:-(?P<sub>\d{1,3}))?(?:[ ]?\((?P<para>\d{1,2})\))?"
    r"(?:[ ]?\((?P<item>\d{1,2})\)|[ ]?(?P<item2>\d{1,2})\b)?"
    r"(?:[ ]of[ ](?:the[ ])?(?P<name>[A-Z][A-Za-z'\-]*(?:,?[ ](?!Article\b|Art\.)[A-Za-z'\-.]+){0,18}))?"
)
_EN_NAME_ART = re.compile(r"(?P<name>(?:[A-Z][A-Za-z'\-]*[ ]){0,12}(?:Act|Code|Constitution)),?[ ](?:Article|Art\.)[ ]?(?P<num>\d{1,4})(?:-(?P<sub>\d{1,3}))?")
_EN_LAW = re.compile(r"\b(?P<name>(?:[A-Z][A-Za-z'\-]*[ ]){0,14}(?:Act|Code|Constitution))\b")

_SAME_LAW_1 = {"동법", "같은법", "동법상", "같은법상"}
_SAME_LAW_2 = {("같은", "법"), ("동", "법"), ("위", "법"), ("이", "법"), ("같은", "법률"), ("위", "법률")}
_SAME_LAW_2_LAST = frozenset(b for _, b in _SAME_LAW_2)
_STRONG_SUFFIX = ("특례법", "특별법", "기본법", "처벌법", "방지법", "보호법", "관한법률", "위한법률", "금지법", "규제법")
_LAWISH_END = ("법", "법률", "시행령", "시행규칙", "헌법")
_INSTRUMENT_END = ("규칙", "령", "규정", "고시", "훈령", "예규", "조례")  # non-statute instruments
_NAME_CONNECTORS = {"등에", "관한", "위한", "대한", "및", "등", "등의"}
_STOP_SUFFIX = ("은", "는", "을", "를", "에서", "으로", "고", "며", "면", "다", "요", "도", "서", "라", "여")
_OPEN = "([{<〈《“\"'‘"
_OPEN_IN = "([「『“\"'‘"
_CLOSE_TRIM = ".,;:!?)]}>〉》”\"'’"
_SENT_END = ".!?\n。"
_SENT_END_RE = re.compile("[" + re.escape(_SENT_END) + "]")
_NAME_WORD = re.compile(r"[가-힣A-Za-z0-9ㆍ·]+")


_SPACES = " \t\u00a0\u3000\r\f\v"


_WS_CHARS = " \t\n\u3000\u00a0"  # token separators for the backward look
_WS_RE = re.compile("[" + re.escape(_WS_CHARS) + "]")
_OPEN_IN_RE = re.compile("[" + re.escape(_OPEN_IN) + "]")
_ITEM_DOT_RE = re.compile(r"[·ㆍ](?=[)\]）」』조항호목])")  # searched in the reversed text: ")·" / "조·" backwards
_TOKEN_EDGE_RE = re.compile("[" + re.escape(_WS_CHARS + _OPEN_IN) + "·ㆍ]")
_REV: tuple[str, str] = ("", "")  # (text, text reversed): the last text scanned, reused across calls


def _reversed(text: str) -> str:
    """`text[::-1]`, computed once per text: a forward regex search in it is a backward search in `text`
    (one C call instead of a `rfind` per separator character)."""
    cached = _REV
    if cached[0] is text:
        return cached[1]
    rev = text[::-1]
    globals()["_REV"] = (text, rev)
    return rev


def _prev_token(text: str, i: int, lo: int) -> tuple[int, int] | None:
    """The whitespace token ending at or before `i` (not crossing a newline or `lo`), or None."""
    while i > lo and text[i - 1] in _SPACES:
        i -= 1
    if i <= lo or text[i - 1] == "\n":
        return None
    n = len(text)
    cached = _REV
    rev = cached[1] if cached[0] is text else _reversed(text)
    # the nearest separator, opening bracket or middle dot: when it is a separator (most tokens: "형법",
    # "근로기준법"), the bracket and dot searches below cannot find anything in the token and are skipped
    m = _TOKEN_EDGE_RE.search(rev, n - i, n - lo)
    if m is None:
        if lo > 0 and not text[lo - 1].isspace():
            return None
        return lo, i
    if m.group() in _WS_CHARS:
        return n - m.start(), i
    # last separator in text[lo:i] == first one in rev[n - i : n - lo]
    m = _WS_RE.search(rev, n - i, n - lo)
    if m is None:
        if lo > 0 and not text[lo - 1].isspace():
            return None  # the token runs past the window
        j = lo - 1
    else:
        j = n - 1 - m.start()
    # an opening bracket or quote inside the token starts the name: 대상입니다(형법 -> (형법
    m = _OPEN_IN_RE.search(rev, n - i + 1, n - j - 1)
    if m is not None and n - 1 - m.start() > j + 1:
        j = n - 1 - m.start() - 1
    # a middle dot after a closing bracket or an article ends the previous item: 등)·군형법, 제8조·형법 -> 군형법, 형법
    m = _ITEM_DOT_RE.search(rev, n - i + 1, n - j - 2)
    if m is not None:
        return n - m.start(), i
    return j + 1, i


def _longest_known(reg: Registry, text: str, last_s: int, last_e: int) -> int | None:
    """Start of the longest run of tokens ending at `last_e` whose key is a known law name."""
    best = None
    cand = ""
    lo = max(0, last_e - 110)
    s, e = last_s, last_e
    for n in range(reg.max_key_words):
        s2 = s
        while s2 < e and text[s2] in _OPEN:
            s2 += 1
        tk = law_key(text[s2:e])
        if n == 0:
            for suffix in ("시행령", "시행규칙"):
                if tk.endswith(suffix):
                    tk = tk[: -len(suffix)]
                    break
        cand = tk + cand
        if cand and cand in reg.names:
            best = s2
        if (cand and cand not in reg.suffixes) or s2 != s:
            break
        t = _prev_token(text, s, lo)
        if t is None:
            break
        s, e = t
    return best


class _LawFound:
    __slots__ = ("text", "start", "end", "ref", "old", "bracketed", "decree_of_same", "instrument", "defined")

    def __init__(self, text: str | None, start: int | None, end: int | None, ref: LawRef, old: bool = False,
                 bracketed: bool = False, decree_of_same: str | None = None, instrument: str | None = None,
                 defined: bool = False) -> None:
        self.text, self.start, self.end, self.ref = text, start, end, ref
        self.old, self.bracketed, self.decree_of_same = old, bracketed, decree_of_same
        self.instrument = instrument  # set with ref="none": the article belongs to a rule/decree, not an Act
        self.defined = defined  # `text` is the full name behind a short name the answer defined


class _Definitions(dict):
    """Short names an answer defines for a law ("「…법률」(이하 '청탁법'이라 한다)"): key -> the full name as written;
    `spans` holds (start, end of the short name, end of the definition) of each definition."""

    spans: list[tuple[int, int, int]]


_DEF = re.compile(
    r"\([ \t]{0,2}이하[ \t]{0,2}(?:[「『'\"‘“](?P<q>[^'\"’”」』\n()]{1,30})[」』'\"’”]|(?P<b>[^()\s'\"「『‘“]{1,20}?))"
    r"[ \t]{0,2}(?:(?:이?라|으로)[ \t]{0,2}(?:한다|함|칭한다|칭함|합니다|하겠습니다|부릅니다|하며|하고)|라고[ \t]{0,2}(?:한다|함|합니다|부릅니다))?"
    r"[ \t]{0,2}\)"
)
_DEF_PARTICLES = ("상의", "상", "의", "에서", "에", "은", "는", "이", "가", "을", "를", "과", "와", "도")


def _definitions(reg: Registry, text: str) -> _Definitions | None:
    """The short names defined in `text` for a law named right before the definition."""
    defs = _Definitions()
    defs.spans = []
    for m in _DEF.finditer(text):
        name = (m.group("q") or m.group("b") or "").strip()
        key = law_key(name)
        if not key or len(key) > 30 or key in _SAME_LAW_1:
            continue
        f = _find_law_before(reg, text, m.start())
        if f is None or f.ref != "named" or not f.text:
            continue
        fk = law_key(f.text)
        if not (reg.is_known_key(fk) or fk.endswith(_LAWISH_END)):
            continue
        defs[key] = f.text
        defs.spans.append((m.start(), m.end(), m.end()))
    return defs or None


def _defined_name(defs: _Definitions, word: str) -> str | None:
    k = law_key(word)
    hit = defs.get(k)
    if hit is None:
        for suf in _DEF_PARTICLES:
            if k.endswith(suf) and k[: -len(suf)] in defs:
                return defs[k[: -len(suf)]]
    return hit


def _find_law_before(reg: Registry, text: str, end: int, need_lawish: bool = True, defs=None) -> _LawFound | None:
    """The law name that ends right before `end` (an article anchor), if any."""
    j = end
    while j > 0 and text[j - 1] in " \t\u00a0\u3000":
        j -= 1
    if j > 0 and text[j - 1] in "」』":
        k = text.rfind("「" if text[j - 1] == "」" else "『", max(0, j - 82), j - 1)
        if k >= 0 and "\n" not in text[k:j]:
            old = _old_before(text, k)
            return _LawFound(text=text[k + 1 : j - 1], start=k, end=j, ref="named", old=old, bracketed=True)
        return None
    # one parenthetical between law name and article: 구 근로기준법(2007. 4. 11. ... 전의 것) 제30조
    if j > 0 and text[j - 1] == ")":
        k = text.rfind("(", max(0, j - 100), j - 1)
        if k > 0 and ")" not in text[k : j - 1] and "\n" not in text[k:j]:
            inner = _find_law_before(reg, text, k, need_lawish=True, defs=defs)
            if inner is not None and (inner.ref == "named" or inner.instrument):
                return inner
    lt = _prev_token(text, j, max(0, j - 110))
    if lt is None:
        return None
    last = text[lt[0] : lt[1]].rstrip(_CLOSE_TRIM)
    while last and last[0] in _OPEN:
        last = last[1:]
    last_e = lt[0] + len(text[lt[0] : lt[1]].rstrip(_CLOSE_TRIM))
    # a short name the answer defined ("(이하 '청탁법'이라 한다)" ... 청탁법 제8조)
    if defs:
        full = _defined_name(defs, last)
        if full is not None:
            s = lt[0]
            while s < last_e - 1 and text[s] in _OPEN:
                s += 1
            return _LawFound(text=full, start=s, end=last_e, ref="named", old=_old_before(text, s), defined=True)
    # 같은법시행령 / 동법시행규칙 / 같은 법시행령 glued in one word
    if last.endswith(("법시행령", "법시행규칙")) and len(last) <= 8:
        glued = _glued_same_decree(text, last, lt[0], j)
        if glued is not None:
            return glued
    # 같은 법 / 동법 (optionally 시행령)
    decree = None
    probe = last
    if last in ("시행령", "시행규칙") or last in _SAME_LAW_2_LAST:  # the word before matters only here
        prev_t = _prev_token(text, lt[0], max(0, j - 110))
        # "(같은 법 제9조)": an opening bracket glued to the first word is not part of it
        prev_w = text[prev_t[0] : prev_t[1]].lstrip(_OPEN) if prev_t else ""
        if last in ("시행령", "시행규칙") and prev_t is not None:
            decree, probe = last, prev_w
            pp = _prev_token(text, prev_t[0], max(0, j - 110))
            prev_w = text[pp[0] : pp[1]].lstrip(_OPEN) if pp else ""
        if probe in _SAME_LAW_1 or (prev_w, probe) in _SAME_LAW_2 or (decree and probe in ("동", "같은")):
            return _LawFound(text=None, start=None, end=None, ref="same_law", decree_of_same=decree)
        if decree and probe.endswith(_INSTRUMENT_END) and not probe.endswith(("시행령", "시행규칙")):
            # 도로점용료징수조례 시행규칙 제16조: the rule of a local ordinance, not of an Act
            return _LawFound(text=None, start=None, end=None, ref="none", instrument=f"{probe} {decree}")
    elif probe in _SAME_LAW_1:
        return _LawFound(text=None, start=None, end=None, ref="same_law", decree_of_same=decree)
    # longest run of tokens ending at the last one that is a known name
    best = None
    st = _longest_known(reg, text, lt[0], last_e)
    if st is not None:
        best = (st, last_e)
    else:
        # particles glued to the name before the article: 형법상 제250조, 형법의 제250조
        for suf in ("상의", "상", "의", "에서", "중"):
            if last.endswith(suf) and len(last) > len(suf):
                st = _longest_known(reg, text, lt[0], last_e - len(suf))
                if st is not None:
                    best = (st, last_e - len(suf))
                    break
    if best is None:
        key_last = law_key(last)
        if key_last.endswith(TREATY_END):
            # 국제적 아동탈취의 민사적 측면에 관한 협약 제3조: a treaty, outside the statute book
            return _LawFound(text=None, start=None, end=None, ref="none", instrument=last)
        if not key_last.endswith(_LAWISH_END) and not key_last.endswith("act"):
            if key_last.endswith(_INSTRUMENT_END) and len(key_last) > 2:
                # 형사소송규칙 제156조의2: a rule/decree of its own, not an article of the Act cited before it
                return _LawFound(text=None, start=None, end=None, ref="none", instrument=last)
            return None
        if need_lawish and len(key_last) < 2:
            return None
        s = lt[0]
        while s < last_e - 1 and text[s] in _OPEN:
            s += 1
        unglued = _unglued(reg, text, s, last_e)
        if unglued is not None:
            return unglued
        if (key_last in ("법", "법률") or len(key_last) <= 3 or key_last.endswith(("특례법", "특별법", "기본법", "법률"))
                or _after_connector(text, lt[0])):
            # a multi-word name: extend back over name-like words (nearest first, up to 9, same window)
            lo, i = max(0, lt[0] - 110), lt[0]
            for _ in range(9):
                t = _prev_token(text, i, lo)
                if t is None:
                    break
                ts, te = t
                w = text[ts:te]
                if not _NAME_WORD.fullmatch(w):
                    break
                if w not in _NAME_CONNECTORS and w.endswith(_STOP_SUFFIX):
                    break
                s = i = ts
        best = (s, last_e)
    s, e = best
    return _LawFound(text=text[s:e], start=s, end=e, ref="named", old=_old_before(text, s))


def _after_connector(text: str, tok_start: int) -> bool:
    """The word before the name's last word is a connector ("…면제에 관한 특별조치법"): the name runs on
    before it."""
    t = _prev_token(text, tok_start, max(0, tok_start - 12))
    return t is not None and text[t[0] : t[1]] in ("관한", "위한", "대한")


# what 참조조문 lists glue before a name: list markers (가.나.), 구)/(폐) marks, an article, a bare 구
_GLUED_PREFIX = re.compile(r"(?:[가나다라마바사아자차카타파하][.)][ \t]?)+|\(?(?P<mark>구|폐|舊)\)[ \t]?|제[0-9]{1,4}조(?:의[0-9]{1,3})?|(?P<old>구|舊)(?=[가-힣])")
TREATY_END = ("협약", "협정", "조약", "의정서", "합의의사록")


def _unglued(reg: Registry, text: str, s: int, e: int) -> _LawFound | None:
    """The name in a token that is not itself a known name but carries a glued prefix ("가.나.행정소송법",
    "구)법인세법", "제261조민법", "구특허법"): the rest, when it is a known name (or, after a list marker or a
    mark, any Act-like name). Reached only for tokens no known name ends, so ordinary text never pays for it."""
    m = _GLUED_PREFIX.match(text, s, e)
    if m is None or m.end() >= e:
        return None
    r = m.end()
    key = law_key(text[r:e])
    if len(key) < 2 or (not reg.is_known_key(key) and (m.group("old") or not key.endswith(_LAWISH_END))):
        return None
    old = m.group("old") is not None or m.group("mark") in ("구", "舊") or _old_before(text, s)
    return _LawFound(text=text[r:e], start=r, end=e, ref="named", old=old)


def _glued_same_decree(text: str, last: str, tok_start: int, j: int) -> _LawFound | None:
    for same in ("같은법", "동법", "법"):
        if last.startswith(same) and last[len(same):] in ("시행령", "시행규칙"):
            if same == "법":
                pw = _prev_token(text, tok_start, max(0, j - 110))
                if pw is None or text[pw[0] : pw[1]].lstrip(_OPEN) not in ("같은", "동", "위", "이"):
                    return None
            return _LawFound(text=None, start=None, end=None, ref="same_law", decree_of_same=last[len(same):])
    return None


def _old_before(text: str, s: int) -> bool:
    if s == 0:
        return False
    c = text[s - 1]
    if c != "구" and c != "舊" and not c.isspace():
        return False  # what the slice below would end with: neither mark (most names)
    t = text[max(0, s - 3) : s].rstrip()
    return t.endswith("구") and (len(t) == 1 or not ("가" <= t[-2] <= "힣")) or t.endswith("舊")


_ART_NOS: dict[tuple[str | None, str | None], str] = {}


def _article_no(num: str | None, sub: str | None) -> str:
    """`article_no` of the digits as written, kept for the few thousand forms texts use (a dict hit instead of
    two translates and a format per anchor)."""
    got = _ART_NOS.get((num, sub))
    if got is None:
        got = article_no(num, sub)
        if len(_ART_NOS) < 8192:
            _ART_NOS[(num, sub)] = got
    return got


def _article_from(m: re.Match) -> str:
    return _article_no(m.group("num"), m.group("sub"))


def extract_citations(text: str, reg: Registry | None = None) -> list[Citation]:
    """All citations in `text`, in order of appearance (Korean, then English forms merged by position)."""
    return [_citation_model(c) for c in extract_citations_fast(text, reg)]


def extract_citations_fast(text: str, reg: Registry | None = None) -> list:
    """`extract_citations` returning lightweight records (same attributes as `Citation`). The text is normalised
    first (zero-width/bidi marks, NFD Hangul, full-width forms, Hanja article words); spans and surface texts
    refer to the original `text`."""
    if not text:
        return []
    nt = normalize_text(text)
    out = extract_citations_normalized(nt.text, reg)
    if nt.mapped:
        for c in out:
            c.start, c.end = nt.span(c.start, c.end)
            c.text = text[c.start : c.end]
            if c.law_start is not None and c.law_end is not None:
                c.law_start, c.law_end = nt.span(c.law_start, c.law_end)
    return out


def extract_citations_normalized(text: str, reg: Registry | None = None) -> list:
    """Citations of a text that is already normalised (`statutes.normalize.normalize_text`): the checks' hot path."""
    if not text:
        return []
    reg = reg or registry()
    out: list[Citation] = []
    used_law_spans: set[int] = set()
    # substring tests of two or more characters scan the whole text (~0.4 µs each on a 1.5 KB answer); a
    # one-character test first (memchr speed) skips them for the answers that cannot hold the form
    defs = _definitions(reg, text) if "이하" in text and ("(이하" in text or "( 이하" in text) else None
    if "조" in text:
        _extract_articles(reg, text, out, used_law_spans, defs)
    if "법" in text or "「" in text or "『" in text or defs:
        _extract_law_mentions(reg, text, out, used_law_spans, defs)
    if ("A" in text or "C" in text) and (
        "Act" in text or "Article" in text or "Code" in text or "Constitution" in text or "Art." in text
    ):
        _extract_english(reg, text, out)
    out.sort(key=lambda c: (c.start, c.end))
    return out[:MAX_CITATIONS]


# between two items of a 참조조문 list: separators, line breaks, list markers (/ 나. , [2]), a bracketed tag
# ([행정처분일반]), an opening "(현행" or the "참조)" closing one, 단서/본문 after the article before: each
# alternative starts with its own characters, so matching is linear
_LIST_GAP = re.compile(r"(?:[ \t\n\u00a0\u3000,;/)]|[가나다라마바사아자차카타파하][.)]|\[[0-9]{1,2}\]|\[[^\[\]\n]{1,20}\]|"
                       r"\(현행|참조|단서|본문|전단|후단)*")
_LIST_GAP_SEP = re.compile(r"[,;/]|[가나다라마바사아자차카타파하][.)]|\[[0-9]{1,2}\]|\(현행")
MAX_LIST_GAP = 160


def _list_gap(text: str, s: int, e: int) -> bool:
    """The text between a citation and a bare article is only list punctuation, with at least one separator:
    the article belongs to the law of the list item before it ("가. 상표법 제48조 / 나. 제46조")."""
    if e - s > MAX_LIST_GAP or e <= s:
        return False
    m = _LIST_GAP.match(text, s, e)
    return m is not None and m.end() == e and _LIST_GAP_SEP.search(text, s, e) is not None


def _annotation_at(text: str, start: int) -> bool:
    """A citation that opens a bracket annotates the one before it: "제236조(행정소송법 제8조)",
    "제9조 제1항(현행 상속세및증여세법 제60조 참조)"."""
    if start == 0:
        return False
    c = text[start - 1]
    if c == "(":
        return True
    if c != "행" and c not in _WS_CHARS:
        return False  # no space or 현행 to step back over: the character before decides (most citations)
    k = start
    lo = max(0, start - 16)
    while k > lo and text[k - 1] in _WS_CHARS:
        k -= 1
    if text.startswith("현행", k - 2):
        k -= 2
        while k > lo and text[k - 1] in _WS_CHARS:
            k -= 1
    return k > 0 and text[k - 1] == "("

_RANGE_SEPS = ("부터", "내지", "~", "∼", "〜")
MAX_RANGE = 120  # articles a range may cover (제1조부터 제120조까지); wider spans are left as their two ends


def _extract_articles(reg: Registry, text: str, out: list[Citation], used: set[int], defs=None) -> None:
    prev: Citation | None = None
    outer: Citation | None = None  # the last citation that is not an annotation in brackets after another
    resume = 0
    for m in _anchors(text, 0):
        if len(out) >= MAX_CITATIONS:
            return
        if m is None or m.start < resume:
            continue
        a_start = m.start
        if m.same:
            if prev is None or prev.article is None:
                continue
            law = _LawFound(text=prev.law_text, start=None, end=None, ref="same_law", old=prev.old_law)
            first_article = prev.article
            same_article = True
        else:
            law = _find_law_before(reg, text, a_start, True, defs)
            first_article = _article_no(m.num, m.sub)
            same_article = False
            if not m.pfx and (law is None or law.ref != "named"):
                continue  # "3조" without 제 and without a law name: not a citation (3조 원 ...)
        if law is None:
            near = prev is not None and prev.law_text is not None and (
                a_start - prev.end <= 60 and _SENT_END_RE.search(text, prev.end, a_start) is None
                or _list_gap(text, prev.end, a_start)
            )
            named = _law_in_sentence(reg, text, a_start, defs, prev.end if near else 0)
            if named is not None and (not near or named[1] > prev.end):
                law = _LawFound(text=named[0], start=None, end=None, ref="context", old=named[2])
            elif near:
                src = prev
                if outer is not None and outer is not prev and outer.law_text and text.rfind(")", prev.end, a_start) >= 0:
                    src = outer  # "구 상속세법 제32조의2(현행 상속세및증여세법 제41조의2 참조), 제29조의4": 구 상속세법
                law = _LawFound(text=src.law_text, start=None, end=None, ref="context", old=src.old_law)
            else:
                law = _LawFound(text=None, start=None, end=None, ref="none")
        elif law.ref == "same_law":
            if prev is not None and prev.law_text is not None:
                base = prev.law_text
                if outer is not prev and outer is not None and outer.law_text and text.rfind(")", prev.end, a_start) >= 0:
                    # "민사소송법 제236조(행정소송법 제8조 제2항) / 나. 같은 법 제263조": 같은 법 is the law of the
                    # citation the bracket annotates, not of the annotation
                    base = outer.law_text
                if law.decree_of_same:
                    base = _DECREE_TAIL.sub("", base) + f" {law.decree_of_same}"
                law = _LawFound(text=base, start=None, end=None, ref="same_law", old=prev.old_law)
            else:
                law = _LawFound(text=None, start=None, end=None, ref="none")
        if law.start is not None:
            used.add(law.start)
        refs, ranges, titles, resume = _parse_run(text, m.end, first_article, a_start, same_article, prev)
        inner = _range_inner(reg, law.text, refs, ranges) if ranges else None
        for k, (art, para, item, s, e, rng) in enumerate(refs):
            start = s if law.start is None or s != a_start else min(s, law.start)
            c = _CitationRecord(
                text=text[start:e], start=start, end=e, law_text=law.text, law_start=law.start, law_end=law.end,
                law_ref=law.ref, article=art, paragraph=para, item=item, old_law=law.old, in_range=rng,
                bracketed=law.bracketed, lang="ko", instrument=law.instrument,
            )
            if titles is not None and k in titles:
                c.claimed_title = titles[k]
            if law.defined:
                c.defined = True
            out.append(c)
            if prev is None or not _annotation_at(text, start):
                outer = c
            prev = c
            if len(out) >= MAX_CITATIONS:
                return
            if inner is None:
                continue
            for no in inner.get(k, ()):
                rs, re_ = start, refs[k + 1][4]
                out.append(_CitationRecord(
                    text=text[rs:re_], start=rs, end=re_, law_text=law.text, law_start=law.start, law_end=law.end,
                    law_ref=law.ref, article=no, old_law=law.old, in_range=True, range_inner=True,
                    bracketed=law.bracketed, lang="ko", instrument=law.instrument, defined=law.defined,
                ))
                if len(out) >= MAX_CITATIONS:
                    return


_DECREE_TAIL = re.compile(r"[ \t]*시행(?:령|규칙)$")


def _range_inner(reg: Registry, law_text: str | None, refs: list, ranges: list[int]) -> dict[int, list[str]]:
    """The articles strictly between the two ends of each range, keyed by the index of the first end: the law's
    own articles when it is in the registry (so 제14조의2 is covered too), else every main number in between."""
    law = None
    if law_text:
        res = reg.resolve(law_text, fuzzy=False)
        law = res.law if res.kind == "registry" else None
    arts = _sorted_articles(reg, law.id) if law is not None else None
    out: dict[int, list[str]] = {}
    for k in ranges:
        if k + 1 >= len(refs):
            continue
        lo, hi = article_sort_key(refs[k][0]), article_sort_key(refs[k + 1][0])
        if not lo < hi or hi[0] - lo[0] > MAX_RANGE:
            continue
        if arts:
            keys, nos = arts
            inner = nos[bisect.bisect_right(keys, lo) : bisect.bisect_left(keys, hi)]
        else:
            inner = [article_no(n) for n in range(lo[0] + 1, hi[0] + (1 if hi[1] else 0))]
        if inner:
            out[k] = inner
    return out


@functools.lru_cache(maxsize=256)
def _sorted_articles(reg: Registry, law_id: str) -> tuple[list[tuple[int, int]], list[str]] | None:
    """The law's article numbers in order, with their sort keys (for ranges)."""
    arts = reg.articles.get(law_id)
    if not arts:
        return None
    nos = sorted(arts, key=article_sort_key)
    return [article_sort_key(no) for no in nos], nos


_LAW_CTX_WINDOW = 200  # chars back in the sentence where a bare article looks for the law it belongs to


def _law_in_sentence(reg: Registry, text: str, end: int, defs, after: int = 0) -> tuple[str, int, bool] | None:
    """The last known law named in the same sentence before a bare article ("근로기준법에 따르면 … 제23조"), and
    after position `after` when given; for an article that opens a list item, the law named in the list's header
    line ("근로기준법:\n- 제23조"): (law text, end of the name, old-law flag), or None."""
    lo = max(0, end - _LAW_CTX_WINDOW, after)
    for mm in _SENT_END_RE.finditer(text, lo, end):
        lo = mm.end()
    found = _last_law_in(reg, text, lo, end, defs)
    if found is None and after == 0:
        ls = text.rfind("\n", max(0, end - 12), end) + 1
        if ls > 0:
            mk = _LIST_MARK.match(text, ls, end)
            if mk is not None and mk.end() == end:  # the article opens a list item
                found = _law_of_list(reg, text, ls, defs)
    return found


_LIST_MARK = re.compile(r"[ \t]{0,4}(?:[-*•·○●▶▷※]|[0-9]{1,2}[.)]|[가-하][.)])[ \t]+")
MAX_LIST_LINES = 12


def _law_of_list(reg: Registry, text: str, item_start: int, defs) -> tuple[str, int, bool] | None:
    """The law named in the header line of the list whose item starts at `item_start` (the nearest line above
    that is not an item), looking back over at most MAX_LIST_LINES lines."""
    hi = item_start - 1  # the newline before the item
    for _ in range(MAX_LIST_LINES):
        lo = text.rfind("\n", max(0, hi - 300), hi) + 1
        if lo == 0 and hi - 300 > 0:
            return None
        if _LIST_MARK.match(text, lo, hi) is None:
            return _last_law_in(reg, text, lo, hi, defs) if text[lo:hi].strip() else None
        if lo == 0:
            return None
        hi = lo - 1
    return None


def _last_law_in(reg: Registry, text: str, lo: int, end: int, defs) -> tuple[str, int, bool] | None:
    if text.find("법", lo, end) < 0 and not defs:
        return None
    hits = [mm.end() for mm in _LAW_WORD.finditer(text, lo, end)]
    if defs:
        hits += [e for s, e, _ in defs.spans if lo <= s and e <= end]
    for e in sorted(hits, reverse=True)[:3]:
        f = _find_law_before(reg, text, e, defs=defs)
        if f is None or f.ref != "named" or f.start is None or f.start < lo or not f.text:
            continue
        if f.defined or reg.is_known_key(law_key(f.text)):
            return f.text, f.end, f.old
    return None


def _parse_run(text: str, pos: int, article: str, start: int, same_article: bool, prev: Citation | None):
    """Paragraph/item after an article, then more refs joined by separators. Returns the refs
    (article, paragraph, item, start, end, in_range), the indexes of refs that open a range, the titles written
    after refs (index -> title; None when there are none) and the end."""
    refs: list[tuple[str, str | None, str | None, int, int, bool]] = []
    ranges: list[int] = []
    titles: dict[int, str] | None = None
    para = item = None
    if same_article and prev is not None:
        para = prev.paragraph
    cur_start, rng = start, False
    while True:
        mp = _PARA.match(text, pos)
        if mp:
            para = _para(mp)
            item = None
            pos = mp.end()
        mi = _ITEM.match(text, pos)
        if mi:
            item = f"제{to_int(mi.group('n'))}호" + (f"의{to_int(mi.group('s'))}" if mi.group("s") else "")
            pos = mi.end()
            mk = _MOK.match(text, pos)
            if mk:
                pos = mk.end()
        refs.append((article, para, item, cur_start, pos, rng))
        after = pos
        mt = _TITLE.match(text, after)
        if mt and _CIT_IN_TITLE.search(mt.group(0)):
            mt = None  # "(현행 제12조 참조)", "(구민법 제176조)": a citation in brackets, not the article's title
        if mt:
            after = mt.end()
            if titles is None:
                titles = {}
            titles[len(refs) - 1] = mt.group(0).strip()[1:-1].strip()
        ms = _SEP.match(text, after)
        if not ms:
            break
        sep = ms.group("sep")
        q = ms.end()
        ma = _ART_ONLY.match(text, q)
        if ma and (text.startswith("제", q) or ma.group("sub") or sep not in ("와", "과", "및", "에서")):
            if sep in _RANGE_SEPS:
                refs[-1] = refs[-1][:5] + (True,)
                rng = True
                ranges.append(len(refs) - 1)
            else:
                rng = False
            article, para, item = _article_from(ma), None, None
            cur_start, pos = q, ma.end()
            mu = _UNTIL.match(text, pos)
            if mu and rng:
                pos2 = mu.end()
                refs.append((article, None, None, cur_start, pos, True))
                return refs, ranges, titles, pos2
            continue
        mp = _PARA.match(text, q)
        if mp and sep != "에서":
            cur_start, rng = q, False
            pos = q
            item = None
            continue
        mi = _ITEM.match(text, q)
        if mi and sep != "에서" and para is not None or (mi and item is not None and sep != "에서"):
            cur_start, rng = q, False
            pos = q
            continue
        break
    return refs, ranges, titles, pos


def _para(mp: re.Match) -> str:
    if mp.group("c"):
        return f"제{CIRCLED[mp.group('c')]}항"
    return f"제{to_int(mp.group('n') or mp.group('m'))}항"


def _extract_law_mentions(reg: Registry, text: str, out: list[Citation], used: set[int], defs=None) -> None:
    taken = {(c.law_start, c.law_end) for c in out if c.law_start is not None}
    taken_starts = {c.law_start for c in out if c.law_start is not None}
    bracket_spans: list[tuple[int, int]] = []
    for m in _brackets(text):
        if len(out) >= MAX_CITATIONS:
            return
        bracket_spans.append((m.start(), m.end()))
        if m.start() in taken_starts:
            continue
        inner = m.group(1)
        key = law_key(inner)
        if not (key.endswith(_LAWISH_END) or reg.is_known_key(key)):
            continue
        out.append(
            _CitationRecord(
                text=m.group(0), start=m.start(), end=m.end(), law_text=inner, law_start=m.start(),
                law_end=m.end(), bracketed=True, old_law=_old_before(text, m.start()),
            )
        )
    law_spans = [(s, e) for s, e in taken if s is not None and e is not None]
    if defs:
        bracket_spans += [(s, e) for s, e, _ in defs.spans]
        _defined_mentions(reg, text, out, defs, taken, taken_starts, bracket_spans)
    seen = 0
    for m in _LAW_WORD.finditer(text):
        if len(out) >= MAX_CITATIONS or seen >= MAX_LAW_WORDS:
            return
        e = m.end()
        s0 = m.start()
        if s0 and text[s0 - 1] in "방불" and (s0 < 2 or not "가" <= text[s0 - 2] <= "힣"):
            continue  # 방법 / 불법 (a fifth of all 법 words in real answers): never the end of a law name
        if (law_spans and _in_spans(s0, law_spans)) or (bracket_spans and _in_spans(s0, bracket_spans)):
            continue
        seen += 1
        if defs is None and s0 >= 2 and text[s0 - 1] == " " and _same_law_word(text, s0, e):
            continue  # "같은 법", "이 법": what _find_law_before would call same_law, which names no law here
        f = _find_law_before(reg, text, e, defs=defs)
        if f is None or f.ref != "named" or f.start is None:
            continue
        if (f.start, f.end) in taken or f.start in taken_starts:
            continue
        key = law_key(f.text or "")
        if f.defined:
            continue  # found by _defined_mentions
        if not reg.is_known_key(key) and not key.endswith(_STRONG_SUFFIX):
            continue
        if not reg.is_known_key(key) and len(key) > 40:
            continue
        taken.add((f.start, f.end))
        out.append(
            _CitationRecord(
                text=text[f.start : f.end], start=f.start, end=f.end, law_text=f.text, law_start=f.start,
                law_end=f.end, old_law=f.old,
            )
        )


def _same_law_word(text: str, s0: int, e: int) -> bool:
    """The law word text[s0:e] ("법", "법률") stands alone after one space, and the word before it is a whole word
    (after a space, a line break or the start) that makes it 같은 법 / 동 법 / 위 법 / 이 법: exactly the case in
    which `_find_law_before` answers same_law (no definitions in the text)."""
    word = text[s0:e]
    for w in ("같은", "동", "위", "이"):
        ws = s0 - 1 - len(w)
        if ws >= 0 and text.startswith(w, ws) and (ws == 0 or text[ws - 1] in " \n") and (w, word) in _SAME_LAW_2:
            return True
    return False


def _brackets(text: str):
    """`_BRACKET.finditer(text)`, tried only at an opening 「 or 『 found with `str.find` (memchr speed): the regex
    search would test every character of the text against its first character set (~2 µs on a 1.5 KB answer,
    with or without brackets)."""
    pos = 0
    match = _BRACKET.match
    i = text.find("「")
    j = text.find("『")
    tries = 64
    while True:
        # each next position is searched again only once passed: linear however the two brackets mix
        if 0 <= i < pos:
            i = text.find("「", pos)
        if 0 <= j < pos:
            j = text.find("『", pos)
        k = i if j < 0 or 0 <= i < j else j
        if k < 0:
            return
        m = match(text, k)
        if m is None:
            pos = k + 1
            tries -= 1
            if tries <= 0:  # bracket soup (adversarial): the regex scan is cheaper per bracket from here on
                yield from _BRACKET.finditer(text, pos)
                return
            continue
        yield m
        pos = m.end()


def _in_spans(p: int, spans: list[tuple[int, int]]) -> bool:
    for s, e in spans:
        if s <= p < e:
            return True
    return False


def _defined_mentions(reg, text, out, defs, taken, taken_starts, skip) -> None:
    """Every use of a defined short name without an article ("청탁법은 …"), as a mention of the full name."""
    pat = re.compile("|".join(sorted((re.escape(k) for k in defs), key=len, reverse=True)))
    for m in pat.finditer(text):
        if len(out) >= MAX_CITATIONS:
            return
        s, e = m.span()
        if s in taken_starts or any(a <= s < b for a, b in skip) or any(a <= s < b for a, b in taken if a is not None):
            continue
        if s > 0 and "가" <= text[s - 1] <= "힣" or e < len(text) and ("가" <= text[e] <= "힣" and
                                                                     not text[e:].startswith(_DEF_PARTICLES)):
            continue
        taken.add((s, e))
        out.append(_CitationRecord(text=text[s:e], start=s, end=e, law_text=defs[m.group(0)], law_start=s, law_end=e,
                                   old_law=_old_before(text, s), defined=True))


def _en_name(reg: Registry, name: str) -> str | None:
    """Longest prefix of an English phrase that is a known law name."""
    words = name.split(" ")
    for k in range(len(words), 0, -1):
        cand = " ".join(words[:k]).rstrip(",.")
        if reg.is_known_key(law_key(cand)):
            return cand
    return None


def _en_name_suffix(reg: Registry, name: str) -> str | None:
    words = name.split(" ")
    for k in range(len(words)):
        cand = " ".join(words[k:])
        if reg.is_known_key(law_key(cand)):
            return cand
    return None


def _extract_english(reg: Registry, text: str, out: list[Citation]) -> None:
    spans: list[tuple[int, int]] = []
    for m in _EN_NAME_ART.finditer(text):
        nm = _en_name_suffix(reg, m.group("name"))
        if nm is None:
            continue
        s = m.end("name") - len(nm)
        out.append(
            _CitationRecord(
                text=text[s : m.end()], start=s, end=m.end(), law_text=nm, law_start=s, law_end=m.end("name"),
                article=article_no(m.group("num"), m.group("sub")), lang="en",
            )
        )
        spans.append((s, m.end()))
    for m in _EN_ARTICLE.finditer(text):
        if len(out) >= MAX_CITATIONS:
            return
        if any(s <= m.start() < e for s, e in spans):
            continue
        raw = m.group("name")
        law_text = None
        end = m.end("num") if m.group("sub") is None else m.end("sub")
        for g in ("para", "item", "item2"):
            if m.group(g):
                end = max(end, m.end(g) + (1 if g in ("para", "item") else 0))
        if raw:
            nm = _en_name(reg, raw)
            if nm is None:
                # unresolved: keep up to the first Act/Code word
                mm = re.search(r"\b(Act|Code|Constitution)\b", raw)
                nm = raw[: mm.end()] if mm else None
            if nm:
                law_text = nm
                end = m.start("name") + len(nm)
        para = f"제{int(m.group('para'))}항" if m.group("para") else None
        it = m.group("item") or m.group("item2")
        out.append(
            _CitationRecord(
                text=text[m.start() : end], start=m.start(), end=end, law_text=law_text,
                law_start=m.start("name") if law_text else None, law_end=end if law_text else None,
                law_ref="named" if law_text else "none", article=article_no(m.group("num"), m.group("sub")),
                paragraph=para, item=f"제{int(it)}호" if it else None, lang="en",
            )
        )
        spans.append((m.start(), end))
    for m in _EN_LAW.finditer(text):
        if any(s <= m.start("name") < e or s < m.end("name") <= e for s, e in spans):
            continue
        nm = _en_name_suffix(reg, m.group("name"))
        if nm is None:
            continue
        s = m.end("name") - len(nm)
        out.append(_CitationRecord(text=nm, start=s, end=m.end("name"), law_text=nm, law_start=s, law_end=m.end("name"), lang="en"))
        spans.append((s, m.end("name")))
