"""The two-character scanner of the institution/trigger tries finds exactly what `finditer` finds."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from statutes.institutions import _spans, institution_registry

ROOT = Path(__file__).resolve().parents[2]


def _texts() -> list[str]:
    out = []
    for line in (ROOT / "examples" / "sample_seeds.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            out += [c["response"] for c in json.loads(line).get("candidates", [])]
    return out


def test_scanner_matches_finditer_on_answers_and_fuzz():
    reg = institution_registry()
    texts = _texts()
    words = list(reg.alias_ids) + list(reg.trigger_ids)
    rng = random.Random(3)
    # glued, overlapping and truncated names and triggers, with Latin letters after them (the name look-ahead)
    for _ in range(400):
        parts = [rng.choice(words)[: rng.randint(1, 12)] + rng.choice(["", " ", "A", "\n", "1366", "다"])
                 for _ in range(rng.randint(1, 8))]
        texts.append("".join(parts))
    for text in texts:
        for pattern, ids in ((reg.name_re, reg.alias_ids), (reg.trigger_re, reg.trigger_ids)):
            assert list(_spans(pattern, ids, text)) == [m.span() for m in pattern.finditer(text)]


def test_single_character_words_fall_back_to_finditer():
    pattern = re.compile("가|가나")
    text = "가나 가 가다"
    assert list(_spans(pattern, ["가", "가나"], text)) == [m.span() for m in pattern.finditer(text)]
