"""The run lifecycle every job shares (judge, import, generate, train and eval).

A run row is *held* by one process, named by `pid` and `host`. The states:

    pending ──claim──► running ──finish──► done | cancelled | failed
                          │
                          └─ process gone (kill -9, crash, reboot) ──► interrupted (shown, then persisted)

- `RunLease.open(store, kind, run_id=..., resume=...)` creates the row, or adopts an existing one: a
  `pending`/`running` row that no live process holds (e.g. created by the TUI launcher, or whose process
  died), and with `resume=True` also a `cancelled`, `failed` or `interrupted` one. Adoption is one
  compare-and-set UPDATE inside `BEGIN IMMEDIATE` (checked by rowcount), so of two processes that try to
  take one run over at the same time exactly one wins; the other gets `RunBusyError`.
- `RunLease.resume_latest(store, kind, match)` adopts the newest resumable run `match` accepts; if that run
  is held by a live process it raises `RunBusyError` instead of starting a second copy.
- `lease.progress(done, total)` records progress and beats the heart; `lease.heartbeat()` alone beats it
  (a daemon thread does so every `HEARTBEAT_S` while the lease is open, see `start_heartbeat`).
- `lease.token` is the job's kcc_core.cancel.CancelToken (pass the process token to have SIGINT/SIGTERM set
  it); `lease.cancel_requested` is true once it is set or someone called `request_cancel(store, run_id)` (the
  TUI's cancel writes the same `cancel_requested_at` config key), which the heartbeat thread also notices and
  turns into the token, so a loop that polls the token stops on either.
- `lease.detach()` leaves a `running` row without a holder, for work that goes on elsewhere (provider
  batches that a later `collect` finishes by adopting the row).
- `lease.finish(status, error=..., summary=...)` ends the run; it only writes while the row is still ours,
  so a process that lost its run to a resume can never overwrite the new holder's result. Used as a context
  manager, the lease finishes by the exception (`status_for`): none done, an interrupt or a cancel cancelled,
  anything else failed.
- `effective_status(run)` is what to show: a `running` row whose process is gone reads `interrupted`.
  A process on this host is alive when `kill(pid, 0)` succeeds and it is no zombie; a process on another
  host is judged by its heartbeat (older than `STALE_AFTER_S` = gone).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.models import Run, utcnow
from kcc_core.cancel import Cancelled, CancelToken
from kcc_core.exit_codes import ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable

    from db.store import Store

HEARTBEAT_S = 30.0
STALE_AFTER_S = 300.0
ACTIVE = ("pending", "running")
RESUMABLE = ("pending", "running", "cancelled", "failed", "interrupted")
FINAL = ("done", "cancelled", "failed", "interrupted")


class RunBusyError(ValueError):
    """The run is held by another live process: it must not be taken over."""

    exit_code = int(ExitCode.BUSY)

    def __init__(self, run: Run) -> None:
        self.run = run
        where = f"pid {run.pid}" + (f" on {run.host}" if run.host else "")
        seen = f", last seen {run.heartbeat_at or run.updated_at}"
        super().__init__(f"run {run.id} is already running ({where}{seen}); wait for it, or cancel it first")


class RunStateError(ValueError):
    """The run cannot be adopted: another kind, or finished and not resumable."""

    exit_code = int(ExitCode.USAGE)


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """True if `pid` runs on this host and is no zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path("/proc") / str(pid) / "stat"
    try:
        return stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): kill(0) is all we can know


def _age_s(ts: str | None) -> float | None:
    if not ts:
        return None
    try:
        then = datetime.fromisoformat(ts)
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (datetime.now(UTC) - then).total_seconds()


def is_mine(run: Run) -> bool:
    return run.pid == os.getpid() and run.host in (None, this_host())


def holder_alive(run: Run) -> bool:
    """Is the process named by the row still there? (rows without a pid: only while freshly touched)"""
    if run.pid is None:
        age = _age_s(run.heartbeat_at or run.updated_at)
        return age is not None and age < STALE_AFTER_S
    if run.host in (None, this_host()):
        return pid_alive(run.pid)
    age = _age_s(run.heartbeat_at or run.updated_at)
    return age is not None and age < STALE_AFTER_S


def effective_status(run: Run) -> str:
    """The status to show: `interrupted` for a running row whose process is gone."""
    if run.status == "running" and not holder_alive(run):
        return "interrupted"
    return run.status


def can_take_over(run: Run, *, resume: bool) -> None:
    """Raise unless this process may adopt `run` (RunBusyError: a live holder; RunStateError: finished)."""
    if run.status in ACTIVE:
        if run.status == "running" and run.pid is not None and not is_mine(run) and holder_alive(run):
            raise RunBusyError(run)
        return
    if resume and run.status in RESUMABLE:
        return
    raise RunStateError(f"run {run.id!r} exists with kind {run.kind!r} and status {run.status!r}; "
                        + ("use a new --run-id" if run.status == "done" or not resume else "pass --resume"))


def status_for(exc: BaseException | None) -> tuple[str, str | None]:
    """(status, error) for a run that ended with `exc`: done, cancelled (an interrupt, a cancel, a cancelled
    task) or failed."""
    if exc is None:
        return "done", None
    if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
        return "cancelled", "interrupted"
    if isinstance(exc, Cancelled):
        return "cancelled", "cancelled by request"
    return "failed", f"{type(exc).__name__}: {exc}"


