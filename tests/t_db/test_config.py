"""kcc.toml: settings at the top level, under [kcc], or both."""

from __future__ import annotations

from kcc_settings import Settings


def test_top_level_tables_merge_with_a_kcc_table(tmp_path, monkeypatch):
    cfg = tmp_path / "kcc.toml"
    cfg.write_text('[kcc]\nreviewer = "kim"\n\n[keys.bindings]\nnext_seed = "j"\n\n[weights]\nmin_margin = 0.2\n',
                   encoding="utf-8")
    monkeypatch.setenv("KCC_CONFIG", str(cfg))
    monkeypatch.delenv("KCC_REVIEWER", raising=False)
    s = Settings()
    assert s.reviewer == "kim" and s.keys.bindings == {"next_seed": "j"} and s.weights.min_margin == 0.2


def test_environment_beats_the_file(tmp_path, monkeypatch):
    cfg = tmp_path / "kcc.toml"
    cfg.write_text('db = "from-file.db"\n', encoding="utf-8")
    monkeypatch.setenv("KCC_CONFIG", str(cfg))
    monkeypatch.setenv("KCC_DB", "from-env.db")
    assert Settings().db == "from-env.db"
