"""Two real CPU processes (gloo): `torchrun --nproc_per_node 2` and `--launch accelerate --num-processes 2 --cpu`
train ONE synchronised model (every rank's weight digest equal), export once and write the store from rank 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from db.store import Store

BIN = Path(sys.executable).parent
STEPS = 3


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv: list[str], cwd: Path, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run in its own process group, killed as a whole on timeout (no rank is left behind)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=cwd,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"timed out after {timeout}s: {err[-3000:]}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _check_one_model(proc, store_path: Path, run_id: str | None = None) -> dict:
    assert proc.returncode == 0, proc.stderr[-4000:]
    outs = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert len(outs) == 1, proc.stdout  # rank 0 alone prints the result
    out = outs[0]
    assert out["status"] == "done" and out["world_size"] == 2 and out["global_step"] == STEPS
    digests = out["param_digests"]
    assert len(digests) == 2 and digests[0] and digests[0] == digests[1], digests
    with Store(store_path) as store:
        runs = store.list_runs("train")
        assert len(runs) == 1 and (run_id is None or runs[0].id == run_id)
        run = runs[0]
        assert run.status == "done" and run.config["world_size"] == 2
        exports = [r[0] for r in store.conn.execute("SELECT id FROM exports")]
        assert exports == [run.parent_id]
        assert [m.step for m in store.metrics(run.id, "loss")] == list(range(1, STEPS + 1))
        assert any("2 processes, MULTI_CPU" in line.message for _, line in store.logs(run.id))  # gloo
        assert any("parameter digests per rank" in line.message for _, line in store.logs(run.id))
    return out


@pytest.mark.parametrize("launcher", ["torchrun", "accelerate"])
def test_two_cpu_processes_train_one_model(launcher, tmp_path, tiny_model, store_path, write_config):
    cfg = write_config(tmp_path, tiny_model, max_steps=STEPS, extra="param_digest = true")
    base = ["dpo", "--config", str(cfg), "--db", str(store_path)]
    if launcher == "torchrun":
        argv = [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", "2", "-m", "kcc_train.cli", *base]
    else:
        argv = [str(BIN / "kcc-train"), *base, "--launch", "accelerate", "--num-processes", "2", "--cpu",
                "--main-process-port", str(_free_port()), "--run-id", "train-acc2"]
    proc = _run(argv, tmp_path)
    if launcher == "accelerate":
        assert "--multi_gpu" in proc.stderr  # N processes, not accelerate's one-process CPU launcher
    out = _check_one_model(proc, store_path, "train-acc2" if launcher == "accelerate" else None)
    assert Path(out["final_model"], "config.json").is_file()
    from transformers import AutoModelForCausalLM

    from kcc_train.dpo import param_digest

    before = param_digest(AutoModelForCausalLM.from_pretrained(str(tiny_model)))
    after = param_digest(AutoModelForCausalLM.from_pretrained(out["final_model"]))
    assert out["param_digests"][0] == after != before  # the digest is of the trained weights that were saved


def test_rank0_failure_stops_every_rank(tmp_path, tiny_model, write_config):
    cfg = write_config(tmp_path, tiny_model, max_steps=STEPS)
    proc = _run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node", "2", "-m", "kcc_train.cli", "dpo",
                 "--config", str(cfg), "--db", str(tmp_path / "missing.db")], tmp_path, timeout=120)
    assert proc.returncode != 0
    assert "rank 0 could not prepare the training data" in proc.stderr  # rank 1 did not hang at the barrier
