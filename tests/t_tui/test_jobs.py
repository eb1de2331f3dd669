"""kcc_tui.jobs: command construction, and real detached subprocesses tracked through the store."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from db.store import Store
from kcc_tui import jobs

JOB = str(Path(__file__).with_name("trivial_job.py"))


def trivial(db: Path, run_id: str, mode: str) -> jobs.JobSpec:
    return jobs.JobSpec(kind="export", run_id=run_id, argv=[sys.executable, JOB, str(db), run_id, mode],
                        cwd=str(Path(__file__).parents[2]))


def wait_for(pred, timeout: float = 15.0) -> None:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_specs_name_the_run_and_store(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    j = jobs.judge_spec(db, run_id="judge-1")
    assert j.argv[1:] == ["run", str(db), "--out", str(tmp_path / "k-judge-1"), "--db", str(db), "--run-id",
                          "judge-1"]
    assert Path(j.argv[0]).name == "kcc-judge"
    e = jobs.export_spec(db, tmp_path / "p.jsonl", run_id="exp-1", extra=["--reviewed-only"])
    assert e.argv[1:] == ["export", str(tmp_path / "p.jsonl"), "--db", str(db), "--run-id", "exp-1",
                          "--reviewed-only"]
    t = jobs.train_spec(db, "run.toml", run_id="train-1")
    assert t.argv[1:] == ["dpo", "--config", "run.toml", "--db", str(db), "--run-id", "train-1"]
    v = jobs.eval_spec(db, ["--model", "m"], run_id="eval-1")
    assert v.argv[1:] == ["eval", "--model", "m", "--db", str(db), "--run-id", "eval-1"]
    assert jobs.log_path(db, "x") == tmp_path / "k.db.jobs" / "x.log"
    with pytest.raises(FileNotFoundError):
        jobs.script("no-such-kcc-script")


def test_launch_progress_and_cancel(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with Store(db) as store:
        launcher = jobs.Launcher(store)
        run = launcher.launch(trivial(db, "job-loop", "loop"))
        assert run.status == "running" and run.pid and run.config["argv"][-1] == "loop"
        assert os.getpgid(run.pid) == run.pid  # own session / process group: survives the TUI
        wait_for(lambda: store.get_run("job-loop").progress_done >= 3)
        assert store.metrics("job-loop", "loss")
        assert launcher.cancel("job-loop") == "cancelling"
        assert launcher.wait("job-loop", 10) == 0
        assert store.get_run("job-loop").status == "cancelled"
        assert launcher.cancel("job-loop") == "already cancelled"
        assert "시작" in store.logs("job-loop")[0][1].message


def test_reconcile_settles_dead_processes(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with Store(db) as store:
        launcher = jobs.Launcher(store)
        launcher.launch(trivial(db, "job-crash", "crash"))
        launcher.wait("job-crash", 10)
        assert launcher.reconcile() == ["job-crash"]
        run = store.get_run("job-crash")
        assert run.status == "failed" and "exit code 3" in run.error
        assert "crashing on purpose" in "\n".join(jobs.tail(run.config["log"]))
        launcher.launch(trivial(db, "job-done", "finish"))
        launcher.wait("job-done", 10)
        assert launcher.reconcile() == [] and store.get_run("job-done").status == "done"
        # a run whose pid is gone and that no launcher owns (e.g. after a reboot)
        store.create_run("train", {}, run_id="orphan", pid=2**22 + 12345)
        assert jobs.Launcher(store).reconcile() == ["orphan"]
        orphan = store.get_run("orphan")
        assert orphan.status == "interrupted" and "resume" in orphan.error
        # cancelling a run whose process is already gone marks it at once
        store.create_run("eval", {}, run_id="ghost", pid=2**22 + 12346)
        assert jobs.Launcher(store).cancel("ghost") == "cancelled"


def test_job_outlives_its_launcher(tmp_path: Path) -> None:
    """A job started by one TUI keeps running after it closes; another picks it up and can cancel it."""
    db = tmp_path / "k.db"
    with Store(db) as store:
        run = jobs.Launcher(store).launch(trivial(db, "job-long", "loop"))
    pid = run.pid
    assert pid is not None
    with Store(db) as store2:
        later = jobs.Launcher(store2)
        wait_for(lambda: store2.get_run("job-long").progress_done >= 2)
        assert later.alive(store2.get_run("job-long"))
        assert later.reconcile() == []
        assert later.cancel("job-long") == "cancelling"
        wait_for(lambda: store2.get_run("job-long").status == "cancelled")
    try:
        os.waitpid(pid, 0)  # reap: the test process is its parent
    except ChildProcessError:
        pass
    assert not jobs.pid_alive(pid, "job-long")


def test_pid_alive_checks_command_line() -> None:
    assert jobs.pid_alive(os.getpid())
    assert not jobs.pid_alive(os.getpid(), "a-run-id-not-in-my-command-line")
    assert not jobs.pid_alive(2**22 + 999)
