"""Several processes opening one NEW store at once: no "database is locked" during table setup, one schema."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import traceback
from pathlib import Path

from db import schema
from db.store import Store

PROCS = 6
TRIALS = 8


def _open(path: str, barrier, q) -> None:  # noqa: ANN001 - multiprocessing primitives
    try:
        barrier.wait(10)
        with Store(path) as s:
            s.counts()
        q.put("ok")
    except Exception:  # noqa: BLE001 - the parent asserts on the text
        q.put(traceback.format_exc())


def test_processes_racing_on_a_new_store_all_open_it(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    failures = []
    for t in range(TRIALS):
        path = tmp_path / f"race{t}.db"
        barrier, q = ctx.Barrier(PROCS), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(str(path), barrier, q)) for _ in range(PROCS)]
        for p in procs:
            p.start()
        results = [q.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(10)
        failures += [r for r in results if r != "ok"]
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        assert names == [fn.__name__ for fn in schema.MIGRATIONS]  # each applied once
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    assert failures == [], failures[0]


def test_a_version_1_store_migrates_keeping_its_runs_and_their_logs(tmp_path: Path) -> None:
    """m002 rebuilds `runs`; rows referencing it (logs, judgments) must survive (no cascade)."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    schema.m001_initial(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute('CREATE TABLE "_sqlite_migrations" ("id" INTEGER PRIMARY KEY, "migration_set" TEXT, '
                 '"name" TEXT, "applied_at" TEXT)')
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('kcc','m001_initial','x')")
    conn.execute("INSERT INTO runs (id, kind, status, pid, started_at, updated_at) "
                 "VALUES ('r1','judge','running',1,'2026-01-01T00:00:00+00:00','2026-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO run_logs (run_id, level, message, created_at) VALUES ('r1','info','hello','t')")
    conn.execute("COMMIT")
    conn.close()
    with Store(path) as s:
        assert s.schema_version == schema.SCHEMA_VERSION
        run = s.get_run("r1")
        assert run is not None and run.status == "running" and run.host is None
        assert [ln.message for _, ln in s.logs("r1")] == ["hello"]
        s.update_run("r1", status="interrupted")
        assert s.get_run("r1").status == "interrupted"
        assert s._q("PRAGMA foreign_keys")[0][0] == 1
        assert s._q("PRAGMA integrity_check")[0][0] == "ok"
