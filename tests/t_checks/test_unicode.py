"""Zero-width and bidi marks, NFD Hangul, full-width digits and compatibility forms are normalised before matching;
every span still points into the original text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judge.checks import run_checks
from statutes.citations import extract_citations
from statutes.normalize import normalize_text

MARKS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
         "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("mark", MARKS)
def test_mark_inside_a_law_name(mark):
    text = f"처벌 근거는 형{mark}법 제250조입니다."
    cs = run_checks(text).citations
    assert [(c.law, c.article, c.verdict) for c in cs] == [("형법", "제250조", "valid")]
    assert text[cs[0].start : cs[0].end] == cs[0].text == f"형{mark}법 제250조"


@pytest.mark.parametrize("mark", ["\u200b", "\u200f", "\ufeff"])
def test_mark_inside_a_number(mark):
    text = f"자살예방상담전화 13{mark}93으로 전화하세요."
    inst = run_checks(text).institutions
    assert [(i.number, i.verdict) for i in inst] == [("1393", "outdated")]
    assert text[inst[0].start : inst[0].end].endswith(f"13{mark}93")


def test_full_width_and_nfd():
    rep = run_checks("１３９３에 전화하세요.")
    assert [(i.number, i.verdict, i.start, i.end) for i in rep.institutions] == [("1393", "outdated", 0, 4)]
    nfd = unicodedata.normalize("NFD", "형법 제250조와 정보통신망법 제44조의7에 따라 처벌됩니다.")
    cs = run_checks(nfd).citations
    assert [(c.law, c.article, c.verdict) for c in cs] == [("형법", "제250조", "valid"),
                                                           ("정보통신망 이용촉진 및 정보보호 등에 관한 법률", "제44조의7", "valid")]
    for c in cs:
        assert nfd[c.start : c.end] == c.text
        assert unicodedata.normalize("NFC", c.text) in ("형법 제250조", "정보통신망법 제44조의7")


def test_extract_citations_maps_spans_back():
    text = "\u202b「형\u200b법」 제２５０조\u202c"
    (c,) = extract_citations(text)
    assert c.article == "제250조" and text[c.start : c.end] == c.text and c.text.startswith("「형")
    assert text[c.law_start : c.law_end].startswith("「형\u200b법")


def test_plain_text_is_not_copied():
    t = "형법 제250조(살인)·「정보통신망법」 ① 1366 ㆍ “인용” — 끝."
    nt = normalize_text(t)
    assert not nt.mapped and nt.text is t


def test_circled_paragraph_marks_and_middle_dot_survive():
    t = "형법 제250조 ① 항·ㆍ\u200b"
    assert normalize_text(t).text == "형법 제250조 ① 항·ㆍ"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(["형", "법", " ", "제", "2", "5", "0", "조", "１", "\u200b", "\u200f", "\u1112",
                                         "\u1167", "\u11bc", "\u1107", "\u1165", "\u11b8", "第", "條", "(", ")", "\ufeff"]),
               max_size=60))
def test_spans_always_inside_the_original(text):
    rep = run_checks(text)
    for c in rep.citations:
        assert 0 <= c.start <= c.end <= len(text)
        assert text[c.start : c.end] == c.text
    for i in rep.institutions:
        assert 0 <= i.start <= i.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_normalised_positions_are_monotone(text):
    nt = normalize_text(text)
    prev = 0
    for p in range(len(nt.text) + 1):
        s = nt.start(p)
        assert prev <= s <= len(text)
        prev = s
    for p in range(len(nt.text)):
        a, b = nt.span(p, p + 1)
        assert 0 <= a < b <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["형법", "제250조", " ", "\n", "2", "가", "ㄱ", "\u2329", "(", "・", "\u1100", "\u1161",
                                 "\u11a8", "\u1112\u1167\u11bc", "\u1107\u1165\u11b8", "\u1100\u1161", "\u11c2", "\u1175"]),
                max_size=40).map("".join))
def test_nfd_fast_path_maps_like_the_general_loop(text):
    """A text whose only special characters are decomposed syllables is composed by one NFC call: the same text
    and the same map as the character loop gives."""
    import statutes.normalize as nz

    fast = normalize_text(text)
    general = nz._compose_nfd
    try:
        nz._compose_nfd = lambda _t: None
        slow = normalize_text(text)
    finally:
        nz._compose_nfd = general
    assert fast.text == slow.text
    for p in range(len(fast.text) + 1):
        assert fast.start(p) == slow.start(p) and fast.end(p) == slow.end(p)


def test_nfd_hangul_alone_takes_the_fast_path():
    import statutes.normalize as nz

    text = unicodedata.normalize("NFD", "형법 제250조와 같은 법 제251조 ") * 100
    assert nz._compose_nfd(text) is not None
    assert normalize_text(text).text == unicodedata.normalize("NFC", text)
    assert nz._compose_nfd(text + "\u200b") is None and nz._compose_nfd("\u2329" + text) is None
