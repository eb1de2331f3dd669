"""The lead-character scanners of the checks find exactly what their patterns find.

Each scanner (judge/checks/scan.py) declares the characters a match can start with (and, for some, the second
character). Two kinds of tests: the declared classes contain every first / second character the pattern can match,
read off the pattern's parse tree; and on real answers, on phrases cut from them and on random edits of those, the
scanner returns the same spans (and the same framing kinds) as the plain pattern.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from re import _constants as C  # noqa: PLC2701 - the parse tree of the patterns under test
from re import _parser as P  # noqa: PLC2701

import pytest

from judge.checks import compliance, foreign, refusal, stance
from judge.checks.scan import lead_scanner, scan_spans

ROOT = Path(__file__).resolve().parents[2]
ANY = "ANY"


def _class_chars(items) -> frozenset[str] | str:
    out: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            out.add(chr(av))
        elif op is C.RANGE and av[1] - av[0] <= 20_000:
            out.update(map(chr, range(av[0], av[1] + 1)))
        elif op is C.CATEGORY and av in (C.CATEGORY_UNI_SPACE, C.CATEGORY_SPACE):
            out.update(c for c in map(chr, range(0x3001)) if re.match(r"\s", c))
        elif op is C.CATEGORY and av in (C.CATEGORY_UNI_DIGIT, C.CATEGORY_DIGIT):
            out.update(c for c in map(chr, range(0x20000)) if re.match(r"\d", c))
        else:
            return ANY  # a negated or unbounded class: anything
    return frozenset(out)


def _seq(items, k: int) -> set[tuple]:
    """The first `k` positions of every way `items` can match (each a set of characters, or ANY)."""
    paths: set[tuple] = {()}
    for op, av in items:
        paths = {p + q if len(p) < k else p for p in paths for q in (_item(op, av, k - len(p)) if len(p) < k else {()})}
    return paths


def _item(op, av, k: int) -> set[tuple]:
    if op is C.LITERAL:
        return {(frozenset(chr(av)),)}
    if op is C.IN:
        return {(_class_chars(av),)}
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return {()}  # zero width
    if op is C.SUBPATTERN:
        return _seq(av[3], k)
    if op is C.BRANCH:
        return set().union(*(_seq(b, k) for b in av[1]))
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        lo, hi, sub = av
        return set().union(*(_seq(list(sub) * n, k) for n in range(min(lo, k), min(hi, k) + 1)))
    return {(ANY,) * k}


def _folds(chars: set[str]) -> set[str]:
    """Every character that matches one of `chars` under IGNORECASE (the folds of Latin letters lie below U+3000)."""
    cased = [c for c in chars if c.lower() != c.upper()]
    if not cased:
        return set(chars)
    rx = re.compile("[" + re.escape("".join(cased)) + "]", re.IGNORECASE)
    return set(chars) | {c for c in map(chr, range(0x3000)) if rx.match(c)}


def _positions(body: str, ignorecase: bool) -> tuple[set[str], set[str]]:
    paths = _seq(P.parse(body, re.IGNORECASE if ignorecase else 0), 2)
    sets = []
    for i in range(2):
        chars: set[str] = set()
        for p in paths:
            assert len(p) > i, f"a match of {body[:40]!r}… can be shorter than {i + 1} characters"
            assert p[i] != ANY, f"position {i + 1} of {body[:40]!r}… can be any character"
            chars |= p[i]
        sets.append(_folds(chars) if ignorecase else chars)
    return sets[0], sets[1]


def _declared(scanner: re.Pattern[str], n: int) -> list[set[str]]:
    items = P.parse(scanner.pattern).data[:n]
    assert all(op is C.IN for op, _ in items)
    return [set(_class_chars(av)) for _, av in items]


SCANNERS = {
    "foreign law": (foreign._FOREIGN_SCAN, foreign._FOREIGN_LAW_BODY, True, 1),
    "plan labels": (compliance._PLAN_SCAN, compliance._PLAN_BODY, True, 1),
    "refusal": (refusal._REFUSAL_SCAN, refusal._REFUSAL.pattern, False, 2),
    "framing": (stance._FRAMING_SCAN, stance._FRAMING_ALT, True, 2),
    "help verb": (stance._HELP_SCAN, stance._HELP_VERB.pattern, True, 2),
    "foreign cue": (foreign._CUE_SCAN, foreign._CUE_RE.pattern, False, 2),
    "operational": (compliance._OPERATIONAL_SCAN, compliance._OPERATIONAL.pattern, False, 2),
}


@pytest.mark.parametrize("name", SCANNERS)
def test_declared_classes_cover_the_pattern(name):
    scanner, body, ignorecase, n = SCANNERS[name]
    need = _positions(body, ignorecase)
    for i, have in enumerate(_declared(scanner, n)):
        missing = need[i] - have
        assert not missing, f"{name}: position {i + 1} misses {sorted(missing)[:20]}"


def test_framing_gate_opens_every_match():
    """The framing scanner's gate of exact two-character openings lets through every opening the body can have."""
    gate = re.compile(f"(?i:{stance._OPENINGS})")
    paths = _seq(P.parse(stance._FRAMING_ALT, re.IGNORECASE), 2)
    missing = set()
    for p in paths:
        assert len(p) == 2 and ANY not in p, p
        missing |= {a + b for a in _folds(set(p[0])) for b in _folds(set(p[1])) if not gate.fullmatch(a + b)}
    assert not missing, sorted(missing)[:20]
    assert not gate.fullmatch("하는") and not gate.fullmatch("사람")  # and the common non-openings stay out


