"""A DPO training run launched from the Jobs screen shows live progress and the loss metric (issue 8)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar

from db.config import Settings
from db.importer import import_file
from db.store import Store
from judge.pipeline import JudgeConfig, JudgeRunner
from kcc_tui.app import KccApp
from kcc_tui.screens.jobs import JobsScreen

from .conftest import screen_text

REPO = Path(__file__).resolve().parents[2]
pytest.importorskip("trl")


@pytest.mark.skipif(not (Path(sys.executable).parent / "kcc-train").exists(), reason="kcc-train not installed")
async def test_training_job_from_jobs_screen_shows_progress_and_loss(tmp_path: Path) -> None:
    from kcc_train.tiny_model import make_tiny_model

    db = tmp_path / "kcc.db"
    with Store(db) as store:
        import_file(store, REPO / "examples" / "sample_seeds.jsonl")
        JudgeRunner(store, JudgeConfig(), tmp_path / "judged").execute()
    make_tiny_model(tmp_path / "tiny")
    cfg = tmp_path / "run.toml"
    cfg.write_text(
        '[train]\nmodel = "tiny"\noutput_dir = "out"\nmax_steps = 12\nper_device_train_batch_size = 2\n'
        "gradient_accumulation_steps = 1\nmax_length = 384\nlogging_steps = 1\nsave_steps = 100\n"
        "learning_rate = 5e-4\n[train.data]\nmin_margin = 0.0\neval_fraction = 0.1\n", encoding="utf-8")

    app = KccApp(db, config=Settings(reviewer="tester"))
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        await pilot.press("J")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("d")  # the DPO training form
        await pilot.pause()
        app.screen.query_one("#field-config", Input).value = str(cfg)
        await pilot.press("ctrl+s")
        await pilot.pause()
        jobs_screen = app.screen
        assert isinstance(jobs_screen, JobsScreen)
        run = app.store.list_runs("train")[0]
        seen_progress = False
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            await pilot.pause(0.5)
            jobs_screen.action_poll()
            cur = app.store.get_run(run.id)
            bar = jobs_screen.query_one("#job-progress", ProgressBar)
            if cur.status == "running" and cur.progress_done and bar.progress == cur.progress_done:
                seen_progress = True  # live: the bar follows the run row while the job is still running
            if cur.status != "running":
                break
        cur = app.store.get_run(run.id)
        assert cur.status == "done", (cur.error, (Path(str(db) + ".jobs") / f"{run.id}.log").read_text()[-3000:])
        jobs_screen.action_poll()
        await pilot.pause()
        text = screen_text(app)
        losses = app.store.metrics(run.id, "loss")
        assert len(losses) >= 5
        assert f"({len(losses)} steps)" in text and "loss " in text
        assert cur.progress_done == cur.progress_total == 12
        assert seen_progress, "the Jobs screen never showed progress while the run was running"
