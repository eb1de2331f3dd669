"""Review fixes: nothing reaches a model hub (adapter base models, offline env), benchmark folders in the official
train/dev/test layouts score only the evaluation split, and the held-out split keys every row by its seed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kcc_core.exit_codes import ExitCode
from kcc_train.benchmarks import load_benchmarks, select_files, split_of
from kcc_train.cli import main
from kcc_train.dpo import ModelPathError, check_model_dir
from kcc_train.pairs import split_rows

KMMLU_HEADER = "question,answer,A,B,C,D,Category,Human Accuracy\n"


def _adapter(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps(
        {"base_model_name_or_path": base, "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8}), encoding="utf-8")
    return folder


def test_adapter_with_a_hub_base_model_is_refused(tmp_path):
    ad = _adapter(tmp_path / "adapter", "someorg/some-model")
    with pytest.raises(ModelPathError, match="never downloads"):
        check_model_dir(str(ad))
    no_base = _adapter(tmp_path / "nobase", "")
    with pytest.raises(ModelPathError, match="no local base model"):
        check_model_dir(str(no_base))


def test_adapter_with_a_local_base_model_is_accepted(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}", encoding="utf-8")
    ad = _adapter(tmp_path / "adapter", str(base))
    assert check_model_dir(str(ad)) == ad


def test_eval_refuses_a_hub_adapter_at_once(tmp_path, monkeypatch):
    """Before: peft tried huggingface.co for the base model (26 s of retries, then a traceback)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "0")
    ad = _adapter(tmp_path / "adapter", "someorg/some-model")
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": "e1", "category": "K01", "prompt": "질문"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["eval", "--model", str(ad), "--seeds", str(seeds), "--out",
                                    str(tmp_path / "out"), "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == ExitCode.USAGE, res.output
    assert "never downloads" in res.output and "Traceback" not in res.output
    assert time.perf_counter() - t0 < 10
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # the CLI pins offline mode for everything it (or a child) loads


def test_kmmlu_official_layout_scores_the_test_split_only(tmp_path):
    root = tmp_path / "bench" / "KMMLU" / "data"
    root.mkdir(parents=True)
    for split, n in (("train", 5), ("dev", 2), ("test", 3)):
        rows = "".join(f"{split} 문제 {i}?,1,가,나,다,라,Accounting,0.5\n" for i in range(n))
        (root / f"Accounting-{split}.csv").write_text(KMMLU_HEADER + rows, encoding="utf-8")
    items = load_benchmarks(tmp_path / "bench")
    assert [it.context.split(" ")[0] for it in items["kmmlu"]] == ["test"] * 3
    # pointing --benchmarks at the KMMLU snapshot itself: the folder's own name says which benchmark it is
    assert len(load_benchmarks(tmp_path / "bench" / "KMMLU")["kmmlu"]) == 3


def test_eval_says_when_the_benchmarks_folder_holds_no_benchmark(tmp_path):
    """Before: "nothing to evaluate: give --seeds, --heldout and/or --benchmarks" although --benchmarks was given."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["eval", "--model", str(tmp_path), "--benchmarks", str(tmp_path / "bench"),
                                    "--out", str(tmp_path / "out"), "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == ExitCode.USAGE and "no benchmark files found" in res.output, res.output


def test_kobest_validation_used_when_there_is_no_test_split(tmp_path):
    folder = tmp_path / "bench" / "kobest_v1" / "boolq"
    folder.mkdir(parents=True)
    for split in ("train", "validation"):
        (folder / f"{split}.jsonl").write_text(
            json.dumps({"paragraph": split, "question": "q", "label": 1}) + "\n", encoding="utf-8")
    items = load_benchmarks(tmp_path / "bench")
    assert [it.context.split(" ")[0] for it in items["kobest_boolq"]] == ["validation"]


def test_split_names_from_paths():
    assert split_of(Path("KMMLU/data/Nondestructive-Testing-test.csv")) == "test"
    assert split_of(Path("kobest_v1/copa/validation/0000.parquet")) == "dev"
    assert split_of(Path("kobest_copa_train.jsonl")) == "train"
    assert split_of(Path("haerae_sample.jsonl")) is None
    root = Path("b")
    files = [root / "kmmlu_a-test.csv", root / "kmmlu_extra.csv", root / "kmmlu_a-dev.csv"]
    assert select_files(files, root) == ([files[0], files[1]], [files[2]])


def test_split_keys_rows_without_a_seed_id_by_prompt():
    """Before: a row with seed_id null kept None as its key and landed in training even when its seed was held out."""
    rows = []
    for cat, n in (("K01", 4), ("B01", 2), ("K02", 1)):  # a 1-seed category, a benign-only category
        for s in range(n):
            for _ in range(2):
                rows.append({"prompt": [{"role": "user", "content": f"{cat}-{s}"}], "chosen": [], "rejected": [],
                             "category": cat, "seed_id": None})
    train, held, info = split_rows(rows, 0.5, seed=3)
    prompts = lambda rs: {r["prompt"][0]["content"] for r in rs}  # noqa: E731
    assert prompts(train).isdisjoint(prompts(held))
    assert info.eval_pairs == len(held) == 2 * info.eval_seeds
    assert info.per_category["K02"] == {"train_seeds": 1, "eval_seeds": 0}
    assert info.per_category["B01"] == {"train_seeds": 1, "eval_seeds": 1}
    assert info.per_category["K01"] == {"train_seeds": 2, "eval_seeds": 2}


def test_dpo_config_loads_locally_and_keeps_the_warmup_ratio(tmp_path):
    from kcc_train.config import TrainConfig
    from kcc_train.dpo import build_dpo_config

    cfg = TrainConfig(model=str(tmp_path), output_dir=str(tmp_path / "o"), warmup_ratio=0.25, max_steps=8)
    args = build_dpo_config(cfg, has_eval=False)
    assert args.model_init_kwargs["local_files_only"] is True
    assert args.get_warmup_steps(8) == 2
