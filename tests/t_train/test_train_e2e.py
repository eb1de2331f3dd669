"""End to end on CPU: real store -> DPO (TRL) on the tiny local model -> checkpoint reload + generate ->
re-evaluation (safe rate, over-refusal, MCQ) -> report; all recorded in the store."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from db.store import Store
from kcc_core.exit_codes import ExitCode
from kcc_train.cli import main

DATA = Path(__file__).parent / "data"


def test_dpo_train_reload_eval_report(tmp_path, tiny_model, store_path, write_config):
    runner = CliRunner()
    with Store(store_path) as store:  # a launcher (the TUI) creates the row first and passes --run-id
        store.create_run("train", {"launched_by": "test"}, run_id="train-tui-1")
        store.update_run("train-tui-1", status="pending")
    cfg = write_config(tmp_path, tiny_model, max_steps=30)

    dry = runner.invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] and plan["split"]["eval_seeds"] == 5 and plan["lengths"]["pairs"] == 24
    assert plan["lengths"]["over"] > 0  # max_length 128 is shorter than some pairs: reported

    res = runner.invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path), "--run-id", "train-tui-1"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["status"] == "done" and out["global_step"] == 30

    with Store(store_path) as store:
        run = store.get_run("train-tui-1")
        assert run.status == "done" and run.kind == "train" and run.config["launched_by"] == "test"
        assert run.progress_done == 30 and run.progress_total == 30
        export = store.get_export(run.parent_id)  # linked to the export it trained on
        assert export is not None and export.n_pairs == 24 and Path(export.path).is_file()
        losses = [m.value for m in store.metrics(run.id, "loss")]
        assert len(losses) == 30
        first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
        assert last < first * 0.9, (first, last)
        assert store.metrics(run.id, "rewards/margins")
        assert store.metrics(run.id, "eval_loss")  # the held-out pairs were evaluated
        msgs = [line.message for _, line in store.logs(run.id)]
        assert any("exceed max_length" in m for m in msgs)

    final = Path(out["final_model"])
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(final))
    model = AutoModelForCausalLM.from_pretrained(str(final))
    enc = tok.apply_chat_template([{"role": "user", "content": "도와주세요"}], add_generation_prompt=True,
                                  return_dict=True, return_tensors="pt")
    gen = model.generate(**enc, max_new_tokens=8, do_sample=False)
    assert gen.shape[1] > enc["input_ids"].shape[1]

    # resume: a longer run continues from the last checkpoint (step 30), not from zero
    cfg2 = write_config(tmp_path, tiny_model, max_steps=40)
    res2 = runner.invoke(main, ["dpo", "--config", str(cfg2), "--db", str(store_path), "--resume",
                                "--run-id", "train-tui-2"])
    assert res2.exit_code == 0, res2.output
    with Store(store_path) as store:
        assert any("resuming from" in line.message and "checkpoint-30" in line.message
                   for _, line in store.logs("train-tui-2"))
        assert store.get_run("train-tui-2").parent_id == run.parent_id  # same export on resume
        assert [m.step for m in store.metrics("train-tui-2", "loss")] == list(range(31, 41))

    ev = runner.invoke(main, ["eval", "--model", str(final), "--baseline", str(tiny_model), "--heldout", run.id,
                              "--seeds", str(DATA / "eval_seeds.jsonl"), "--benchmarks", str(DATA / "benchmarks"),
                              "--out", str(tmp_path / "eval"), "--db", str(store_path), "--max-new-tokens", "24",
                              "--max-general-drop", "1.0"])
    assert ev.exit_code == 0, ev.output
    report = json.loads(ev.stdout)
    assert (tmp_path / "eval" / "report.md").is_file() and (tmp_path / "eval" / "chart.png").stat().st_size > 1000
    md = (tmp_path / "eval" / "report.md").read_text(encoding="utf-8")
    assert "cultural_safe_rate" in md and "kmmlu" in md and "Regression gate: passed" in md
    with Store(store_path) as store:
        erun = store.get_run(report["run_id"])
        assert erun.kind == "eval" and erun.status == "done" and erun.parent_id == run.id
        results = store.eval_results(report["run_id"])
    by = {(r.model, r.benchmark, r.category) for r in results}
    for m in (str(final), str(tiny_model)):
        assert (m, "cultural_safe_rate", "all") in by and (m, "over_refusal", "all") in by
        for b in ("kmmlu", "haerae", "kobest_boolq", "kobest_copa", "kobest_hellaswag", "kobest_sentineg",
                  "kobest_wic"):
            assert (m, b, "all") in by
    safe = next(r for r in results if r.benchmark == "cultural_safe_rate" and r.category == "all"
                and r.model == str(final))
    assert 0.0 <= safe.value <= 1.0 and safe.n > 0 and safe.ci_low <= safe.value <= safe.ci_high
    mcq = next(r for r in results if r.benchmark == "kmmlu" and r.model == str(final))
    assert mcq.n == 8 and 0.0 <= mcq.value <= 1.0
    answers = [json.loads(x) for x in (tmp_path / "eval" / "answers_after.jsonl").read_text().splitlines()]
    assert len(answers) == 5 + 6 and {a["verdict"] for a in answers} <= {"safe", "unsafe", "unscored"}

    # the report can be rebuilt from the store alone; a strict gate turns any drop into exit code 4
    rep = runner.invoke(main, ["report", "--run-id", report["run_id"], "--db", str(store_path),
                               "--out", str(tmp_path / "rep"), "--max-general-drop", "-1"])
    assert rep.exit_code == ExitCode.GATE, rep.output
    assert (tmp_path / "rep" / "report.md").is_file() and (tmp_path / "rep" / "chart.png").is_file()
