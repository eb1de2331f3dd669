"""One cancellation on the run lifecycle: the lease's token, a cancel request in the store reaching it, the
status an exception ends a run with, continuing a done run, and a run handed off to a later process."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

import db.runs
from db.runs import RunBusyError, RunLease, RunStateError, request_cancel, status_for
from db.store import Store
from kcc_core.cancel import Cancelled, CancelToken
from kcc_core.exit_codes import ExitCode


def test_a_cancel_request_in_the_store_reaches_the_token(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(db.runs, "HEARTBEAT_S", 0.02)
    token = CancelToken()
    lease = RunLease.open(store, "generate", token=token)
    lease.start_heartbeat()
    request_cancel(store, lease.id)  # the TUI's cancel, from another process
    deadline = time.monotonic() + 5
    while not token.requested and time.monotonic() < deadline:
        time.sleep(0.01)
    assert token.requested and token.reason == "cancel requested"
    with pytest.raises(Cancelled):
        token.check()
    lease.finish(*status_for(Cancelled("x")))
    run = store.get_run(lease.id)
    assert (run.status, run.error) == ("cancelled", "cancelled by request")


@pytest.mark.parametrize("exc,status", [(None, "done"), (KeyboardInterrupt(), "cancelled"),
                                        (asyncio.CancelledError(), "cancelled"), (Cancelled("c"), "cancelled"),
                                        (RuntimeError("boom"), "failed")])
def test_the_context_manager_finishes_by_the_exception(store: Store, exc, status) -> None:
    try:
        with RunLease.open(store, "eval") as lease:
            if exc is not None:
                raise exc
    except BaseException as e:  # noqa: BLE001 - re-raised by the lease; we only look at the row
        assert e is exc
    assert store.get_run(lease.id).status == status


def test_a_done_run_is_continued_only_when_asked(store: Store) -> None:
    with RunLease.open(store, "train", run_id="t1"):
        pass
    with pytest.raises(RunStateError) as e:
        RunLease.open(store, "train", run_id="t1", resume=True)
    assert e.value.exit_code == ExitCode.USAGE
    with pytest.raises(RunStateError):
        RunLease.open(store, "eval", run_id="t1", resume=True, continue_done=True)  # another kind
    lease = RunLease.open(store, "train", run_id="t1", resume=True, continue_done=True)
    run = store.get_run("t1")
    assert (run.status, run.pid, run.finished_at) == ("running", os.getpid(), None)
    lease.finish("done")


def test_a_busy_run_carries_the_busy_exit_code(store: Store) -> None:
    store.create_run("train", {}, run_id="held", pid=1)  # pid 1 is alive on every Unix
    with pytest.raises(RunBusyError) as e:
        RunLease.open(store, "train", run_id="held")
    assert e.value.exit_code == ExitCode.BUSY and isinstance(e.value, ValueError)


def test_a_detached_run_is_finished_by_a_later_process(store: Store) -> None:
    lease = RunLease.open(store, "generate", total=4)
    lease.detach(summary={"status": "submitted"})
    run = store.get_run(lease.id)
    assert (run.status, run.pid, run.host, run.summary) == ("running", None, None, {"status": "submitted"})
    later = RunLease.open(store, "generate", run_id=lease.id)  # `collect`, after a restart
    later.finish("done")
    assert store.get_run(lease.id).status == "done"
