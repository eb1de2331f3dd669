"""`kcc export --run-id` holds its run through db.runs.RunLease: it adopts the launcher's row, records its
pid and log, finishes done / failed, and refuses a row another live process holds (exit codes from
kcc_core.exit_codes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from db import Candidate, Judgment, Pair, Seed
from db.cli import export_command
from db.store import Store
from kcc_core.exit_codes import ExitCode


def _store(path: Path, n: int = 3) -> None:
    with Store(path) as st:
        run = st.create_run("judge", {})
        for i in range(n):
            sid = f"s{i}"
            st.import_batch([Seed(id=sid, text=f"질문 {i}", category="K05")],
                            [Candidate(id=f"{sid}/{x}", seed_id=sid, text=f"답 {i} {x}", model=x) for x in "ab"])
            st.save_judgments([Judgment(candidate_id=f"{sid}/a", run_id=run.id, total=0.9, verdict="safe"),
                               Judgment(candidate_id=f"{sid}/b", run_id=run.id, total=0.2, verdict="unsafe")],
                              [Pair(seed_id=sid, chosen_id=f"{sid}/a", rejected_id=f"{sid}/b", margin=0.7,
                                    run_id=run.id)])


def _export(db: Path, out: Path, *args: str):
    return CliRunner().invoke(export_command, [str(out), "--db", str(db), *args])


def test_export_adopts_the_launchers_row_and_finishes_it(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    _store(db)
    with Store(db) as st:  # as kcc_tui.jobs.Launcher does: the row first, then the process's pid
        st.create_run("export", {"out": "x", "launched_by": "kcc"}, run_id="exp-1")
        st.update_run("exp-1", pid=os.getpid())
    res = _export(db, tmp_path / "p.jsonl", "--run-id", "exp-1")
    assert res.exit_code == 0, res.output
    with Store(db) as st:
        run = st.get_run("exp-1")
        assert run.status == "done" and run.pid == os.getpid() and run.host
        assert run.summary["n_pairs"] == 3 and run.progress_done == 3
        assert run.config["launched_by"] == "kcc"  # the launcher's keys stay
        assert any("3 pairs written to" in line.message for _, line in st.logs("exp-1"))
    # a finished export run is not adopted again
    res = _export(db, tmp_path / "q.jsonl", "--run-id", "exp-1")
    assert res.exit_code == ExitCode.USAGE and "exp-1" in res.output
    assert not (tmp_path / "q.jsonl").exists()


def test_export_refuses_a_run_held_by_another_live_process(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    _store(db)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with Store(db) as st:
            st.create_run("export", {}, run_id="exp-busy", pid=holder.pid)
        res = _export(db, tmp_path / "p.jsonl", "--run-id", "exp-busy")
        assert res.exit_code == ExitCode.BUSY, res.output
        assert "already running" in res.output and not (tmp_path / "p.jsonl").exists()
        with Store(db) as st:
            assert st.get_run("exp-busy").status == "running"
    finally:
        holder.kill()
        holder.wait()


def test_an_empty_export_fails_its_run_with_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    _store(db)
    res = _export(db, tmp_path / "p.jsonl", "--run-id", "exp-empty", "--category", "K99")
    assert res.exit_code == ExitCode.EMPTY
    with Store(db) as st:
        run = st.get_run("exp-empty")
        assert run.status == "failed" and run.error
        assert [line.level for _, line in st.logs("exp-empty")] == ["error"]


def test_sigterm_cancels_an_export_job_and_publishes_nothing(tmp_path: Path, monkeypatch) -> None:
    """The TUI's cancel (SIGTERM) sets the lease's token through the shared handler: the export stops at once,
    its run ends cancelled, exit 130, and no file appears."""
    import signal

    import db.cli

    db_path = tmp_path / "k.db"
    _store(db_path)
    real = db.cli.export_pairs
    before = signal.getsignal(signal.SIGTERM)

    def terminated_while_writing(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return real(*args, **kwargs)

    monkeypatch.setattr(db.cli, "export_pairs", terminated_while_writing)
    res = _export(db_path, tmp_path / "p.jsonl", "--run-id", "exp-term")
    assert res.exit_code == ExitCode.INTERRUPTED, res.output
    assert not (tmp_path / "p.jsonl").exists()
    assert signal.getsignal(signal.SIGTERM) is before
    with Store(db_path) as st:
        run = st.get_run("exp-term")
        assert run.status == "cancelled" and run.error == "interrupted"
