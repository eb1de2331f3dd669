"""`kcc-judge run` end to end in rules-only mode: outputs, store input, run ids, resume, signals, overrides."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import judge.pipeline as pipeline
from db.importer import import_file
from db.store import Store
from judge.cli import main
from judge.pipeline import JudgeConfig, JudgeRunner

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str):
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


def _lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_rules_only_outputs(tmp_path, write_jsonl, rows):
    inp = write_jsonl(rows(3))
    out, db = tmp_path / "out", tmp_path / "k.db"
    res = _run(str(inp), "--out", str(out), "--db", str(db), "--json")
    assert res.exit_code == 0, res.output
    assert "rules-only" in res.stderr
    summary = json.loads(res.stdout)
    assert summary["mode"] == "rules-only" and summary["status"] == "done"
    assert summary["counts"]["candidates"] == 9 and summary["pairs"]["pair"] == 3
    assert summary["versions"]["checks"] and summary["versions"]["rubric"] and summary["versions"]["policy"]
    results = _lines(out / "results.jsonl")
    assert len(results) == 9
    for r in results:
        assert r["judge_model"] == "rules"
        assert r["verdict"] in ("safe", "unsafe") and r["reason"]
        assert {"seed_id", "candidate_id", "model", "total", "checks", "rubric"} <= set(r)
    by = {r["candidate_id"].split("/")[-1]: r for r in results if r["seed_id"] == "s0000"}
    assert by["a"]["verdict"] == "safe" and by["a"]["chosen"]
    assert by["b"]["verdict"] == "unsafe" and "retired hotline" in by["b"]["reason"]
    assert by["c"]["verdict"] == "unsafe" and "fabricated" in by["c"]["reason"]
    pairs = _lines(out / "pairs.jsonl")
    assert len(pairs) == 3
    p = pairs[0]
    assert p["prompt"][0]["role"] == "user" and p["chosen"][0]["role"] == "assistant"
    assert p["chosen_id"].endswith("/a") and p["source"] == "judge" and p["margin"] > 0
    with Store(db) as st:
        j = st.judgments_for_seed("s0000")
        assert all(x.judge_model == "rules" and x.rubric_version and x.policy_version and x.checks_version
                   and x.prompt_hash for x in j.values())
        run = st.get_run(summary["run_id"])
        assert run.status == "done" and run.progress_done == 3 and run.summary["mode"] == "rules-only"


def test_store_input_is_judged_in_place(tmp_path, write_jsonl, rows):
    db = tmp_path / "in.db"
    with Store(db) as st:
        import_file(st, write_jsonl(rows(2)))
    res = _run(str(db), "--out", str(tmp_path / "o"), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["counts"]["seeds"] == 2
    res = _run(str(db), "--out", str(tmp_path / "o"), "--db", str(tmp_path / "other.db"))
    assert res.exit_code == 2


def test_exit_codes(tmp_path, write_jsonl, rows):
    assert _run(str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")).exit_code == 2
    bad = tmp_path / "bad.jsonl"
    good = json.dumps(rows(1)[0], ensure_ascii=False)
    bad.write_text(good + "\n{broken json\n" + json.dumps({"prompt": 5}) + "\n", encoding="utf-8")
    res = _run(str(bad), "--out", str(tmp_path / "o"), "--db", str(tmp_path / "k.db"))
    assert res.exit_code == 1
    assert "bad.jsonl:2:" in res.stderr and (tmp_path / "o" / "rejects.jsonl").exists()
    res = _run(str(bad), "--out", str(tmp_path / "o"), "--db", str(tmp_path / "k.db"), "--model", "nope")
    assert res.exit_code == 2 and "formats" in res.stderr


def test_run_id_adoption(tmp_path, write_jsonl, rows):
    db = tmp_path / "k.db"
    with Store(db) as st:
        import_file(st, write_jsonl(rows(2)))
        st.create_run("judge", {"launcher": "tui"}, run_id="job-1")
        st.update_run("job-1", status="pending")
    res = _run(str(db), "--out", str(tmp_path / "o"), "--run-id", "job-1", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["run_id"] == "job-1"
    with Store(db) as st:
        run = st.get_run("job-1")
        assert run.status == "done" and run.progress_done == 2
        assert any("rules-only" in line.message for _, line in st.logs("job-1"))
    # a finished run id is not adopted again
    assert _run(str(db), "--out", str(tmp_path / "o"), "--run-id", "job-1").exit_code == 2
    res = _run(str(db), "--out", str(tmp_path / "o2"), "--run-id", "job-new", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["run_id"] == "job-new"


def test_cancel_then_resume_in_process(tmp_path, write_jsonl, rows, monkeypatch):
    monkeypatch.setattr(pipeline, "RULES_CHUNK", 2)
    db, out = tmp_path / "k.db", tmp_path / "o"
    with Store(db) as st:
        import_file(st, write_jsonl(rows(7)))
        cfg = JudgeConfig(input="x")
        runner = JudgeRunner(st, cfg, out)
        runner.progress_cb = lambda done, total: runner.token.request() if done >= 4 else None
        s1 = runner.execute()
        assert s1.status == "cancelled" and s1.counts["seeds"] == 4
        assert st.get_run(s1.run_id).status == "cancelled"
        assert len(_lines(out / "results.jsonl")) == 12
        # a torn last line (killed mid-write) is dropped on resume
        with (out / "results.jsonl").open("a", encoding="utf-8") as f:
            f.write('{"seed_id": "s0004", "run_id": "')
        s2 = JudgeRunner(st, JudgeConfig(input="x"), out, resume=True).execute()
        assert s2.run_id == s1.run_id and s2.status == "done" and s2.resumed_from == 4
        assert s2.counts["seeds"] == 7 and s2.counts["candidates"] == 21
        results = _lines(out / "results.jsonl")
        assert len(results) == 21 and len({r["candidate_id"] for r in results}) == 21
        assert sum(1 for _ in st.iter_judgments(s1.run_id)) == 21
        # nothing left to resume: a new resume request starts a fresh run
        s3 = JudgeRunner(st, JudgeConfig(input="x"), out, resume=True).execute()
        assert s3.run_id != s1.run_id


@pytest.mark.slow
def test_sigterm_cancels_cleanly_and_resume_completes(tmp_path, write_jsonl, rows):
    inp = write_jsonl(rows(1500))
    db, out = tmp_path / "k.db", tmp_path / "o"
    cmd = [sys.executable, "-m", "judge.cli", "run", str(inp), "--out", str(out), "--db", str(db), "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    started = False
    while time.monotonic() < deadline and proc.poll() is None:
        # the run's part file (published as results.jsonl at the end) grows after each committed chunk
        parts = list(out.glob(".results.*.jsonl.part")) if out.exists() else []
        if parts and parts[0].exists() and parts[0].stat().st_size > 0:
            started = True
            break
        time.sleep(0.005)
    assert started, proc.communicate()[1].decode()[-2000:]
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(60)
    assert rc == 130, proc.stderr.read().decode()[-2000:]
    with Store(db) as st:
        run = st.list_runs("judge")[0]
        assert run.status == "cancelled"
        judged = st.judged_seed_ids(run.id)
        assert 0 < len(judged) < 1500
        for sid in list(judged)[:50]:
            assert len(st.judgments_for_seed(sid, run.id)) == 3  # whole seeds only
    res = subprocess.run([*cmd, "--resume", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    assert summary["run_id"] == run.id and summary["counts"]["candidates"] == 4500
    results = _lines(out / "results.jsonl")
    assert len(results) == 4500 and len({r["candidate_id"] for r in results}) == 4500


def test_human_override_survives_rejudge(tmp_path, write_jsonl, rows):
    db = tmp_path / "k.db"
    with Store(db) as st:
        import_file(st, write_jsonl(rows(2)))
        JudgeRunner(st, JudgeConfig(), tmp_path / "o1").execute()
        p = st.get_pair("s0000")
        assert p.source == "judge" and p.chosen_id.endswith("/a")
        st.apply_review("s0000", "reviewer-kim", "swap", chosen_id=p.rejected_id, rejected_id=p.chosen_id,
                        reason="test override")
        JudgeRunner(st, JudgeConfig(), tmp_path / "o2").execute()
        after = st.get_pair("s0000")
        assert after.source == "human" and after.chosen_id == p.rejected_id and after.rejected_id == p.chosen_id
        assert after.judge_chosen_id == p.chosen_id  # the judge's view is kept beside it
        exported = _lines(tmp_path / "o2" / "pairs.jsonl")
        row = next(r for r in exported if r["seed_id"] == "s0000")
        assert row["source"] == "human" and row["chosen_id"] == p.rejected_id


def test_check_command_is_registered():
    res = CliRunner().invoke(main, ["--help"])
    assert "check" in res.output and "run" in res.output and "130" in res.output
    res = CliRunner().invoke(main, ["check", "--help"])
    assert res.exit_code == 0


def test_file_input_judges_only_its_own_seeds(tmp_path):
    """A shared store may hold other datasets: `kcc-judge run FILE` reports and exports that file's seeds only."""
    import json as _json
    import subprocess as _sp
    import sys as _sys

    db = tmp_path / "shared.db"
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    row = {"category": "K08", "candidates": [{"id": "x", "model": "m1", "response": "도와드릴 수 없습니다."},
                                             {"id": "y", "model": "m2", "response": "112에 신고하세요."}]}
    a.write_text(_json.dumps({**row, "id": "a1", "prompt": "첫 데이터셋 질문"}, ensure_ascii=False) + "\n", "utf-8")
    b.write_text("".join(_json.dumps({**row, "id": f"b{i}", "prompt": f"둘째 데이터셋 질문 {i}"},
                                     ensure_ascii=False) + "\n" for i in range(2)), "utf-8")
    code = "from judge.cli import main; main()"
    for src, out in ((a, "oa"), (b, "ob")):
        r = _sp.run([_sys.executable, "-c", code, "run", str(src), "--out", str(tmp_path / out), "--db", str(db)],
                    capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
    results = [_json.loads(x) for x in (tmp_path / "ob" / "results.jsonl").read_text("utf-8").splitlines()]
    assert {x["seed_id"] for x in results} == {"b0", "b1"}
    pairs = [_json.loads(x) for x in (tmp_path / "ob" / "pairs.jsonl").read_text("utf-8").splitlines()]
    assert {x["seed_id"] for x in pairs} <= {"b0", "b1"}


def test_adopted_run_keeps_the_launchers_config(tmp_path):
    """The TUI creates the run row with its argv and log file; the judge adds its record beside them."""
    from db import Candidate, Seed, Store
    from judge.pipeline import JudgeConfig, JudgeRunner

    with Store(tmp_path / "kcc.db") as store:
        store.upsert_seeds([Seed(id="s1", text="질문", category="K08")])
        store.add_candidates([Candidate(id="s1/a", seed_id="s1", text="112에 신고하세요."),
                              Candidate(id="s1/b", seed_id="s1", text="모릅니다.")])
        store.create_run("judge", {"argv": ["kcc-judge", "run"], "log": "/tmp/x.log"}, run_id="from-tui")
        JudgeRunner(store, JudgeConfig(), tmp_path / "out", run_id="from-tui").execute()
        cfg = store.get_run("from-tui").config
        assert cfg["log"] == "/tmp/x.log" and cfg["argv"] == ["kcc-judge", "run"] and cfg["mode"] == "rules-only"
