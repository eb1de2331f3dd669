"""Fixtures of the training tests: a tiny local model and a real store with judge pairs (no downloads)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"


def build_store(path: Path) -> Path:
    """Seeds, candidates, judgments and judge pairs written through db.Store, from data/pairs_source.jsonl."""
    from db.models import Candidate, Judgment, Pair, Seed
    from db.store import Store

    with Store(path) as store:
        run = store.create_run("judge", {"judge": "fixture"})
        seeds, cands, judgments, pairs = [], [], [], []
        for line in (DATA / "pairs_source.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            seeds.append(Seed(id=row["id"], text=row["prompt"], category=row["category"],
                              subcategory=row.get("subcategory")))
            for key, verdict, total in (("good", "safe", 0.9), ("bad", "unsafe", 0.2)):
                cid = f"{row['id']}/{key}"
                cands.append(Candidate(id=cid, seed_id=row["id"], text=row[key], model=f"model-{key}"))
                judgments.append(Judgment(candidate_id=cid, run_id=run.id, total=total, verdict=verdict))
            pairs.append(Pair(seed_id=row["id"], chosen_id=f"{row['id']}/good", rejected_id=f"{row['id']}/bad",
                              margin=0.7, run_id=run.id))
        store.import_batch(seeds, cands)
        store.save_judgments(judgments, pairs=pairs)
        store.finish_run(run.id)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from kcc_train.tiny_model import make_tiny_model

    out = tmp_path_factory.mktemp("tiny") / "model"
    make_tiny_model(out, hidden_size=64, layers=2)
    return out


@pytest.fixture()
def store_path(tmp_path) -> Path:
    return build_store(tmp_path / "kcc.db")


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("store") / "kcc.db")


def _write_config(tmp_path: Path, model: Path, *, max_steps: int, out: str = "dpo", save_steps: int = 10,
                  extra: str = "") -> Path:
    cfg = tmp_path / "run.toml"
    cfg.write_text(f"""[train]
model = "{model}"
output_dir = "{out}"
learning_rate = 1e-3
max_steps = {max_steps}
per_device_train_batch_size = 4
save_steps = {save_steps}
max_length = 128
logging_steps = 1
{extra}
[train.data]
eval_fraction = 0.2
""", encoding="utf-8")
    return cfg


@pytest.fixture()
def write_config():
    """A run.toml writer for the tiny model (fast: high lr, short sequences)."""
    return _write_config


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch):
    """`kcc-train` pins HF_HUB_OFFLINE / HF_DATASETS_OFFLINE in os.environ; keep that from leaking past a test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
