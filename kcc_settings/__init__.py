"""KCC settings, the ground floor every package may read: `kcc.toml` (or `KCC_CONFIG`) plus `KCC_*` variables.

Precedence: explicit arguments > environment > kcc.toml > defaults. API keys are never part of this object:
providers read them from the environment at call time, so they cannot leak into the store or exports.
"""

from __future__ import annotations

import os
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class JudgeWeights(BaseModel):
    """Weights of the combination formula (see docs/judge.md)."""

    rubric: float = Field(0.6, ge=0, description="weight of the mean LLM rubric score (0-10 scaled to 0-1)")
    rules: float = Field(0.4, ge=0, description="weight of the rules score (0-1) from the deterministic checks")
    min_margin: float = Field(0.05, description="pairs with a smaller margin are ties and flagged low_margin")
    low_margin_flag: float = Field(0.15, description="pairs below this margin are flagged for review")


class ProviderLimits(BaseModel):
    concurrency: int = Field(16, ge=1, description="concurrent requests per provider")
    timeout_s: float = Field(120.0, gt=0, description="per-request timeout")
    max_retries: int = Field(4, ge=0, description="retries on 429/5xx/timeouts")


class Keymap(BaseModel):
    """Remappable TUI keys: action name -> key (Textual key names)."""

    bindings: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KCC_", env_nested_delimiter="__", extra="ignore")

    db: str = Field("kcc.db", description="path of the SQLite store")
    reviewer: str = Field(default_factory=lambda: os.environ.get("USER") or "reviewer", description="name in the audit log")
    judge_model: str | None = Field(None, description="model spec for the LLM rubric; none = rules-only")
    judge_models: list[str] = Field(default_factory=list, description="several judges (agreement score)")
    judge_guard: Literal["prompt", "classifier", "none"] | None = Field(
        None, description="kcc-judge run's verdict from a guard model (judge/guard.py); none = the rubric")
    guard_model: str | None = Field(None, description="model spec asked by the guard (default: the judges)")
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


class ConfigError(ValueError):
    """kcc.toml or a KCC_* variable is unreadable or has a wrong type. Free of any CLI library: the CLIs'
    common group (kcc_core.cli.KccCommandGroup) reports it as one readable line and exits 2 (a usage error)."""

    exit_code = 2

    @property
    def message(self) -> str:
        return str(self)


def config_path() -> Path:
    return Path(os.environ.get("KCC_CONFIG", "kcc.toml"))


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field, field_name):  # pragma: no cover - unused by pydantic for whole-dict sources
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_path()
        if not path.is_file():
            return {}
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML: {e}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot be read: {e}") from None
        if isinstance(data.get("kcc"), dict):  # settings may sit under [kcc] or at the top level, or both
            data = {**{k: v for k, v in data.items() if k != "kcc"}, **data["kcc"]}
        unknown = sorted(set(data) - set(Settings.model_fields)) if isinstance(data, dict) else []
        if unknown:  # a typo (judge_modle = ...) must not silently fall back to a default
            print(f"kcc: {path}: unknown setting(s) ignored: {', '.join(unknown)}", file=sys.stderr)
        return data


def _describe(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


@cache
def settings() -> Settings:
    """The configuration; a bad kcc.toml or KCC_* value raises ConfigError naming the setting."""
    try:
        return Settings()
    except ValidationError as e:
        raise ConfigError(f"bad configuration ({config_path()} or KCC_* environment): {_describe(e)}") from None
