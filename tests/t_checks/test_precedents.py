"""Real text we did not write: 참조조문 of Supreme Court decisions (legalize-kr/precedent-kr, via a copy in
Bullskc/Legalize-KR; repo, commit and path recorded per row). Current citations of registry laws must come out
valid; citations of since-deleted articles as deleted/repealed, never as fabricated."""

from __future__ import annotations

import json
from pathlib import Path

from judge.checks import run_checks

DATA = Path(__file__).parent / "data" / "precedent_refs.jsonl"
FABRICATED = {"unknown_law", "article_not_found"}


def _rows():
    return [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_provenance_recorded():
    for r in _rows():
        assert r["repo"] and len(r["commit"]) == 40 and r["path"].startswith("precedent-kr/")


def test_precedent_citations():
    valid = deleted = fabricated = covered = total = 0
    for r in _rows():
        for c in run_checks(r["refs"]).citations:
            total += 1
            if c.verdict in FABRICATED:
                fabricated += 1
            if c.law_id is None:
                continue
            if "(현행 삭제)" in r["refs"][c.end : c.end + 8]:
                deleted += 1
                assert c.verdict in ("article_deleted", "repealed_or_lapsed"), (r["case"], c)
            elif c.verdict != "law_not_covered":
                covered += 1
                valid += c.verdict == "valid"
    print(f"citations={total} registry-current valid={valid}/{covered} deleted-flagged={deleted} fabricated={fabricated}")
    assert total >= 20 and fabricated == 0
    assert deleted >= 2
    assert valid / covered >= 0.95
