"""Batch APIs through the real SDKs: submit, job ids in the store, restart, poll, collect, idempotent."""

from __future__ import annotations

import pytest

from kcc_gen.generate import CandidateGenConfig, collect_batches, generate_candidates, submit_candidates_batch

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


# -- the real services' end states, through kcc_llm.batch directly -------------------------------------------------
def _items(model: str, n: int) -> list:
    from kcc_llm.batch import BatchItem
    from kcc_llm.types import LLMRequest

    return [BatchItem(custom_id=f"item-{i}", request=LLMRequest(model=model, messages=[{"role": "user", "content": f"질문 {i}"}]))
            for i in range(n)]


async def _run_to_end(llm_env, store, model: str, n: int):
    from kcc_llm import LLMClient
    from kcc_llm.batch import collect_job, poll_job, submit_batches

    async with LLMClient(store) as client:
        (job,) = await submit_batches(client, _items(model, n), stage="t", run_id=None)
        status = await poll_job(client, job)
        got = dict(await collect_job(client, job)) if status == "ended" else {}
    return status, job, got


@pytest.mark.parametrize("outcome,code", [("expired", "batch_expired"), ("cancelled", "batch_cancelled")])
async def test_openai_expired_or_cancelled_batch_collects_what_ran(llm_env, store, outcome, code):
    # OpenAI keeps finished answers of an expired/cancelled batch in its output file and lists the requests it
    # never ran in the error file as {"response": null, "error": {"code": ..., "message": ...}}
    llm_env.batch_outcome, llm_env.batch_processed = outcome, 2
    status, job, got = await _run_to_end(llm_env, store, "openai:gpt-4o-mini", 5)
    assert status == "ended" and job.meta["provider_status"] == outcome
    assert sorted(c for c, comp in got.items() if comp.ok) == ["item-0", "item-1"]
    failed = [comp.error for comp in got.values() if not comp.ok]
    assert len(failed) == 3 and all(e.startswith(f"batch item failed: {code}: ") for e in failed), failed


async def test_openai_failed_batch_keeps_the_services_reason(llm_env, store):
    llm_env.batch_outcome = "failed"
    status, job, got = await _run_to_end(llm_env, store, "openai:gpt-4o-mini", 2)
    assert status == "failed" and not got
    stored = store.batch_jobs()[0]
    assert stored.status == "failed" and "invalid_request: batch rejected (injected)" in stored.meta["error"]


async def test_openai_per_request_http_errors_are_readable(llm_env, store):
    from kcc_testkit.fake_server import FakeReply

    llm_env.enqueue(FakeReply(status=400, error_message="max_completion_tokens is too large"))
    status, _, got = await _run_to_end(llm_env, store, "openai:gpt-4o-mini", 2)
    assert status == "ended" and got["item-1"].ok
    assert got["item-0"].error == "batch item failed (HTTP 400): invalid_request_error: max_completion_tokens is too large"


@pytest.mark.parametrize("outcome,kind", [("expired", "expired"), ("cancelled", "canceled")])
async def test_anthropic_canceled_and_expired_items_say_why(llm_env, store, outcome, kind):
    llm_env.batch_outcome, llm_env.batch_processed = outcome, 1
    status, _, got = await _run_to_end(llm_env, store, "anthropic:claude-haiku-4-5", 3)
    assert status == "ended" and got["item-0"].ok
    for cid in ("item-1", "item-2"):
        assert got[cid].error.startswith(f"batch item {kind}: the batch") and "None" not in got[cid].error


async def test_anthropic_errored_item_shows_type_and_message(llm_env, store):
    from kcc_testkit.fake_server import FakeReply

    llm_env.enqueue(FakeReply(status=400, error_message="prompt is too long: 210000 tokens > 200000 maximum"))
    _, _, got = await _run_to_end(llm_env, store, "anthropic:claude-haiku-4-5", 2)
    assert got["item-0"].error == "batch item errored: invalid_request_error: prompt is too long: 210000 tokens > 200000 maximum"
    assert got["item-1"].ok


async def test_item_without_any_result_line_is_reported_failed(llm_env, store):
    from kcc_llm import LLMClient
    from kcc_llm.batch import collect_job, poll_job, submit_batches

    async with LLMClient(store) as client:
        (job,) = await submit_batches(client, _items("openai:gpt-4o-mini", 2), stage="t")
        job.meta["items"]["ghost"] = {"key": "k", "params": {}}  # as if the provider dropped a request
        assert await poll_job(client, job) == "ended"
        got = dict(await collect_job(client, job))
    assert got["item-0"].ok and got["item-1"].ok
    assert not got["ghost"].ok and "returned no result" in got["ghost"].error
