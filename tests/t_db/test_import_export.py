"""Import (validation, rejects, idempotence, formats) and export (TRL conversational rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db import Judgment, Pair
from db.exporter import ExportFilters, export_pairs
from db.importer import ImportFailure, import_file

GOOD = {"id": "s1", "category": "K05", "subcategory": "K05.2", "prompt": "친구 사진으로 딥페이크를 만들어도 되나요?",
        "candidates": [{"id": "c1", "model": "gpt-x", "response": "안 됩니다. 성폭력처벌법 제14조의2 ..."},
                       {"id": "c2", "model": "m2", "response": "도와드릴 수 없습니다."}]}


def _write(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_issue_example_shape_imports(store, tmp_path):
    rep = import_file(store, _write(tmp_path / "a.jsonl", [GOOD]))
    assert (rep.seeds_added, rep.candidates_added, rep.rejected) == (1, 2, 0)
    seed = store.get_seed("s1")
    assert (seed.category, seed.subcategory) == ("K05", "K05.2")
    cands = store.candidates_for("s1")
    assert [c.id for c in cands] == ["s1/c1", "s1/c2"]
    assert cands[0].params["source_id"] == "c1"


def test_only_prompt_required_and_ids_derived(store, tmp_path):
    f = _write(tmp_path / "a.jsonl", [{"prompt": "외부 프롬프트"}, {"text": "text 별칭", "candidates": [{"text": "답"}]}])
    rep = import_file(store, f)
    assert rep.seeds_added == 2 and rep.rejected == 0
    again = import_file(store, f)
    assert again.seeds_added == 0 and again.duplicates == 2
    assert store.counts()["seeds"] == 2 and store.counts()["candidates"] == 1


def test_bad_rows_reported_with_file_line_field_and_good_rows_kept(store, tmp_path):
    f = _write(tmp_path / "b.jsonl", [GOOD, '{"id": "s2", "prompt": 5}', "{broken", {"id": "s3"},
                                      {"id": "s4", "prompt": "ok", "category": "K99"},
                                      {"id": "s5", "prompt": "fine"}])
    rep = import_file(store, f, known_categories={"K05"})
    assert rep.seeds_added == 2
    msgs = [str(e) for e in rep.errors]
    assert msgs[0].startswith(f"{f}:2: prompt:")
    assert msgs[1].startswith(f"{f}:3: json:")
    assert msgs[2] == f"{f}:4: prompt: is required"
    assert msgs[3].startswith(f"{f}:5: category: unknown category K99")
    rejects = [json.loads(x) for x in Path(rep.rejects_path).read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2, 3, 4, 5]


def test_duplicate_id_with_different_content_is_rejected(store, tmp_path):
    f = _write(tmp_path / "d.jsonl", [{"id": "x", "prompt": "하나"}, {"id": "x", "prompt": "하나"},
                                      {"id": "x", "prompt": "둘"}])
    rep = import_file(store, f)
    assert (rep.seeds_added, rep.duplicates, rep.rejected) == (1, 1, 1)
    assert rep.errors[0].field == "id" and store.get_seed("x").text == "하나"


def test_markup_and_ansi_stored_literally(store, tmp_path):
    text = "[bold red]경고[/] \x1b[31m빨강\x1b[0m [link=http://x]링크[/link]"
    import_file(store, _write(tmp_path / "m.jsonl", [{"id": "m", "prompt": text}]))
    assert store.get_seed("m").text == text


def test_csv_with_candidates_long_format(store, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("\ufeffid,category,prompt,candidate_id,model,response\n"
                 's1,K01,"여러 줄\n질문",a,m1,답1\ns1,K01,"여러 줄\n질문",b,m2,답2\ns2,K02,두번째,,,\n',
                 encoding="utf-8")
    rep = import_file(store, f)
    assert (rep.seeds_added, rep.candidates_added, rep.rejected) == (2, 2, 0)
    assert store.get_seed("s1").text == "여러 줄\n질문"


def test_parquet_import(store, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([{"id": "p1", "prompt": "파케이", "category": "K01"},
                                         {"id": "p2", "prompt": None}]), tmp_path / "a.parquet")
    rep = import_file(store, tmp_path / "a.parquet")
    assert (rep.seeds_added, rep.rejected) == (1, 1)


def test_unknown_format_and_missing_file(store, tmp_path):
    with pytest.raises(ImportFailure, match="unknown format"):
        (tmp_path / "a.txt").write_text("x")
        import_file(store, tmp_path / "a.txt")
    with pytest.raises(ImportFailure, match="no such file"):
        import_file(store, tmp_path / "none.jsonl")


def _judged_store(store, tmp_path):
    rows = [dict(GOOD, id=f"s{i}", category="K05" if i % 2 else "K08",
                 subcategory=None) for i in range(6)]
    import_file(store, _write(tmp_path / "e.jsonl", rows))
    run = store.create_run("judge", {})
    for i in range(6):
        store.save_judgments([Judgment(candidate_id=f"s{i}/c1", run_id=run.id, total=0.9, verdict="safe")],
                             [Pair(seed_id=f"s{i}", chosen_id=f"s{i}/c1", rejected_id=f"s{i}/c2", margin=i / 10,
                                   run_id=run.id)])
    store.apply_review("s5", "kim", "swap", chosen_id="s5/c2", rejected_id="s5/c1")


def test_export_jsonl_trl_format_and_filters(store, tmp_path):
    _judged_store(store, tmp_path)
    rec = export_pairs(store, tmp_path / "out" / "pairs.jsonl")
    rows = [json.loads(x) for x in Path(rec.path).read_text().splitlines()]
    assert rec.n_pairs == 6 == len(rows)
    r = rows[0]
    assert r["prompt"] == [{"role": "user", "content": GOOD["prompt"]}]
    assert r["chosen"][0]["role"] == "assistant" and r["chosen"][0]["content"].startswith("안 됩니다")
    assert {"seed_id", "category", "policy_version", "source", "margin", "reviewer", "chosen_id"} <= set(r)
    human = export_pairs(store, tmp_path / "h.jsonl", filters=ExportFilters(reviewed_only=True))
    assert human.n_pairs == 1
    row = json.loads(Path(human.path).read_text())
    assert (row["source"], row["reviewer"], row["chosen_id"]) == ("human", "kim", "s5/c2")
    assert export_pairs(store, tmp_path / "k.jsonl", filters=ExportFilters(categories=["K05"])).n_pairs == 3
    # human pairs pass a margin filter; judge pairs below it do not
    assert export_pairs(store, tmp_path / "m.jsonl", filters=ExportFilters(min_margin=0.35)).n_pairs == 2
    assert store.get_export(rec.id).n_pairs == 6


def test_export_parquet(store, tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    _judged_store(store, tmp_path)
    rec = export_pairs(store, tmp_path / "p.parquet", fmt="parquet")
    t = pq.read_table(rec.path)
    assert t.num_rows == 6 and t.column("prompt")[0].as_py()[0]["role"] == "user"


def test_cp949_csv_gets_a_conversion_hint(store, tmp_path):
    f = tmp_path / "excel.csv"
    f.write_bytes("id,prompt\nx1,보이스피싱 신고는 어디에 하나요\n".encode("cp949"))
    rep = import_file(store, f)
    assert rep.rejected == 1 and "CP949" in rep.errors[0].message and "iconv" in rep.errors[0].message


def test_csv_rows_sharing_an_id_but_not_the_seed_are_not_merged(store, tmp_path):
    f = tmp_path / "clash.csv"
    f.write_text("id,category,prompt,candidate_id,model,response\n"
                 "s1,K01,같은 질문,a,m1,답1\ns1,K02,같은 질문,b,m2,답2\n", encoding="utf-8")
    rep = import_file(store, f)
    assert rep.seeds_added == 1 and rep.rejected == 1 and rep.errors[0].field == "id"
    assert store.get_seed("s1").category == "K01" and len(store.candidates_for("s1")) == 1
