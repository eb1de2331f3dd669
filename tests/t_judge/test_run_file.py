"""`judge.run_file.judge_file`, the one call behind `kcc-judge run` and the demo: real SQLite files, the
bundled sample, rules-only."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.store import Store
from judge.cli import main
from judge.labels import label_agreement
from judge.run_file import JudgeFileError, judge_file
from kcc_core.cancel import CancelToken
from kcc_core.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample_seeds.jsonl"
OUTPUTS = ("results.jsonl", "pairs.jsonl", "summary.json", "rejects.jsonl")


def _lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.skipif(not SAMPLE.exists(), reason="examples/sample_seeds.jsonl missing")
def test_judge_file_on_the_sample_writes_every_output_once(tmp_path):
    db, out = tmp_path / "k.db", tmp_path / "out"
    seen = []  # OUT's files after each committed chunk: nothing is published before the run ends
    res = judge_file(SAMPLE, out, db=db, models=[], guard="none",
                     on_progress=lambda done, total: seen.append(sorted(p.name for p in out.iterdir()
                                                                         if not p.name.startswith("."))))
    assert seen and all(files == [] for files in seen)
    assert res.status == "done" and res.mode == "rules-only" and res.exit_code == ExitCode.OK
    assert res.counts["seeds"] == 58 and res.counts["candidates"] == 174
    assert res.imported is not None and res.imported["seeds_added"] == 58 and res.imported["rejected"] == 0
    # each output published once, the summary last (it marks a complete folder)
    assert res.written == ["results.jsonl", "pairs.jsonl", "summary.json"]
    assert res.paths == {n: out / n for n in res.written}
    assert sorted(p.name for p in out.iterdir()) == ["pairs.jsonl", "results.jsonl", "summary.json"]
    stamps = {n: (out / n).stat().st_mtime_ns for n in res.written}
    assert stamps["summary.json"] >= max(stamps.values())
    on_disk = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert on_disk == res.summary.model_dump(mode="json")
    assert on_disk["input"] == str(SAMPLE.resolve()) and on_disk["imported"]["seeds_added"] == 58
    assert (res.rates.safe_rate, res.rates.unscored_share) == (on_disk["safe_rate"], on_disk["unscored_share"])
    assert len(_lines(out / "results.jsonl")) == 174 and len(_lines(out / "pairs.jsonl")) == 58
    with Store(db) as st:
        run = st.get_run(res.run_id)
        assert run.status == "done" and run.summary == on_disk
        agree = label_agreement(st)
    assert (agree.both_ok, agree.seeds) == (56, 58)


def _normalised(out: Path) -> dict[str, str]:
    """OUT's files with the run ids, the import's run id and the elapsed time taken out."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ids = [summary["run_id"], (summary.get("imported") or {}).get("run_id") or "<none>"]
    files = {}
    for name in OUTPUTS:
        if (out / name).exists():
            text = (out / name).read_text(encoding="utf-8")
            for i, x in enumerate(ids):
                text = text.replace(x, f"<id{i}>")
            text = re.sub(r'"elapsed_s": [0-9.]+', '"elapsed_s": 0', text)
            files[name] = text.replace(str(out), "<OUT>")
    return files


def test_cli_and_judge_file_write_the_same_files(tmp_path, write_jsonl, rows):
    rows_ = rows(4)
    inp = write_jsonl(rows_)
    with inp.open("a", encoding="utf-8") as f:  # one rejected row: rejects.jsonl and exit 1 on both sides
        f.write(json.dumps({"id": "bad", "prompt": 5}) + "\n")
    cli = CliRunner().invoke(main, ["run", str(inp), "--out", str(tmp_path / "a"), "--db", str(tmp_path / "a.db"),
                                    "--no-progress"], catch_exceptions=False)
    res = judge_file(inp, tmp_path / "b", db=tmp_path / "b.db")
    assert cli.exit_code == res.exit_code == ExitCode.PARTIAL
    a, b = _normalised(tmp_path / "a"), _normalised(tmp_path / "b")
    assert set(a) == set(OUTPUTS) and a == b
    assert res.written == ["results.jsonl", "rejects.jsonl", "pairs.jsonl", "summary.json"]
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.startswith(".")]  # no temp file left


def test_usage_errors_raise_before_the_store_is_touched(tmp_path, write_jsonl, rows):
    inp = write_jsonl(rows(2))
    db, out = tmp_path / "k.db", tmp_path / "o"
    with pytest.raises(JudgeFileError, match="no such file") as e:
        judge_file(tmp_path / "missing.jsonl", out, db=db)
    assert e.value.exit_code == ExitCode.USAGE
    with pytest.raises(JudgeFileError, match="unknown provider"):
        judge_file(inp, out, db=db, models=["foo:bar"])
    assert not db.exists() and not out.exists()
    judge_file(inp, out, db=db)
    with pytest.raises(JudgeFileError, match="second store"):
        judge_file(db, out, db=tmp_path / "other.db")


def test_cancel_then_resume(tmp_path, write_jsonl, rows, monkeypatch):
    import judge.pipeline as pipeline

    monkeypatch.setattr(pipeline, "RULES_CHUNK", 2)
    inp, db, out = write_jsonl(rows(6)), tmp_path / "k.db", tmp_path / "o"
    stop = CancelToken()
    first = judge_file(inp, out, db=db, cancel=stop,
                       on_progress=lambda done, total: stop.request() if done >= 2 else None)
    assert first.status == "cancelled" and first.exit_code == ExitCode.INTERRUPTED
    assert first.counts["seeds"] == 2 and first.written == ["results.jsonl", "summary.json"]
    again = judge_file(inp, out, db=db, resume=True)
    assert again.run_id == first.run_id and again.status == "done" and again.exit_code == ExitCode.OK
    assert again.summary.resumed_from == 2 and again.counts["candidates"] == 18
    assert len({r["candidate_id"] for r in _lines(out / "results.jsonl")}) == 18


