"""Background jobs (judge runs, exports, DPO training, re-evaluation) launched as detached subprocesses.

Each job is a row in the store's `runs` table created *before* the process starts (so the TUI can show it at
once and the process adopts it with `--run-id`); the process writes progress, metrics and logs to the store
itself. Jobs run in their own session (process group) with output to a log file next to the store, so they
keep running when the TUI closes; a later TUI picks them up from `runs`. No Textual here: unit-testable.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from db import runs
from db.models import Run, RunKind
from db.store import Store, new_id
from kcc_core.exit_codes import meaning, run_status_for_exit

ACTIVE = ("pending", "running")


class JobSpec(BaseModel):
    """A job to launch: the run row to create and the command that adopts it."""

    kind: RunKind
    run_id: str
    argv: list[str]
    config: dict[str, Any] = Field(default_factory=dict)
    cwd: str | None = None


def script(name: str) -> list[str]:
    """The console script `name` of this environment (beside the running Python), else from PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return [str(here)]
    found = shutil.which(name)
    if found:
        return [found]
    raise FileNotFoundError(f"{name}: console script not found next to {sys.executable} or on PATH")


def log_path(db_path: str | Path, run_id: str) -> Path:
    """Where a job's stdout/stderr go: `<store>.jobs/<run_id>.log`, next to the store."""
    db = Path(db_path)
    return db.with_name(db.name + ".jobs") / f"{run_id}.log"


def judge_spec(db: str | Path, out_dir: str | Path | None = None, *, run_id: str | None = None,
               extra: list[str] | None = None) -> JobSpec:
    """A judge job: `kcc-judge run STORE` in a process of its own (judge.run_file.judge_file, as the CLI and
    the demo call it), adopting the run row the launcher creates under `run_id`."""
    rid = run_id or new_id("judge")
    out = Path(out_dir) if out_dir else Path(db).with_name(f"{Path(db).stem}-{rid}")
    argv = [*script("kcc-judge"), "run", str(db), "--out", str(out), "--db", str(db), "--run-id", rid,
            *(extra or [])]
    return JobSpec(kind="judge", run_id=rid, argv=argv, config={"out": str(out)})


def export_spec(db: str | Path, out_path: str | Path | None = None, *, run_id: str | None = None,
                extra: list[str] | None = None) -> JobSpec:
    rid = run_id or new_id("export")
    out = Path(out_path) if out_path else Path(db).with_name(f"{Path(db).stem}-{rid}.jsonl")
    argv = [*script("kcc"), "export", str(out), "--db", str(db), "--run-id", rid, *(extra or [])]
    return JobSpec(kind="export", run_id=rid, argv=argv, config={"out": str(out)})


def train_spec(db: str | Path, config_file: str | Path, *, run_id: str | None = None,
               extra: list[str] | None = None) -> JobSpec:
    rid = run_id or new_id("train")
    argv = [*script("kcc-train"), "dpo", "--config", str(config_file), "--db", str(db), "--run-id", rid,
            *(extra or [])]
    return JobSpec(kind="train", run_id=rid, argv=argv, config={"config_file": str(config_file)})


def eval_spec(db: str | Path, args: list[str], *, run_id: str | None = None) -> JobSpec:
    """`kcc-train eval ARGS... --db DB --run-id ID` (ARGS e.g. ["--model", "out/model", "--out", "eval"])."""
    rid = run_id or new_id("eval")
    argv = [*script("kcc-train"), "eval", *args, "--db", str(db), "--run-id", rid]
    return JobSpec(kind="eval", run_id=rid, argv=argv, config={"args": list(args)})


