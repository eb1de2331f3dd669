"""The training run's configuration (`run.toml`), validated with pydantic.

Every field is documented here and in docs/training.md; `kcc-train dpo --config run.toml` reads the `[train]`
table (or the whole file when it has none). `"auto"` switches (bf16, gradient checkpointing) mean "on with CUDA,
off on CPU", because TRL's defaults (both on) fail or crawl on CPU.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Auto = bool | Literal["auto"]


class DataConfig(BaseModel):
    """Which pairs of the store train the model."""

    model_config = ConfigDict(extra="forbid")

    reviewed_only: bool = Field(False, description="only pairs a human reviewed (pair source 'human')")
    min_margin: float | None = Field(
        None, description="drop pairs whose margin is below this (a reviewer's pair: the margin of the reviewer's "
        "own pair; reviewer pairs are kept unless keep_reviewed = false)")
    keep_reviewed: bool = Field(
        True, description="keep every reviewer-decided pair whatever min_margin says (as `kcc export "
        "--keep-reviewed`); false applies min_margin to reviewer pairs too. The data summary counts them")
    categories: list[str] | None = Field(None, description="only these categories (e.g. ['K01', 'K05']); none = all")
    source: Literal["judge", "human"] | None = Field(None, description="only pairs of this source")
    export_id: str | None = Field(
        None, description="train on an existing export (its JSONL file) instead of exporting the store afresh"
    )
    eval_fraction: float = Field(
        0.1, ge=0.0, lt=1.0, description="share of seeds held out for evaluation, stratified by category"
    )
    min_eval_per_category: int = Field(
        1, ge=0, description="categories with at least 2 seeds hold out at least this many seeds"
    )
    max_length_ratio: float | None = Field(
        None, ge=1.0, description="drop pairs whose longer answer has more than this many times the characters of "
        "the shorter one (length-bias control); none = keep all"
    )
    length_balanced: bool = Field(
        False, description="keep as many pairs whose chosen answer is shorter as pairs whose chosen is longer "
        "(drops the most unequal pairs of the majority side)"
    )

    @model_validator(mode="after")
    def _length_selection_needs_export(self) -> DataConfig:
        if self.export_id and (self.max_length_ratio is not None or self.length_balanced):
            raise ValueError("max_length_ratio / length_balanced select pairs when exporting; with export_id the "
                             "existing export is trained as it is (export again with kcc-train export "
                             "--max-length-ratio, or drop export_id)")
        return self


class LoraConfig(BaseModel):
    """LoRA adapters via peft; off trains the full model."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="train LoRA adapters instead of the full model")
    r: int = Field(16, ge=1, description="LoRA rank")
    alpha: int = Field(32, ge=1, description="LoRA alpha (scaling = alpha / r)")
    dropout: float = Field(0.05, ge=0.0, lt=1.0, description="LoRA dropout")
    targets: list[str] | str = Field(
        "all-linear", description="module names to adapt, or 'all-linear' (peft's shorthand)"
    )


