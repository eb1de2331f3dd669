"""The DPO training form of the Jobs screen, without Textual: form values -> a `[train]` TOML, and the check
of that TOML and its model folder by kcc_train's own functions in a subprocess (so the reviewer process never
imports kcc_train, torch or transformers).

Paths are made absolute against the folder `kcc` was started in, and the TOML is written next to the store
(`<store>.jobs/<run_id>.toml`), so a job never depends on where a relative name happens to resolve.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

# load_config validates the whole file with TrainConfig; check_model_dir is the exact check of `kcc-train dpo`
_CHECK = (
    "import sys\n"
    "from kcc_core.exit_codes import ExitCode\n"
    "from kcc_train.config import load_config\n"
    "from kcc_train.dpo import check_model_dir\n"
    "try:\n"
    "    cfg = load_config(sys.argv[1])\n"
    "    check_model_dir(cfg.model)\n"
    "except Exception as e:\n"
    "    print(e)\n"
    "    sys.exit(ExitCode.USAGE)\n"
    "print('ok: ' + cfg.model)\n"
)


class TrainForm(BaseModel):
    """What the reviewer fills in (strings as typed; `toml()` validates and converts)."""

    model: str = ""
    output_dir: str = ""
    reviewed_only: bool = False
    min_margin: str = ""
    categories: str = ""
    source: str = "any"  # any | judge | human
    beta: str = "0.1"
    learning_rate: str = "5e-6"
    epochs: str = "1"
    max_steps: str = "-1"
    max_length: str = "1024"
    lora: bool = False


class FormError(ValueError):
    """A field that cannot be used; the message names it."""


def _num(name: str, raw: str, kind: type, *, positive: bool = False) -> float | int:
    try:
        value = kind(raw.strip())
    except ValueError:
        raise FormError(f"{name}: not a number: {raw!r}") from None
    if positive and value <= 0:
        raise FormError(f"{name}: must be > 0")
    return value


def _abs(raw: str, base: Path) -> str:
    p = Path(raw.strip()).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a TOML basic string is a JSON string


def to_toml(form: TrainForm, *, base: Path, default_output: Path) -> str:
    """The `[train]` table for `kcc-train dpo --config`; FormError for a bad field."""
    if not form.model.strip():
        raise FormError("model: the path of a local model folder is required")
    lines = ["[train]", f"model = {_q(_abs(form.model, base))}",
             f"output_dir = {_q(_abs(form.output_dir, base) if form.output_dir.strip() else str(default_output))}",
             f"beta = {_num('beta', form.beta, float, positive=True)}",
             f"learning_rate = {_num('learning rate', form.learning_rate, float, positive=True)}",
             f"epochs = {_num('epochs', form.epochs, float, positive=True)}",
             f"max_steps = {_num('max steps', form.max_steps, int)}",
             f"max_length = {_num('max length', form.max_length, int, positive=True)}",
             "", "[train.data]", f"reviewed_only = {'true' if form.reviewed_only else 'false'}"]
    if form.min_margin.strip():
        lines.append(f"min_margin = {_num('min margin', form.min_margin, float)}")
    cats = [c.strip() for c in form.categories.replace(",", " ").split() if c.strip()]
    if cats:
        lines.append("categories = [" + ", ".join(_q(c) for c in cats) + "]")
    if form.source in ("judge", "human"):
        lines.append(f"source = {_q(form.source)}")
    lines += ["", "[train.lora]", f"enabled = {'true' if form.lora else 'false'}", ""]
    return "\n".join(lines)


def check_config(path: str | Path, *, timeout: float = 60) -> tuple[bool, str]:
    """(ok, message) from kcc_train's own config and model-folder checks, run in a subprocess."""
    try:
        proc = subprocess.run([sys.executable, "-c", _CHECK, str(path)], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"could not run the check: {e}"
    out = (proc.stdout.strip() or proc.stderr.strip().splitlines()[-1:] or [""])
    msg = out if isinstance(out, str) else "\n".join(out)
    return proc.returncode == 0, msg
