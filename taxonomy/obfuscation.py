"""Deterministic Korean obfuscation augmentations and the normaliser that undoes them before rule checks.

Augmentation styles (applied to a seed text, selected words only, chosen by a seeded RNG):
- ``chosung``: syllables -> initial consonants (마약 -> ㅁㅇ). Not invertible: many words share a 초성
  string. `normalize` keeps 초성 as compatibility jamo; `contains_keyword` matches a keyword against
  초성 (and partly-초성) text, so keyword detection still works.
- ``jamo``: syllables split into compatibility jamo (마약 -> ㅁㅏㅇㅑㄱ) or conjoining jamo (NFD). Invertible.
- ``spacing``: separators inside words (마 약, 마.약, 마\u200b약...). Invertible, because the normal form
  removes whitespace and separator punctuation between Hangul characters (Korean users' 띄어쓰기 is
  inconsistent anyway, so matching must ignore it).
- ``mixed_script``: Latin/digit/kana look-alikes for jamo, keeping one real jamo per syllable (마 -> ㅁト,
  약 -> oㅑㄱ), and Cyrillic/Greek homoglyphs in Latin words. Invertible.

The normal form is for matching, not display: NFC, format characters removed, fullwidth -> ASCII,
homoglyphs -> Latin, jamo recomposed, look-alikes recovered, spacing between Hangul removed, lowercased.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import lru_cache

AUGMENT_STYLES = ("chosung", "jamo", "spacing", "mixed_script")
INVERTIBLE_STYLES = ("jamo", "spacing", "mixed_script")

_S_BASE, _S_END = 0xAC00, 0xD7A3
_COMPAT_L = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_COMPAT_V = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_COMPAT_T = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]
_L_INDEX = {c: i for i, c in enumerate(_COMPAT_L)}
_V_INDEX = {c: i for i, c in enumerate(_COMPAT_V)}
_T_INDEX = {c: i for i, c in enumerate(_COMPAT_T) if c}
_V_COMBINE = {("ㅗ", "ㅏ"): "ㅘ", ("ㅗ", "ㅐ"): "ㅙ", ("ㅗ", "ㅣ"): "ㅚ", ("ㅜ", "ㅓ"): "ㅝ", ("ㅜ", "ㅔ"): "ㅞ",
              ("ㅜ", "ㅣ"): "ㅟ", ("ㅡ", "ㅣ"): "ㅢ"}  # fmt: skip
_T_COMBINE = {("ㄱ", "ㅅ"): "ㄳ", ("ㄴ", "ㅈ"): "ㄵ", ("ㄴ", "ㅎ"): "ㄶ", ("ㄹ", "ㄱ"): "ㄺ", ("ㄹ", "ㅁ"): "ㄻ",
              ("ㄹ", "ㅂ"): "ㄼ", ("ㄹ", "ㅅ"): "ㄽ", ("ㄹ", "ㅌ"): "ㄾ", ("ㄹ", "ㅍ"): "ㄿ", ("ㄹ", "ㅎ"): "ㅀ",
              ("ㅂ", "ㅅ"): "ㅄ"}  # fmt: skip

# Conjoining jamo (U+1100 block) -> compatibility jamo, for stray jamo that NFC could not compose.
_CONJ_L = "ᄀᄁᄂᄃᄄᄅᄆᄇᄈᄉᄊᄋᄌᄍᄎᄏᄐᄑᄒ"
_CONJ_V = "ᅡᅢᅣᅤᅥᅦᅧᅨᅩᅪᅫᅬᅭᅮᅯᅰᅱᅲᅳᅴᅵ"
_CONJ_T = "ᆨᆩᆪᆫᆬᆭᆮᆯᆰᆱᆲᆳᆴᆵᆶᆷᆸᆹᆺᆻᆼᆽᆾᆿᇀᇁᇂ"
_CONJ_TO_COMPAT = {
    **dict(zip(_CONJ_L, _COMPAT_L, strict=True)),
    **dict(zip(_CONJ_V, _COMPAT_V, strict=True)),
    **dict(zip(_CONJ_T, _COMPAT_T[1:], strict=True)),
}

# Jamo -> look-alike used by the augmentation (first) and all look-alikes the normaliser recovers.
# Lower-case only: the normaliser lower-cases first, so an upper-case look-alike could not round-trip.
_LOOKALIKES: dict[str, tuple[str, ...]] = {
    "ㅇ": ("o", "0"),
    "ㅣ": ("l", "1"),
    "ㄱ": ("7",),
    "ㄹ": ("2",),
    "ㅅ": ("^",),
    "ㅏ": ("ト",),
    "ㅗ": ("⊥",),
    "ㅁ": ("口",),
}
_FROM_LOOKALIKE = {la: j for j, las in _LOOKALIKES.items() for la in las}

# Cyrillic / Greek homoglyphs of Latin letters.
_HOMOGLYPHS = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y", "ο": "o", "ν": "v",
}  # fmt: skip
_TO_HOMOGLYPH: dict[str, str] = {}
for _k, _v in _HOMOGLYPHS.items():
    _TO_HOMOGLYPH.setdefault(_v, _k)

_SEPARATORS = " \t\n\r\u00a0\u3000.·ㆍ_-*~+/|,"
_AUG_SEPARATORS = (" ", ".", "_", "\u200b", "·", "*")


def _is_syllable(ch: str) -> bool:
    return _S_BASE <= ord(ch) <= _S_END


def _is_compat_jamo(ch: str) -> bool:
    return 0x3131 <= ord(ch) <= 0x318E


def _is_hangul(ch: str) -> bool:
    return _is_syllable(ch) or _is_compat_jamo(ch)


def decompose(ch: str) -> tuple[str, str, str]:
    """(initial, medial, final) compatibility jamo of one syllable; final may be ''."""
    idx = ord(ch) - _S_BASE
    return _COMPAT_L[idx // 588], _COMPAT_V[(idx % 588) // 28], _COMPAT_T[idx % 28]


def compose(lead: str, vowel: str, tail: str = "") -> str:
    return chr(_S_BASE + _L_INDEX[lead] * 588 + _V_INDEX[vowel] * 28 + (_T_INDEX[tail] if tail else 0))


def to_chosung(text: str) -> str:
    """Every Hangul syllable replaced by its initial consonant (other characters unchanged)."""
    return "".join(decompose(c)[0] if _is_syllable(c) else c for c in text)


# ---- normalisation --------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _map_char(ch: str) -> str:
    if unicodedata.category(ch) == "Cf":  # zero-width space/joiners, BOM, soft hyphen...
        return ""
    if ch in _CONJ_TO_COMPAT:
        return _CONJ_TO_COMPAT[ch]
    if _is_hangul(ch):
        return ch
    if 0xFFA0 <= ord(ch) <= 0xFFDC:  # halfwidth jamo -> conjoining (NFKC) -> compatibility
        return "".join(_CONJ_TO_COMPAT.get(c, c) for c in unicodedata.normalize("NFKC", ch))
    k = unicodedata.normalize("NFKC", ch)  # may give conjoining jamo (circled ㉠ -> U+1100): map those too
    return "".join(_CONJ_TO_COMPAT.get(c) or _HOMOGLYPHS.get(c, c) for c in k).lower()


def _char_pass(text: str) -> str:
    return "".join(map(_map_char, unicodedata.normalize("NFC", text)))


def _recompose(items: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Compose jamo runs into syllables. items: (char, original look-alike or None).

    A syllable built partly from look-alikes is kept only if it has at least one real jamo and is not
    glued to an unconverted ASCII letter/digit; otherwise its look-alikes revert to the originals.
    """
    n = len(items)
    out: list[tuple[str, str | None]] = []
    i = 0

    def is_v(k: int) -> bool:
        # a vowel repeated right after itself (ㅠㅠ, ㅜㅜ) is an emoticon, not part of a syllable
        return k < n and items[k][0] in _V_INDEX and not (k + 1 < n and items[k + 1][0] == items[k][0])

    while i < n:
        ch = items[i][0]
        if ch in _L_INDEX and is_v(i + 1):
            start = i
            lead, vowel = ch, items[i + 1][0]
            j = i + 2
            if is_v(j) and (vowel, items[j][0]) in _V_COMBINE:
                vowel = _V_COMBINE[(vowel, items[j][0])]
                j += 1
            tail = ""
            if j < n and items[j][0] in _T_INDEX and not is_v(j + 1):
                tail = items[j][0]
                j += 1
                if j < n and (tail, items[j][0]) in _T_COMBINE and not is_v(j + 1):
                    tail = _T_COMBINE[(tail, items[j][0])]
                    j += 1
            used = items[start:j]
            derived = [o for _, o in used if o is not None]
            if derived:
                real = any(o is None for _, o in used)
                prev_c = items[start - 1] if start > 0 else None
                next_c = items[j] if j < n else None
                glued = any(
                    c is not None and c[1] is None and c[0].isascii() and c[0].isalnum() for c in (prev_c, next_c)
                )
                if not real or glued:
                    out.append((items[i][1] or ch, None))
                    i += 1
                    continue
            out.append((compose(lead, vowel, tail), None))
            i = j
        else:
            out.append((items[i][1] or ch, None) if items[i][1] else items[i])
            i += 1
    return out


