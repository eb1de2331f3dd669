"""Defects found in the demanding-user review: repeated seeds across a file, bad config, export paths."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from db import Judgment, Pair
from db.cli import export_command, import_command
from db.importer import import_file


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("id,category,prompt,candidate_id,model,response\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_long_csv_sorted_by_model_keeps_every_candidate(store, tmp_path):
    # the natural shape when per-model outputs are concatenated: a seed's rows are not adjacent
    f = _csv(tmp_path / "m.csv", ["x1,K05,질문1,a,m1,답1a", "x2,K05,질문2,a,m1,답2a",
                                  "x1,K05,질문1,b,m2,답1b", "x2,K05,질문2,b,m2,답2b"])
    rep = import_file(store, f, batch_size=1)  # the first rows are already committed when the repeats come
    assert (rep.seeds_added, rep.candidates_added, rep.rejected) == (2, 4, 0)
    assert [c.id for c in store.candidates_for("x1")] == ["x1/a", "x1/b"]
    again = import_file(store, f)
    assert (again.seeds_added, again.candidates_added, again.rejected) == (0, 0, 0)


def test_jsonl_repeated_seed_adds_candidates_but_conflicts_are_rejected(store, tmp_path):
    rows = [{"id": "s", "prompt": "질문", "candidates": [{"id": "c1", "response": "하나"}]},
            {"id": "s", "prompt": "질문", "candidates": [{"id": "c2", "response": "둘"}]},
            {"id": "s", "prompt": "질문", "candidates": [{"id": "c1", "response": "하나"}]},
            {"id": "s", "prompt": "질문", "candidates": [{"id": "c1", "response": "바뀐 답"}]},
            {"id": "s", "prompt": "다른 질문"}]
    f = tmp_path / "r.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    rep = import_file(store, f)
    assert (rep.seeds_added, rep.candidates_added, rep.duplicates, rep.rejected) == (1, 2, 1, 2)
    assert [(e.line, e.field) for e in rep.errors] == [(4, "candidates"), (5, "id")]
    assert store.candidate_texts(["s/c1"]) == {"s/c1": "하나"}


def test_bad_config_is_one_line_and_exit_2(tmp_path, monkeypatch):
    src = tmp_path / "a.jsonl"
    src.write_text('{"prompt": "질문"}\n', encoding="utf-8")
    cfg = tmp_path / "kcc.toml"
    monkeypatch.setenv("KCC_CONFIG", str(cfg))
    for text, needle in [('db = 5\n[weights]\nrubric = "high"\n', "weights.rubric"),
                         ("weights = [1, 2\n", "not valid TOML"),
                         ("[limits.openai]\nconcurrency = 0\n", "limits.openai.concurrency")]:
        cfg.write_text(text, encoding="utf-8")
        from kcc_settings import settings

        settings.cache_clear()
        res = CliRunner().invoke(import_command, [str(src)])
        assert res.exit_code == 2, res.output
        assert needle in res.output and "Traceback" not in res.output
    assert not (tmp_path / "kcc.db").exists()


def test_unknown_config_key_is_reported(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "kcc.toml"
    cfg.write_text('judge_modle = "openai:gpt-4o-mini"\n', encoding="utf-8")
    monkeypatch.setenv("KCC_CONFIG", str(cfg))
    from kcc_settings import settings

    settings.cache_clear()
    assert settings().judge_model is None
    assert "unknown setting(s) ignored: judge_modle" in capsys.readouterr().err


def _store_with_pair(store) -> None:
    from db import Candidate, Seed

    store.import_batch([Seed(id="s", text="질문", category="K05", source="import")],
                       [Candidate(id="s/a", seed_id="s", text="좋은 답", model="m1"),
                        Candidate(id="s/b", seed_id="s", text="나쁜 답", model="m2")])
    run = store.create_run("judge", {})
    store.save_judgments([Judgment(candidate_id="s/a", run_id=run.id, total=0.9, verdict="safe"),
                          Judgment(candidate_id="s/b", run_id=run.id, total=0.1, verdict="unsafe")],
                         [Pair(seed_id="s", chosen_id="s/a", rejected_id="s/b", margin=0.8, run_id=run.id)])


def test_export_refuses_to_guess_the_format_and_reports_unwritable_paths(store, tmp_path):
    _store_with_pair(store)
    db = str(store.path)
    res = CliRunner().invoke(export_command, [str(tmp_path / "pairs.csv"), "--db", db])
    assert res.exit_code == 2 and "--format" in res.output
    assert not (tmp_path / "pairs.csv").exists()
    res = CliRunner().invoke(export_command, [str(tmp_path / "P.PARQUET"), "--db", db])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "P.PARQUET").read_bytes()[:4] == b"PAR1"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(export_command, [str(blocker / "p.jsonl"), "--db", db, "--run-id", "exp-x"])
    assert res.exit_code == 2 and "cannot write" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert store.get_run("exp-x").status == "failed"
