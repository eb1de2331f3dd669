"""`--resume` continues the same run row (run.json in output_dir), without duplicate metric steps."""

from __future__ import annotations

import json

from click.testing import CliRunner

from db.store import Store
from kcc_train.cli import main


def test_resume_keeps_one_run_row(tmp_path, tiny_model, store_path, write_config):
    runner = CliRunner()
    cfg = write_config(tmp_path, tiny_model, max_steps=4, save_steps=2)
    first = runner.invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path)])
    assert first.exit_code == 0, first.output
    rid = json.loads(first.stdout)["run_id"]
    assert json.loads((tmp_path / "dpo" / "run.json").read_text())["run_id"] == rid

    cfg = write_config(tmp_path, tiny_model, max_steps=6, save_steps=2)
    again = runner.invoke(main, ["dpo", "--config", str(cfg), "--db", str(store_path), "--resume"])
    assert again.exit_code == 0, again.output
    out = json.loads(again.stdout)
    assert out["run_id"] == rid and out["global_step"] == 6 and out["resumed_from"].endswith("checkpoint-4")
    with Store(store_path) as store:
        runs = store.list_runs("train")
        assert [r.id for r in runs] == [rid]
        run = runs[0]
        assert run.status == "done" and run.progress_done == 6 and run.config["max_steps"] == 6
        assert [m.step for m in store.metrics(rid, "loss")] == [1, 2, 3, 4, 5, 6]
        n_exports = store.conn.execute("SELECT count(*) FROM exports").fetchone()[0]
        assert n_exports == 1  # the export the run started with is reused
        assert any("resuming from" in line.message for _, line in store.logs(rid))
