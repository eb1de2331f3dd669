"""Jobs (tables `runs`, `run_logs`, `run_metrics`): create, claim, heartbeat and release a run, progress,
logs and per-step metrics. When a run may be taken over is db.runs' rule; this holds its SQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from db import runs as lifecycle
from db.models import LogLine, Metric, Run, utcnow
from db.store.base import StoreBase, StoreError, new_id


class RunStore(StoreBase):
    """Run rows, their logs and metrics."""

    def create_run(
        self, kind: str, config: dict[str, Any] | None = None, total: int | None = None,
        parent_id: str | None = None, run_id: str | None = None, pid: int | None = None,
    ) -> Run:
        run = Run(id=run_id or new_id(kind), kind=kind, status="running", config=config or {},
                  progress_total=total, parent_id=parent_id, pid=pid,
                  host=lifecycle.this_host() if pid is not None else None)
        run.heartbeat_at = run.started_at
        with self.transaction() as conn:
            self._insert(conn, "runs", run)
        return run

    def claim_run(self, run_id: str, kind: str, *, config: dict[str, Any] | None = None, total: int | None = None,
                  parent_id: str | None = None, resume: bool = False) -> Run:
        """Take the run over for this process, atomically (db.runs explains when that is allowed).

        Read, decide and a compare-and-set UPDATE (same status and pid as read) run under one write lock;
        the UPDATE's rowcount proves the claim. Raises db.runs.RunBusyError / db.runs.RunStateError."""
        me, host, now = os.getpid(), lifecycle.this_host(), utcnow()
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"no run {run_id!r}")
            run = Run(**self._decode("runs", row))
            if run.kind != kind:
                raise lifecycle.RunStateError(f"run {run_id!r} is a {run.kind} run, not {kind}")
            lifecycle.can_take_over(run, resume=resume)
            fields: dict[str, Any] = {"status": "running", "pid": me, "host": host, "heartbeat_at": now,
                                      "updated_at": now, "error": None, "finished_at": None,
                                      "config": {**run.config, **(config or {})}}
            if total is not None:
                fields["progress_total"] = total
            if parent_id is not None:
                fields["parent_id"] = parent_id
            if run.status != "running" or run.pid != me:
                fields["config"].pop("cancel_requested_at", None)  # an old cancel request is not for us
            data = self._encode("runs", fields)
            cur = conn.execute(f"UPDATE runs SET {', '.join(f'{k} = ?' for k in data)} "
                               "WHERE id = ? AND status = ? AND pid IS ?", (*data.values(), run_id, run.status, run.pid))
            if cur.rowcount != 1:
                raise lifecycle.RunBusyError(run)
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return Run(**self._decode("runs", row))

    def heartbeat_run(self, run_id: str, pid: int, host: str) -> bool:
        now = utcnow()
        with self.transaction() as conn:
            cur = conn.execute("UPDATE runs SET heartbeat_at = ?, updated_at = ? WHERE id = ? AND pid = ? AND "
                               "(host IS NULL OR host = ?) AND status = 'running'", (now, now, run_id, pid, host))
        return cur.rowcount == 1

    def release_run(self, run_id: str, status: str, *, pid: int, host: str, error: str | None = None,
                    summary: dict[str, Any] | None = None) -> bool:
        """Finish the run only while `pid`@`host` still holds it (True when written)."""
        fields: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow(), "updated_at": utcnow()}
        if summary is not None:
            fields["summary"] = summary
        data = self._encode("runs", fields)
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE runs SET {', '.join(f'{k} = ?' for k in data)} WHERE id = ? AND pid = ? "
                               "AND (host IS NULL OR host = ?)", (*data.values(), run_id, pid, host))
        return cur.rowcount == 1

    def mark_interrupted(self, kind: str | None = None) -> list[str]:
        """Persist `interrupted` for running rows whose process is gone; returns their ids."""
        out = []
        for r in self.list_runs(kind, limit=100000):
            if r.status == "running" and r.pid is not None and not lifecycle.holder_alive(r):
                with self.transaction() as conn:
                    cur = conn.execute("UPDATE runs SET status = 'interrupted', updated_at = ? "
                                       "WHERE id = ? AND status = 'running' AND pid IS ?", (utcnow(), r.id, r.pid))
                if cur.rowcount:
                    out.append(r.id)
        return out

    def get_run(self, run_id: str) -> Run | None:
        rows = self._q("SELECT * FROM runs WHERE id = ?", (run_id,))
        return Run(**self._decode("runs", rows[0])) if rows else None

    def list_runs(self, kind: str | None = None, limit: int = 200) -> list[Run]:
        if kind:
            rows = self._q("SELECT * FROM runs WHERE kind = ? ORDER BY started_at DESC, rowid DESC LIMIT ?",
                           (kind, limit))
        else:
            rows = self._q("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))
        return [Run(**self._decode("runs", r)) for r in rows]

    def update_run(self, run_id: str, **fields: Any) -> None:
        fields["updated_at"] = utcnow()
        data = self._encode("runs", dict(fields))
        sets = ", ".join(f"{k} = ?" for k in data)
        with self.transaction() as conn:
            conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", (*data.values(), run_id))

    def progress(self, run_id: str, done: int, total: int | None = None) -> None:
        if total is None:
            self.update_run(run_id, progress_done=done)
        else:
            self.update_run(run_id, progress_done=done, progress_total=total)

    def finish_run(self, run_id: str, status: str = "done", error: str | None = None,
                   summary: dict[str, Any] | None = None) -> None:
        fields: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow()}
        if summary is not None:
            fields["summary"] = summary
        self.update_run(run_id, **fields)

    def log(self, run_id: str, message: str, level: str = "info") -> None:
        with self.transaction() as conn:
            self._insert(conn, "run_logs", LogLine(run_id=run_id, message=message, level=level))

    def logs(self, run_id: str, after_id: int = 0, limit: int = 500) -> list[tuple[int, LogLine]]:
        rows = self._q("SELECT * FROM run_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?",
                       (run_id, after_id, limit))
        return [(r["id"], LogLine(**{k: r[k] for k in ("run_id", "level", "message", "created_at")})) for r in rows]

    def add_metrics(self, metrics: Iterable[Metric]) -> None:
        with self.transaction() as conn:
            for m in metrics:
                self._insert(conn, "run_metrics", m, verb="INSERT OR REPLACE")

    def metrics(self, run_id: str, name: str | None = None) -> list[Metric]:
        if name:
            rows = self._q("SELECT * FROM run_metrics WHERE run_id = ? AND name = ? ORDER BY step", (run_id, name))
        else:
            rows = self._q("SELECT * FROM run_metrics WHERE run_id = ? ORDER BY step, name", (run_id,))
        return [Metric(**dict(r)) for r in rows]
