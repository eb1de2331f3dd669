"""Hostile input to `kcc import`: each case keeps the good rows, names file:line: field, exits with the
documented code (0 all imported, 1 some rows rejected, 2 the command could not run) and never touches the input."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from db import Store
from db.cli import import_command
from db.importer import import_file

KNOWN = {f"K{i:02d}" for i in range(1, 17)} | {"K05.1", "K05.2", "B01"}


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def _run(args: list[str]):
    res = CliRunner().invoke(import_command, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    return res


def _seed_ids(db: Path) -> list[str]:
    with Store(db) as s:
        return sorted(x.id for x in s.iter_seeds())


# -- 1. the rejects file never overwrites an input ---------------------------------------------------------
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
def test_rejects_path_that_is_the_input_is_refused(tmp_path, how, monkeypatch):
    src = _jsonl(tmp_path / "x.jsonl", [{"id": f"s{i}", "prompt": f"질문 {i}"} for i in range(50)] + ["{bad"])
    before = src.read_bytes()
    rejects = {"same": src, "symlink": tmp_path / "link.jsonl", "hardlink": tmp_path / "hard.jsonl",
               "relative": Path("sub/../x.jsonl")}[how]
    if how == "symlink":
        rejects.symlink_to(src)
    elif how == "hardlink":
        os.link(src, rejects)
    elif how == "relative":
        (tmp_path / "sub").mkdir()
        monkeypatch.chdir(tmp_path)
    res = _run([str(src), "--rejects", str(rejects), "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == 2 and "is an input file" in res.output, res.output
    assert src.read_bytes() == before
    assert not (tmp_path / "kcc.db").exists() or _seed_ids(tmp_path / "kcc.db") == []


def test_rejects_path_that_is_the_store_is_refused(tmp_path):
    src = _jsonl(tmp_path / "x.jsonl", [{"prompt": "질문"}])
    db = tmp_path / "kcc.db"
    Store(db).close()
    res = _run([str(src), "--rejects", str(db), "--db", str(db)])
    assert res.exit_code == 2 and "is the store" in res.output
    assert _seed_ids(db) == []


# -- 2. one bad row never aborts the import ------------------------------------------------------------------
def test_lone_surrogates_reject_only_their_row(store, tmp_path):
    lines = ['{"id": "g1", "prompt": "앞"}',
             '{"id": "b1", "prompt": "깨진 \\ud800 프롬프트"}',
             '{"id": "b2", "prompt": "답", "candidates": [{"id": "a", "response": "깨진 \\udfff 답"}]}',
             '{"id": "b3", "prompt": "추가", "note": "\\ud800"}',
             '{"id": "b4\\ud800", "prompt": "아이디"}',
             '{"id": "b5", "prompt": "키", "\\ud800": 1}',
             '{"id": "g2", "prompt": "뒤", "candidates": [{"id": "a", "response": "정상 \\ud55c"}]}']
    f = tmp_path / "s.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = import_file(store, f, rejects_path=tmp_path / "r.jsonl")
    assert sorted(s.id for s in store.iter_seeds()) == ["g1", "g2"]
    assert [(e.line, e.field) for e in rep.errors] == [
        (2, "prompt"), (3, "candidates.0.response"), (4, "note"), (5, "id"), (6, "row")]
    assert all("surrogate" in e.message for e in rep.errors)
    assert len((tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()) == 5


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_nested_100000_deep_rejects_its_row(store, tmp_path, fmt):
    deep = '{"id": "d", "prompt": "깊다", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    rows = ['{"id": "g1", "prompt": "앞"}', deep, '{"id": "g2", "prompt": "뒤"}']
    f = tmp_path / f"deep.{fmt}"
    f.write_text("\n".join(rows) + "\n" if fmt == "jsonl" else "[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    rep = import_file(store, f)
    assert sorted(s.id for s in store.iter_seeds()) == ["g1", "g2"]
    assert [e.line for e in rep.errors] == [2 if fmt == "jsonl" else 3]  # the physical line
    assert "deep" in rep.errors[0].message


def test_parquet_timestamp_column_rejects_rows_that_use_it(store, tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table({"id": ["g1", "t1", "g2"], "prompt": ["앞", "시각", "뒤"],
                  "created": pa.array([None, dt.datetime(2024, 1, 1), None], type=pa.timestamp("us"))})
    pq.write_table(t, tmp_path / "t.parquet")
    rep = import_file(store, tmp_path / "t.parquet")
    assert sorted(s.id for s in store.iter_seeds()) == ["g1", "g2"]
    assert [(e.line, e.field) for e in rep.errors] == [(2, "created")]
    assert "datetime" in rep.errors[0].message


@pytest.mark.parametrize("content", [b"", b"PAR1 this is not parquet at all", b"garbage" * 100])
def test_corrupt_or_empty_parquet_exits_2(tmp_path, content):
    f = tmp_path / "bad.parquet"
    f.write_bytes(content)
    res = _run([str(f), "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == 2 and "Parquet" in res.output, res.output
    assert _seed_ids(tmp_path / "kcc.db") == []


def test_db_that_is_not_sqlite_exits_2(tmp_path):
    src = _jsonl(tmp_path / "a.jsonl", [{"prompt": "질문"}])
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not a database\n" * 100)
    before = db.read_bytes()
    res = _run([str(src), "--db", str(db)])
    assert res.exit_code == 2 and "not a KCC store" in res.output, res.output
    assert db.read_bytes() == before


def test_full_store_exits_2_with_whole_batches_only(tmp_path, monkeypatch):
    rows = [{"id": f"s{i}", "prompt": f"질문 {i} " * 40, "candidates": [{"id": "a", "response": "답 " * 200}]}
            for i in range(3000)]
    src = _jsonl(tmp_path / "big.jsonl", rows)
    db = tmp_path / "kcc.db"
    Store(db).close()
    real_init = Store.__init__

    def tiny(self, *a, **k):  # a full disk, as SQLite sees it: no page can be added
        real_init(self, *a, **k)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages + 120}")

    monkeypatch.setattr(Store, "__init__", tiny)
    res = _run([str(src), "--db", str(db), "--batch-size", "100"])
    assert res.exit_code == 2 and "full" in res.output, res.output
    monkeypatch.setattr(Store, "__init__", real_init)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    seeds, cands = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("seeds", "candidates"))
    assert 0 < seeds < 3000 and seeds % 100 == 0 and cands == seeds
    status = conn.execute("SELECT status FROM runs WHERE kind = 'import'").fetchone()[0]
    conn.close()
    assert status in ("failed", "running")  # "running" only when even the run row could not be updated
    res = _run([str(src), "--db", str(db), "--batch-size", "100"])  # space again: the re-run completes
    assert res.exit_code == 0, res.output
    assert len(_seed_ids(db)) == 3000


# -- 3. a reused seed id never pairs an answer with another prompt ---------------------------------------------
def test_second_file_reusing_a_seed_id_with_another_prompt_is_rejected(tmp_path):
    db = tmp_path / "kcc.db"
    a = _jsonl(tmp_path / "a.jsonl", [{"id": "s1", "category": "K05", "prompt": "원래 질문",
                                       "candidates": [{"id": "c1", "response": "원래 답"}]}])
    b = _jsonl(tmp_path / "b.jsonl", [{"id": "s1", "category": "K08", "prompt": "다른 질문",
                                       "candidates": [{"id": "c2", "response": "다른 질문의 답"}]},
                                      {"id": "s1", "category": "K05", "prompt": "원래 질문",
                                       "candidates": [{"id": "c3", "response": "원래 질문의 새 답"}]}])
    assert _run([str(a), "--db", str(db)]).exit_code == 0
    res = _run([str(b), "--db", str(db)])
    assert res.exit_code == 1, res.output
    assert f"{b}:1: id: id conflict: seed 's1' is stored with a different prompt and category" in res.output
    with Store(db) as s:
        assert [c.id for c in s.candidates_for("s1")] == ["s1/c1", "s1/c3"]
        assert s.get_seed("s1").text == "원래 질문"


# -- 4. CSV -----------------------------------------------------------------------------------------------
def test_csv_long_fields_rejected_one_by_one(store, tmp_path):
    f = tmp_path / "long.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,prompt,note\n")
        fh.write("g1,앞,\n")
        fh.write(f'ok150k,"{"가" * 150_000}",\n')  # over csv's default 131,072, under the documented 200,000
        fh.write(f'big,"{"나" * 250_000}",\n')
        fh.write(f'bignote,짧다,"{"x" * 250_000}"\n')
        fh.write('huge,"' + "다\n" * 1_500_000 + '",\n')  # 3 M characters over many lines: not held, not desynced
        fh.write("g2,뒤,\n")
    rep = import_file(store, f)
    assert sorted(s.id for s in store.iter_seeds()) == ["g1", "g2", "ok150k"]
    assert (rep.rows, rep.seeds_added, rep.rejected) == (6, 3, 3)
    assert [(e.line, e.field) for e in rep.errors] == [(4, "prompt"), (5, "note"), (6, "row")]
    assert "200000" in rep.errors[0].message


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_with_bom_imports(store, tmp_path, enc):
    text = "id,category,prompt\nu1,K05,유니코드 질문\nu2,K05,두번째\n"
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[enc]
    (tmp_path / "u.csv").write_bytes(bom + text.encode(enc))
    rep = import_file(store, tmp_path / "u.csv")
    assert (rep.seeds_added, rep.rejected) == (2, 0), [str(e) for e in rep.errors]
    assert store.get_seed("u1").text == "유니코드 질문"


def test_utf16_csv_without_bom_is_a_clear_error(tmp_path):
    (tmp_path / "u.csv").write_bytes("id,prompt\nu1,질문\n".encode("utf-16-le"))
    res = _run([str(tmp_path / "u.csv"), "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == 2 and "UTF-16" in res.output and "no 'prompt' column" not in res.output


def test_duplicate_csv_header_names_the_column(tmp_path):
    (tmp_path / "d.csv").write_text("id,prompt,Prompt\nx,하나,둘\n", encoding="utf-8")
    res = _run([str(tmp_path / "d.csv"), "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == 2 and "duplicate column 'prompt'" in res.output, res.output


def test_nul_and_control_characters_in_identifier_fields_rejected(store, tmp_path):
    f = _jsonl(tmp_path / "n.jsonl", [
        {"id": "g1", "prompt": "앞"},
        {"id": "b1", "prompt": "모델", "candidates": [{"response": "답", "model": "gpt\x00x"}]},
        {"id": "b2", "prompt": "공급자", "candidates": [{"response": "답", "provider": "open\x00ai"}]},
        {"id": "b3", "prompt": "스타일", "style": "direct\x00"},
        {"id": "b4", "prompt": "후보 id", "candidates": [{"id": "a\x00", "response": "답"}]},
        {"id": "g2", "prompt": "뒤", "candidates": [{"response": "답", "model": "gpt-4o"}]}])
    rep = import_file(store, f)
    assert sorted(s.id for s in store.iter_seeds()) == ["g1", "g2"]
    assert [(e.line, e.field) for e in rep.errors] == [
        (2, "candidates.0.model"), (3, "candidates.0.provider"), (4, "style"), (5, "candidates.0.id")]
    (tmp_path / "n.csv").write_text('id,prompt,model,response\ng3,앞,m1,답\nb5,질문,"m\x00",답\n', encoding="utf-8")
    rep = import_file(store, tmp_path / "n.csv")
    assert [(e.line, e.field) for e in rep.errors] == [(3, "candidates.0.model")]


def test_unknown_subcategory_rejected(store, tmp_path):
    f = _jsonl(tmp_path / "sub.jsonl", [{"id": "g1", "subcategory": "K05.2", "prompt": "앞"},
                                        {"id": "b1", "category": "K05", "subcategory": "K05.99", "prompt": "없는"},
                                        {"id": "b2", "subcategory": "K05.99", "prompt": "없는"},
                                        {"id": "g2", "category": "K06", "subcategory": "K06.1", "prompt": "뒤"}])
    rep = import_file(store, f, known_categories=KNOWN)
    # K06's subcategories are not listed in KNOWN: only K05's are checked
    assert sorted(s.id for s in store.iter_seeds()) == ["g1", "g2"]
    assert [(e.line, e.field) for e in rep.errors] == [(2, "subcategory"), (3, "subcategory")]
    assert "unknown subcategory K05.99" in rep.errors[0].message


# -- 5. unwritable rejects path: refused before anything is imported -------------------------------------
def test_unwritable_rejects_path_refused_before_importing(tmp_path):
    src = _jsonl(tmp_path / "a.jsonl", [{"id": "g1", "prompt": "질문"}, "{bad", {"id": "g2", "prompt": "질문2"}])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    (tmp_path / "adir").mkdir()
    db = tmp_path / "kcc.db"
    for target in (blocker / "r.jsonl", tmp_path / "adir", tmp_path / "missing" / "r.jsonl"):
        res = _run([str(src), "--rejects", str(target), "--db", str(db)])
        assert res.exit_code == 2 and "rejects" in res.output, res.output
        assert not db.exists() or _seed_ids(db) == []
    res = _run([str(src), "--rejects", str(tmp_path / "r.jsonl"), "--db", str(db)])
    assert res.exit_code == 1 and _seed_ids(db) == ["g1", "g2"]
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 1
    assert not list(tmp_path.glob(".r.jsonl*"))  # no temporary left behind


def test_a_clean_import_writes_no_rejects_file(store, tmp_path):
    rep = import_file(store, _jsonl(tmp_path / "ok.jsonl", [{"prompt": "질문"}]))
    assert rep.rejects_path is None and sorted(p.name for p in tmp_path.iterdir() if "ok" in p.name) == ["ok.jsonl"]


# -- 11. inputs that are not regular files --------------------------------------------------------------------
def test_directory_symlink_loop_fifo_and_missing_inputs(tmp_path):
    (tmp_path / "dir.jsonl").mkdir()
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    os.mkfifo(tmp_path / "fifo.jsonl")
    (tmp_path / "dangling.jsonl").symlink_to(tmp_path / "gone.jsonl")
    db = str(tmp_path / "kcc.db")
    for name, needle in [("dir.jsonl", "is a directory"), ("loop.jsonl", "symlink loop"),
                         ("fifo.jsonl", "not a regular file"), ("missing.jsonl", "no such file"),
                         ("dangling.jsonl", "broken symlink")]:
        res = _run([str(tmp_path / name), "--db", db])
        assert res.exit_code == 2 and needle in res.output, (name, res.output)


def test_two_imports_reusing_ids_at_once_never_mix_prompts_and_answers(tmp_path):
    import subprocess
    import sys

    n = 1500
    db = tmp_path / "kcc.db"
    Store(db).close()
    srcs = []
    for tag in "AB":
        srcs.append(_jsonl(tmp_path / f"{tag}.jsonl", [
            {"id": f"s{i}", "prompt": f"{tag} 질문 {i}", "candidates": [{"id": tag, "response": f"{tag} 답 {i}"}]}
            for i in range(n)]))
    code = "import sys; from db.cli import import_command; import_command(sys.argv[1:])"
    logs = [tmp_path / f"{s.stem}.err" for s in srcs]
    procs = [subprocess.Popen([sys.executable, "-c", code, str(s), "--db", str(db), "--batch-size", "50"],
                              stdout=subprocess.DEVNULL, stderr=log.open("w")) for s, log in zip(srcs, logs, strict=True)]
    results = [(p.wait(timeout=300), log.read_text().strip()) for p, log in zip(procs, logs, strict=True)]
    assert all(rc in (0, 1) and "Traceback" not in out for rc, out in results), results
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT s.text, c.id FROM candidates c JOIN seeds s ON s.id = c.seed_id").fetchall()
    assert conn.execute("SELECT count(*) FROM seeds").fetchone()[0] == n
    assert len(rows) == n and all(text[0] == cid[-1] for text, cid in rows)  # each answer under its own prompt
    assert sum(int(out.rsplit(", ", 1)[1].split()[0]) for _, out in results) == n  # the other rows: rejected


def test_parquet_with_a_damaged_row_group_keeps_the_others(store, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = tmp_path / "rg.parquet"
    pq.write_table(pa.table({"id": [f"s{i}" for i in range(300)], "prompt": [f"질문 {i} " * 20 for i in range(300)]}),
                   f, row_group_size=100)
    off = pq.ParquetFile(f).metadata.row_group(1).column(1).data_page_offset
    data = bytearray(f.read_bytes())
    data[off + 20:off + 300] = b"A" * 280  # inside that column chunk only
    f.write_bytes(bytes(data))
    rep = import_file(store, f)
    assert store.counts()["seeds"] == 200 and rep.rejected == 100
    assert [e.line for e in rep.errors] == list(range(101, 201)) and rep.errors[0].field == "parquet"
    assert "row group 1" in rep.errors[0].message