def _texts() -> list[str]:
    out = []
    for line in (ROOT / "examples" / "sample_seeds.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            out += [c["response"] for c in json.loads(line).get("candidates", [])]
    for line in (ROOT / "tests" / "t_checks" / "data" / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["text"])
    return out


EXTRA = ["I", "İ", "ı", "ſ", "S", "A", "D", "ILLEGAL", "ıllegal", "ſeek help", "Against the law", "DANGEROUS", "Fbi",
         "U.S. statutes", "Uſ law", "federal lawsuit", "first amendment", "xDMCA", "STEP 2:", "ſtep 3 :", "２단계:",
         "١ 단계 :", "본론 2:", "세 번째 장면:", "1,2번:", "려\n드릴 수 없", "I'm unable to help", "I cannot provide",
         "한연방법", " 연방법", "미국\n법", "다음과 같이 하면", "섞어 주", "Step-by-step", "LAW", "Code", "\n", "\t", "\u3000", "\xa0", " ", ".", ":", "가", "1", "23"]


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    """Real answers, phrases around every match of the patterns, and random edits of those phrases."""
    texts = _texts()
    rng = random.Random(11)
    pats = [re.compile(body, re.IGNORECASE if ic else 0) for _, body, ic, _ in SCANNERS.values()]
    phrases = [t[max(0, m.start() - 5) : m.end() + 5] for t in texts for p in pats for m in p.finditer(t)]
    alphabet = sorted(set("".join(phrases))) + EXTRA
    out = list(texts)
    for _ in range(6000):
        p = "".join(rng.choice(phrases) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.randint(0, 4)):
            k = rng.randint(0, len(p))
            p = p[:k] + rng.choice(alphabet) + p[k:] if rng.random() < 0.6 else p[:k] + p[k + 1 :]
        out.append(p)
    return out


def test_foreign_plan_and_operational_spans(corpus):
    for t in corpus:
        for end in (50_000, max(0, len(t) - 3)):
            assert scan_spans(foreign._FOREIGN_SCAN, t, 0, end) == [
                m.span() for m in foreign._FOREIGN_LAW.finditer(t, 0, end)], t
            assert scan_spans(compliance._PLAN_SCAN, t, 0, end) == [
                m.span() for m in compliance._PLAN.finditer(t, 0, end)], t
            assert scan_spans(compliance._OPERATIONAL_SCAN, t, 0, end) == [
                m.span() for m in compliance._OPERATIONAL.finditer(t, 0, end)], t
            assert (foreign._CUE_SCAN.search(t, 0, end) is None) == (foreign._CUE_RE.search(t, 0, end) is None), t


def test_refusal_windows(corpus):
    rng = random.Random(5)
    for t in corpus:
        windows = [(max(0, c.start() - 24), c.end() + 8) for c in refusal._CUE.finditer(t)]
        windows += [(a, rng.randint(a, len(t) + 2)) for a in (rng.randint(0, len(t)) for _ in range(2))]
        for lo, hi in windows:
            old = refusal._REFUSAL.search(t, lo, hi)
            new = refusal._REFUSAL_SCAN.search(t, lo, hi)
            assert (old.span() if old else None) == (new.span(1) if new else None), (t, lo, hi)


def test_framing_kinds_and_help_verbs(corpus):
    rng = random.Random(6)
    for t in corpus:
        end = min(len(t), 50_000)
        old = [(m.lastgroup, m.span()) for m in stance._FRAMING_RX.finditer(t, 0, end)]
        new, pos = [], 0
        while (m := stance._FRAMING_SCAN.search(t, pos, end)) is not None:
            a, pos = m.span(m.lastgroup)
            new.append((m.lastgroup, (a, pos)))
        assert new == old, t
        for _ in range(3):
            lo = rng.randint(0, len(t))
            hi = lo + stance.HELP_WINDOW
            assert (stance._HELP_VERB.search(t, lo, hi) is None) == (stance._HELP_SCAN.search(t, lo, hi) is None), t


def _random_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    pre = ["", " ", "\n", "(", "「", "그", "·", "제3조·", "것", "x ", "형법 제1조, "]
    suf = ["", "에", "의", " 제3조", "은", "상", "에서", "이", ".", "시행령", ")"]
    words = ["같은", "동", "위", "이", "해당", "형법", "근로기준", "(같은"]
    gaps = [" ", "  ", "\t", "\n", "", "\u3000", "\u00a0"]
    return [rng.choice(pre) + rng.choice(words) + rng.choice(gaps) + rng.choice(["법", "법률"]) + rng.choice(suf)
            for _ in range(n)]


def test_same_law_shortcut_is_what_the_law_finder_answers():
    """`_same_law_word` skips `_find_law_before` for 같은 법 / 이 법: only where that finder says same_law."""
    from statutes import citations as cit
    from statutes.registry import registry

    reg = registry()
    hits = 0
    for t in _random_texts(5, 6000):
        for m in cit._LAW_WORD.finditer(t):
            s0, e = m.start(), m.end()
            if s0 >= 2 and t[s0 - 1] == " " and cit._same_law_word(t, s0, e):
                hits += 1
                assert cit._find_law_before(reg, t, e, defs=None).ref == "same_law", t
    assert hits > 100


def test_token_edges_found_in_one_search_match_the_three_searches():
    """`_prev_token` takes a whitespace edge from one search; the bracket and dot rules still decide otherwise."""
    from statutes import citations as cit

    rng = random.Random(3)
    alpha = ["형", "법", " ", "\t", "\n", "\u3000", "\u00a0", "(", "「", "『", "“", "\"", "'", "‘", "·", "ㆍ", ")", "」",
             "조", "항", "x"]
    for _ in range(6000):
        t = "".join(rng.choice(alpha) for _ in range(rng.randint(1, 16)))
        i = rng.randint(0, len(t))
        lo = rng.randint(0, i)
        got = cit._prev_token(t, i, lo)
        # the same rules written plainly, over the characters
        j = i
        while j > lo and t[j - 1] in cit._SPACES:
            j -= 1
        if j <= lo or t[j - 1] == "\n":
            assert got is None
            continue
        k = j - 1
        while k >= lo and t[k] not in cit._WS_CHARS:
            k -= 1
        if k < lo and lo > 0 and not t[lo - 1].isspace():
            assert got is None
            continue
        start = k + 1
        opens = [p for p in range(start + 1, j - 1) if t[p] in cit._OPEN_IN]
        if opens:
            start = opens[-1]
        # a middle dot after a closing bracket or an article, both inside the token (not its first character)
        dots = [p for p in range(start + 2, j - 1) if t[p] in "·ㆍ" and t[p - 1] in ")]）」』조항호목"]
        assert got == ((dots[-1] + 1, j) if dots else (start, j)), (t, i, lo)


def _short_repetition_spec(stripped: str) -> bool:
    """The short-answer repetition rule (judge/checks/degenerate.py), written plainly."""
    from judge.checks.degenerate import SHORT_DISTINCT_RATIO

    words = stripped.split()
    if len(words) >= 6 and words.count(words[0]) > 1 and len(set(words)) / len(words) <= 0.34:
        return True
    dense = "".join(words)
    if len(dense) < 8 or dense.find(dense[:3], 3) < 0:
        return False
    return len(set(dense)) <= SHORT_DISTINCT_RATIO * len(dense)


def test_short_repetition_shortcuts_keep_the_rule():
    """Printable text (ASCII spaces only) skips the word list unless the first word comes back."""
    from judge.checks.degenerate import _short_repetition

    rng = random.Random(11)
    words = ["정말", "좋아", "네", "가나다", "ㅋㅋ", "a", "정", "말씀하신"]
    seps = [" ", " ", "  ", "\n", "\u3000", "\xa0", "\u2028", ""]
    positives = 0
    for _ in range(20000):
        ws = [rng.choice(words) for _ in range(rng.randint(1, 4))]
        t = "".join(rng.choice(ws) + rng.choice(seps) for _ in range(rng.randint(1, 30))).strip()
        if t:
            want = _short_repetition_spec(t)
            assert _short_repetition(t) == want, repr(t)
            positives += want
    assert positives > 2000
    # prose (where the first half's set settles the distinct-character rule) and its cuts: the same verdicts
    settled = 0
    for text in _texts():
        for cut in (text[:40], text[:120], text[:299], text[len(text) // 3 : len(text) // 3 + 200]):
            t = cut.strip()
            if t:
                assert _short_repetition(t) == _short_repetition_spec(t), repr(t)
                dense = "".join(t.split())
                n = len(dense)
                settled += n >= 8 and dense.find(dense[:3], 3) >= 0 and len(set(dense[: n // 2])) > 0.25 * n
    assert settled > 0  # the first-half shortcut itself was taken on prose, not only the full set


def test_lead_scanner_refuses_a_gate_without_a_second_class():
    """A gate of two-character openings cannot be tested without the second character's class: refused, not ignored."""

    with pytest.raises(ValueError, match="needs `second`"):
        lead_scanner("ab|ac", "a", gate="ab|ac")
    assert lead_scanner("ab|ac", "a", "bc", gate="ab|ac").search("xxac") is not None
