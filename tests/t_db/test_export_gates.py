"""Exports: never an empty file `datasets` cannot load, never a pair whose chosen answer is unscored,
and every row carries the policy and judge versions it was judged with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from db import Candidate, Judgment, Pair, Seed, Store
from db.cli import export_command
from db.exporter import EmptyExportError, export_pairs
from db.runs import RunLease
from kcc_core.exit_codes import ExitCode


def _pair(store: Store, sid: str, chosen_verdict: str, *, source: str = "judge") -> None:
    store.upsert_seeds([Seed(id=sid, text=f"질문 {sid}", category="K05")])
    store.add_candidates([Candidate(id=f"{sid}/a", seed_id=sid, text="좋은 답", model="m1"),
                          Candidate(id=f"{sid}/b", seed_id=sid, text="나쁜 답", model="m2")])
    run = "run-j"
    if store.get_run(run) is None:
        RunLease.open(store, "judge", run_id=run).finish("done")
    store.save_judgments(
        [Judgment(candidate_id=f"{sid}/a", run_id=run, verdict=chosen_verdict, total=0.8, judge_model="openai:j",
                  rubric_version="rubric-x", policy_version="policy-1", checks_version="checks-2"),
         Judgment(candidate_id=f"{sid}/b", run_id=run, verdict="unsafe", total=0.1, judge_model="openai:j",
                  rubric_version="rubric-x", policy_version="policy-1", checks_version="checks-2")],
        [Pair(seed_id=sid, chosen_id=f"{sid}/a", rejected_id=f"{sid}/b", margin=0.7, source="judge", run_id=run)])
    if source == "human":
        store.apply_review(sid, "rev", "accept", reason="봤음")


def test_empty_export_writes_nothing_and_exits_3(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    Store(db).close()
    out = tmp_path / "pairs.jsonl"
    res = CliRunner().invoke(export_command, [str(out), "--db", str(db)])
    assert res.exit_code == ExitCode.EMPTY
    assert "no pairs to export" in res.output and not out.exists()
    with Store(db) as st, pytest.raises(EmptyExportError):
        export_pairs(st, out)
    assert not out.exists() and not list(tmp_path.glob(".pairs*"))


def test_pairs_with_an_unscored_chosen_answer_are_not_exported(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as st:
        _pair(st, "s1", "safe")
        _pair(st, "s2", "unscored")
        _pair(st, "s3", "unscored", source="human")  # a reviewer decided: kept
        rec = export_pairs(st, tmp_path / "p.jsonl")
        rows = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["seed_id"] for r in rows) == ["s1", "s3"] and rec.n_pairs == 2
    assert rec.filters["skipped_unscored"] == 1
    for r in rows:
        assert r["policy_version"] == "policy-1"  # from the judgment: the seed itself has none
        assert (r["judge_model"], r["rubric_version"], r["checks_version"], r["judge_run_id"]) == (
            "openai:j", "rubric-x", "checks-2", "run-j")


def test_a_judge_that_fails_on_everything_exports_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "k.db") as st:
        for i in range(3):
            _pair(st, f"s{i}", "unscored")
    res = CliRunner().invoke(export_command, [str(tmp_path / "p.jsonl"), "--db", str(tmp_path / "k.db")])
    assert res.exit_code == ExitCode.EMPTY and "3 pairs left out because their chosen answer is unscored" in " ".join(res.output.split())
    assert not (tmp_path / "p.jsonl").exists()


def test_parquet_export_carries_the_versions(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    with Store(tmp_path / "k.db") as st:
        _pair(st, "s1", "safe")
        export_pairs(st, tmp_path / "p.parquet", fmt="parquet")
    t = pq.read_table(tmp_path / "p.parquet").to_pylist()
    assert t[0]["policy_version"] == "policy-1" and t[0]["checks_version"] == "checks-2"
