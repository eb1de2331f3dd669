"""Benchmark of the `kcc` reviewer on a 100,000-seed store (3 candidates each, 10% judged).

Prints: store build time, first paint (app constructed -> first screen with data, via run_test), next-seed
latency (median of 50 `n` presses: the handler alone and press-to-idle through Pilot), search latency
(median store.search over Korean queries, and typed query -> results shown in the Search screen).
Then: the queue screen (`w` -> first queue seed shown) and the stats screen (`S` -> numbers shown; kept
numbers while the store is unchanged, then once more computed afresh as after a write), and the real binary in
tmux (`.venv/bin/kcc DB` started -> the first screen with rows appears in the pane). Beside the wall times of
the screens, the process CPU time (all threads): on a shared machine it moves less than the wall time.
Targets: first paint <= 0.5 s, next seed <= 30 ms median, queue and stats screens <= 0.3 s each, search <= 100 ms.

usage: OMP_NUM_THREADS=1 .venv/bin/python bench/bench_tui.py [--seeds 100000] [--db PATH (reused if present)]
       [--no-tmux]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for kcc_testkit

from db.store import Store  # noqa: E402
from kcc_settings import Settings  # noqa: E402
from kcc_testkit.synthetic import build_store  # noqa: E402
from kcc_tui.app import KccApp  # noqa: E402
from kcc_tui.screens.browse import SeedTable  # noqa: E402
from kcc_tui.screens.search import SearchScreen  # noqa: E402
from kcc_tui.screens.seed import SeedScreen  # noqa: E402

QUERIES = ["딥페이크", "보이스피싱", "자살예방상담전화", "따돌림", "불법촬영 영상", "형법", "단톡방에서", "폭언을 해요",
           "통장을 빌려", "특례법", "처벌받나요", "연락하세요"]


def frame(app: KccApp) -> None:
    """What the next screen update does: lay out the screen and render every line (Textual internals,
    called directly so the figure is the work, not Pilot's idle detection)."""
    app.screen._refresh_layout(app.size)
    app.screen._compositor.render_strips()


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


async def measure(db: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    config = Settings(reviewer="bench", theme="textual-dark")
    t0 = time.perf_counter()
    app = KccApp(db, config=config)
    async with app.run_test(size=(120, 34)) as pilot:
        # first paint: the list has rows and has been laid out; then render one full frame
        while True:
            tables = app.screen.query(SeedTable)
            if tables and tables.first().row_count > 0 and tables.first().size.height > 0:
                break
            await asyncio.sleep(0.002)
        frame(app)
        out["first_paint"] = time.perf_counter() - t0
        while any(not w.is_finished for w in app.workers):  # wait_for_complete stops at a cancelled one
            await asyncio.sleep(0.002)
        out["workers_done"] = time.perf_counter() - t0

        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SeedScreen)
        handler, framed, pressed, baseline = [], [], [], []
        for _ in range(50):
            t = time.perf_counter()
            screen.action_next_seed()
            handler.append(time.perf_counter() - t)
            frame(app)
            framed.append(time.perf_counter() - t)
        for _ in range(50):
            t = time.perf_counter()
            await pilot.press("n")
            pressed.append(time.perf_counter() - t)
            t = time.perf_counter()
            await pilot.press("z")  # unbound: Pilot's own settle time, to subtract
            baseline.append(time.perf_counter() - t)
        out["next_seed_handler_median"] = statistics.median(handler)
        out["next_seed_frame_median"] = statistics.median(framed)
        out["next_seed_frame_p90"] = sorted(framed)[int(len(framed) * 0.9)]
        out["next_seed_press_median"] = statistics.median(pressed)
        out["pilot_baseline_median"] = statistics.median(baseline)

        # queue: `w` from browse -> the first queue seed on screen
        await pilot.press("escape")
        await pilot.pause()
        t, c = time.perf_counter(), time.process_time()
        await pilot.press("w")
        while not (type(app.screen).__name__ == "QueueScreen" and getattr(app.screen, "view", None) is not None):
            await asyncio.sleep(0.001)
        frame(app)
        out["queue_screen"] = time.perf_counter() - t
        out["queue_screen_cpu"] = time.process_time() - c
        # stats: `S` -> the numbers computed and shown
        t, c = time.perf_counter(), time.process_time()
        await pilot.press("S")
        while getattr(app.screen, "data", None) is None:
            await asyncio.sleep(0.001)
        frame(app)
        out["stats_screen"] = time.perf_counter() - t
        out["stats_screen_cpu"] = time.process_time() - c
        # stats again with no kept numbers (what a write to the store causes): `S` -> computed and shown
        await pilot.press("b")
        await pilot.pause()
        shown = getattr(app, "stats_cache", None)
        app.stats_cache = None
        t, c = time.perf_counter(), time.process_time()
        await pilot.press("S")
        while getattr(app.screen, "data", None) is shown:
            await asyncio.sleep(0.001)
        frame(app)
        out["stats_fresh"] = time.perf_counter() - t
        out["stats_fresh_cpu"] = time.process_time() - c
        await pilot.press("b")
        await pilot.pause()

        await pilot.press("slash")
        await pilot.pause()
        search = app.screen
        assert isinstance(search, SearchScreen)
        ui = []
        for q in QUERIES:
            t = time.perf_counter()
            search.query_one("#query").value = q  # type: ignore[attr-defined]
            while search.last_query != q:
                await asyncio.sleep(0.001)
            ui.append(time.perf_counter() - t)
        out["search_ui_median"] = statistics.median(ui)

    with Store(db) as store:
        times = []
        for _ in range(3):
            for q in QUERIES:
                t = time.perf_counter()
                store.search(q, limit=200)
                times.append(time.perf_counter() - t)
        out["search_store_median"] = statistics.median(times)
        out["search_store_max"] = max(times)
    return out


def binary_first_paint(db: Path, kcc: Path, timeout: float = 60.0) -> float | None:
    """Seconds from starting the real `kcc` in a 120x35 tmux pane to its first screen with rows."""
    if shutil.which("tmux") is None or not kcc.exists():
        return None
    session = f"kcc-bench-{os.getpid()}-{time.monotonic_ns()}"
    tmux = ["tmux", "-L", session]  # a server of its own: the default one is shared and may be exiting
    import kcc_tui

    root = Path(kcc_tui.__file__).resolve().parents[1]  # the code this bench measures
    cmd = (f"env PYTHONPATH={shlex.quote(str(root))} TERM=xterm-256color {shlex.quote(str(kcc))} "
           f"{shlex.quote(str(db))}; sleep 3")
    t = time.perf_counter()
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "35", cmd], check=True)
    try:
        while time.perf_counter() - t < timeout:
            pane = subprocess.run([*tmux, "capture-pane", "-t", session, "-p"], capture_output=True,
                                  text=True).stdout
            if "shown of" in pane and " judge " in pane:  # the status and the rows (a frame apart)
                return time.perf_counter() - t
            time.sleep(0.01)
        return None
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="reuse this store if it exists (else build it there)")
    ap.add_argument("--no-tmux", action="store_true", help="skip the real-binary measurement")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory() if args.db is None else None
    db = args.db or Path(tmp.name) / "bench.db"  # type: ignore[union-attr]
    if not db.exists():
        t = time.perf_counter()
        build_store(db, args.seeds, judged_fraction=0.1).close()
        print(f"built store: {args.seeds:,} seeds, {args.seeds * 3:,} candidates, 10% judged "
              f"in {time.perf_counter() - t:.1f} s ({db.stat().st_size / 1e6:.0f} MB)")
    with Store(db) as store:
        n = store.count_seeds()
    r = asyncio.run(measure(db))
    print(f"store: {n:,} seeds")
    print(f"first paint (app created -> list laid out and rendered): {ms(r['first_paint'])}   target <= 500 ms")
    print(f"  background workers done (row count, safe rates, names, stats numbers): {ms(r['workers_done'])}")
    print(f"next seed, handler + layout + full render (median / p90 of 50): {ms(r['next_seed_frame_median'])} / "
          f"{ms(r['next_seed_frame_p90'])}   target <= 30 ms")
    print(f"  of which the handler (store reads + widget updates): {ms(r['next_seed_handler_median'])}")
    print(f"  Pilot press 'n' to idle: {ms(r['next_seed_press_median'])} (an unbound key: "
          f"{ms(r['pilot_baseline_median'])}, Pilot's idle detection)")
    print(f"search, store.search (median / max over {len(QUERIES) * 3}): {ms(r['search_store_median'])} / "
          f"{ms(r['search_store_max'])}   target <= 100 ms")
    print(f"search, typed query -> results shown (median): {ms(r['search_ui_median'])}")
    print(f"queue screen, w -> first queue seed shown: {ms(r['queue_screen'])}   target <= 300 ms"
          f"  (cpu {ms(r['queue_screen_cpu'])})")
    print(f"stats screen, S -> numbers shown: {ms(r['stats_screen'])}   target <= 300 ms"
          f"  (cpu {ms(r['stats_screen_cpu'])})")
    print(f"  stats computed afresh (as after a write), S -> new numbers shown: {ms(r['stats_fresh'])}"
          f"  (cpu {ms(r['stats_fresh_cpu'])})")
    if not args.no_tmux:
        runs = [binary_first_paint(db, Path(sys.executable).parent / "kcc") for _ in range(3)]
        got = [x for x in runs if x is not None]
        print("real binary in tmux, start -> first screen with rows (median of 3): "
              + (ms(statistics.median(got)) if got else "n/a (no tmux or kcc script)"))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
