"""Citations that lean on the answer's own context: 같은 법 / 동법 / 이 법, decrees of the same law, short names the
answer defines, bare articles after a named law, article ranges, Hanja and English names."""

from __future__ import annotations

import pytest

from judge.checks import run_checks
from statutes.citations import extract_citations


def _cits(text: str):
    return [(c.law, c.article, c.verdict) for c in run_checks(text).citations if c.article]


@pytest.mark.parametrize("same", ["같은 법", "같은법", "동법", "위 법", "이 법"])
def test_same_law_forms(same):
    got = _cits(f"형법 제250조에 따라 처벌되며, {same} 제347조도 적용됩니다.")
    assert ("형법", "제347조", "valid") in got


@pytest.mark.parametrize("form", ["같은법시행령 제3조", "같은 법 시행령 제3조", "동법 시행령 제3조", "같은 법시행령 제3조",
                                  "동법시행규칙 제2조", "같은 법 시행규칙 제2조"])
def test_decree_of_the_same_law_is_that_laws_decree(form):
    cs = [c for c in extract_citations(f"근로기준법 제23조, {form}") if c.article in ("제3조", "제2조")]
    assert len(cs) == 1
    suffix = "시행령" if "시행령" in form else "시행규칙"
    assert cs[0].law_text == f"근로기준법 {suffix}"
    rep = run_checks(f"근로기준법 제23조, {form}")
    assert all(c.verdict != "unknown_law" for c in rep.citations)


def test_definition_made_in_the_answer():
    text = "「스토킹범죄의 처벌 등에 관한 법률」(이하 '이 사건 법'이라 한다)은 … 이 사건 법 제4조, 그리고 「형법」(이하 '형벌법'이라 한다) 제250조. 형벌법 제347조"
    got = _cits(text)
    assert ("형법", "제347조", "valid") in got
    text2 = "「스토킹범죄의 처벌 등에 관한 법률」(이하 '스처법'이라 한다) 제4조의 긴급응급조치. 스처법 제9조의 잠정조치도 있습니다."
    got2 = _cits(text2)
    assert ("스토킹범죄의 처벌 등에 관한 법률", "제9조", "valid") in got2
    assert all(v != "unknown_law" for _, _, v in got2)
    # the short name without an article is a mention of the full law, not a fabricated one
    rep = run_checks(text2 + " 스처법은 2021년에 시행되었습니다.")
    assert all(c.verdict != "unknown_law" for c in rep.citations)


def test_bare_article_after_named_law_in_the_sentence():
    got = _cits("근로기준법에 따르면 해고는 제23조에 따라 제한됩니다.")
    assert ("근로기준법", "제23조", "valid") in got
    # a new sentence does not inherit the law
    got = _cits("근로기준법을 보세요. 제23조는 따로 확인하세요.")
    assert [v for _, a, v in got if a == "제23조"] == ["ambiguous"]


def test_bare_article_takes_the_nearest_law():
    got = _cits("형법 제250조와 달리 근로기준법에서는 제23조가 해고를 제한합니다.")
    assert ("근로기준법", "제23조", "valid") in got


@pytest.mark.parametrize("text", ["형법 제329조부터 제331조까지", "형법 제329조 내지 제331조", "형법 제329조~제331조",
                                  "형법 제329조 ~ 제331조"])
def test_range_covers_every_article_between(text):
    arts = [a for law, a, v in _cits(text) if law == "형법" and v == "valid"]
    assert arts == ["제329조", "제330조", "제331조"]


def test_range_includes_sub_articles_and_skips_gaps():
    cs = extract_citations("성폭력처벌법 제14조부터 제16조까지")
    arts = [c.article for c in cs]
    assert arts[0] == "제14조" and arts[-1] == "제16조"
    assert {"제14조의2", "제15조"} <= set(arts)
    assert all(c.range_inner for c in cs[1:-1])
    # deleted or missing articles inside a range are not flagged (제251조 of the Criminal Act is deleted)
    rep = run_checks("형법 제250조부터 제252조까지")
    assert {c.verdict for c in rep.citations} == {"valid"}


@pytest.mark.parametrize("text", ["刑法 第250條", "刑法 第250条", "刑法 第250條 第1項", "Article 250 of the Criminal Act",
                                  "Criminal Act Article 250"])
def test_hanja_and_english(text):
    cs = run_checks(text).citations
    assert [(c.law, c.article, c.verdict) for c in cs] == [("형법", "제250조", "valid")]
    assert cs[0].start == 0 and text[cs[0].start : cs[0].end] == cs[0].text


def test_hanja_paragraph():
    c = extract_citations("刑法 第250條 第1項")[0]
    assert (c.article, c.paragraph) == ("제250조", "제1항")


def test_bare_articles_in_a_list_take_the_law_of_its_header():
    text = "관련 법률은 근로기준법입니다:\n- 제23조(해고 등의 제한)\n- 제76조의2(직장 내 괴롭힘의 금지)"
    assert [(law, a) for law, a, v in _cits(text) if v == "valid"] == [("근로기준법", "제23조"), ("근로기준법", "제76조의2")]
    got = _cits("근로기준법\n1. 제23조\n2. 제76조의2")
    assert [v for _, _, v in got] == ["valid", "valid"]
    # a list under a header without a law stays unresolved
    assert [v for _, _, v in _cits("안내:\n- 제23조")] == ["ambiguous"]


def test_article_list_goes_on_after_line_breaks():
    text = "[1] \n        민법 제1008조, \n        제1042조 / [2] \n        민법 제806조\n,\n\n         제843조"
    assert [(law, a) for law, a, _ in _cits(text)] == [("민법", "제1008조"), ("민법", "제1042조"), ("민법", "제806조"),
                                                      ("민법", "제843조")]
