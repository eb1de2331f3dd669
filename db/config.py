"""KCC configuration: `kcc.toml` (or `KCC_CONFIG`) plus `KCC_*` environment variables.

Precedence: explicit arguments > environment > kcc.toml > defaults. API keys are never part of this object:
providers read them from the environment at call time, so they cannot leak into the store or exports.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class JudgeWeights(BaseModel):
    """Weights of the combination formula (see docs/judge.md)."""

    rubric: float = Field(0.6, description="weight of the mean LLM rubric score (0-10 scaled to 0-1)")
    rules: float = Field(0.4, description="weight of the rules score (0-1) from the deterministic checks")
    min_margin: float = Field(0.05, description="pairs with a smaller margin are ties and flagged low_margin")
    low_margin_flag: float = Field(0.15, description="pairs below this margin are flagged for review")


class ProviderLimits(BaseModel):
    concurrency: int = Field(16, description="concurrent requests per provider")
    timeout_s: float = Field(120.0, description="per-request timeout")
    max_retries: int = Field(4, description="retries on 429/5xx/timeouts")


class Keymap(BaseModel):
    """Remappable TUI keys: action name -> key (Textual key names)."""

    bindings: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KCC_", env_nested_delimiter="__", extra="ignore")

    db: str = Field("kcc.db", description="path of the SQLite store")
    reviewer: str = Field(default_factory=lambda: os.environ.get("USER") or "reviewer", description="name in the audit log")
    judge_model: str | None = Field(None, description="model spec for the LLM rubric; none = rules-only")
    judge_models: list[str] = Field(default_factory=list, description="several judges (agreement score)")
    candidate_models: list[str] = Field(default_factory=list)
    seed_model: str | None = None
    weights: JudgeWeights = Field(default_factory=JudgeWeights)
    limits: dict[str, ProviderLimits] = Field(default_factory=dict, description="per-provider limits")
    prices: dict[str, list[float]] = Field(
        default_factory=dict, description="model -> [input, output] USD per 1M tokens (overrides the table)"
    )
    theme: str = "textual-dark"
    keys: Keymap = Field(default_factory=Keymap)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field, field_name):  # pragma: no cover - unused by pydantic for whole-dict sources
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = Path(os.environ.get("KCC_CONFIG", "kcc.toml"))
        if not path.is_file():
            return {}
        with path.open("rb") as f:
            data = tomllib.load(f)
        return data.get("kcc", data)


@cache
def settings() -> Settings:
    return Settings()
