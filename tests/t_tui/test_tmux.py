"""The real `kcc` binary in a real terminal (tmux): first paint, Korean alignment, a review key, quit."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from db.store import Store

KCC = Path(sys.executable).parent / "kcc"

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no real-terminal check"),
    pytest.mark.skipif(not KCC.exists(), reason=f"{KCC} missing: install the package (pip install -e .)"),
]


# a tmux server of this test's own: the default server is shared with every other tmux user of the machine,
# and a new session started while it shuts down fails with "server exited unexpectedly"
SOCKET = f"kcc-test-{os.getpid()}-{time.monotonic_ns()}"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], check=True, capture_output=True, text=True).stdout


def wait_screen(session: str, *needles: str, timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < end:
        screen = tmux("capture-pane", "-t", session, "-p")
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{needles!r} never all appeared; last screen:\n{screen}")


def test_kcc_binary_in_tmux(store_path: Path, tmp_path: Path) -> None:
    session = f"kcc-test-{os.getpid()}"
    # PYTHONPATH: the binary runs this checkout's code, the same the test reads the store with
    root = shlex.quote(str(Path(__file__).resolve().parents[2]))
    cmd = (f"cd {shlex.quote(str(tmp_path))} && env -u COLUMNS -u LINES KCC_REVIEWER=tmux-tester TERM=xterm-256color "
           f"PYTHONPATH={root} "
           f"{shlex.quote(str(KCC))} {shlex.quote(str(store_path))}; sleep 5")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", cmd)
    try:
        # the status line can be drawn a frame before the table's rows: wait for both
        screen = wait_screen(session, "shown of 31", " judge ")
        # Korean wide characters align: the pair column starts at the same cell on every row
        cols = {cell_len(line[: line.index(" judge ")]) for line in screen.splitlines() if " judge " in line}
        assert len(cols) == 1, screen
        assert "친구 사진으로 딥페이크" in screen
        tmux("send-keys", "-t", session, "Enter")
        screen = wait_screen(session, "CHOSEN")
        assert "model-b" in screen and "1/31" in screen
        tmux("send-keys", "-t", session, "3")
        wait_screen(session, "OVERRIDDEN")
        tmux("send-keys", "-t", session, "S")  # shift+s from a real terminal reaches the stats screen
        wait_screen(session, "Cohen's kappa")
        tmux("send-keys", "-t", session, "q")
        end = time.monotonic() + 10
        while time.monotonic() < end and "Cohen" in tmux("capture-pane", "-t", session, "-p"):
            time.sleep(0.1)
        assert "Cohen" not in tmux("capture-pane", "-t", session, "-p")  # the app exited
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    with Store(store_path) as store:
        pair = store.get_pair("s000000")
        assert pair is not None and pair.source == "human" and pair.reviewer == "tmux-tester"
        assert pair.chosen_id == "s000000-c3"
