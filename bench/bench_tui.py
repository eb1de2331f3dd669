"""Benchmark of the `kcc` reviewer on a 100,000-seed store (3 candidates each, 10% judged).

Prints: store build time, first paint (app constructed -> first screen with data, via run_test), next-seed
latency (median of 50 `n` presses: the handler alone and press-to-idle through Pilot), search latency
(median store.search over Korean queries, and typed query -> results shown in the Search screen).
Targets: first paint <= 1 s, next seed <= 50 ms median, search <= 100 ms.

usage: OMP_NUM_THREADS=1 .venv/bin/python bench/bench_tui.py [--seeds 100000] [--db PATH (reused if present)]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from db.config import Settings
from db.store import Store
from kcc_tui.app import KccApp
from kcc_tui.screens.browse import SeedTable
from kcc_tui.screens.search import SearchScreen
from kcc_tui.screens.seed import SeedScreen
from kcc_tui.synthetic import build_store

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
        await app.workers.wait_for_complete()
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

        await pilot.press("escape", "slash")
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="reuse this store if it exists (else build it there)")
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
    print(f"first paint (app created -> list laid out and rendered): {ms(r['first_paint'])}   target <= 1000 ms")
    print(f"  background workers done (row count, safe rates, names): {ms(r['workers_done'])}")
    print(f"next seed, handler + layout + full render (median / p90 of 50): {ms(r['next_seed_frame_median'])} / "
          f"{ms(r['next_seed_frame_p90'])}   target <= 50 ms")
    print(f"  of which the handler (store reads + widget updates): {ms(r['next_seed_handler_median'])}")
    print(f"  Pilot press 'n' to idle: {ms(r['next_seed_press_median'])} (an unbound key: "
          f"{ms(r['pilot_baseline_median'])}, Pilot's idle detection)")
    print(f"search, store.search (median / max over {len(QUERIES) * 3}): {ms(r['search_store_median'])} / "
          f"{ms(r['search_store_max'])}   target <= 100 ms")
    print(f"search, typed query -> results shown (median): {ms(r['search_ui_median'])}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
