"""Forms of 참조조문 lists in court decisions that the parser must read as the court meant them: list markers
and marks glued to the name, a bare article continuing the list item before it, treaties (outside the book),
a former text in brackets after the article. Each test also holds an ordinary-text case the form must not
change."""

from __future__ import annotations

import pytest

from statutes.citations import extract_citations
from statutes.verify import check_citation


def _cits(text: str) -> list[tuple[str | None, str | None, bool]]:
    return [(c.law_text, c.article, c.old_law) for c in extract_citations(text)]


@pytest.mark.parametrize(("text", "law", "old"), [
    ("가.나.행정소송법 제1조", "행정소송법", False),
    ("가.나.다.행정소송법 제18조", "행정소송법", False),
    ("가. 나.상속세법 제9조 제4항", "상속세법", False),
    ("(구)법인세법 제19조", "법인세법", True),
    ("구)등록세법 제2조", "등록세법", True),
    ("구특허법 제131조", "특허법", True),
    ("민사소송법 제187조, 제261조민법 제460조", "민법", False),
])
def test_glued_prefixes_are_stripped(text, law, old):
    last = extract_citations(text)[-1]
    assert (last.law_text, last.old_law) == (law, old)
    assert check_citation(last).verdict not in ("unknown_law", "article_not_found")


def test_glued_prefix_needs_a_known_name_or_a_marker():
    # a law name that begins with 구 is not a glued 구
    assert _cits("구강보건법 제3조")[0][:2] == ("구강보건법", "제3조")
    # 구 glued to a name nobody knows stays one unknown name (it is not split into 구 + a made-up name)
    assert check_citation(extract_citations("구가짜보호법 제3조")[0]).verdict == "unknown_law"
    # a list marker is one of 가 나 다 ... (not any syllable): 구) is a mark, 국) is not a marker
    assert _cits("국)형법 제250조")[0][0] != "형법"


def test_former_text_in_brackets_is_a_second_citation():
    assert _cits("민법 제186조(구민법 제176조), 귀속재산처리법 제3조") == [
        ("민법", "제186조", False), ("민법", "제176조", True), ("귀속재산처리법", "제3조", False)]


def test_bare_article_continues_the_list_item_before_it():
    assert _cits("가. 상표법 제48조 / 나. 제46조 / 다. 제43조") == [
        ("상표법", "제48조", False), ("상표법", "제46조", False), ("상표법", "제43조", False)]
    refs = "가. \n        근로기준법 제23조 / 나. \n        제23조, \n \n        제27조"
    assert [c[0] for c in _cits(refs)] == ["근로기준법"] * 3
    refs = "행정소송법 제1조[행정처분일반], \n        제19조"
    assert [c[0] for c in _cits(refs)] == ["행정소송법"] * 2
    refs = "민사소송법 제582조, \n \n        \n        \n        제557조"
    assert [c[0] for c in _cits(refs)] == ["민사소송법"] * 2


def test_bare_article_after_a_paragraph_break_is_not_carried():
    # only list punctuation joins two items: a new paragraph of an answer does not
    cits = extract_citations("형법 제250조\n\n제3조는 다른 이야기입니다.")
    assert cits[1].law_text is None
    assert check_citation(cits[1]).verdict == "ambiguous"
    cits = extract_citations("형법 제250조. 나아가 제3조도 봅니다.")
    assert cits[1].law_text is None


@pytest.mark.parametrize("text", [
    "국제적 아동탈취의 민사적 측면에 관한 협약 제3조",
    "헤이그 국제아동탈취협약 제12조",
    "대한민국에서의 합중국군대의 지위에 관한 협정 제23조",
    "특허협력조약 제8조",
    "난민의 지위에 관한 1967년 의정서 제1조",
])
def test_treaties_are_outside_the_book(text):
    (c,) = extract_citations(text)
    v = check_citation(c)
    assert v.verdict == "law_not_covered" and "조약" in v.note


def test_same_law_decree_with_a_space_and_ordinance_rules():
    cits = extract_citations("석유사업법 제3조, 동 시행령 제7조")
    assert cits[1].law_text == "석유사업법 시행령"
    # the rule of a local ordinance is an instrument of its own, not an Act's 시행규칙
    (c,) = extract_citations("서울특별시 도로점용료징수조례 시행규칙 제16조")
    assert c.law_text is None and c.instrument and check_citation(c).verdict == "ambiguous"


def test_bracketed_annotations_are_citations_and_lists_go_on_from_the_annotated_one():
    refs = ("구 상속세법(1996. 12. 30. 법률 제5193호로 전문 개정되기 전의 것) 제9조 제1항(현행 상속세및증여세법 제60조 "
            "참조), 제2항(현행 상속세및증여세법 제60조 참조), 제34조의7(현행 삭제)")
    cits = _cits(refs)
    assert cits[1] == ("상속세및증여세법", "제60조", False)  # the annotation is a citation, not a title
    assert cits[-1] == ("상속세법", "제34조의7", True)  # the list goes on from 구 상속세법, not the annotation
    # 같은 법 after an annotated citation is the annotated one's law
    cits = _cits("가. 민사소송법 제236조(행정소송법 제8조 제2항) / 나. 같은 법 제263조")
    assert cits[-1][:2] == ("민사소송법", "제263조")
    # a real title is still a title
    (c,) = extract_citations("형법 제250조(살인)")
    assert c.claimed_title == "살인"


@pytest.mark.parametrize(("text", "law", "article"), [
    # a long name with spaces whose last word is not one of the usual endings: read whole after "…에 관한"
    ("체납 조세의 납세의무 면제에 관한 특별조치법 제2조", "체납 조세의 납세의무 면제에 관한 특별조치법", "제2조"),
    ("가. 국가유공자 등 지원에 대한 임시조치법 제3조", "국가유공자 등 지원에 대한 임시조치법", "제3조"),
    # ordinary text: a word ending in a particle still ends the name
    ("이것은 조세에 관한 특별조치법 제2조입니다", "조세에 관한 특별조치법", "제2조"),
    ("형법 제250조", "형법", "제250조"),
])
def test_long_name_after_connector_read_whole(text, law, article):
    assert _cits(text)[0][:2] == (law, article)
