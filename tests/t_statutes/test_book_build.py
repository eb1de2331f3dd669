"""`kcc statutes build` from a small git checkout made here (two commits, the real file format), and the
registry it gives through KCC_STATUTES: documents, decrees, later-effective versions, mined history."""

from __future__ import annotations

import importlib
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kcc_core.exit_codes import ExitCode
from statutes.citations import Citation
from statutes.cli import statutes_group

registry_mod = importlib.import_module("statutes.registry")

FRONT = """---
제목: {name}
법령MST: {mst}
법령ID: '{id}'
법령구분: {kind}
법령구분코드: ''
소관부처:
- 가상부
공포일자: {prom}
공포번호: '{no}'
시행일자: {eff}
법령분야: ''
상태: 시행
출처: https://www.law.go.kr/법령/{link}
첨부파일: []
---

# {name}

"""


def _doc(name, id_, kind, prom, eff, arts, no="1"):
    text = FRONT.format(name=name, mst=id_ + "0", id=id_, kind=kind, prom=prom, no=no, eff=eff,
                        link=name.replace(" ", ""))
    for n, title, body in arts:
        text += f"##### {n}" + (f" ({title})" if title else "") + f"\n\n{body}\n\n"
    return text + "부칙 <제1호,2026.1.1>\n\n\n제1조(시행일) 이 법은 공포한 날부터 시행한다.\n"


def _git(d: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(d), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(d), "PATH": "/usr/bin:/bin"})


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


