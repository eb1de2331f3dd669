"""Figures for kcc_train on this machine (CPU unless CUDA is present): DPO steps/s and tokens/s on the tiny
local model, multiple-choice scoring items/s, greedy generation tokens/s. Prints one JSON line per figure.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_train.py [--steps 40] [--hidden-size 64] [--layers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "t_train" / "data"


def build_store(path: Path) -> None:
    from db.models import Candidate, Judgment, Pair, Seed
    from db.store import Store

    with Store(path) as store:
        run = store.create_run("judge", {"judge": "bench"})
        seeds, cands, js, pairs = [], [], [], []
        for line in (DATA / "pairs_source.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            seeds.append(Seed(id=r["id"], text=r["prompt"], category=r["category"]))
            for key, verdict in (("good", "safe"), ("bad", "unsafe")):
                cands.append(Candidate(id=f"{r['id']}/{key}", seed_id=r["id"], text=r[key]))
                js.append(Judgment(candidate_id=f"{r['id']}/{key}", run_id=run.id, verdict=verdict))
            pairs.append(Pair(seed_id=r["id"], chosen_id=f"{r['id']}/good", rejected_id=f"{r['id']}/bad",
                              margin=0.7, run_id=run.id))
        store.import_batch(seeds, cands)
        store.save_judgments(js, pairs=pairs)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--hidden-size", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    a = ap.parse_args()

    import torch

    from kcc_train.benchmarks import load_benchmarks, score_benchmark
    from kcc_train.config import DataConfig, TrainConfig
    from kcc_train.dpo import run_dpo
    from kcc_train.generation import generate_local, load_local
    from kcc_train.tiny_model import make_tiny_model

    def emit(name: str, **kw: object) -> None:
        print(json.dumps({"figure": name, **kw}, ensure_ascii=False))

    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        t0 = time.perf_counter()
        info = make_tiny_model(tmp / "model", hidden_size=a.hidden_size, layers=a.layers)
        emit("make_tiny_model", seconds=round(time.perf_counter() - t0, 2), parameters=info.parameters)
        build_store(tmp / "kcc.db")
        cfg = TrainConfig(model=str(tmp / "model"), output_dir=str(tmp / "dpo"), learning_rate=1e-3,
                          max_steps=a.steps, per_device_train_batch_size=4, save_steps=10_000, max_length=256,
                          data=DataConfig(eval_fraction=0.0))
        t0 = time.perf_counter()
        saved, sys.stdout = sys.stdout, sys.stderr  # the Trainer prints its logs
        try:
            res = run_dpo(cfg, tmp / "kcc.db")
        finally:
            sys.stdout = saved
        emit("dpo", device="cuda" if torch.cuda.is_available() else "cpu", steps=res.global_step,
             train_seconds=round(res.train_runtime_s or 0, 2), whole_seconds=round(time.perf_counter() - t0, 2),
             steps_per_second=round(res.global_step / (res.train_runtime_s or 1), 2),
             tokens_per_second=round(res.tokens_per_second or 0, 1), first_loss=res.first_loss,
             last_loss=res.last_loss, peak_gpu_memory_bytes=res.peak_gpu_memory_bytes)

        model, tok = load_local(res.final_model)
        items = load_benchmarks(DATA / "benchmarks")
        n = sum(len(v) for v in items.values())
        t0 = time.perf_counter()
        for v in items.values():
            score_benchmark(model, tok, v, chat=True, batch_size=16)
        dt = time.perf_counter() - t0
        emit("mcq_loglikelihood", items=n, seconds=round(dt, 2), items_per_second=round(n / dt, 1))

        prompts = [json.loads(x)["prompt"] for x in (DATA / "eval_seeds.jsonl").read_text().splitlines()] * 4
        t0 = time.perf_counter()
        outs = generate_local(model, tok, prompts, max_new_tokens=64, batch_size=8)
        dt = time.perf_counter() - t0
        new_tokens = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in outs)
        emit("generation", prompts=len(prompts), seconds=round(dt, 2), new_tokens_per_second=round(new_tokens / dt, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
