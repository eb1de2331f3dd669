"""Shared fixtures: every test gets its own real SQLite file and an isolated KCC config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI replays the same examples every run (a red CI run is then a real regression, reproducible here with
# CI=true); a developer's run explores new examples each time.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "sample_seeds.jsonl"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCC_CONFIG", str(tmp_path / "no-kcc.toml"))
    monkeypatch.setenv("KCC_REVIEWER", "tester")
    monkeypatch.delenv("KCC_DB", raising=False)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from kcc_settings import settings

    settings.cache_clear()


@pytest.fixture
def store(tmp_path: Path):
    from db import Store

    with Store(tmp_path / "kcc.db") as s:
        yield s
