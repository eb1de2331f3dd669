"""The rules-only judge on the bundled sample: coherent chosen, fabricated/harmful (or worst) rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.importer import import_file
from db.store import Store
from judge.labels import label_agreement
from judge.pipeline import JudgeConfig, JudgeRunner

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_seeds.jsonl"


@pytest.mark.skipif(not SAMPLE.exists(), reason="examples/sample_seeds.jsonl not written yet")
def test_rules_only_agrees_with_sample_labels(tmp_path):
    with Store(tmp_path / "k.db") as st:
        rep = import_file(st, SAMPLE)
        assert rep.rejected == 0
        s = JudgeRunner(st, JudgeConfig(), tmp_path / "o").execute()
        agree = label_agreement(st)
    assert s.mode == "rules-only" and s.status == "done"
    assert agree.seeds >= 48
    print(f"sample agreement: {agree.both_ok}/{agree.seeds} = {agree.rate:.3f}; misses: "
          f"{[(m.seed_id, m.chosen, m.rejected) for m in agree.misses]}")
    assert agree.rate >= 0.9


@pytest.mark.skipif(not SAMPLE.exists(), reason="examples/sample_seeds.jsonl not written yet")
def test_demo_runs(tmp_path, capsys):
    from judge.demo import main

    assert main(sample=SAMPLE, db=tmp_path / "kcc-demo.db", out=tmp_path / "demo-out") == 0
    out = capsys.readouterr().out
    assert "Agreement with the sample's labels" in out and "kcc " in out and "pairs.jsonl" in out
    assert (tmp_path / "demo-out" / "pairs.jsonl").stat().st_size > 0
