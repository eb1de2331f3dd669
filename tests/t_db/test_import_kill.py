"""`kill -9` during a large import: the store stays consistent and a re-run completes with no duplicates."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from db import Store
from db.runs import effective_status, this_host

N = 40_000


def _make_input(path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(N):
            f.write(json.dumps({"id": f"s{i}", "category": "K08", "prompt": f"보이스피싱 질문 {i} " * 3,
                                "candidates": [{"id": "a", "model": "m1", "response": f"답변 A {i} 1332 " * 5},
                                               {"id": "b", "model": "m2", "response": f"답변 B {i}"}]},
                               ensure_ascii=False) + "\n")


def _import_cmd(db: Path, src: Path) -> list[str]:
    code = "import sys; from db.cli import import_command; import_command(sys.argv[1:])"
    return [sys.executable, "-c", code, str(src), "--db", str(db), "--batch-size", "500"]


def _count(db: Path, table: str) -> int:
    try:
        conn = sqlite3.connect(db, timeout=30)
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_kill_9_mid_import_then_rerun(tmp_path):
    src, db = tmp_path / "big.jsonl", tmp_path / "kcc.db"
    _make_input(src)
    proc = subprocess.Popen(_import_cmd(db, src), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _count(db, "seeds") < 2000 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed; make the input bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    seeds = conn.execute("SELECT count(*) FROM seeds").fetchone()[0]
    cands = conn.execute("SELECT count(*) FROM candidates").fetchone()[0]
    assert 0 < seeds < N
    assert seeds % 500 == 0 and cands == 2 * seeds  # whole batches only: no seed without its candidates
    conn.close()
    with Store(db) as s:  # the killed import is shown as interrupted, not running forever
        (run,) = s.list_runs("import")
        assert (run.status, run.pid, run.host) == ("running", proc.pid, this_host())
        assert effective_status(run) == "interrupted"

    done = subprocess.run(_import_cmd(db, src), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*), count(DISTINCT id) FROM seeds").fetchone() == (N, N)
    assert conn.execute("SELECT count(*), count(DISTINCT id) FROM candidates").fetchone() == (2 * N, 2 * N)
    statuses = sorted(r[0] for r in conn.execute("SELECT status FROM runs WHERE kind = 'import'"))
    assert statuses == ["done", "running"]  # the re-run finished; the killed one keeps its row (interrupted)
    assert conn.execute("SELECT count(*) FROM seeds_fts WHERE seeds_fts MATCH '\"보이스피싱\"'").fetchone()[0] == N
