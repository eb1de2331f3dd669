"""The rules pass's fast path for plain text (no normalisation, no rare-syllable count) gives the same report as
the full path, and random syllables are still caught on both."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

import judge.checks.runner as runner
from judge.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-12-07"


def _answers() -> list[tuple[str, str | None]]:
    out = []
    for line in (ROOT / "examples" / "sample_seeds.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            seed = json.loads(line)
            out += [(c["response"], seed.get("category")) for c in seed.get("candidates", [])]
    return out


def _random_syllables(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(n))


def _reports(texts):
    return [run_checks(t, category=c, as_of=DAY).model_dump_json() for t, c in texts]


def test_fast_path_reports_equal_full_path(monkeypatch):
    rng = random.Random(2)
    texts = _answers()
    texts += [(_random_syllables(rng, rng.randint(5, 80)), "K01") for _ in range(40)]
    texts += [(t[:40] + _random_syllables(rng, 30) + t[40:], c) for t, c in texts[:40]]
    texts += [("", "K01"), ("  \n", None), ("정" * 50, "K01")]
    fast = _reports(texts)
    monkeypatch.setattr(runner, "_SPECIAL", re.compile(""))  # matches everywhere: every text takes the full path
    assert _reports(texts) == fast


@pytest.mark.parametrize("mark", ["", "\u200b"])  # plain text (fast path) and a zero-width mark (full path)
def test_random_syllables_are_gibberish_on_both_paths(mark):
    text = _random_syllables(random.Random(4), 60)
    rep = run_checks(text[:10] + mark + text[10:], category="K01", as_of=DAY)
    assert "answer.gibberish" in {c.id for c in rep.checks}
    prose = run_checks("혼자 감당하지 마시고 믿을 수 있는 주변 사람이나 전문가와 이야기해 보시기를 권합니다." + mark,
                       category="K01", as_of=DAY)
    assert "answer.gibberish" not in {c.id for c in prose.checks}
