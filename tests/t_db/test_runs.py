"""The run lifecycle (db.runs): pid and host recorded, gone processes read `interrupted`, one holder at a time."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.runs import RunBusyError, RunLease, RunStateError, effective_status, request_cancel, this_host
from db.store import Store


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_run_records_pid_and_host_and_finishes(store: Store) -> None:
    with RunLease.open(store, "judge", config={"a": 1}, total=5) as lease:
        run = store.get_run(lease.id)
        assert (run.pid, run.host, run.status) == (os.getpid(), this_host(), "running")
        assert effective_status(run) == "running"
        lease.progress(3)
        assert lease.heartbeat()
        assert not lease.cancel_requested
        request_cancel(store, lease.id)
        assert lease.cancel_requested
    run = store.get_run(lease.id)
    assert run.status == "done" and run.progress_done == 3 and run.finished_at


def test_a_run_whose_process_is_gone_is_interrupted_and_resumable(store: Store) -> None:
    store.create_run("judge", {"key": "k"}, run_id="r-dead", pid=_dead_pid())
    assert store.get_run("r-dead").status == "running"
    assert effective_status(store.get_run("r-dead")) == "interrupted"
    assert store.mark_interrupted() == ["r-dead"]
    assert store.get_run("r-dead").status == "interrupted"
    with pytest.raises(RunStateError):  # finished rows need an explicit resume
        RunLease.open(store, "judge", run_id="r-dead")
    lease = RunLease.resume_latest(store, "judge", lambda r: r.config.get("key") == "k")
    assert lease is not None and lease.id == "r-dead"
    assert store.get_run("r-dead").pid == os.getpid()


def test_a_live_run_is_not_taken_over(store: Store) -> None:
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        store.create_run("judge", {"key": "k"}, run_id="r-live", pid=live.pid)
        with pytest.raises(RunBusyError, match="already running"):
            RunLease.open(store, "judge", run_id="r-live", resume=True)
        with pytest.raises(RunBusyError):
            RunLease.resume_latest(store, "judge", lambda r: True)
        # the launcher's row without a pid (TUI creates it, then starts us) is adoptable
        store.create_run("judge", {"argv": ["x"]}, run_id="r-launched")
        lease = RunLease.open(store, "judge", run_id="r-launched", config={"key": "k2"})
        assert store.get_run("r-launched").config == {"argv": ["x"], "key": "k2"}
        # a finish from a process that no longer holds the run writes nothing
        store.update_run("r-launched", pid=live.pid)
        assert lease.finish("done") is False
        assert store.get_run("r-launched").status == "running"
    finally:
        live.kill()
        live.wait()


def test_wrong_kind_and_done_runs_are_refused(store: Store) -> None:
    RunLease.open(store, "import", run_id="r-imp").finish("done")
    with pytest.raises(RunStateError, match="not judge"):
        RunLease.open(store, "judge", run_id="r-imp")
    with pytest.raises(RunStateError, match="new --run-id"):
        RunLease.open(store, "import", run_id="r-imp", resume=True)


def _claim(path: str, barrier, q) -> None:  # noqa: ANN001
    with Store(path) as s:
        barrier.wait(10)
        try:
            RunLease.open(s, "judge", run_id="r-race", resume=True)
            q.put("won")
        except RunBusyError:
            q.put("busy")
        barrier.wait(10)  # hold the run (stay alive) until every racer has tried


def test_of_racing_take_overs_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    with Store(path) as s:
        s.create_run("judge", {}, run_id="r-race", pid=_dead_pid())
    ctx = mp.get_context("fork")
    n = 5
    barrier, q = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(str(path), barrier, q)) for _ in range(n)]
    for p in procs:
        p.start()
    got = sorted(q.get(timeout=30) for _ in procs)
    for p in procs:
        p.join(10)
    assert got == ["busy"] * (n - 1) + ["won"]
