"""No exception on any input; linear time on adversarial text (the one timing assertion, generous)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judge.checks import run_checks
from statutes.citations import extract_citations

PIECES = ["제", "조", "의", "항", "호", "법", "법률", "「", "」", "(", ")", "1", "２", "3", " ", "같은 ", "동법", "구 ",
          "형법", "시행령", "1393", "112", "-", "Article ", " of the ", "Act", "\n", "·", "ㆍ", "및", "부터", "까지"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_random_unicode(text):
    rep = run_checks(text, category="K05")
    for c in rep.citations:
        assert 0 <= c.start <= c.end <= len(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=200))
def test_legal_token_soup(parts):
    text = "".join(parts)
    for c in extract_citations(text):
        assert 0 <= c.start <= c.end <= len(text)
    run_checks(text, category=None)


def test_huge_inputs_linear():
    cases = {
        "jo_runs": "제제제조조조의의" * 131072,
        "articles": "제1조 " * 200_000,
        "law_words": "방법법률법 " * 170_000,
        "numbers": "112 1393 1366 " * 80_000,
        "brackets": "「형법」「" * 200_000,
        "zero_width_citations": "형\u200b법 제２５０조\u202e 13\u200b93 " * 70_000,
        "nfd": "\u1112\u1167\u11bc\u1107\u1165\u11b8 제250조부터 제253조까지 " * 60_000,
        "full_width_hotlines": "１３９３ \ufeff１３６６ " * 100_000,
    }
    for name, text in cases.items():
        text = text[:1_000_000]
        t = time.perf_counter()
        rep = run_checks(text, category="K01")
        dt = time.perf_counter() - t
        assert dt < 3.0, (name, dt)  # real figures: bench/bench_checks.py
        assert rep.length == len(text)