_TOKEN_RE = re.compile(r"\S+")


def _recover_token(tok: str) -> str:
    if not any(_is_compat_jamo(c) for c in tok):
        return tok  # nothing to recompose and no real jamo to anchor look-alikes
    items: list[tuple[str, str | None]] = [
        (_FROM_LOOKALIKE[c], c) if c in _FROM_LOOKALIKE else (c, None) for c in tok
    ]
    return "".join(c for c, _ in _recompose(items))


_HANGUL_CLASS = "[\uac00-\ud7a3\u3131-\u318c\u318e]"  # syllables and compatibility jamo, except ㆍ
_SPACING_RE = re.compile(f"(?<={_HANGUL_CLASS})[{re.escape(_SEPARATORS)}]+(?={_HANGUL_CLASS})")


def _collapse_spacing(text: str) -> str:
    """Drop whitespace/separator runs between two Hangul characters."""
    return _SPACING_RE.sub("", text)


def normalize(text: str) -> str:
    """Matching form of Korean text with obfuscation undone (see module docstring for what and why)."""
    # Recover inside each word first (so a split word cannot swallow its neighbour's jamo), then collapse
    # spacing and repeat to a fixed point, which makes normalize idempotent.
    text = _TOKEN_RE.sub(lambda m: _recover_token(m.group(0)), _char_pass(text))
    for _ in range(4):  # recovering look-alikes can make new Hangul neighbours: repeat to a fixed point
        new = _TOKEN_RE.sub(lambda m: _recover_token(m.group(0)), _collapse_spacing(text))
        if new == text:
            break
        text = new
    return " ".join(text.split())


