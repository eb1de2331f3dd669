"""Registry package data: counts, provenance, aliases, 시행령 separation, institutions, procedures, CLI."""

from __future__ import annotations

from importlib import resources

import pytest
from click.testing import CliRunner

from kcc_core.exit_codes import ExitCode
from statutes.cli import statutes_group
from statutes.institutions import institution_registry
from statutes.registry import registry


def test_counts_and_provenance():
    reg = registry()
    core = [x for x in reg.laws.values() if x.coverage == "core"]
    extra = [x for x in reg.laws.values() if x.coverage == "extra"]
    assert len(core) == 39 and len(extra) == 27
    assert sum(len(x.articles) for x in core) == 4533
    assert len(reg.acts) == 1737
    for law in reg.laws.values():
        assert law.source.repo and law.source.path and law.as_of.snapshot == "2026-06-05"


def test_data_files_small():
    for f in resources.files("statutes.data").iterdir():
        if f.name.endswith(".json"):
            assert len(f.read_bytes()) < 1_000_000, f.name


@pytest.mark.parametrize(
    "written, official",
    [
        ("형법", "형법"), ("刑法", "형법"), ("Criminal Act", "형법"), ("정보통신망법", "정보통신망 이용촉진 및 정보보호 등에 관한 법률"),
        ("정보통신망이용촉진및정보보호등에관한법률", "정보통신망 이용촉진 및 정보보호 등에 관한 법률"),
        ("아동·청소년의 성보호에 관한 법률", "아동ㆍ청소년의 성보호에 관한 법률"),
        ("아동청소년의 성보호에 관한 법률", "아동ㆍ청소년의 성보호에 관한 법률"), ("「성폭력처벌법」", "성폭력범죄의 처벌 등에 관한 특례법"),
        ("Personal Information Protection Act", "개인정보 보호법"), ("통신사기피해환급법", "전기통신금융사기 피해 방지 및 피해금 환급에 관한 특별법"),
    ],
)
def test_aliases(written, official):
    res = registry().resolve(written)
    assert res.kind == "registry" and res.name == official


def test_decree_is_not_the_act():
    res = registry().resolve("형법 시행령")
    assert res.kind == "decree" and res.law is not None and res.name == "형법 시행령"


def test_act_repealed_unknown_ambiguous():
    reg = registry()
    assert reg.resolve("부정청탁 및 금품등 수수의 금지에 관한 법률").kind == "act"
    assert reg.resolve("증권거래법").kind == "repealed"
    assert reg.resolve("딥페이크방지법").kind == "unknown"
    assert reg.resolve("성폭력범죄 처벌 특례법").kind == "ambiguous"  # close to a real name: never guessed
    typo = reg.resolve("스토킹범죄의 처벌에 관한 법률")
    assert typo.kind == "registry" and typo.fuzzy


def test_a_name_close_to_a_short_real_one_stays_unknown_with_the_real_name_noted():
    """행정소정법 (a court's typo of 행정소송법): too short to be taken as a typo, so still unknown, but the real name
    is shown beside it; an invented name far from every law gets no such note. 귀속재산법, a short form decisions
    cite with articles (귀속재산법 제15조), is a mined abbreviation of 귀속재산처리법."""
    from judge.checks import run_checks

    reg = registry()
    typo = reg.resolve("행정소정법")
    assert typo.kind == "unknown" and typo.candidates == ("행정소송법",)
    short = reg.resolve("귀속재산법")
    assert short.name == "귀속재산처리법" and short.alias_kind == "abbreviation"
    assert any(a.alias == "귀속재산법" and a.used_in_precedents for a in reg.aliases_of(short.doc_id))
    assert reg.resolve("딥페이크방지법").candidates == ()
    cits = {c.law: c for c in run_checks("행정소정법 제1조와 딥페이크방지법 제3조를 보세요.").citations}
    assert cits["행정소정법"].verdict == "unknown_law" and cits["행정소정법"].note.endswith("이름이 비슷한 실제 법령: 행정소송법")
    assert cits["딥페이크방지법"].verdict == "unknown_law" and "이름이 비슷한" not in cits["딥페이크방지법"].note
    old = run_checks("행정소정법 제1조", as_of="1994-12-22").citations[0]  # as of a date the book cannot know
    assert old.verdict == "unverifiable" and old.note.endswith("이름이 비슷한 실제 법령: 행정소송법")


def test_institutions_1393_replaced_by_109():
    ireg = institution_registry()
    old = ireg.by_id["suicide_1393_retired"]
    assert old.status == "replaced" and old.replaced_by == "suicide_109" and old.replaced_since == "2024-01-01"
    assert ireg.current_number("suicide_1393_retired") == "109"
    assert "K01" in ireg.by_id["suicide_109"].categories


def test_procedures_resolve():
    reg = registry()
    ireg = institution_registry()
    assert 10 <= len(ireg.procedures) <= 15
    for p in ireg.procedures.values():
        assert p.triggers and p.institutions
        for b in p.legal_basis:
            art = reg.article(reg.by_name[b.law], b.article)
            assert art is not None and art.deleted is False and not art.not_yet_in_force, (p.id, b)
        assert all(i in ireg.by_id for i in p.institutions)


def test_cli_show_and_search():
    r = CliRunner()
    out = r.invoke(statutes_group, ["show", "형법", "250"])
    assert out.exit_code == 0, out.output
    assert "살인" in out.output and "2026-06-05" in out.output and "legalize-kr" in out.output
    out = r.invoke(statutes_group, ["show", "형법", "241"])
    assert "삭제" in out.output
    out = r.invoke(statutes_group, ["search", "딥페이크"])
    assert "제82조의8" in out.output
    out = r.invoke(statutes_group, ["show", "없는법률이름법"])
    assert out.exit_code == ExitCode.PARTIAL  # the lookup found nothing


def test_show_bad_article_fails_before_printing():
    r = CliRunner()
    out = r.invoke(statutes_group, ["show", "형법", "abc"])
    assert out.exit_code == ExitCode.USAGE
    assert "형법  [법령ID" not in out.stdout  # no half report before the usage error


def test_group_help_lists_whole_short_help():
    out = CliRunner().invoke(statutes_group, ["--help"]).stdout
    assert "(e.g." not in out  # click cut the docstring at "e.g." before
    assert "Show a law" in out and "Search law names" in out


def test_an_act_a_decision_states_repealed_is_repealed_not_fabricated():
    """중앙정보부법: no text in the statute book and no 참조조문 marks it, but a decision's reasons say
    "중앙정보부법(폐) 제2조". Mined repeals carry no date, so as of an earlier date the note says the law may then
    still have been in force."""
    from judge.checks import run_checks

    h = registry().resolve("중앙정보부법")
    assert h.kind == "repealed" and h.history.evidence and h.history.evidence[0].file.startswith("precedent-kr/")
    now = run_checks("중앙정보부법 제2조").citations[0]
    assert now.verdict == "repealed_or_lapsed" and "폐지 시기" not in now.note
    then = run_checks("중앙정보부법 제2조", as_of="1977-12-13").citations[0]
    assert then.verdict == "repealed_or_lapsed" and "1977-12-13 당시에는 시행 중이었을 수 있음" in then.note
