"""Must-hold properties: 20% faults, kill -9 then resume, keys never stored or logged, concurrency."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db import Store
from kcc_gen.generate import CandidateGenConfig, generate_candidates
from kcc_llm import LLMClient, LLMRequest, LLMSettings
from kcc_settings import ProviderLimits
from kcc_testkit.fake_server import FakeServer, Faults

from .conftest import ANTHROPIC_KEY, OPENAI_KEY, seed_store

REPO = Path(__file__).resolve().parents[2]


async def test_twenty_percent_faults_every_item_accounted_for(llm_env, store):
    llm_env.faults = Faults(rate_429=0.05, rate_500=0.05, rate_malformed_body=0.05, rate_timeout=0.05,
                            retry_after_ms=20, timeout_sleep_s=0.8, seed=3)
    llm_env._rng.seed(3)
    ids = seed_store(store, 60, "K03")
    settings = LLMSettings(backoff_base_s=0.01, backoff_max_s=0.05, concurrency=16,
                           default_limits=ProviderLimits(timeout_s=0.3, max_retries=1))
    models = ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]
    s = await generate_candidates(store, CandidateGenConfig(models=models, max_tokens=50), settings=settings)
    assert s.total == 120 and s.generated + s.failed == 120
    assert s.failed > 0 and s.retries > 0  # max_retries=1 at 20% faults: some items fail explicitly
    assert set(s.errors) <= {"rate_limit", "server", "malformed_response", "timeout", "overloaded"}
    assert all(f["error"] and f["kind"] for f in s.failures)
    cands = [c for i in ids for c in store.candidates_for(i)]
    assert len(cands) == s.generated == len({c.id for c in cands})
    failed_logs = [m for _, m in store.logs(s.run_id, limit=1000) if m.level == "error"]
    assert len(failed_logs) == s.failed
    # a second run with generous retries finishes the rest without repeating finished items
    before = llm_env.prompt_counts()
    done_prompts = {(c.model.split(":", 1)[1], store.get_seed(c.seed_id).text) for c in cands}
    settings2 = settings.model_copy(update={"default_limits": ProviderLimits(timeout_s=0.3, max_retries=8)})
    s2 = await generate_candidates(store, CandidateGenConfig(models=models, max_tokens=50), settings=settings2)
    assert s2.total == s.failed and s2.failed == 0 and s2.generated == s.failed
    after = llm_env.prompt_counts()
    for (model, system, prompt), n in after.items():
        if (model, prompt) in done_prompts:
            assert n == before[(model, system, prompt)]
    assert sum(len(store.candidates_for(i)) for i in ids) == 120


def test_kill_minus_nine_then_resume(tmp_path):
    """A subprocess runs `generate candidates`; we SIGKILL it mid-run, re-run, and count calls per prompt."""
    db = tmp_path / "kill.db"
    with Store(db) as st:
        ids = seed_store(st, 40, "K02")
    with FakeServer(latency_s=0.15) as srv:
        env = {**os.environ, **srv.env(openai_key=OPENAI_KEY, anthropic_key=ANTHROPIC_KEY), "PYTHONPATH": str(REPO)}
        cmd = [sys.executable, "-m", "kcc_gen.cli", "candidates", "--models", "openai:gpt-4o-mini",
               "--db", str(db), "--concurrency", "4", "--quiet"]
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        with Store(db) as st:
            while time.monotonic() < deadline:
                have = len(st.existing_ids("candidates", _all_cids(st, ids)))
                if have >= 10:
                    break
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            finished = _all_cids(st, ids)
        assert proc.returncode == -signal.SIGKILL and 10 <= len(finished) < 40
        with Store(db) as st:
            finished_prompts = {st.get_seed(st.get_candidate(c).seed_id).text for c in finished}
        calls_before = srv.count()
        rerun = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        out = json.loads(rerun.stdout)
        assert out["skipped"] == len(finished) and out["generated"] == 40 - len(finished)
        counts = srv.prompt_counts()
        for (_, _, prompt), n in counts.items():
            if prompt in finished_prompts:
                assert n == 1, f"finished item called again: {prompt}"
        assert srv.count() - calls_before <= 40 - len(finished)  # cache hits cover killed-in-flight items
    with Store(db) as st:
        all_c = [c for i in ids for c in st.candidates_for(i)]
        assert len(all_c) == 40 and len({c.id for c in all_c}) == 40 and len({c.seed_id for c in all_c}) == 40


def _all_cids(st: Store, ids: list[str]) -> list[str]:
    return [c.id for i in ids for c in st.candidates_for(i)]


async def test_api_keys_never_stored_or_logged(llm_env, store, tmp_path, caplog, capsys):
    from kcc_testkit.fake_server import FakeReply

    caplog.set_level(logging.DEBUG)
    seed_store(store, 3, "K04")
    llm_env.enqueue(
        FakeReply(status=401, error_message=f"Incorrect API key provided: {OPENAI_KEY}"),
        FakeReply(status=429, headers={"retry-after-ms": "10"}, error_message=f"limit for key {OPENAI_KEY}"),
    )
    s = await generate_candidates(store, CandidateGenConfig(models=["openai:gpt-4o-mini", "anthropic:claude-x"],
                                                            baseline=True),
                                  settings=LLMSettings(backoff_base_s=0.01))
    assert s.failed == 1 and s.generated == 11
    assert any(OPENAI_KEY in r.headers.get("authorization", "") for r in llm_env.requests)  # it was sent
    store.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.glob("kcc.db*"))
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err + json.dumps(s.model_dump(mode="json"))
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        assert key.encode() not in blobs
        assert key not in text
    assert "***" in json.dumps(s.failures, ensure_ascii=False)


async def test_concurrency_600_calls(tmp_path, monkeypatch):
    """600 calls, 200 ms latency, concurrency 32: ideal 3.75 s. Generous bound here (shared CI cores);
    bench/bench_llm.py prints the real figure."""
    with FakeServer(latency_s=0.2) as srv:
        for k, v in srv.env().items():
            monkeypatch.setenv(k, v)
        async with LLMClient(settings=LLMSettings(concurrency=32)) as client:
            await client.map([LLMRequest(model="openai:gpt-4o-mini", messages=[{"role": "user", "content": "w"}])] * 8)
        async with LLMClient(settings=LLMSettings(concurrency=32)) as client:
            reqs = [LLMRequest(model="openai:gpt-4o-mini", messages=[{"role": "user", "content": f"질문 {i}"}],
                               max_tokens=32) for i in range(600)]
            t0 = time.perf_counter()
            comps = await client.map(reqs)
            wall = time.perf_counter() - t0
        assert all(c.ok for c in comps) and srv.count() == 608
        peak = _peak_concurrency(srv)
    assert peak <= 32
    assert wall < 3.75 * 2.0, f"{wall:.2f}s"


def _peak_concurrency(srv: FakeServer) -> int:
    starts = sorted(r.at for r in srv.model_requests())
    best, j = 0, 0
    for i, t in enumerate(starts):  # requests started within one latency window overlap
        while starts[j] < t - 0.19:
            j += 1
        best = max(best, i - j + 1)
    return best


async def test_cancellation_leaves_nothing_half_written(llm_env, store):
    llm_env.latency_s = 0.3
    ids = seed_store(store, 20, "K06")
    task = asyncio.create_task(generate_candidates(
        store, CandidateGenConfig(models=["openai:gpt-4o-mini"]), settings=LLMSettings(concurrency=4)))
    while sum(len(store.candidates_for(i)) for i in ids) < 4:
        await asyncio.sleep(0.02)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    run = store.list_runs("generate")[0]
    assert run.status == "cancelled" and run.error == "interrupted"
    cands = [c for i in ids for c in store.candidates_for(i)]
    assert 4 <= len(cands) < 20 and all(c.text and c.prompt_tokens for c in cands)
    assert store.cost_summary(run.id)["candidates"]["calls"] == len(cands)
