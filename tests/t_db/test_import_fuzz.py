"""Property test of the importer: random mixtures of good and bad rows in every input format. Exactly the good
rows are stored, once and literally; every bad row is reported once, with its line; a re-import adds nothing."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import Store
from db.importer import import_file

KNOWN = {"K05", "K05.1", "K08", "B01"}
FORMATS = ["jsonl", "json", "csv", "parquet"]
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), min_size=1,
               max_size=24).filter(lambda s: bool(s.strip()))
# bad kinds each format can express; every one must reject its row alone
BAD = {
    "jsonl": ["empty_prompt", "unknown_category", "slash_id", "nul_model", "surrogate", "deep", "broken_json",
              "unknown_subcategory", "not_object"],
    "json": ["empty_prompt", "unknown_category", "slash_id", "nul_model", "surrogate", "deep", "not_object",
             "unknown_subcategory"],
    "csv": ["empty_prompt", "unknown_category", "slash_id", "nul_model", "invalid_utf8", "column_count",
            "unknown_subcategory"],
    "parquet": ["empty_prompt", "unknown_category", "slash_id", "nul_model", "timestamp", "unknown_subcategory"],
}


@st.composite
def mixtures(draw, fmt: str) -> list[dict]:
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        if draw(st.booleans()):
            row = {"kind": "good", "id": f"g{i}", "prompt": draw(TEXT),
                   "category": draw(st.sampled_from([None, "K05", "K08", "b01"]))}
            if draw(st.booleans()):
                row["candidates"] = [{"id": f"c{j}", "model": draw(st.sampled_from(["m1", "gpt-x"])),
                                      "response": draw(TEXT)} for j in range(1 if fmt == "csv" else draw(
                                          st.integers(1, 3)))]
            rows.append(row)
        elif rows and rows[-1]["kind"] == "good" and draw(st.booleans()):
            rows.append({**rows[-1], "kind": "repeat"})  # the same row again: a duplicate, neither stored nor rejected
        else:
            rows.append({"kind": draw(st.sampled_from(BAD[fmt])), "id": f"b{i}", "prompt": draw(TEXT)})
    return rows


def _record(r: dict) -> dict | str:
    """The row as the importer sees it (a string: the literal JSONL line)."""
    kind = r["kind"]
    rec = {"id": r["id"], "prompt": r["prompt"]}
    if kind in ("good", "repeat"):
        rec.update({k: r[k] for k in ("category", "candidates") if r.get(k)})
    elif kind == "empty_prompt":
        rec["prompt"] = " \t"
    elif kind == "unknown_category":
        rec["category"] = "K99"
    elif kind == "unknown_subcategory":
        rec["category"], rec["subcategory"] = "K05", "K05.99"
    elif kind == "slash_id":
        rec["id"] = r["id"] + "/x"
    elif kind == "nul_model":
        rec["candidates"] = [{"id": "c0", "model": "m\x00", "response": "답"}]
    elif kind == "surrogate":
        return json.dumps(rec, ensure_ascii=False)[:-1] + ', "note": "\\ud800"}'
    elif kind == "deep":
        rec["x"] = "[" * 150 + "]" * 150
        return json.dumps(rec, ensure_ascii=False).replace('"' + rec["x"] + '"', rec["x"])
    elif kind == "broken_json":
        return json.dumps(rec, ensure_ascii=False)[:-1]
    elif kind == "not_object":
        return json.dumps([rec], ensure_ascii=False)
    return rec


def _write(fmt: str, rows: list[dict], path: Path) -> list[int]:
    """Write the file; the line (row number for Parquet) of each row."""
    recs = [_record(r) for r in rows]
    if fmt in ("jsonl", "json"):
        lines = [x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in recs]
        if fmt == "jsonl":
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return list(range(1, len(rows) + 1))
        path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
        return list(range(2, len(rows) + 2))
    if fmt == "parquet":
        import datetime as dt

        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = ["id", "prompt", "category", "subcategory"]
        data = {c: [x.get(c) for x in recs] for c in cols}
        data["candidates"] = [x.get("candidates") for x in recs]
        data["created"] = [dt.datetime(2024, 1, 1) if r["kind"] == "timestamp" else None for r in rows]
        table = pa.table({**{c: pa.array(data[c], pa.string()) for c in cols},
                          "candidates": pa.array(data["candidates"], pa.list_(pa.struct(
                              [("id", pa.string()), ("model", pa.string()), ("response", pa.string())]))),
                          "created": pa.array(data["created"], pa.timestamp("us"))})
        pq.write_table(table, path)
        return list(range(1, len(rows) + 1))
    out, lines, at = io.BytesIO(), [], 2
    header = ["id", "category", "subcategory", "prompt", "candidate_id", "model", "response"]
    out.write((",".join(header) + "\n").encode())
    for r, x in zip(rows, recs, strict=True):
        c = (x.get("candidates") or [{}])[0]
        vals = [x["id"], x.get("category") or "", x.get("subcategory") or "", x["prompt"], c.get("id", ""),
                c.get("model", ""), c.get("response", "")]
        if r["kind"] == "column_count":
            vals.append("extra")
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(vals)
        data = buf.getvalue().encode("utf-8")
        if r["kind"] == "invalid_utf8":
            data = data.replace(b",", b",\xff", 1)
        out.write(data)
        lines.append(at)
        at += buf.getvalue().count("\n")
    path.write_bytes(out.getvalue())
    return lines


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "template.db"
    Store(path).close()
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_exactly_the_good_rows_are_stored_and_every_bad_one_reported(fmt, template, monkeypatch):
    import db.readers.jsonarray

    monkeypatch.setattr(db.readers.jsonarray, "CHUNK", 7)  # items and escapes cut across reads
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=mixtures(fmt))
    def check(rows: list[dict]) -> None:
        with tempfile.TemporaryDirectory() as d:
            src, db = Path(d) / f"in.{fmt}", Path(d) / "kcc.db"
            shutil.copy(template, db)
            lines = _write(fmt, rows, src)
            with Store(db) as store:
                rep = import_file(store, src, known_categories=KNOWN, rejects_path=Path(d) / "rejects.jsonl",
                                  batch_size=3)
                good = {r["id"]: r for r in rows if r["kind"] == "good"}
                bad_lines = sorted(ln for r, ln in zip(rows, lines, strict=True) if r["kind"] not in ("good", "repeat"))
                errors = [str(e) for e in rep.errors]
                assert sorted(e.line for e in rep.errors) == bad_lines, (rows, errors)
                assert all(e.startswith(f"{src}:") for e in errors)
                assert rep.rejected == len(bad_lines) and rep.seeds_added == len(good), errors
                stored = {s.id: s for s in store.iter_seeds()}
                assert sorted(stored) == sorted(good)
                assert store.counts()["seeds"] == len(good)
                for sid, r in good.items():
                    assert stored[sid].text == r["prompt"]
                    assert stored[sid].category == (r["category"].upper() if r["category"] else None)
                    want = [(f"{sid}/{c['id']}", c["response"]) for c in r.get("candidates", [])]
                    assert [(c.id, c.text) for c in store.candidates_for(sid)] == want
                if bad_lines:
                    assert (Path(d) / "rejects.jsonl").read_text(encoding="utf-8").count("\n") == len(bad_lines)
                again = import_file(store, src, known_categories=KNOWN, rejects_path=Path(d) / "r2.jsonl")
                assert (again.seeds_added, again.candidates_added, again.rejected) == (0, 0, len(bad_lines))
                assert store.counts()["seeds"] == len(good)

    check()