class TrainConfig(BaseModel):
    """One DPO run. Paths are resolved relative to the config file's folder."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(..., description="path of a LOCAL Hugging Face model folder (never a hub id)")
    output_dir: str = Field("runs/dpo", description="checkpoints, the final model, the export and held-out seeds")
    data: DataConfig = Field(default_factory=DataConfig)
    lora: LoraConfig = Field(default_factory=LoraConfig)
    beta: float = Field(0.1, gt=0.0, description="DPO beta: higher keeps the policy closer to the reference")
    loss_type: list[str] = Field(
        default_factory=lambda: ["sigmoid", "sft"],
        description="TRL loss terms; the SFT term keeps small models from collapsing (see STACK.md)",
    )
    loss_weights: list[float] | None = Field(None, description="weights of loss_type terms (default all 1.0)")
    learning_rate: float = Field(5e-6, gt=0.0)
    epochs: float = Field(1.0, gt=0.0, description="training epochs (ignored when max_steps > 0)")
    max_steps: int = Field(-1, description="stop after this many optimiser steps; -1 = use epochs")
    per_device_train_batch_size: int = Field(2, ge=1)
    per_device_eval_batch_size: int = Field(2, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_length: int = Field(1024, ge=16, description="prompt+completion tokens; longer pairs are truncated (warned)")
    seed: int = Field(42, description="random seed (split, init, data order)")
    save_steps: int = Field(200, ge=1, description="checkpoint every this many steps")
    save_total_limit: int | None = Field(3, description="keep at most this many checkpoints")
    logging_steps: int = Field(1, ge=1, description="metrics are written to the store every this many steps")
    eval_steps: int | None = Field(None, description="evaluate the held-out pairs every this many steps; none = at end")
    warmup_ratio: float = Field(0.0, ge=0.0, lt=1.0)
    lr_scheduler_type: str = Field("linear")
    bf16: Auto = Field("auto", description="bfloat16 training: 'auto' = on with CUDA (if supported), off on CPU")
    gradient_checkpointing: Auto = Field("auto", description="'auto' = on with CUDA, off on CPU")
    precompute_ref_log_probs: bool = Field(
        False, description="compute the reference log-probs once before training (saves the reference's memory)"
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="dtype the weights are loaded in"
    )
    attn_implementation: str | None = Field(None, description="e.g. 'sdpa' or 'flash_attention_2'; none = default")
    report_to: list[str] = Field(default_factory=list, description="extra trackers (wandb, tensorboard); [] = none")
    dataloader_num_workers: int = Field(0, ge=0)
    param_digest: bool = Field(
        False, description="after training, every rank hashes its weights (sha256) and rank 0 records all digests "
        "in the result: equal digests show the ranks trained one synchronised model"
    )
    trl: dict[str, Any] = Field(
        default_factory=dict, description="any other TRL DPOConfig field, handed to TRL as is (table [trl] or "
        "[train.trl]); names are checked against DPOConfig"
    )

    @field_validator("loss_type", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _weights_match(self) -> TrainConfig:
        if self.loss_weights is not None and len(self.loss_weights) != len(self.loss_type):
            raise ValueError("loss_weights must have one weight per loss_type entry")
        return self

    def resolve_paths(self, base: Path) -> TrainConfig:
        """Make relative paths relative to `base` (the config file's folder)."""
        def fix(p: str) -> str:
            q = Path(p).expanduser()
            return str(q if q.is_absolute() else (base / q).resolve())

        return self.model_copy(update={"model": fix(self.model), "output_dir": fix(self.output_dir)})


class ConfigError(ValueError):
    """The config file is missing, not TOML, or does not validate."""


def load_config(path: str | Path) -> TrainConfig:
    """Read and validate a run.toml; relative paths are taken from the file's folder."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such config file")
    try:
        with p.open("rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML: {e}") from e
    data = dict(raw.get("train", raw))
    if "train" in raw and "trl" in raw:
        if "trl" in data:
            raise ConfigError(f"{p}: TRL options are in both [trl] and [train.trl]; keep one table")
        data["trl"] = raw["trl"]
    try:
        cfg = TrainConfig.model_validate(data)
    except ValueError as e:
        raise ConfigError(f"{p}: {e}") from e
    try:
        check_trl_fields(cfg)
    except ValueError as e:
        raise ConfigError(f"{p}: {e}") from e
    return cfg.resolve_paths(p.resolve().parent)


# [trl] keys KCC cannot hand over: its checkpoint / export / resume layout lives in output_dir, and models are
# loaded from local files only (model_init_kwargs is built from [train] dtype / attn_implementation).
RESERVED_TRL = {"output_dir": "set [train] output_dir", "model_init_kwargs": "set [train] dtype / "
                "attn_implementation (KCC always loads with local_files_only=True)"}

# [train] fields that KCC hands to DPOConfig under another name (same-named ones map to themselves)
TRAIN_TO_TRL = {"epochs": "num_train_epochs", "gradient_checkpointing": "gradient_checkpointing"}


def dpo_config_fields() -> set[str]:
    """The field names of the installed TRL's DPOConfig (a dataclass)."""
    from trl import DPOConfig

    return {f.name for f in dataclasses.fields(DPOConfig) if f.init}


def check_trl_fields(cfg: TrainConfig, fields: set[str] | None = None) -> None:
    """Every [trl] key must be a DPOConfig field, not reserved, and not also set in [train]."""
    if not cfg.trl:
        return
    fields = fields if fields is not None else dpo_config_fields()
    set_in_train = {TRAIN_TO_TRL.get(name, name): name for name in cfg.model_fields_set}
    for key in cfg.trl:
        if key in RESERVED_TRL:
            raise ValueError(f"[trl] {key}: KCC sets this itself; {RESERVED_TRL[key]}")
        if key not in fields:
            close = difflib.get_close_matches(key, sorted(fields), n=3, cutoff=0.6)
            hint = f"; closest DPOConfig fields: {', '.join(close)}" if close else ""
            raise ValueError(f"[trl] {key}: not a field of TRL's DPOConfig{hint}")
        if key in set_in_train:
            raise ValueError(f"[trl] {key}: also set as [train] {set_in_train[key]}; set it in one place")
