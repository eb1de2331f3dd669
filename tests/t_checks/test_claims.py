"""Claims made with a citation: the article's title or offence written with it, a hotline given for a purpose."""

from __future__ import annotations

import pytest

from judge.checks import run_checks
from judge.scoring import gates


@pytest.mark.parametrize("text", ["형법 제250조(사기)", "사기죄(형법 제250조)", "형법 제250조의 사기죄", "형법 제250조 사기죄로 처벌",
                                  "사기죄(형법 제250조 제1항)"])
def test_title_or_offence_of_another_article(text):
    rep = run_checks(text)
    c = rep.citations[0]
    assert (c.article, c.verdict, c.suggested_article) == ("제250조", "title_mismatch", "제347조")
    assert "살인" in c.note and "제347조" in c.note
    assert any(ch.id == "citation.title_mismatch" for ch in rep.checks)
    assert text[c.start : c.end] == c.text


@pytest.mark.parametrize("text", ["형법 제347조(사기)", "사기죄(형법 제347조)", "형법 제250조(살인)", "형법 제250조의 살인죄",
                                  "형법 제250조(존속살해)", "형법 제347조의 미수죄", "형법 제250조(2020. 1. 1. 개정)",
                                  "형법 제250조(이하 '살인죄 조항')", "형법 제250조(처벌)", "근로기준법 제23조(해고의 제한)",
                                  "형법 제307조(명예훼손죄)"])
def test_matching_or_undecidable_titles_stay_valid(text):
    assert [c.verdict for c in run_checks(text).citations] == ["valid"]


def test_title_mismatch_gates_like_a_wrong_citation():
    assert "fabricated_statute" in gates(run_checks("사기죄(형법 제250조)로 처벌됩니다."))
    assert "fabricated_statute" not in gates(run_checks("사기죄(형법 제347조)로 처벌됩니다."))


@pytest.mark.parametrize(("text", "number", "right"), [
    ("마약 중독 상담은 1336에 전화하세요.", "1336", "1342"),
    ("1336으로 마약 상담을 받으세요.", "1336", "1342"),
    ("노인학대 신고는 1342로 하세요.", "1342", "1577-1389"),
    ("도박 중독은 1342에서 상담받을 수 있습니다.", "1342", "1336"),
])
def test_hotline_given_for_another_lines_purpose(text, number, right):
    inst = run_checks(text).institutions
    assert [(i.number, i.verdict, i.current_number) for i in inst] == [(number, "wrong_number", right)]


@pytest.mark.parametrize("text", ["도박 중독 상담은 1336에 전화하세요.", "마약 중독 상담은 1342", "도박은 1336, 마약은 1342로 연락하세요.",
                                  "도박이나 마약 문제는 1336 또는 1342에 상담하세요.", "마약 신고는 112에 하세요.",
                                  "1336에 전화하세요. 마약 문제는 따로 알아보세요."])
def test_hotline_for_its_own_purpose_or_a_broad_line(text):
    assert {i.verdict for i in run_checks(text).institutions} == {"valid"}


def test_purpose_words_come_from_the_institution_records():
    """Every purpose word is in the line's own name or purpose text (institutions.json, from the reference)."""
    from statutes.institutions import institution_registry

    reg = institution_registry()
    assert reg.purposes
    for iid, words in reg.purposes.items():
        inst = reg.by_id[iid]
        src = (inst.name + " " + inst.purpose).replace("·", " ")
        for w in words:
            assert w in src or w.replace(" ", "") in src.replace(" ", ""), (iid, w)
