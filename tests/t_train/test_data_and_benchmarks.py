"""Training data from a real store (exporter -> datasets -> TRL tokenisation) and the benchmark loaders."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from db.exporter import export_pairs
from db.store import Store
from kcc_train.benchmarks import BenchmarkError, benchmark_of, load_benchmarks, loglikelihoods, to_item
from kcc_train.pairs import read_rows, split_rows

DATA = Path(__file__).parent / "data"


def test_split_is_stratified_and_grouped_by_seed(shared_store, tmp_path):
    with Store(shared_store) as store:
        rec = export_pairs(store, tmp_path / "pairs.jsonl")
    rows = read_rows(rec.path)
    rows = rows + [dict(rows[0])]  # a seed with two pairs must stay on one side
    train, held, info = split_rows(rows, 0.25, seed=1)
    assert {r["seed_id"] for r in train}.isdisjoint({r["seed_id"] for r in held})
    assert set(info.per_category) == {"K01", "K05", "K09", "B01", "B03"}
    for cat, c in info.per_category.items():
        assert c["eval_seeds"] >= 1 and c["train_seeds"] >= 1, cat
    assert info.train_pairs + info.eval_pairs == len(rows)
    again = split_rows(rows, 0.25, seed=1)[1]
    assert [r["seed_id"] for r in again] == [r["seed_id"] for r in held]  # deterministic


def test_exporter_jsonl_loads_with_datasets_and_trl_tokenises(shared_store, tmp_path, tiny_model):
    """Issue 2: the export loads with `datasets` and TRL's DPO data preparation accepts it."""
    import datasets
    from transformers import AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    with Store(shared_store) as store:
        rec = export_pairs(store, tmp_path / "pairs.jsonl")
    ds = datasets.load_dataset("json", data_files=rec.path, split="train")
    assert ds.num_rows == rec.n_pairs == 24
    assert ds[0]["prompt"][0]["role"] == "user" and ds[0]["chosen"][0]["role"] == "assistant"
    tok = AutoTokenizer.from_pretrained(str(tiny_model))
    args = DPOConfig(output_dir=str(tmp_path / "o"), bf16=False, activation_checkpointing=False, max_length=256,
                     report_to="none", per_device_train_batch_size=2)
    trainer = DPOTrainer(model=str(tiny_model), args=args, train_dataset=ds, processing_class=tok)
    prepared = trainer.train_dataset
    assert {"prompt_ids", "chosen_ids", "rejected_ids"} <= set(prepared.column_names)
    assert prepared.num_rows == 24
    row = prepared[0]
    assert len(row["chosen_ids"]) > 0 and len(row["rejected_ids"]) > 0
    assert tok.convert_tokens_to_ids("<|end|>") in row["chosen_ids"][-2:]  # the template ends the turn


def test_benchmark_samples_load_in_official_formats():
    items = load_benchmarks(DATA / "benchmarks")
    assert set(items) == {"kmmlu", "haerae", "kobest_boolq", "kobest_copa", "kobest_hellaswag", "kobest_sentineg",
                          "kobest_wic"}
    assert all(len(v) == 8 for v in items.values())
    km = items["kmmlu"][0]
    assert km.context.endswith("정답：") and km.choices == list("ABCD") and km.gold == 1  # answer 2 -> B
    assert items["haerae"][0].choices[0] == "(A)" and items["haerae"][1].gold == 1
    copa = items["kobest_copa"][0]
    assert copa.context.endswith(" 그래서") and copa.gold == 0
    assert items["kobest_boolq"][0].choices == ["아니오", "예"]
    assert len(items["kobest_hellaswag"][0].choices) == 4
    assert items["kmmlu"][0].category == "Korean-History"


def test_benchmark_naming_and_errors(tmp_path):
    assert benchmark_of(Path("kmmlu/Accounting-test.csv")) == "kmmlu"
    assert benchmark_of(Path("kobest_v1/boolq/test.jsonl")) == "kobest_boolq"
    assert benchmark_of(Path("HAE_RAE_BENCH/history.csv")) == "haerae"
    assert benchmark_of(Path("notes/readme.csv")) is None
    with pytest.raises(BenchmarkError, match="answer"):
        to_item("kmmlu", {"question": "q", "A": "a", "B": "b", "C": "c", "D": "d", "answer": 7}, "f:1", 0)
    with pytest.raises(BenchmarkError, match="missing column"):
        to_item("kobest_wic", {"word": "w"}, "f:2", 0)
    it = to_item("haerae", {"query": "q", "options": "['가', '나', '다']", "answer": "나"}, "f:3", 0)
    assert it.choices == ["가", "나", "다"] and it.gold == 1
    assert to_item("haerae", {"query": "q", "gold": 2}, "f:4", 0).gold == 2


def test_loglikelihood_matches_a_direct_computation(tiny_model):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_model))
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model))
    item = to_item("kobest_sentineg", {"sentence": "정말 좋아요", "label": 1}, "x", 0)
    other = to_item("kobest_boolq", {"paragraph": "긴 문단입니다. " * 5, "question": "맞나요?", "label": 0}, "y", 1)
    lls = loglikelihoods(model, tok, [item, other], chat=False, batch_size=3)  # batch mixes lengths (padding)
    whole = tok(item.context + " " + item.choices[1])["input_ids"]  # lm-eval: encode(ctx + cont) minus encode(ctx)
    ctx = tok(item.context)["input_ids"]
    assert whole[:len(ctx)] == ctx
    cont = whole[len(ctx):]
    ids = torch.tensor([whole])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits.float(), -1)[0]
    direct = sum(float(logp[len(ctx) - 1 + i, t]) for i, t in enumerate(cont))
    assert math.isclose(lls[0][1], direct, rel_tol=1e-4, abs_tol=1e-4)
