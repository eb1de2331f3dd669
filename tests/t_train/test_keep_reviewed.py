"""`[train.data] keep_reviewed` / `kcc-train export --keep-reviewed/--no-keep-reviewed`: the same choice as
`kcc export`: reviewer pairs below min_margin are kept by default, left out when false, and counted in the
training data summary either way."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from db.store import Store
from kcc_train.cli import main
from kcc_train.config import DataConfig, load_config
from kcc_train.pairs import export_selected, read_rows, reviewed_below_margin


def _review(store_path: Path) -> None:
    """t001: the reviewer swaps the judge's pair (margin -0.7); t002: accepts it (0.7)."""
    with Store(store_path) as st:
        st.apply_review("t001", "kim", "swap", chosen_id="t001/bad", rejected_id="t001/good")
        st.apply_review("t002", "kim", "accept", chosen_id="t002/good", rejected_id="t002/bad")


def test_data_config_keeps_reviewed_pairs_by_default(tmp_path: Path, store_path: Path) -> None:
    _review(store_path)
    assert DataConfig().keep_reviewed is True
    with Store(store_path) as st:
        kept, _ = export_selected(st, DataConfig(min_margin=0.5), tmp_path / "kept.jsonl")
        strict, _ = export_selected(st, DataConfig(min_margin=0.5, keep_reviewed=False), tmp_path / "strict.jsonl")
        balanced, _ = export_selected(st, DataConfig(min_margin=0.5, keep_reviewed=False, max_length_ratio=100.0),
                                      tmp_path / "balanced.jsonl")
    assert kept.n_pairs == 24 and reviewed_below_margin(kept.filters) == {"reviewed_below_margin_kept": 1}
    assert "t001" in {r["seed_id"] for r in read_rows(kept.path)}
    assert strict.n_pairs == 23 and reviewed_below_margin(strict.filters) == {"reviewed_below_margin_dropped": 1}
    assert "t001" not in {r["seed_id"] for r in read_rows(strict.path)}
    assert strict.filters["keep_reviewed"] is False
    # with a length selection the left-out reviewer pair is still counted (it never reaches the second pass)
    assert balanced.n_pairs == 23 and reviewed_below_margin(balanced.filters) == {"reviewed_below_margin_dropped": 1}


def test_kcc_train_export_takes_the_choice_and_counts_it(tmp_path: Path, store_path: Path) -> None:
    _review(store_path)
    runner = CliRunner()
    res = runner.invoke(main, ["export", "--out", str(tmp_path / "a"), "--db", str(store_path), "--min-margin", "0.5"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_pairs"] == 24 and out["keep_reviewed"] is True
    assert out["reviewed_below_margin"] == {"reviewed_below_margin_kept": 1}
    assert "1 reviewer pair(s) below --min-margin 0.5 kept" in res.stderr
    res = runner.invoke(main, ["export", "--out", str(tmp_path / "b"), "--db", str(store_path), "--min-margin", "0.5",
                               "--no-keep-reviewed"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_pairs"] == 23 and out["reviewed_below_margin"] == {"reviewed_below_margin_dropped": 1}
    assert "left out" in res.stderr


def test_train_data_keep_reviewed_reaches_the_dry_run_summary(tmp_path: Path, store_path: Path, tiny_model: Path,
                                                            write_config) -> None:
    _review(store_path)
    cfg = write_config(tmp_path, tiny_model, max_steps=1)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[train.data]\n", "[train.data]\nmin_margin = 0.5\nkeep_reviewed = false\n"), encoding="utf-8")
    assert load_config(cfg).data.keep_reviewed is False
    dry = CliRunner().invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["reviewed_below_margin"] == {"reviewed_below_margin_dropped": 1}
    assert plan["split"]["train_pairs"] + plan["split"]["eval_pairs"] == 23


def test_a_training_run_summary_counts_the_reviewer_pairs_kept(tmp_path: Path, store_path: Path, tiny_model: Path,
                                                             write_config) -> None:
    _review(store_path)
    cfg = write_config(tmp_path, tiny_model, max_steps=1, out=str(tmp_path / "dpo"))
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("[train.data]\n", "[train.data]\nmin_margin = 0.5\n"),
                   encoding="utf-8")
    res = CliRunner().invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path), "--run-id", "train-kr"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["reviewed_below_margin"] == {"reviewed_below_margin_kept": 1}
    with Store(store_path) as st:
        run = st.get_run("train-kr")
        assert run.status == "done" and run.summary["reviewed_below_margin"] == {"reviewed_below_margin_kept": 1}
        assert st.get_export(run.parent_id).n_pairs == 24
