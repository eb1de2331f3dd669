"""Run outputs and take-over: a re-run into the same --out keeps the old files until it ends, a kill never
leaves two runs' files side by side, and two `--resume` of one run never both call the model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.importer import import_file
from db.store import Store
from judge.cli import main
from judge.pipeline import JudgeConfig, JudgeRunner
from judge.rubric import CRITERIA
from kcc_core.exit_codes import ExitCode
from kcc_testkit.fake_server import FakeServer

ROOT = Path(__file__).resolve().parents[2]


def _lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def _run_ids(out: Path) -> tuple[str | None, set[str]]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8")) if (out / "summary.json").exists() \
        else None
    results = {r["run_id"] for r in _lines(out / "results.jsonl")} if (out / "results.jsonl").exists() else set()
    return (summary or {}).get("run_id"), results


def test_rerun_into_same_out_keeps_the_old_files_until_it_ends(tmp_path, write_jsonl, rows):
    out = tmp_path / "o"
    with Store(tmp_path / "k.db") as st:
        import_file(st, write_jsonl(rows(5)))
        first = JudgeRunner(st, JudgeConfig(input="a"), out).execute()
        before = {n: (out / n).read_bytes() for n in ("results.jsonl", "pairs.jsonl", "summary.json")}
        seen = []

        def during(done, total):  # noqa: ARG001 - called after each committed chunk of the second run
            seen.append({n: (out / n).read_bytes() for n in before})

        second = JudgeRunner(st, JudgeConfig(input="b"), out, progress=during).execute()
    assert seen and all(s == before for s in seen)  # untouched while the second run works
    assert second.run_id != first.run_id
    assert _run_ids(out) == (second.run_id, {second.run_id})
    assert not list(out.glob(".*"))  # no part files left behind


def test_a_kill_never_leaves_two_runs_side_by_side(tmp_path, write_jsonl, rows):
    inp = write_jsonl(rows(400))
    db, out = tmp_path / "k.db", tmp_path / "o"
    cmd = [sys.executable, "-m", "judge.cli", "run", str(inp), "--out", str(out), "--db", str(db), "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    small = write_jsonl(rows(2, prefix="t"), name="small.jsonl")
    assert subprocess.run([*cmd[:4], str(small), *cmd[5:]], cwd=ROOT, env=env, capture_output=True).returncode == 0
    old_summary, old_results = _run_ids(out)
    assert old_results == {old_summary}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        parts = list(out.glob(".results.*.jsonl.part"))
        if parts and parts[0].stat().st_size > 0:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert _run_ids(out) == (old_summary, {old_summary})  # still the first run's files, whole
    with Store(db) as st:
        run = st.list_runs("judge")[0]
        assert run.status == "running" and run.id != old_summary  # the killed one: its process is gone
        from db.runs import effective_status

        assert effective_status(run) == "interrupted"
    res = subprocess.run([*cmd, "--resume", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    assert summary["run_id"] == run.id and summary["counts"]["candidates"] == 1200
    assert _run_ids(out) == (run.id, {run.id})
    results = _lines(out / "results.jsonl")
    assert len(results) == 1200 and len({r["candidate_id"] for r in results}) == 1200
    # summary.json is the run's own record, written once with the import report in it
    on_disk = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert on_disk["imported"]["seeds_added"] == 0 and on_disk["status"] == "done"
    with Store(db) as st:
        assert st.get_run(run.id).summary == on_disk


@pytest.fixture
def gated_fake(monkeypatch):
    """A judge that answers the first chunk (16 seeds x 3 answers) at once and holds later requests until
    `srv.gate` is set: the first process is then surely alive, mid-run, when the resumes come."""
    gate, lock, seen = threading.Event(), threading.Lock(), [0]

    def handler(req):  # noqa: ARG001
        with lock:
            seen[0] += 1
            n = seen[0]
        if n > 48:
            gate.wait(60)
        return {c: {"score": 7, "rationale": "근거"} for c in CRITERIA}

    with FakeServer(handler=handler) as srv:
        srv.gate = gate
        for k, v in srv.env().items():
            monkeypatch.setenv(k, v)
        yield srv
        gate.set()


def test_a_live_run_is_not_taken_over_by_a_second_resume(tmp_path, write_jsonl, rows, gated_fake):
    fake = gated_fake
    inp = write_jsonl(rows(24))
    db, out = tmp_path / "k.db", tmp_path / "o"
    cmd = [sys.executable, "-m", "judge.cli", "run", str(inp), "--out", str(out), "--db", str(db), "--no-progress",
           "--model", "openai:judge-1"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and fake.count() <= 48 and first.poll() is None:
        time.sleep(0.01)
    assert fake.count() > 48, first.stderr.read().decode()[-2000:]  # chunk 1 committed, chunk 2 held
    # a second `--resume` while the first is alive: refused with its exit code, no model call of its own
    res = subprocess.run([*cmd, "--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == ExitCode.BUSY, res.stderr[-2000:]
    assert "already running" in res.stderr
    first.kill()
    first.wait(30)
    at_kill = fake.count()
    assert at_kill <= 72  # 48 answered + those of chunk 2 the limiter let through, all the first process's
    fake.gate.set()
    # the process is gone: the run is interrupted and one resume takes it over and finishes it
    res = CliRunner().invoke(main, ["run", str(inp), "--out", str(out), "--db", str(db), "--no-progress",
                                    "--model", "openai:judge-1", "--resume", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["counts"]["candidates"] == 72 and summary["resumed_from"] == 16
    with Store(db) as st:
        runs = st.list_runs("judge")
        assert len(runs) == 1 and runs[0].status == "done" and runs[0].pid == os.getpid()
    # the resume asked only for the 8 seeds not committed (24 answers), not a second full run
    assert fake.count() - at_kill == 24


def test_a_judge_failing_on_everything_exports_no_unscored_pair(tmp_path, write_jsonl, rows, monkeypatch):
    from kcc_testkit.fake_server import Faults

    with FakeServer(faults=Faults(rate_bad_output=1.0)) as srv:
        for k, v in srv.env().items():
            monkeypatch.setenv(k, v)
        out = tmp_path / "o"
        res = CliRunner().invoke(main, ["run", str(write_jsonl(rows(4))), "--out", str(out), "--db",
                                        str(tmp_path / "k.db"), "--model", "openai:judge-1", "--json",
                                        "--no-progress"], catch_exceptions=False)
    assert res.exit_code == 1, res.output  # finished, with unscored answers
    summary = json.loads(res.stdout)
    assert summary["counts"]["unscored"] == 4 and summary["pairs"]["exported"] == 0
    assert "chosen answer is unscored" in summary["pairs"]["not_exported"]
    assert not (out / "pairs.jsonl").exists()  # no empty file for `datasets` to choke on
