import shutil
from pathlib import Path

import pytest

from taxonomy.loader import DATA_DIR


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in taxonomy data directory."""
    dst = tmp_path / "data"
    shutil.copytree(DATA_DIR, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst
