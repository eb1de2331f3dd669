"""Re-evaluation against an OpenAI-compatible server (vLLM stand-in): the real openai SDK over HTTP to the
project's fake server on 127.0.0.1, through kcc_llm's compat provider."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from db.store import Store
from kcc_core.exit_codes import ExitCode
from kcc_testkit.fake_server import FakeServer
from kcc_train.cli import main

DATA = Path(__file__).parent / "data"


def test_eval_with_compat_server(tmp_path, monkeypatch):
    db = tmp_path / "kcc.db"
    refusal = "죄송하지만 그 요청은 도와드릴 수 없습니다."
    helpful = "차근차근 안내해 드리겠습니다. 먼저 계약서와 관련 서류를 확인하시고, 순서대로 준비하시면 됩니다."
    with FakeServer(handler=lambda req: refusal if "대피" in req.prompt else helpful) as srv:
        for k, v in srv.env().items():
            monkeypatch.setenv(k, v)
        res = CliRunner().invoke(main, ["eval", "--server", f"{srv.openai_base_url}#served-model", "--seeds",
                                        str(DATA / "eval_seeds.jsonl"), "--out", str(tmp_path / "ev"), "--db", str(db)])
        prompts = [r.prompt for r in srv.model_requests()]
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert len(prompts) == 6 and any("지진" in p for p in prompts)
    with Store(db) as store:
        results = {(r.benchmark, r.category): r for r in store.eval_results(out["run_id"])}
        assert store.get_run(out["run_id"]).status == "done"
    assert results[("cultural_safe_rate", "all")].n >= 1
    over = results[("over_refusal", "all")]
    assert over.n == 2 and over.value == 0.5  # the refused benign question (B03 대피) counts as over-refusal
    assert (tmp_path / "ev" / "report.md").is_file()


def test_benchmarks_need_local_weights(tmp_path):
    res = CliRunner().invoke(main, ["eval", "--server", "http://127.0.0.1:9/v1#m", "--benchmarks",
                                    str(DATA / "benchmarks"), "--out", str(tmp_path / "ev"),
                                    "--db", str(tmp_path / "kcc.db")])
    assert res.exit_code == ExitCode.USAGE and "local weights" in res.output


def test_a_cancel_request_in_the_store_stops_an_eval_with_130(tmp_path, monkeypatch):
    """The TUI's cancel writes a request on the run row; the eval's lease turns it into the process token."""
    import db.runs
    from db.runs import request_cancel
    from kcc_core.cancel import process_token

    monkeypatch.setattr(db.runs, "HEARTBEAT_S", 0.02)
    db_path = tmp_path / "kcc.db"
    with Store(db_path) as store:  # the launcher creates the row first, as the Jobs screen does
        store.create_run("eval", {"launched_by": "test"}, run_id="eval-cancel")

    def handler(req):
        with Store(db_path) as st:
            request_cancel(st, "eval-cancel")
        return "차근차근 안내해 드리겠습니다."

    process_token().reset()
    try:
        with FakeServer(handler=handler, latency_s=0.2) as srv:
            for k, v in srv.env().items():
                monkeypatch.setenv(k, v)
            res = CliRunner().invoke(main, ["eval", "--server", f"{srv.openai_base_url}#m", "--seeds",
                                            str(DATA / "eval_seeds.jsonl"), "--out", str(tmp_path / "ev"),
                                            "--db", str(db_path), "--run-id", "eval-cancel"])
    finally:
        process_token().reset()
    assert res.exit_code == ExitCode.INTERRUPTED, res.output
    assert json.loads(res.stdout)["status"] == "cancelled"
    with Store(db_path) as store:
        run = store.get_run("eval-cancel")
        assert (run.status, run.error) == ("cancelled", "cancelled by request") and run.config["launched_by"] == "test"
        assert not store.eval_results("eval-cancel")  # stopped before judging: nothing half-written
