"""`kcc-judge run` usage errors are caught before the input touches the store."""

from __future__ import annotations

from click.testing import CliRunner

from judge.cli import main


def test_bad_model_string_imports_nothing(tmp_path, write_jsonl, rows):
    inp = write_jsonl(rows(2))
    db, out = tmp_path / "k.db", tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(inp), "--out", str(out), "--db", str(db), "--model", "foo:bar"])
    assert res.exit_code == 2 and "unknown provider" in res.output
    assert not db.exists() and not out.exists()


def test_bad_config_is_a_usage_error_not_a_traceback(tmp_path, monkeypatch, write_jsonl, rows):
    cfg = tmp_path / "kcc.toml"
    cfg.write_text('[weights]\nrules = "lots"\n', encoding="utf-8")
    monkeypatch.setenv("KCC_CONFIG", str(cfg))
    from kcc_settings import settings

    settings.cache_clear()
    res = CliRunner().invoke(main, ["run", str(write_jsonl(rows(1))), "--out", str(tmp_path / "o"),
                                    "--db", str(tmp_path / "k.db")])
    assert res.exit_code == 2 and "weights.rules" in res.output
