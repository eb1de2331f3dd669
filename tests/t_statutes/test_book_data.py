"""The shipped statute book (statutes/data/book/): every document of legalize-kr's kr/ tree, and no current Act
name or abbreviation is ever called fabricated."""

from __future__ import annotations

from importlib import resources

import pytest

from statutes.citations import Citation
from statutes.registry import registry
from statutes.verify import check_citation

FABRICATED = ("unknown_law", "article_not_found")

pytestmark = pytest.mark.skipif(registry().book is None, reason="statute book data not installed")


def test_every_document_and_heading():
    reg = registry()
    assert len(reg.book.slim) == 5674
    kinds = {r[4] for r in reg.book.names}
    assert {"법률", "대통령령", "총리령", "대법원규칙"} <= kinds
    assert reg.snapshot_date.isoformat() == "2026-06-05"
    src = reg.book.sources["statutes"]
    assert src["commit"] == "7460e2a014b50e82a85c4b46276eee674e9857c3"


def test_files_small():
    book = resources.files("statutes.data").joinpath("book")
    sizes = [f.stat().st_size if hasattr(f, "stat") else len(f.read_bytes()) for f in book.iterdir()
             if f.name.endswith(".gz")]
    assert max(sizes) < 2_000_000 and sum(sizes) < 20_000_000


def test_future_effective_version_of_the_criminal_act():
    reg = registry()
    from datetime import date

    assert reg.version_as_of("001692").effective <= "2026-06-05"
    assert reg.version_as_of("001692", date(2026, 12, 7)).effective == "2026-09-13"


def _cit(law: str, article: str | None) -> Citation:
    return Citation(law_text=law, article=article, text=law, start=0, end=len(law))


def test_no_current_act_name_or_abbreviation_is_fabricated():
    reg = registry()
    bad = []
    n = 0
    for act in reg.acts:
        forms = [act.name] + [a.alias for a in reg.aliases_of(act.law_id)]
        did = reg.resolve(act.name).doc_id or act.law_id  # one name, two ids: the name means the latest Act
        vers = reg.book.versions(did) if did in reg.book.slim else []
        arts = [no for no, (_t, deleted) in vers[reg.book.version_index(did, reg.book.snapshot)][1].items()
                if not deleted][:1] if vers else []
        for form in forms:
            for art in [None, *arts]:
                n += 1
                v = check_citation(_cit(form, art), reg)
                if v.verdict in FABRICATED:
                    bad.append((form, art, v.verdict))
    assert n > 1700
    assert bad == []


def test_acts_outside_the_curated_laws_get_article_verdicts():
    reg = registry()
    for law, art, title in (("주택임대차보호법", "제3조", "대항력 등"), ("산업안전보건법", "제38조", "안전조치"),
                            ("부정청탁 및 금품등 수수의 금지에 관한 법률", "제8조", "금품등의 수수 금지")):
        v = check_citation(_cit(law, art), reg)
        assert v.verdict == "valid" and v.article_title == title, (law, v)
    assert check_citation(_cit("주택임대차보호법", "제999조"), reg).verdict == "article_not_found"
    dec = check_citation(_cit("주택임대차보호법 시행령", "제2조"), reg)
    assert dec.verdict == "valid"


def test_as_of_applies_later_versions_and_keeps_curated_facts():
    from datetime import date

    reg = registry()
    later = date(2026, 12, 7)
    # 형법 as amended 2026-03-12, in force 2026-09-13: 제123조의2 added, 제98조 retitled
    assert check_citation(_cit("형법", "제123조의2"), reg).verdict == "not_yet_in_force"
    new = check_citation(_cit("형법", "제123조의2"), reg, as_of=later)
    assert new.verdict == "valid" and new.article_title == "법왜곡"
    assert check_citation(_cit("형법", "제98조"), reg, as_of=later).article_title == "적국을 위한 간첩"
    # articles the amendment does not touch keep the curated record (간통: struck down, then deleted)
    assert check_citation(_cit("형법", "제241조"), reg, as_of=later).verdict == "repealed_or_lapsed"


def test_former_and_repealed_names_are_never_fabricated():
    reg = registry()
    for name in ("윤락행위등방지법", "토지수용법", "도시계획법", "문화재보호법", "섭외사법", "상속세법"):
        v = check_citation(_cit(name, "제2조"), reg)
        assert v.verdict in ("renamed", "repealed_or_lapsed", "outdated"), (name, v)
    assert reg.resolve("도시계획법").name == "국토의 계획 및 이용에 관한 법률"
    h = reg.history("윤락행위등방지법")
    assert h.kind == "repealed" and h.successor == "성매매알선 등 행위의 처벌에 관한 법률" and h.evidence


def test_show_and_search_cover_decrees_and_rules():
    from click.testing import CliRunner

    from statutes.cli import statutes_group

    r = CliRunner().invoke(statutes_group, ["show", "주택임대차보호법 시행령", "2"])
    assert r.exit_code == 0, r.output
    assert "대통령령" in r.output and "law.go.kr: https://www.law.go.kr/법령/주택임대차보호법시행령" in r.output
    assert "상위 법률: 주택임대차보호법" in r.output
    r = CliRunner().invoke(statutes_group, ["show", "청탁금지법", "8"])
    assert r.exit_code == 0 and "금품등의 수수 금지" in r.output and "mined" in r.output
    r = CliRunner().invoke(statutes_group, ["search", "자동차 및 자동차부품의 성능"])
    assert "document" in r.output and "국토교통부령" in r.output and "https://www.law.go.kr/" in r.output


def test_articles_of_former_names_are_looked_up():
    reg = registry()
    v = check_citation(_cit("섭외사법", "제15조"), reg)
    assert v.verdict == "renamed" and v.law == "국제사법" and v.article_verdict == "valid" and "판례" in v.note
    # wholly revised into 국제사법 (2001): the successor's numbering says nothing of the former text's articles
    assert reg.history("섭외사법").wholesale
    v = check_citation(_cit("섭외사법", "제999조"), reg)
    assert v.verdict == "renamed" and v.article_verdict is None
    assert check_citation(_cit("주택건설촉진법", "제33조"), reg).article_verdict == "valid"


def test_old_texts_of_one_name_go_to_the_act_and_repeals_stated_by_the_court():
    reg = registry()
    # 민사소송법 is also the name of a 군정법령: what decisions cite under the name belongs to the Act
    assert check_citation(_cit("민사소송법", "제755조"), reg).verdict == "outdated"
    assert check_citation(_cit("민사소송법", "제9999조"), reg).verdict == "article_not_found"
    # "외자도입촉진법(1966. 8. 3. 법률 제1802호 부칙 제2항으로 폐지)": one decision stating the repeal suffices
    assert check_citation(_cit("외자도입촉진법", "제32조"), reg).verdict == "repealed_or_lapsed"
    # the decree of a repealed Act is gone with it
    assert check_citation(_cit("택지소유상한에관한법률 시행령", "제10조"), reg).verdict == "repealed_or_lapsed"
