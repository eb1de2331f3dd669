"""A trivial background job for the jobs tests: adopts its run row, reports progress, loss and logs.

usage: trivial_job.py DB RUN_ID MODE   (MODE: loop = run until SIGTERM; finish = done at once; crash = exit 3)
"""

from __future__ import annotations

import signal
import sys
import time

from db.models import Metric
from db.store import Store


def main() -> int:
    db, run_id, mode = sys.argv[1:4]
    store = Store(db, create=False)
    for _ in range(100):  # the launcher creates the row before starting us; be patient anyway
        if store.get_run(run_id) is not None:
            break
        time.sleep(0.02)
    if mode == "crash":
        print("crashing on purpose", flush=True)
        return 3
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    store.log(run_id, "started 시작 [bold]literal[/]")
    step = 0
    total = 1000 if mode == "loop" else 3
    while step < total and not stop["flag"]:
        step += 1
        store.add_metrics([Metric(run_id=run_id, step=step, name="loss", value=1.0 / step)])
        store.progress(run_id, step, total)
        if step % 5 == 0 or mode == "finish":
            store.log(run_id, f"step {step}")
        time.sleep(0.05 if mode == "loop" else 0)
    if stop["flag"]:
        store.log(run_id, "cancelled by SIGTERM", level="warning")
        store.finish_run(run_id, "cancelled")
    else:
        store.finish_run(run_id, "done", summary={"steps": step})
    return 0


if __name__ == "__main__":
    sys.exit(main())
