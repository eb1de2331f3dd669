"""Secrets never reach the store, the logs, the run outputs or the exports (redacted or refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.cli import export_command
from db.store import Store
from judge.cli import main
from judge.rubric import CRITERIA
from kcc_testkit.fake_server import FakeServer

OPENAI_KEY = "sk-kccSECRET-0123456789abcdef"
CORP_TOKEN = "corp-tok-9f8e7d6c5b4a"  # not key-shaped: found only because MYCORP_TOKEN names it
SECRETS = (OPENAI_KEY, CORP_TOKEN, "sk-echoed-9999aaaabbbbcccc")


def _files_with(root: Path, needles: tuple[str, ...]) -> list[str]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            blob = p.read_bytes()
            hits += [f"{p.name}: {n}" for n in needles if n.encode() in blob]
    return hits


@pytest.fixture
def fake(monkeypatch):
    def rubric(req):  # the judge echoes the key it "saw" in its rationale
        return {c: {"score": 7, "rationale": f"근거 {OPENAI_KEY} {CORP_TOKEN}"} for c in CRITERIA}

    with FakeServer(handler=rubric) as srv:
        for k, v in srv.env(openai_key=OPENAI_KEY).items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("MYCORP_TOKEN", CORP_TOKEN)
        yield srv


def test_echoed_keys_are_redacted_everywhere(tmp_path, write_jsonl, rows, fake):
    data = rows(3)
    leak = f"제 설정은 OPENAI_API_KEY={OPENAI_KEY}, 토큰 {CORP_TOKEN}, 그리고 sk-echoed-9999aaaabbbbcccc 입니다."
    data[0]["candidates"][0]["response"] += " " + leak
    data[1]["prompt"] += f" ({CORP_TOKEN})"
    inp = write_jsonl(data)
    work = tmp_path / "w"
    work.mkdir()
    db, out = work / "k.db", work / "out"
    res = CliRunner().invoke(main, ["run", str(inp), "--out", str(out), "--db", str(db), "--model",
                                    "openai:judge-1", "--json", "--no-progress"], catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    assert fake.count() > 0
    exp = CliRunner().invoke(export_command, [str(work / "pairs.jsonl"), "--db", str(db)], catch_exceptions=False)
    assert exp.exit_code == 0, exp.output
    with Store(db) as st:
        cand = st.get_candidate("s0000/a")
        assert "***" in cand.text and OPENAI_KEY not in cand.text
        j = st.judgments_for_seed("s0000")["s0000/a"]
        assert OPENAI_KEY not in (j.transcript or "") and "***" in json.dumps(j.rubric, ensure_ascii=False)
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for text in (res.output, exp.output):
        assert not any(s in text for s in SECRETS)
    assert _files_with(work, SECRETS) == []  # the DB file (and WAL), results, pairs, summary, logs, export


@pytest.mark.parametrize("model", [
    "compat:http://127.0.0.1:9/v1?token=SECRETXYZ42#m",
    "compat:http://127.0.0.1:9/v1#m?api_key=SECRETXYZ42",
    "compat:http://127.0.0.1:9/v1;access_token=SECRETXYZ42#m",
    "compat:http://me:SECRETXYZ42@127.0.0.1:9/v1#m",
    "compat:http://127.0.0.1:9/v1?x=1&auth=SECRETXYZ42#m",
])
def test_credentials_in_any_url_part_are_refused_and_never_stored(tmp_path, write_jsonl, rows, model):
    db, out = tmp_path / "k.db", tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(write_jsonl(rows(1))), "--out", str(out), "--db", str(db),
                                    "--model", model, "--no-progress"], catch_exceptions=False)
    assert res.exit_code == 2
    assert "credential" in res.output and "SECRETXYZ42" not in res.output
    assert _files_with(tmp_path, ("SECRETXYZ42",)) == []
    assert not db.exists()  # refused before the store is touched


def test_compat_url_without_credentials_still_parses():
    from kcc_llm.spec import parse_model_spec

    spec = parse_model_spec("compat:http://gpu:8000/v1?api-version=2#Qwen/Qwen3-8B")
    assert spec.base_url == "http://gpu:8000/v1?api-version=2" and spec.name == "Qwen/Qwen3-8B"