class Launcher:
    """Starts, cancels and reconciles jobs of one store. Keeps the Popen handles of the jobs it started so
    they are reaped (a finished child would otherwise linger as a zombie that still looks alive)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    def launch(self, spec: JobSpec, env: dict[str, str] | None = None) -> Run:
        """Create the run row, then start the process in its own session with output to the log file."""
        log = log_path(self.store.path, spec.run_id)
        log.parent.mkdir(parents=True, exist_ok=True)
        config = {**spec.config, "argv": spec.argv, "log": str(log), "launched_by": "kcc"}
        self.store.create_run(spec.kind, config, run_id=spec.run_id)  # status "running" from the start
        try:
            with log.open("ab") as fh:
                proc = subprocess.Popen(spec.argv, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        cwd=spec.cwd, env={**os.environ, **(env or {})}, start_new_session=True)
        except OSError as e:
            self.store.finish_run(spec.run_id, "failed", error=f"could not start: {e}")
            return self.store.get_run(spec.run_id)  # type: ignore[return-value]
        self._procs[spec.run_id] = proc
        # only the pid: the process may already have adopted the row and moved its status on
        self.store.update_run(spec.run_id, pid=proc.pid)
        return self.store.get_run(spec.run_id)  # type: ignore[return-value]

    def alive(self, run: Run) -> bool:
        """Is the run's process still running? (our own children via poll(); others via /proc or kill 0)."""
        proc = self._procs.get(run.id)
        if proc is not None:
            return proc.poll() is None
        if not run.pid:
            return False
        return pid_alive(run.pid, run.id)

    def cancel(self, run_id: str) -> str:
        """SIGTERM the job's process group; mark it cancelled at once if the process is already gone."""
        run = self.store.get_run(run_id)
        if run is None:
            return "no such run"
        if run.status not in ACTIVE:
            return f"already {run.status}"
        runs.request_cancel(self.store, run_id)
        if run.pid and self.alive(run):
            try:
                os.killpg(run.pid, signal.SIGTERM)
                return "cancelling"
            except ProcessLookupError:
                pass
            except PermissionError as e:
                return f"cannot signal pid {run.pid}: {e}"
        self.store.finish_run(run_id, "cancelled", error="cancelled (process was gone)")
        return "cancelled"

    def reconcile(self) -> list[str]:
        """Settle runs whose process ended without finishing its run row (crash, kill -9, trivial job).

        A cancel request turns into 'cancelled'; a process whose exit code is known ends as that code says
        (kcc_core.exit_codes: 0 done, 130 interrupted, else failed, with the code's meaning); one that is simply
        gone (kill -9, reboot, another launcher's) ends 'interrupted', which `--resume` picks up.
        Returns the ids changed.
        """
        changed: list[str] = []
        for run in self.store.list_runs():
            if run.status not in ACTIVE:
                continue
            proc = self._procs.get(run.id)
            if proc is None and not run.pid:
                continue  # created by someone else without a pid: not ours to judge
            if self.alive(run):
                continue
            fresh = self.store.get_run(run.id)
            if fresh is None or fresh.status not in ACTIVE:
                continue
            code = proc.returncode if proc is not None else None
            if runs.cancel_was_requested(fresh):
                self.store.finish_run(run.id, "cancelled", error="cancelled")
            elif code is None:  # gone without a word (kill -9, reboot): resumable, not a failure of its own
                self.store.finish_run(run.id, "interrupted", error="process no longer running (resume it)")
            elif (status := run_status_for_exit(code)) == "done":
                self.store.finish_run(run.id, "done")
            else:  # the exit code means the same in every KCC command (kcc_core.exit_codes)
                self.store.finish_run(run.id, status, error=f"process ended without finishing the run "
                                                            f"(exit code {code}: {meaning(code)})")
            changed.append(run.id)
        return changed

    def wait(self, run_id: str, timeout: float | None = None) -> int | None:
        """Wait for a job this launcher started (tests, CLI); None if it is not ours."""
        proc = self._procs.get(run_id)
        return proc.wait(timeout) if proc is not None else None


def pid_alive(pid: int, run_id: str | None = None) -> bool:
    """The store's liveness test (db.runs.pid_alive: running, not a zombie) and, where /proc exists, a command
    line that names `run_id` (guards against a recycled pid after a reboot)."""
    if not runs.pid_alive(pid):
        return False
    if run_id is None:
        return True
    try:
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # gone since the check, or no /proc at all (macOS)
    except OSError:
        return False
    return run_id in cmdline.decode(errors="replace")


def runs_signature(store: Store, limit: int = 50) -> tuple[tuple[str, str, int], ...]:
    """What changes when a job starts, progresses or ends: screens compare it on resume to know whether the
    data they show may be stale (a judge run rewrote pairs, an import added seeds)."""
    return tuple((r.id, r.status, r.progress_done) for r in store.list_runs(limit=limit))


def tail(path: str | Path, lines: int = 20) -> list[str]:
    """The last lines of a job's log file (empty if absent)."""
    p = Path(path)
    if not p.is_file():
        return []
    with p.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 64 * 1024))
        data = fh.read().decode("utf-8", errors="replace")
    return data.splitlines()[-lines:]


def read_from(path: str | Path, pos: int, limit: int = 256 * 1024) -> tuple[list[str], int]:
    """Complete lines of a job's output file from byte `pos` on, and the position after them (a partial last
    line waits for the next poll)."""
    p = Path(path)
    if not p.is_file():
        return [], pos
    with p.open("rb") as fh:
        fh.seek(pos)
        data = fh.read(limit)
    end = data.rfind(b"\n")
    if end < 0:
        return [], pos
    return data[: end + 1].decode("utf-8", errors="replace").splitlines(), pos + end + 1
