"""What seed and candidate generation (kcc_gen) asks of the store, as named questions, so the generator holds
no table names or queries: which work is already done, which candidates wait in a provider batch, and when a
batch run has been fully collected."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.store import Store

OPEN_BATCH = ("submitted", "in_progress", "ended")  # a batch job whose answers are not stored yet


def seed_pools(store: Store, categories: Iterable[str]) -> tuple[dict[str, list[str]], set[str]]:
    """Texts of the stored seeds per subcategory (for near-duplicate checks and the generator's prompt), and
    the generation keys (`meta.gen_key`) already completed, so a re-run skips them."""
    pools: dict[str, list[str]] = {}
    done: set[str] = set()
    for cat in categories:
        for s in store.iter_seeds(cat):
            pools.setdefault(s.subcategory or "", []).append(s.text)
            if s.meta.get("gen_key"):
                done.add(s.meta["gen_key"])
    return pools, done


def stored_candidate_ids(store: Store, ids: Iterable[str]) -> set[str]:
    """Those of `ids` that are stored candidates."""
    return store.existing_ids("candidates", ids)


def candidates_in_open_batches(store: Store) -> set[str]:
    """Candidate ids submitted in a provider batch whose answers are not collected yet."""
    return {cid for job in store.batch_jobs() if job.status in OPEN_BATCH for cid in job.meta.get("items", {})}


def add_progress(store: Store, run_id: str, n: int) -> None:
    """Count `n` more items done on a run no process holds (a batch run, advanced by each collect)."""
    run = store.get_run(run_id)
    if run is not None:
        store.progress(run_id, run.progress_done + n)


def fully_collected(store: Store, run_id: str) -> bool:
    """True when every batch job of the run has ended and been collected (or failed)."""
    return not any(j.status in OPEN_BATCH for j in store.batch_jobs(run_id=run_id))


def batch_job_count(store: Store, run_id: str) -> int:
    return len(store.batch_jobs(run_id=run_id))
