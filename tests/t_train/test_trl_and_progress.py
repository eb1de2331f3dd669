"""`[trl]`: any field of TRL's DPOConfig is handed to TRL, checked against the installed DPOConfig (an unknown
name names the closest ones); the progress bar only on a terminal."""

from __future__ import annotations

import os

import pytest

from kcc_train.config import ConfigError, load_config
from kcc_train.dpo import TRLOptionError, build_dpo_config, show_progress


def _toml(tmp_path, body: str):
    p = tmp_path / "run.toml"
    p.write_text(f'[train]\nmodel = "m"\noutput_dir = "o"\n{body}', encoding="utf-8")
    return p


def test_trl_table_reaches_dpo_config(tmp_path):
    cfg = load_config(_toml(tmp_path, "\n[trl]\nld_alpha = 0.5\nuse_weighting = true\nsync_ref_model = true\n"
                                      "truncation_mode = \"keep_start\"\n"))
    assert cfg.trl == {"ld_alpha": 0.5, "use_weighting": True, "sync_ref_model": True, "truncation_mode": "keep_start"}
    args = build_dpo_config(cfg, has_eval=False)
    assert (args.ld_alpha, args.use_weighting, args.sync_ref_model) == (0.5, True, True)
    assert args.beta == 0.1 and args.output_dir == cfg.output_dir  # the rest still comes from [train]


def test_train_trl_subtable_and_override_of_a_default(tmp_path):
    cfg = load_config(_toml(tmp_path, "[train.trl]\nbeta = 0.3\nlabel_smoothing = 0.1\n"))
    args = build_dpo_config(cfg, has_eval=False)
    assert args.beta == 0.3 and args.label_smoothing == 0.1


def test_unknown_trl_field_names_the_closest(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(_toml(tmp_path, "\n[trl]\nld_alhpa = 0.5\n"))
    assert "ld_alhpa" in str(e.value) and "ld_alpha" in str(e.value) and "run.toml" in str(e.value)


def test_reserved_and_doubly_set_fields(tmp_path):
    with pytest.raises(ConfigError, match="output_dir"):
        load_config(_toml(tmp_path, "\n[trl]\noutput_dir = \"elsewhere\"\n"))
    with pytest.raises(ConfigError, match=r"\[train\] beta"):
        load_config(_toml(tmp_path, "beta = 0.2\n\n[trl]\nbeta = 0.3\n"))
    with pytest.raises(ConfigError, match=r"\[train\] epochs"):
        load_config(_toml(tmp_path, "epochs = 2\n\n[trl]\nnum_train_epochs = 3\n"))
    with pytest.raises(ConfigError, match="both"):
        load_config(_toml(tmp_path, "[train.trl]\nbeta = 0.3\n\n[trl]\nbeta = 0.2\n"))


def test_value_trl_refuses_is_a_clear_error(tmp_path):
    cfg = load_config(_toml(tmp_path, "\n[trl]\noptim = \"no-such-optimizer\"\n"))
    with pytest.raises(TRLOptionError, match="optim"):
        build_dpo_config(cfg, has_eval=False)


def test_progress_bar_only_on_a_terminal(tmp_path):
    r, w = os.pipe()
    master, slave = os.openpty()
    try:
        with os.fdopen(os.dup(w), "w") as piped, os.fdopen(os.dup(slave), "w") as tty:
            assert show_progress(piped) is False and show_progress(tty) is True
    finally:
        for fd in (r, w, master, slave):
            os.close(fd)
    cfg = load_config(_toml(tmp_path, ""))
    assert build_dpo_config(cfg, has_eval=False, progress=True).disable_tqdm is False
    assert build_dpo_config(cfg, has_eval=False, progress=False).disable_tqdm is True