def contains_keyword(text: str, keyword: str) -> bool:
    """Keyword presence after normalisation; a syllable may also appear as its 초성 (ㅁㅇ, 마ㅇ match 마약)."""
    t, k = normalize(text), normalize(keyword)
    if not k:
        return False
    if k in t:
        return True
    if len(k) < 2 or not any(_is_syllable(c) for c in k):
        return False
    m = len(k)
    for s in range(len(t) - m + 1):
        for a, b in zip(t[s : s + m], k, strict=True):
            if a != b and not (_is_syllable(b) and a == decompose(b)[0]):
                break
        else:
            return True
    return False


# ---- augmentation ---------------------------------------------------------------------------------------


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _pick(words: list[tuple[int, int]], text: str, rng: random.Random, keywords: tuple[str, ...]) -> set[int]:
    cands = [i for i, (a, b) in enumerate(words) if any(_is_syllable(c) for c in text[a:b])]
    if keywords:
        return {i for i in cands if any(kw in text[words[i][0] : words[i][1]] for kw in keywords)}
    chosen = {i for i in cands if rng.random() < 0.5}
    if cands and not chosen:
        chosen.add(rng.choice(cands))
    return chosen


def _aug_chosung(word: str, rng: random.Random) -> str:
    return to_chosung(word)


