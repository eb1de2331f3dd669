"""Batch APIs through the real SDKs: submit, job ids in the store, restart, poll, collect, idempotent."""

from __future__ import annotations

import pytest

from judge.generate import CandidateGenConfig, collect_batches, generate_candidates, submit_candidates_batch

from .conftest import seed_store


async def test_batch_submit_restart_collect(llm_env, store):
    llm_env.batch_polls = 2  # first retrieve says in_progress
    ids = seed_store(store, 5, "K07")
    cfg = CandidateGenConfig(models=["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"], baseline=True)
    sub = await submit_candidates_batch(store, cfg)
    assert sub.status == "submitted" and sub.total == 20 and len(sub.batch_jobs) == 2
    jobs = store.batch_jobs(run_id=sub.run_id)
    assert {j.provider for j in jobs} == {"openai", "anthropic"} and all(j.request_count == 10 for j in jobs)
    assert llm_env.count() == 0  # nothing online
    again = await submit_candidates_batch(store, cfg)  # pending items are not submitted twice
    assert again.status == "nothing_to_do" and again.skipped == 20

    first = await collect_batches(store, run_id=sub.run_id)  # a fresh client: as after a restart
    assert first.ended == 0 and len(first.still_running) == 2
    done = await collect_batches(store, wait=True, poll_interval_s=0.01)
    assert done.ended == 2 and done.generated == 20 and done.failed == 0 and done.finished_runs == [sub.run_id]
    assert all(j.status == "collected" for j in store.batch_jobs(run_id=sub.run_id))
    cands = [c for i in ids for c in store.candidates_for(i)]
    assert len(cands) == 20 and {c.provider for c in cands} == {"openai", "anthropic"}
    oa = next(c for c in cands if c.provider == "openai")
    assert oa.cost_usd > 0 and oa.run_id == sub.run_id and oa.params["max_completion_tokens"] == 1024
    assert store.get_run(sub.run_id).status == "done"
    cost = store.cost_summary(sub.run_id)["candidates"]
    assert cost["calls"] == 20 and cost["cost_usd"] > 0

    nothing = await collect_batches(store)
    assert nothing.jobs == 0
    online = await generate_candidates(store, cfg)  # answers are cached and stored: no calls
    assert online.status == "nothing_to_do" and llm_env.count() == 0
    batch_calls = sum(n for n in llm_env.prompt_counts().values())
    assert batch_calls == 20


async def test_batch_rejects_models_without_batch_api(llm_env, store):
    seed_store(store, 1, "K07")
    with pytest.raises(ValueError, match="no batch API"):
        await submit_candidates_batch(store, CandidateGenConfig(models=[llm_env.compat_model()]))
