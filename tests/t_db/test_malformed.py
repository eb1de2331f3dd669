"""The malformed-input corpus (tests/t_db/data/malformed/cases.json): every case gives a clear
`file:line: field: message` error or is stored literally, and the valid rows survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.importer import import_file

DATA = Path(__file__).parent / "data" / "malformed"
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
KNOWN = {f"K{i:02d}" for i in range(1, 17)} | {"B01", "B02", "B03"}


def _generate(kind: str, path: Path) -> None:
    assert kind == "10mb_line"
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "m13-1", "prompt": "정상 행 1"}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"id": "m13-2", "prompt": "가" * 3_500_000}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"id": "m13-3", "prompt": "정상 행 3"}, ensure_ascii=False) + "\n")


def test_corpus_has_at_least_25_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_malformed_case(case, store, tmp_path):
    src = DATA / case["file"]
    if case.get("generate"):
        src = tmp_path / case["file"]
        _generate(case["generate"], src)
    rep = import_file(store, src, known_categories=KNOWN, rejects_path=tmp_path / "rejects.jsonl")
    errors = [str(e) for e in rep.errors]
    assert rep.seeds_added == case["expect_valid_rows"], errors
    assert rep.rejected == case["expect_errors"], errors
    assert store.counts()["seeds"] == case["expect_valid_rows"]
    for needle in case["expect_error_contains"]:
        assert any(needle.lower() in e.lower() for e in errors), (needle, errors)
    for e in rep.errors:  # every error names the file, the line and a field
        assert str(e).startswith(f"{src}:{e.line}: {e.field}: ") and e.field and e.message
    if rep.rejected:
        lines = (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == rep.rejected
    if "literal_text_check" in case:
        want = case["literal_text_check"]
        texts = [s.text for s in store.iter_seeds()]
        assert any(want in t for t in texts), texts
        assert not any(t.endswith("\r") for t in texts)
    for sid, cat in case.get("expect_category", {}).items():
        assert store.get_seed(sid).category == cat
    if "expect_ids" in case:
        assert sorted(s.id for s in store.iter_seeds()) == sorted(case["expect_ids"])
    # importing the same file again adds nothing
    again = import_file(store, src, known_categories=KNOWN, rejects_path=tmp_path / "rejects2.jsonl")
    assert again.seeds_added == 0 and store.counts()["seeds"] == case["expect_valid_rows"]
