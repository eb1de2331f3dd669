"""LoRA (peft) training: the adapter is saved and merged into a plain loadable model folder."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from kcc_train.config import load_config
from kcc_train.dpo import run_dpo


def test_lora_run_saves_adapter_and_merged_model(tmp_path, tiny_model, store_path, write_config):
    cfg = load_config(write_config(tmp_path, tiny_model, max_steps=3,
                                   extra="[train.lora]\nenabled = true\nr = 4\nalpha = 8\n"))
    with contextlib.redirect_stdout(sys.stderr):
        res = run_dpo(cfg, store_path)
    assert res.status == "done" and res.global_step == 3
    final = Path(res.final_model)
    assert (final / "adapter" / "adapter_config.json").is_file()
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(final))
    assert not any("lora" in n for n, _ in model.named_parameters())