CANCEL_KEY = "cancel_requested_at"  # in a run's config: someone asked its holder to stop


def request_cancel(store: Store, run_id: str) -> None:
    """Ask the holder to stop at its next check (it sees `cancel_requested`)."""
    run = store.get_run(run_id)
    if run is not None:
        store.update_run(run_id, config={**run.config, CANCEL_KEY: utcnow()})


def cancel_was_requested(run: Run) -> bool:
    return CANCEL_KEY in run.config


class RunLease:
    """This process's hold on one run row; see the module docstring for the states."""

    def __init__(self, store: Store, run: Run, token: CancelToken | None = None) -> None:
        self.store = store
        self.run = run
        self.id = run.id
        self.token = token if token is not None else CancelToken()
        self.finished = False
        self._beat_stop: threading.Event | None = None

    # -- opening -------------------------------------------------------------------------------------
    @classmethod
    def open(cls, store: Store, kind: str, *, config: dict[str, Any] | None = None, run_id: str | None = None,
             total: int | None = None, parent_id: str | None = None, resume: bool = False,
             continue_done: bool = False, token: CancelToken | None = None) -> RunLease:
        """Create the run, or adopt `run_id` (merging `config` over the launcher's keys).

        `continue_done` (with `resume`) also adopts a `done` run: training continued to more steps."""
        existing = store.get_run(run_id) if run_id is not None else None
        if existing is not None:
            if continue_done and resume and existing.status == "done":
                if existing.kind != kind:
                    raise RunStateError(f"run {run_id!r} is a {existing.kind} run, not {kind}")
                store.update_run(existing.id, status="interrupted")  # then the claim's compare-and-set decides
            run = store.claim_run(existing.id, kind, config=config or {}, total=total, parent_id=parent_id,
                                  resume=resume)
            return cls(store, run, token)
        run = store.create_run(kind, config or {}, total=total, parent_id=parent_id, run_id=run_id,
                               pid=os.getpid())
        return cls(store, run, token)

    @classmethod
    def resume_latest(cls, store: Store, kind: str, match: Callable[[Run], bool], *,
                      config: dict[str, Any] | None = None, total: int | None = None,
                      token: CancelToken | None = None) -> RunLease | None:
        """Adopt the newest resumable `kind` run that `match` accepts; None when there is none.

        If that run is held by a live process, RunBusyError: a resume never starts a second copy."""
        for r in store.list_runs(kind, limit=1000):
            if r.status not in RESUMABLE or not match(r):
                continue
            return cls(store, store.claim_run(r.id, kind, config=config or {}, total=total, resume=True), token)
        return None

    # -- while running --------------------------------------------------------------------------------
    def progress(self, done: int, total: int | None = None) -> None:
        self.store.progress(self.id, done, total)

    def heartbeat(self) -> bool:
        """Beat the heart; False if the row is no longer ours (taken over after we were thought gone)."""
        return self.store.heartbeat_run(self.id, os.getpid(), this_host())

    def start_heartbeat(self, every_s: float | None = None) -> None:
        """Beat from a daemon thread (every `every_s`, default HEARTBEAT_S), so long steps (a slow model call)
        do not look like a dead process; each beat also looks for a cancel request in the store."""
        if self._beat_stop is not None:
            return
        every_s = every_s if every_s is not None else HEARTBEAT_S
        stop = self._beat_stop = threading.Event()

        def beat() -> None:
            while not stop.wait(every_s):
                try:
                    self.heartbeat()
                    _ = self.cancel_requested  # a cancel request in the store reaches the token
                except Exception:  # noqa: BLE001 - a closed store at shutdown; the main thread reports
                    return

        threading.Thread(target=beat, name=f"heartbeat-{self.id}", daemon=True).start()

    @property
    def cancel_requested(self) -> bool:
        """The token is set, or a cancel request is in the store (which then sets the token)."""
        if self.token.requested:
            return True
        run = self.store.get_run(self.id)
        if run is not None and cancel_was_requested(run):
            self.token.request("cancel requested")
            return True
        return False

    def log(self, message: str, level: str = "info") -> None:
        self.store.log(self.id, message, level)

    # -- ending ---------------------------------------------------------------------------------------
    def finish(self, status: str = "done", error: str | None = None, *,
               summary: dict[str, Any] | None = None) -> bool:
        """End the run (done / cancelled / failed); False if another process holds it by now."""
        if self._beat_stop is not None:
            self._beat_stop.set()
        if status not in FINAL:
            raise ValueError(f"cannot finish a run as {status!r} (one of {', '.join(FINAL)})")
        self.finished = True
        return self.store.release_run(self.id, status, pid=os.getpid(), host=this_host(), error=error,
                                      summary=summary)

    def detach(self, summary: dict[str, Any] | None = None) -> None:
        """Leave the run `running` with no holder: its work goes on elsewhere (provider batches); a later
        process adopts the row with `open(run_id=...)` and finishes it."""
        if self._beat_stop is not None:
            self._beat_stop.set()
        self.finished = True
        fields: dict[str, Any] = {"pid": None, "host": None}
        if summary is not None:
            fields["summary"] = summary
        self.store.update_run(self.id, **fields)

    def __enter__(self) -> RunLease:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if self.finished:
            return
        status, error = status_for(exc)
        self.finish(status, error=error)
