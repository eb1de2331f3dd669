"""A real subprocess: SIGTERM cancelling a run cleanly (accelerate / torchrun launches: test_multiprocess.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db.store import Store
from kcc_core.exit_codes import ExitCode

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}


def test_sigterm_cancels_cleanly(tmp_path, tiny_model, store_path, write_config):
    cfg = write_config(tmp_path, tiny_model, max_steps=5000, save_steps=100000)
    proc = subprocess.Popen(
        [str(BIN / "kcc-train"), "dpo", "--config", str(cfg), "--db", str(store_path), "--run-id", "train-term"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with Store(store_path) as store:
                if len(store.metrics("train-term", "loss")) >= 3:
                    break
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGTERM)  # what the TUI's cancel does
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, err[-3000:]
    with Store(store_path) as store:
        run = store.get_run("train-term")
        assert run.status == "cancelled" and run.finished_at
        steps = len(store.metrics("train-term", "loss"))
    assert 3 <= steps < 5000
    ckpts = list((tmp_path / "dpo").glob("checkpoint-*"))
    assert ckpts, "a checkpoint is saved on cancel so --resume can continue"
