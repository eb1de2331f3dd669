"""Length bias of the pairs: the report (judge.length), `kcc-judge run` printing and storing it, and the
length-balanced selection of `kcc-train export` / `[train.data]`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.store import Store
from judge.length import length_line, pair_length_report, store_length_report
from kcc_train.config import DataConfig, load_config
from kcc_train.pairs import read_rows, select_by_length, select_rows

REPO = Path(__file__).resolve().parents[2]


def _row(c: str, r: str, cat: str = "K01", sid: str = "s") -> dict:
    return {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": c}],
            "rejected": [{"role": "assistant", "content": r}], "category": cat, "seed_id": sid}


def test_report_on_exported_rows_and_text_pairs():
    rows = [_row("a" * 30, "b" * 10), _row("a" * 40, "b" * 10, "K05"), _row("a" * 5, "b" * 10), _row("x", "y")]
    rep = pair_length_report(rows)
    assert (rep.pairs, rep.chosen_longer, rep.rejected_longer, rep.equal) == (4, 2, 1, 1)
    assert rep.chosen_longer_share == 0.5
    assert rep.median_ratio == pytest.approx((1.0 + 3.0) / 2)  # ratios 3, 4, 0.5, 1 -> median 2.0
    assert rep.chosen_median == 17.5 and rep.rejected_median == 10.0
    assert rep.per_category["K05"].pairs == 1 and rep.per_category["K01"].chosen_longer == 1
    tup = pair_length_report([("long answer", "no"), ("", "")])
    assert tup.pairs == 2 and tup.chosen_longer == 1 and tup.equal == 1 and tup.median_ratio == 5.5
    assert "chosen longer in 2 of 4 pairs (50.0%)" in length_line(rep)
    assert pair_length_report([]).pairs == 0


def test_selection_by_ratio_and_balance():
    rows = [_row("a" * 30, "b" * 10, sid="r3"), _row("a" * 40, "b" * 10, sid="r4"),
            _row("a" * 12, "b" * 10, sid="r1.2"), _row("a" * 5, "b" * 10, sid="r0.5"), _row("x", "y", sid="eq")]
    kept, info = select_by_length(rows, max_length_ratio=3.0)
    assert [r["seed_id"] for r in kept] == ["r3", "r1.2", "r0.5", "eq"] and info.dropped_ratio == 1
    kept, info = select_by_length(rows, length_balanced=True)
    # 3 chosen-longer vs 1 chosen-shorter: the two most unequal chosen-longer pairs go; equal pairs stay
    assert [r["seed_id"] for r in kept] == ["r1.2", "r0.5", "eq"]
    assert (info.dropped_balance, info.chosen_longer_before, info.chosen_longer_after) == (2, 3, 1)
    rep = pair_length_report(kept)
    assert rep.chosen_longer == rep.rejected_longer


def test_kcc_judge_run_reports_lengths(tmp_path):
    from judge.cli import main as judge_main

    out = tmp_path / "out"
    res = CliRunner().invoke(judge_main, ["run", str(REPO / "examples" / "sample_seeds.jsonl"), "--out", str(out),
                                          "--db", str(tmp_path / "kcc.db"), "--json"])
    assert res.exit_code in (0, 3), res.output  # 3: some answers unscored (partial), still a summary
    printed = json.loads(res.stdout.strip().splitlines()[-1])
    saved = json.loads((out / "summary.json").read_text(encoding="utf-8"))["lengths"]
    assert printed["lengths"] == saved
    pairs = read_rows(out / "pairs.jsonl")
    assert saved["pairs"] == len(pairs) > 0
    longer = sum(len(r["chosen"][0]["content"]) > len(r["rejected"][0]["content"]) for r in pairs)
    assert saved["chosen_longer"] == longer and saved["chosen_longer_share"] == longer / len(pairs)
    assert "lengths: chosen longer in" in res.stderr
    with Store(tmp_path / "kcc.db") as store:  # the same figures from the store (the TUI's statistics)
        assert store_length_report(store).model_dump() == saved


def test_export_and_training_data_with_a_length_selection(tmp_path, store_path, write_config, tiny_model):
    from kcc_train.cli import main

    with Store(store_path) as store:
        all_rows, _ = select_rows(store, DataConfig())
        picked, info = select_rows(store, DataConfig(max_length_ratio=3.0))
    assert info is not None and 0 < info.kept == len(picked) < len(all_rows) and info.dropped_ratio == 6
    res = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "ex"), "--db", str(store_path),
                                    "--max-length-ratio", "3.0"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_pairs"] == len(picked) and out["length_selection"]["dropped_ratio"] == len(all_rows) - len(picked)
    assert {r["seed_id"] for r in read_rows(out["jsonl"])} == {r["seed_id"] for r in picked}
    with Store(store_path) as store:
        assert store.get_export(out["export_id"]).filters["max_length_ratio"] == 3.0
    bad = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "ex2"), "--db", str(store_path),
                                    "--max-length-ratio", "0.5"])
    assert bad.exit_code == 2 and "max_length_ratio" in bad.output

    cfg = write_config(tmp_path, tiny_model, max_steps=1)
    text = cfg.read_text(encoding="utf-8").replace("[train.data]\n", "[train.data]\nmax_length_ratio = 3.0\n")
    cfg.write_text(text, encoding="utf-8")
    assert load_config(cfg).data.max_length_ratio == 3.0
    dry = CliRunner().invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["lengths"]["pairs"] == len(picked) and plan["length_selection"]["kept"] == len(picked)
    assert plan["pair_lengths"] == pair_length_report(picked).model_dump(exclude={"per_category"})
    with pytest.raises(ValueError, match="export_id"):
        DataConfig(export_id="export-1", max_length_ratio=2.0)