def _aug_jamo(word: str, rng: random.Random) -> str:
    # NFD for words holding compatibility jamo or look-alikes (하ㅋㅋ, 의2가), whose compatibility-jamo split
    # would recompose differently (핰ㅋ, 읠가).
    if rng.random() < 0.2 or any(_is_compat_jamo(c) or c.lower() in _FROM_LOOKALIKE for c in word):
        return unicodedata.normalize("NFD", word)
    return "".join("".join(decompose(c)) if _is_syllable(c) else c for c in word)


def _aug_spacing(word: str, rng: random.Random) -> str:
    sep = rng.choice(_AUG_SEPARATORS)
    out: list[str] = []
    for k, c in enumerate(word):
        if k and _is_syllable(c) and _is_syllable(word[k - 1]):
            out.append(sep)
        out.append(c)
    return "".join(out)


def _aug_mixed(word: str, rng: random.Random) -> str:
    if not any(_is_syllable(c) for c in word):
        return "".join(_TO_HOMOGLYPH.get(c, c) for c in word)
    def convertible(k: int) -> bool:
        c = word[k]
        if not _is_syllable(c) or not any(j in _LOOKALIKES for j in decompose(c)):
            return False
        neighbours = [word[p] for p in (k - 1, k + 1) if 0 <= p < len(word)]
        return not any(ch.isascii() and ch.isalnum() or _is_compat_jamo(ch) for ch in neighbours)

    cands = [k for k in range(len(word)) if convertible(k)]
    chosen = {k for k in cands if rng.random() < 0.7}
    if cands and not chosen:
        chosen.add(rng.choice(cands))
    out: list[str] = []
    for k, c in enumerate(word):
        if k not in chosen:
            out.append(c)
            continue
        jamo = [j for j in decompose(c) if j]
        swappable = [x for x, j in enumerate(jamo) if j in _LOOKALIKES]
        if len(swappable) == len(jamo):  # keep one real jamo so the normaliser can anchor the syllable
            swappable = swappable[:-1]
        out.append("".join(rng.choice(_LOOKALIKES[j]) if x in swappable else j for x, j in enumerate(jamo)))
    return "".join(out)


_AUGMENTERS = {"chosung": _aug_chosung, "jamo": _aug_jamo, "spacing": _aug_spacing, "mixed_script": _aug_mixed}


def augment(text: str, style: str, seed: int = 0, *, keywords: tuple[str, ...] | list[str] = ()) -> str:
    """Obfuscate `text` in one style, deterministically for a given seed.

    With `keywords`, only words containing one of them are obfuscated; otherwise about half of the Hangul
    words (at least one), chosen by `seed`.
    """
    if style not in _AUGMENTERS:
        raise ValueError(f"unknown augmentation style {style!r}; expected one of {', '.join(AUGMENT_STYLES)}")
    rng = random.Random(f"{style}:{seed}")
    fn = _AUGMENTERS[style]
    words = _words(text)
    chosen = _pick(words, text, rng, tuple(keywords))
    if style == "mixed_script":  # Latin words get homoglyphs too
        chosen |= {i for i, (a, b) in enumerate(words) if re.search(r"[A-Za-z]", text[a:b]) and rng.random() < 0.5}
    out: list[str] = []
    pos = 0
    for i, (a, b) in enumerate(words):
        out.append(text[pos:a])
        out.append(fn(text[a:b], rng) if i in chosen else text[a:b])
        pos = b
    out.append(text[pos:])
    return "".join(out)
