"""Generation on the shared run lifecycle (db.runs.RunLease) and cancellation (kcc_core.cancel): the run row
names its process while it runs, a cancel request in the store stops the workers, SIGTERM ends a real
`kcc generate` with 130 and a `cancelled` row, and the re-run finishes the rest without repeating an item."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import db.runs
from db import Store
from db.runs import request_cancel
from kcc_core.cancel import process_token
from kcc_core.exit_codes import ExitCode
from kcc_gen.generate import CandidateGenConfig, generate_candidates
from kcc_testkit.fake_server import FakeServer

from .conftest import ANTHROPIC_KEY, OPENAI_KEY, seed_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_process_token():
    process_token().reset()
    yield
    process_token().reset()


async def test_run_row_is_a_lease_while_generating(llm_env, store):
    ids = seed_store(store, 3, "K02")
    seen: list[tuple[int | None, str | None, str]] = []

    def progress(done: int, total: int) -> None:  # called inside the run: the row is held by this process
        run = store.list_runs("generate", limit=1)[0]
        seen.append((run.pid, run.host, db.runs.effective_status(run)))

    s = await generate_candidates(store, CandidateGenConfig(models=["openai:gpt-4o-mini"]), on_progress=progress)
    assert s.status == "done" and s.generated == len(ids)
    assert seen and all(pid == os.getpid() and host == db.runs.this_host() and st == "running"
                        for pid, host, st in seen)
    run = store.get_run(s.run_id)
    assert run.status == "done" and run.finished_at and run.summary["generated"] == len(ids)


async def test_cancel_request_in_the_store_stops_generation(llm_env, store, monkeypatch):
    monkeypatch.setattr(db.runs, "HEARTBEAT_S", 0.05)  # the heartbeat notices the request quickly
    llm_env.latency_s = 0.05
    ids = seed_store(store, 40, "K02")
    asked = []

    def progress(done: int, total: int) -> None:
        if done == 3 and not asked:
            asked.append(done)
            request_cancel(store, store.list_runs("generate", limit=1)[0].id)  # what the TUI's cancel writes

    cfg = CandidateGenConfig(models=["openai:gpt-4o-mini"], concurrency=1)
    s = await generate_candidates(store, cfg, on_progress=progress)
    assert s.status == "cancelled" and s.reason == "cancelled by request"
    assert 3 <= s.generated < len(ids) and s.not_started == len(ids) - s.generated - s.failed
    run = store.get_run(s.run_id)
    assert run.status == "cancelled" and run.error == "cancelled by request"
    process_token().reset()
    rest = await generate_candidates(store, cfg)  # the same command again finishes the rest
    assert rest.status == "done" and rest.skipped == s.generated and rest.generated == len(ids) - s.generated


def test_sigterm_exits_130_and_the_rerun_resumes(tmp_path):
    db_path = tmp_path / "term.db"
    with Store(db_path) as st:
        ids = seed_store(st, 30, "K02")
    with FakeServer(latency_s=0.15) as srv:
        env = {**os.environ, **srv.env(openai_key=OPENAI_KEY, anthropic_key=ANTHROPIC_KEY), "PYTHONPATH": str(REPO)}
        cmd = [sys.executable, "-m", "kcc_gen.cli", "candidates", "--models", "openai:gpt-4o-mini",
               "--db", str(db_path), "--concurrency", "2", "--quiet"]
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        with Store(db_path) as st:
            while time.monotonic() < deadline and sum(len(st.candidates_for(i)) for i in ids) < 4:
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)  # what the TUI's cancel sends
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == ExitCode.INTERRUPTED, err.decode()[-2000:]
            run = st.list_runs("generate", limit=1)[0]
            assert run.status == "cancelled" and run.error == "interrupted" and run.finished_at
            finished = {c.id for i in ids for c in st.candidates_for(i)}
        assert 4 <= len(finished) < len(ids)
        rerun = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == ExitCode.OK, rerun.stderr[-2000:]
        out = json.loads(rerun.stdout)
        assert out["skipped"] == len(finished) and out["generated"] == len(ids) - len(finished)
    with Store(db_path) as st:
        all_c = [c for i in ids for c in st.candidates_for(i)]
        assert len(all_c) == len(ids) == len({c.seed_id for c in all_c})  # no duplicates


def test_generation_holds_no_sql_and_no_run_row_code_of_its_own():
    """Queries live in db/ (db/generation.py); run rows are db.runs leases, not create/finish calls."""
    import ast
    import re

    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET|WHERE)\b", re.I | re.S)
    own_rows = {"create_run", "finish_run", "claim_run", "release_run", "existing_ids", "execute", "conn"}
    bad = []
    for f in sorted((REPO / "kcc_gen").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.search(node.value):
                bad.append(f"{f.name}:{node.lineno}: SQL {node.value[:40]!r}")
            if isinstance(node, ast.Attribute) and node.attr in own_rows:
                bad.append(f"{f.name}:{node.lineno}: .{node.attr}")
    assert not bad, "\n".join(bad)
