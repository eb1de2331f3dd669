"""Run rows: adopt one a launcher (the TUI) created, or create it; finish it with the right status."""

from __future__ import annotations

import os
from typing import Any

from db.models import Run
from db.store import Store, new_id


def is_main_process() -> bool:
    """Rank 0 under accelerate/torchrun (RANK env), or a plain single process."""
    return int(os.environ.get("RANK", "0")) == 0


def start_run(store: Store, kind: str, *, run_id: str | None, config: dict[str, Any],
              parent_id: str | None = None, total: int | None = None) -> Run:
    """Adopt `run_id` when the row exists (set running + our pid), else create it."""
    rid = run_id or new_id(kind)
    existing = store.get_run(rid)
    if existing is None:
        return store.create_run(kind, config, total=total, parent_id=parent_id, run_id=rid, pid=os.getpid())
    if existing.kind != kind:
        raise ValueError(f"run {rid} is a {existing.kind} run, not {kind}")
    fields: dict[str, Any] = {"status": "running", "pid": os.getpid(), "config": {**existing.config, **config},
                              "error": None, "finished_at": None}
    if parent_id is not None:
        fields["parent_id"] = parent_id
    if total is not None:
        fields["progress_total"] = total
    store.update_run(rid, **fields)
    run = store.get_run(rid)
    assert run is not None
    return run
