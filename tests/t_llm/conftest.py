"""Fixtures: a real fake OpenAI/Anthropic server on 127.0.0.1 and the env that points the SDKs at it."""

from __future__ import annotations

import pytest

from kcc_testkit.fake_server import FakeServer

OPENAI_KEY = "sk-kccTEST-openai-7f3a9c51d2e8"
ANTHROPIC_KEY = "sk-ant-kccTEST-anthropic-4b6e0d93a1"


@pytest.fixture
def fake():
    with FakeServer() as srv:
        yield srv


@pytest.fixture
def llm_env(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    for k, v in fake.env(openai_key=OPENAI_KEY, anthropic_key=ANTHROPIC_KEY).items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("KCC_COMPAT_API_KEY", raising=False)
    return fake


def seed_store(store, n: int, category: str = "K05", prefix: str = "시드") -> list[str]:
    """Insert n seeds of one category (texts unique); returns their ids."""
    from db import Seed

    seeds = [Seed(id=f"seed-{category}-{i:04d}", text=f"{prefix} {category} 질문 번호 {i}", category=category,
                  subcategory=f"{category}.1") for i in range(n)]
    store.upsert_seeds(seeds)
    return [s.id for s in seeds]
