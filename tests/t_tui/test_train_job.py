"""A DPO training run launched from the Jobs screen shows live progress and the loss metric (issue 8)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar, Static

from db.importer import import_file
from db.store import Store
from judge.pipeline import JudgeConfig, JudgeRunner
from kcc_settings import Settings
from kcc_tui.app import KccApp
from kcc_tui.screens.jobs import JobsScreen
from kcc_tui.screens.modals import DetailModal
from kcc_tui.screens.train import TrainModal

from .conftest import screen_text

REPO = Path(__file__).resolve().parents[2]


async def _until(pilot, pred, timeout: float = 60) -> None:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end and not pred():
        await pilot.pause(0.1)
    assert pred()
pytest.importorskip("trl")


@pytest.mark.skipif(not (Path(sys.executable).parent / "kcc-train").exists(), reason="kcc-train not installed")
async def test_training_job_from_jobs_screen_shows_progress_and_loss(tmp_path: Path) -> None:
    from kcc_train.tiny_model import make_tiny_model

    db = tmp_path / "kcc.db"
    with Store(db) as store:
        import_file(store, REPO / "examples" / "sample_seeds.jsonl")
        JudgeRunner(store, JudgeConfig(), tmp_path / "judged").execute()
    make_tiny_model(tmp_path / "tiny")

    app = KccApp(db, config=Settings(reviewer="tester"))
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        await pilot.press("J")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("d")  # the DPO training form
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TrainModal)
        # a folder that is not a model is refused by kcc_train's own check, nothing starts
        form.query_one("#train-model", Input).value = str(tmp_path)
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: "✘" in str(form.query_one("#train-check", Static).content))
        assert "no config.json" in str(form.query_one("#train-check", Static).content)
        assert app.store.list_runs("train") == []
        for name, value in (("model", str(tmp_path / "tiny")), ("max_steps", "12"), ("max_length", "384"),
                            ("learning_rate", "5e-4"), ("min_margin", "0.0")):
            form.query_one(f"#train-{name}", Input).value = value
        await pilot.pause()
        preview = str(form.query_one("#train-preview", Static).content)
        assert "max_steps = 12" in preview and "min_margin = 0.0" in preview and "enabled = false" in preview
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: isinstance(app.screen, JobsScreen))
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
        # the config was written next to the store, not relative to where kcc started
        assert Path(cur.config["config_file"]).parent == Path(str(db) + ".jobs")
        await pilot.press("r")  # the run's report
        await pilot.pause()
        assert isinstance(app.screen, DetailModal)
        rows = dict(app.screen.rows)
        assert "last loss" in rows and rows["status"] == "done"