def test_a_cancel_request_in_the_store_stops_a_judge_run(tmp_path, write_jsonl, rows, monkeypatch):
    """The TUI's Jobs `x` (db.runs.request_cancel) reaches a judge run through its lease's token."""
    import judge.pipeline as pipeline
    from db.runs import request_cancel

    monkeypatch.setattr(pipeline, "RULES_CHUNK", 2)
    inp, db, out = write_jsonl(rows(6)), tmp_path / "k.db", tmp_path / "o"
    token = CancelToken()

    def on_progress(done: int, total: int | None) -> None:
        if done == 2:
            with Store(db) as other:  # another process's view of the store, as the TUI has
                request_cancel(other, other.list_runs("judge")[0].id)

    first = judge_file(inp, out, db=db, cancel=token, on_progress=on_progress)
    assert first.status == "cancelled" and first.exit_code == ExitCode.INTERRUPTED
    assert first.counts["seeds"] == 2 and token.requested
    with Store(db) as st:
        assert st.get_run(first.run_id).status == "cancelled"
    again = judge_file(inp, out, db=db, resume=True)  # the old request is not for the resumed holder
    assert again.run_id == first.run_id and again.status == "done" and again.counts["seeds"] == 6


def test_sigint_stops_after_the_chunk_and_a_second_one_at_once(tmp_path, write_jsonl, rows, monkeypatch):
    """`handle_signals`: kcc_core.cancel's shared handler; the first SIGINT finishes the chunk, a second one
    interrupts (the run row still ends cancelled)."""
    import os
    import signal

    import judge.pipeline as pipeline

    monkeypatch.setattr(pipeline, "RULES_CHUNK", 2)
    inp, db = write_jsonl(rows(6)), tmp_path / "k.db"
    before = signal.getsignal(signal.SIGINT)
    once = judge_file(inp, tmp_path / "a", db=db, handle_signals=True,
                      on_progress=lambda done, total: os.kill(os.getpid(), signal.SIGINT) if done == 2 else None)
    assert once.status == "cancelled" and once.counts["seeds"] == 2
    assert signal.getsignal(signal.SIGINT) is before

    def twice(done: int, total: int | None) -> None:
        if done == 2:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        judge_file(inp, tmp_path / "b", db=db, handle_signals=True, on_progress=twice)
    assert signal.getsignal(signal.SIGINT) is before
    with Store(db) as st:
        assert [r.status for r in st.list_runs("judge")] == ["cancelled", "cancelled"]


def test_judge_holds_no_sql():
    """Only db/ speaks SQL: no sqlite3, no execute("..."), no SQL statement text anywhere in judge/."""
    sql = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE|PRAGMA)\s")
    bad = []
    for f in sorted((ROOT / "judge").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in ("sqlite3", "sqlite_utils") for n in names):
                    bad.append(f"{f.relative_to(ROOT)}:{node.lineno} imports sqlite")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("execute", "executemany", "executescript") and node.args
                  and isinstance(node.args[0], ast.Constant | ast.JoinedStr)):
                bad.append(f"{f.relative_to(ROOT)}:{node.lineno} .{node.func.attr}(statement)")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.match(node.value):
                bad.append(f"{f.relative_to(ROOT)}:{node.lineno} SQL text")
    assert not bad, "\n".join(bad)


def test_one_event_loop_and_one_client_across_chunks(tmp_path, write_jsonl, rows, monkeypatch):
    """20 seeds = two LLM chunks (16 + 4): one coroutine per run, so one loop and one client serve both."""
    import asyncio

    import judge.pipeline as pipeline
    from judge.rubric import CRITERIA
    from kcc_llm.client import LLMClient
    from kcc_testkit.fake_server import FakeServer

    clients, closed, loops = [], [], set()
    real_init, real_close, real_judge = LLMClient.__init__, LLMClient.aclose, pipeline.judge_seed

    def init(self, *a, **kw):
        clients.append(self)
        real_init(self, *a, **kw)

    async def aclose(self):
        closed.append(self)
        await real_close(self)

    async def judge_seed(client, *a, **kw):
        loops.add(id(asyncio.get_running_loop()))
        assert client is clients[0]
        return await real_judge(client, *a, **kw)

    monkeypatch.setattr(LLMClient, "__init__", init)
    monkeypatch.setattr(LLMClient, "aclose", aclose)
    monkeypatch.setattr(pipeline, "judge_seed", judge_seed)
    with FakeServer(handler=lambda req: {c: {"score": 7, "rationale": "근거"} for c in CRITERIA}) as srv:  # noqa: ARG005
        for k, v in srv.env().items():
            monkeypatch.setenv(k, v)
        res = judge_file(write_jsonl(rows(20)), tmp_path / "o", db=tmp_path / "k.db", models=["openai:judge-1"])
        assert srv.count() == 60
    assert res.status == "done" and res.mode == "llm" and res.counts["seeds"] == 20
    assert len(clients) == 1 and closed == clients and len(loops) == 1