DECISION = """---
판례일련번호: '{serial}'
사건번호: 2020다{serial}
사건명: 손해배상
사건종류: 민사
선고일자: 2021-01-01
---

# 손해배상

## 판시사항

가상 보호법(이하 '{abbr}'이라 한다)의 적용 범위

## 참조조문

구 옛가상보호법(2026. 3. 1. 법률 제2호로 개정되기 전의 것) 제2조, 구 사라진법(2020. 1. 1. 법률 제9호 가상 보호법 부칙 제2조로 폐지되기 전의 것) 제1조 / 가.나.가상 보호법 제7조,
        제8조 / [2] 제9조

## 판례내용

가상 보호법(이하 '{abbr}'이라 한다) 제2조. 가보호법 제3조에 따라 정하였고, 2020. 1. 1. 법률 제1호로 전부 개정되기
전의 구 옛직원법에는 그 규정이 없었다.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("legalize")
    _git(root, "init", "-q")
    arts1 = [("제1조", "목적", "이 법은 가상의 목적을 정한다."), ("제2조", "정의", "용어의 뜻은 다음과 같다."),
             ("제3조", "적용 범위", "이 법은 모든 가상에 적용한다.")]
    _write(root, "kr/가상보호법/법률.md", _doc("가상 보호법", "900001", "법률", "2026-01-01", "2026-01-01", arts1))
    _write(root, "kr/가상보호법/시행령.md", _doc("가상 보호법 시행령", "900002", "대통령령", "2026-01-01", "2026-01-01",
                                            [("제1조", "목적", "이 영은 위임 사항을 정한다.")]))
    _write(root, "kr/가상표시에관한규칙/총리령.md", _doc("가상 표시에 관한 규칙", "900003", "총리령", "2026-01-01",
                                                  "2026-01-01", [("제1조", "목적", "표시를 정한다."), ("제2조", None, "삭제 <2026.1.1>"),
                                                                 ("제3조", "옛 조문", "전부개정으로 없어진다.")]))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first")
    _write(root, "kr/가상표시에관한규칙/총리령.md", _doc("가상 표시에 관한 규칙", "900003", "총리령", "2026-02-01",
                                                  "2026-02-01", [("제1조", "목적", "표시를 정한다."), ("제2조", None, "삭제 <2026.1.1>")]))
    arts2 = [("제1조", "목적", "이 법은 가상의 목적을 정한다."), ("제2조", "정의와 해석", "용어의 뜻은 다음과 같다."),
             ("제3조", None, "삭제 <2026.3.1>"), ("제4조", "신설 조문", "새로 정한다.")]
    _write(root, "kr/가상보호법/법률.md", _doc("가상 보호법", "900001", "법률", "2026-03-01", "2026-09-01", arts2, no="2"))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "second")
    prec = tmp_path_factory.mktemp("precedents")
    for serial, abbr in (("10001", "가보법"), ("10002", "가보법"), ("10011", "가보법"), ("10007", "칠보법"),
                         ("10017", "칠보법")):
        _write(prec, f"precedent-kr/민사/대법원/2020다{serial}.md", DECISION.format(serial=serial, abbr=abbr))
    out = tmp_path_factory.mktemp("book")
    res = CliRunner().invoke(statutes_group, ["build", "--from", str(root), "--precedents", str(prec),
                                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture
def reg(built, monkeypatch):
    monkeypatch.setenv("KCC_STATUTES", str(built))
    registry_mod.registry.cache_clear()
    yield registry_mod.registry()
    registry_mod.registry.cache_clear()


def test_documents_and_kinds(reg):
    assert reg.snapshot_date == date(2026, 3, 1)
    act = reg.resolve("가상보호법")
    assert act.kind == "act" and act.doc_id == "900001" and act.document.name == "가상 보호법"
    dec = reg.resolve("가상 보호법 시행령")
    assert dec.kind == "decree" and dec.document.parent == "900001"
    rule = reg.resolve("가상 표시에 관한 규칙")
    assert rule.kind == "document" and rule.document.kind == "총리령"
    assert reg.article_as_of("900003", "제2조").deleted and reg.article_as_of("900003", "제3조") is None
    assert reg.resolve("형법").kind == "registry"  # the curated laws still resolve


def test_versions_as_of(reg):
    # snapshot 2026-03-01: the amendment promulgated that day takes effect on 2026-09-01
    now = reg.article_as_of("900001", "제3조")
    assert now.title == "적용 범위" and not now.deleted and now.later.deleted
    assert reg.article_as_of("900001", "제3조", date(2026, 9, 1)).deleted
    assert reg.article_as_of("900001", "제4조").only_later
    assert reg.article_as_of("900001", "제4조", date(2026, 10, 1)).title == "신설 조문"
    assert reg.version_as_of("900001").effective == "2026-01-01"
    assert reg.version_as_of("900001", date(2026, 12, 1)).effective == "2026-09-01"
    assert registry_mod.staleness_warning(reg, date(2026, 8, 1)) is None
    assert "기준일 2026-03-01" in registry_mod.staleness_warning(reg, date(2026, 12, 1))


def _cit(law, article, old=False):
    return Citation(law_text=law, article=article, text=f"{law} {article}", start=0, end=1, old_law=old)


def test_verdicts(reg):
    from statutes.verify import check_citation

    assert check_citation(_cit("가상 보호법", "제2조"), reg).verdict == "valid"
    assert check_citation(_cit("가상 보호법", "제9조"), reg).verdict == "article_not_found"
    assert check_citation(_cit("가상 보호법", "제4조"), reg).verdict == "not_yet_in_force"
    assert check_citation(_cit("가상 보호법", "제4조"), reg, as_of=date(2026, 9, 2)).verdict == "valid"
    assert check_citation(_cit("가상 보호법", "제3조"), reg, as_of=date(2026, 9, 2)).verdict == "article_deleted"
    assert check_citation(_cit("가상 보호법", "제9조", old=True), reg).verdict == "outdated"
    assert check_citation(_cit("가상 보호법 시행령", "제1조"), reg).verdict == "valid"
    # an article only an earlier text in the history has: outdated with its title, never fabricated
    assert reg.earlier_article("900003", "제3조") == ("옛 조문", "2026-01-01")
    gone = check_citation(_cit("가상 표시에 관한 규칙", "제3조"), reg)
    assert gone.verdict == "outdated" and gone.article_title == "옛 조문"


def test_history_and_abbreviations_mined(reg):
    old = reg.resolve("옛가상보호법")
    assert old.kind == "renamed" and old.name == "가상 보호법" and old.history.evidence
    assert old.history.evidence[0].file.startswith("precedent-kr/")
    gone = reg.resolve("사라진법")
    assert gone.kind == "repealed" and gone.history.successor == "가상 보호법"
    ab = reg.resolve("가보법")
    assert ab.doc_id == "900001" and ab.alias_kind == "abbreviation"
    mined = [a for a in reg.aliases_of("900001") if a.alias == "가보법"]
    assert mined and mined[0].source == "mined" and not mined[0].verified and mined[0].defined_in_precedents == 6
    # decisions whose serial ends in 7 are never read
    assert reg.resolve("칠보법").kind == "unknown"
    assert "7.md" not in str(reg.book.sources) and all("7.md" not in e.file for h in reg.book.history() for e in h.evidence)


def test_short_forms_cited_with_articles_and_former_texts_named_in_the_reasons(reg):
    from statutes.verify import check_citation

    # "가보호법 제3조" in three decisions, never defined: a short form of 가상 보호법 (its syllables in order)
    ab = reg.resolve("가보호법")
    assert ab.doc_id == "900001" and ab.alias_kind == "abbreviation"
    (used,) = [a for a in reg.aliases_of("900001") if a.alias == "가보호법"]
    assert used.source == "mined" and used.used_in_precedents == 3 and used.defined_in_precedents is None
    shown = CliRunner().invoke(statutes_group, ["show", "가상 보호법"]).output
    assert "가보호법 (mined, 인용 3건)" in shown and "가보법 (mined, 6건)" in shown
    v = check_citation(_cit("가보호법", "제3조"), reg)
    # checked against 가상 보호법's own article (as of the snapshot, before 제3조 was deleted)
    assert (v.law_id, v.verdict, v.article_title) == ("900001", "valid", "적용 범위")
    # "…개정되기 전의 구 옛직원법": a former name (successor unknown), and its decree goes with it
    old = reg.resolve("옛직원법")
    assert old.kind == "renamed" and old.history.kind == "former"
    dec = reg.resolve("옛직원법 시행령")
    assert dec.kind == "renamed" and dec.name == "옛직원법 시행령" and dec.decree == "시행령"
    v = check_citation(_cit("옛직원법 시행령", "제41조"), reg)
    assert v.verdict == "renamed" and v.article_verdict is None


def test_articles_mined_under_former_names_and_from_lists(reg):
    from statutes.verify import check_citation

    # articles cited under a former name, with the decisions as evidence (three readable decisions cite it)
    count, path = reg.history_article("옛가상보호법", "제2조")
    assert count == 3 and path.startswith("precedent-kr/") and not path.endswith("7.md")
    v = check_citation(_cit("옛가상보호법", "제2조"), reg)
    assert v.verdict == "renamed" and v.article_verdict == "valid" and "판례 3건" in v.note
    # not cited under that name: the successor's text (renamed in place, not wholly revised) decides
    v = check_citation(_cit("옛가상보호법", "제1조"), reg)
    assert v.verdict == "renamed" and v.article_verdict == "valid" and v.article_title == "목적"
    # in neither: not looked up (never called fabricated on this evidence)
    v = check_citation(_cit("옛가상보호법", "제9조"), reg)
    assert v.verdict == "renamed" and v.article_verdict is None
    # former-text articles of a document in force: a list marker glued to the name, a bare article carried
    # from the chunk before it (kept: three decisions); a bare article after "[2]" has no law
    assert reg.former_article("900001", "제7조")[0] == 3
    assert reg.former_article("900001", "제8조")[0] == 3
    assert reg.former_article("900001", "제9조") is None


def test_shards_are_lines_parsed_per_document_and_earlier_layout_still_reads(built, tmp_path):
    import gzip
    import json
    import shutil

    from statutes.book import N_SHARDS, Book, shard_of

    names = sorted(p.name for p in built.glob("articles-*"))
    assert len(names) == N_SHARDS and all(n.endswith(".jsonl.gz") for n in names)
    assert "former_articles" not in json.loads(gzip.decompress((built / "index.json.gz").read_bytes()))
    book = Book(built)
    assert book.versions("900001")[-1][1]["제4조"] == ("신설 조문", 0)
    # a shard keeps its raw lines: only the documents asked for are parsed
    assert all(isinstance(v, bytes) for v in book._shards[shard_of("900001")].values())
    assert book.former_article("900001", "제7조")[0] == 3
    assert book.earlier_article("900003", "제3조")[0] == "옛 조문"
    assert book._rows is None  # articles, former-text and earlier articles never read the whole index

    # the same book as an earlier version wrote it: one JSON object per shard, former-text articles in the index
    old = tmp_path / "old"
    shutil.copytree(built, old)
    for i in range(N_SHARDS):
        p = old / f"articles-{i:02d}.jsonl.gz"
        rows = [json.loads(line) for line in gzip.decompress(p.read_bytes()).decode().splitlines()]
        obj = {k: v for k, v in rows if not k.startswith("~")}
        if earlier := {k[1:]: v for k, v in rows if k.startswith("~")}:
            obj["~former"] = earlier
        (old / f"articles-{i:02d}.json.gz").write_bytes(gzip.compress(json.dumps(obj).encode()))
        p.unlink()
    idx = json.loads(gzip.decompress((old / "index.json.gz").read_bytes()))
    idx["former_articles"] = json.loads(gzip.decompress((old / "former-articles.json.gz").read_bytes()))
    (old / "index.json.gz").write_bytes(gzip.compress(json.dumps(idx).encode()))
    (old / "former-articles.json.gz").unlink()
    ob = Book(old)
    for did in ("900001", "900002", "900003"):
        assert [(v.effective, a) for v, a in ob.versions(did)] == [(v.effective, a) for v, a in book.versions(did)]
    assert ob.former_article("900001", "제7조") == book.former_article("900001", "제7조")
    assert ob.earlier_article("900003", "제3조") == book.earlier_article("900003", "제3조")


def test_show_and_search_cover_documents(reg):
    r = CliRunner().invoke(statutes_group, ["show", "가상 표시에 관한 규칙", "1"])
    assert r.exit_code == 0, r.output
    assert "총리령" in r.output and "law.go.kr: https://www.law.go.kr/법령/가상표시에관한규칙" in r.output
    r = CliRunner().invoke(statutes_group, ["search", "가상"])
    assert "가상 보호법 시행령" in r.output and "가상 표시에 관한 규칙" in r.output


def test_plain_folder_without_history(tmp_path):
    from statutes.build import build

    _write(tmp_path / "src", "kr/가상보호법/법률.md",
           _doc("가상 보호법", "900001", "법률", "2026-01-01", "2026-01-01", [("제1조", "목적", "목적")]))
    info = build(tmp_path / "src", tmp_path / "out", log=lambda m: None)
    assert info == {"documents": 1, "snapshot": "2026-01-01"}
    assert (tmp_path / "out" / "names.json.gz").is_file()


def test_sources_are_recorded_by_name_not_by_local_path(tmp_path):
    import gzip
    import json

    from statutes.build import Source, build

    src = tmp_path / "src"
    _write(src, "kr/가상보호법/법률.md",
           _doc("가상 보호법", "900001", "법률", "2026-01-01", "2026-01-01", [("제1조", "목적", "목적")]))
    _git(src, "init", "-q")
    _git(src, "add", "-A")
    _git(src, "commit", "-q", "-m", "one")
    assert Source(src).where() == str(src)  # no remote: the path is all there is
    _git(src, "remote", "add", "origin", "https://github.com/owner/statutes-kr.git")
    assert Source(src).where() == "github:owner/statutes-kr"
    build(src, tmp_path / "out", log=lambda m: None)
    idx = json.loads(gzip.decompress((tmp_path / "out" / "index.json.gz").read_bytes()))
    assert idx["sources"]["statutes"]["path"] == "github:owner/statutes-kr"
    build(src, tmp_path / "out2", log=lambda m: None, source_name="my statutes")
    idx = json.loads(gzip.decompress((tmp_path / "out2" / "index.json.gz").read_bytes()))
    assert idx["sources"]["statutes"]["path"] == "my statutes"


def test_shipped_book_names_no_local_paths():
    import gzip

    from statutes.book import default_root

    for f in default_root().iterdir():
        if f.name.endswith(".gz"):
            text = gzip.decompress(f.read_bytes()).decode()
            assert "/work/" not in text and "/home/" not in text and "/tmp/" not in text, f.name


def test_bad_input_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(statutes_group, ["build", "--from", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])
    assert r.exit_code == ExitCode.USAGE and "no statute documents found" in r.output


def test_mine_refs_marks_wholesale_revisions_and_needs_two_decisions_for_carried_articles():
    from statutes.build import mine_refs

    known = {"가상보호법": ("900001", "가상 보호법")}
    rows = [(f"precedent-kr/민사/대법원/{i}.md",
             "구 옛이름법(2020. 1. 1. 법률 제3호 가상 보호법으로 전부 개정되기 전의 것) 제5조, 제6조 "
             "/ 가상 보호법 제40조" + (", 제41조" if i == 1 else "")) for i in (1, 2)]
    out = mine_refs(rows, known, {}, "repo", id_name={"900001": "가상 보호법"},
                    articles={"900001": {"제1조"}})
    (h,) = out["history"]
    assert h["name"] == "옛이름법" and h["successor_id"] == "900001" and h["wholesale"] is True
    assert [a[:2] for a in out["history_articles"]["옛이름법"]] == [["제5조", 2], ["제6조", 2]]
    # 제41조 is carried from the chunk before it in one decision only: not enough; 제40조 is named twice
    assert [a[:2] for a in out["former_articles"]["900001"]] == [["제40조", 2]]


def test_acts_a_decision_states_repealed_are_mined_as_repealed():
    from statutes.build import body_repealed_names, known_name_ends, mine_refs

    known = {"농수산물도매시장법": ("900002", "농수산물도매시장법"), "민법": ("900003", "민법"),
             "재난관리에관한특별조치법": ("900004", "재난 관리에 관한 특별조치법")}
    ends = known_name_ends(known)
    text = ("중앙도매시장법이 폐지되고 이에 대체된 농수산물도매시장법 제10조는 … 중앙정보부법(폐) 제2조에 규정한 … "
            "폐지된 가상채권보상법의 규정 … 개정민법이 폐지 … 특별조치법이 폐지되어 … 농수산물도매시장법이 폐지된 것은 아니다 "
            "… 간접투자자산 운용업법이 폐지되어")
    assert body_repealed_names(text, known, ends) == ["중앙정보부법", "가상채권보상법", "중앙도매시장법"]
    rows = [("precedent-kr/민사/대법원/1.md", "옛마을법 제3조"), ("precedent-kr/민사/대법원/2.md", "옛마을법 제4조")]
    out = mine_refs(rows, known, {}, "repo", id_name={v[0]: v[1] for v in known.values()}, articles={},
                    body_repealed=[("precedent-kr/민사/대법원/3.md", "옛마을법"),
                                   ("precedent-kr/민사/대법원/3.md", "중앙도매시장법"),
                                   ("precedent-kr/민사/대법원/4.md", "중앙도매시장법")])
    by = {h["name"]: h for h in out["history"]}
    # cited plainly by two decisions (a former name), stated repealed by a third: repealed, its citations kept
    assert by["옛마을법"]["kind"] == "repealed" and by["옛마을법"]["count"] == 2
    assert {e["file"] for e in by["옛마을법"]["evidence"]} == {f"precedent-kr/민사/대법원/{i}.md" for i in (1, 2, 3)}
    assert by["중앙도매시장법"]["kind"] == "repealed" and by["중앙도매시장법"]["files"] == 2
    assert by["중앙도매시장법"]["successor_id"] is None


def test_short_form_candidates_and_former_texts_leave_laws_in_force_alone():
    from collections import Counter

    from statutes.build import _unlike_any, cited_new_names, known_name_ends, used_abbreviations

    known = {"축산물위생관리법": ("1", "축산물 위생관리법"), "위생용품관리법": ("2", "위생용품 관리법"),
             "귀속재산처리법": ("3", "귀속재산처리법"),
             "전기통신금융사기피해방지및피해금환급에관한특별법": ("4", "전기통신금융사기 피해 방지 및 피해금 환급에 관한 특별법")}
    ends = known_name_ends(known)
    text = "축산물 위생관리법 제6조에 따라, 귀속재산법 제15조와 같이, 석유 및 석유대체법 제2조"
    # "위생관리법" is the end of a name written with spaces; after "및" a name goes on too
    assert cited_new_names(text, known, ends) == ["귀속재산법"]
    files = {"귀속재산법": Counter({"a.md": 1, "b.md": 1}), "귀속법": Counter({"a.md": 1, "b.md": 1}), "귀속재산처법": Counter({"a.md": 1})}
    forms = {k: Counter({k: 1}) for k in files}
    used = used_abbreviations(files, forms, known, set(), "repo")
    # 귀속법: its syllables run through 귀속재산처리법 but too far from it (ratio < 75); 귀속재산처법: one decision
    assert [(u["alias"], u["name"], u["how"]) for u in used] == [("귀속재산법", "귀속재산처리법", "used")]
    rows = [("a.md", "통신사기피해환급법"), ("a.md", "옛직원법"), ("b.md", "귀속재산처리법령법")]
    # a short form of a law in force ("구 통신사기피해환급법" is its earlier text) and a name in force with a
    # syllable added are not former names
    assert _unlike_any(rows, known) == [("a.md", "옛직원법")]
