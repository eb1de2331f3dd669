"""Keep secrets out of everything KCC writes: the store (every table), logs, outputs and exports.

Two kinds of secret are replaced by `***`:
- the values of environment variables whose names say they hold a credential (`*_API_KEY`, `*_TOKEN`,
  `*_SECRET`, `*_PASSWORD`, `*_ACCESS_KEY`, ...), matched literally wherever they appear, so a model reply
  that echoes a key is stored without it;
- strings shaped like well-known keys (`sk-…`, `sk-ant-…`, `Bearer …`, `hf_…`, `ghp_…`, `AKIA…`);
- credentials inside URLs: user info (`http://user:pass@host`) and the values of credential-named
  parameters (`?token=…`, `&api_key=…`, `#…&auth=…`).

The store applies this to every value it writes (db.store), so nothing downstream needs to remember.
It lives in `db/` because the store is the lowest layer; `kcc_llm.redact` re-exports it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

MASK = "***"
SECRET_NAME = re.compile(
    r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|SECRET_KEY|PASSWORD|PASSWD|ACCESS_KEY|AUTH|CREDENTIALS?)$", re.I)
# names that end like a secret but hold none
_NOT_SECRET = {"KCC_COMPAT_API_KEY_NAME", "TOKENIZERS_PARALLELISM", "SSH_AUTH_SOCK", "XAUTHORITY"}
MIN_SECRET_LEN = 8  # shorter values ("1", "true") would mask ordinary text
KEY_SHAPES = (
    r"sk-(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{8,}",  # sk-… with a digit (keys are random) ...
    r"sk-[A-Za-z0-9_\-]{20,}",  # ... or long; not "sk-hynix" style words
    r"Bearer\s+[A-Za-z0-9_\-\.=]{8,}",
    r"hf_[A-Za-z0-9]{30,}",
    r"gh[pousr]_[A-Za-z0-9]{30,}",
    r"AKIA[0-9A-Z]{16}",
)
_SHAPES = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(KEY_SHAPES) + ")")
_TRIGGERS = r"sk-|Bearer|hf_|gh[pousr]_|AKIA"  # how every KEY_SHAPES pattern starts
# credentials inside URLs: user info (`//user:pass@host`) and credential-named parameters (`?token=…`)
_URL_USERINFO = re.compile(r"(?<=//)[^/\s@:'\"]+:[^/\s@'\"]+(?=@)")
_URL_PARAM = re.compile(r"([?&;#][A-Za-z0-9_.\-]*(?:key|token|secret|passw(?:or)?d|pwd|auth|credential|signature|sig)"
                        r"=)[^&#;\s'\"]+", re.I)


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of credential-named environment variables, longest first (so a key containing another wins)."""
    env = os.environ if environ is None else environ
    vals = {v.strip() for k, v in env.items()
            if k not in _NOT_SECRET and SECRET_NAME.search(k) and len(v.strip()) >= MIN_SECRET_LEN}
    return sorted(vals, key=len, reverse=True)


class Redactor:
    """Masks a fixed set of literal secrets plus key-shaped strings; build once per store, apply per value."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = list(secrets)
        parts = [re.escape(s) for s in self.secrets]
        self._re = re.compile("|".join(parts) + ("|" if parts else "") + _SHAPES.pattern)
        self._trigger = re.compile("|".join(parts) + ("|" if parts else "") + _TRIGGERS)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Redactor:
        return cls(secret_values(environ))

    def text(self, value: str) -> str:
        if not value:
            return value
        # a literal-only search first: several times cheaper than the full pattern, and almost no text matches
        if self._trigger.search(value):
            value = self._re.sub(MASK, value)
        if "@" in value:
            value = _URL_USERINFO.sub(MASK, value)
        if "=" in value:
            value = _URL_PARAM.sub(lambda m: m.group(1) + MASK, value)
        return value

    def value(self, value: Any) -> Any:
        """Strings masked; dicts and lists walked (keys too); everything else unchanged."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def contains_secret(self, value: str) -> bool:
        return bool(value) and self.text(value) != value


def redact(text: str | None) -> str | None:
    """One-off redaction with the secrets of the current environment (errors, log lines)."""
    if not text:
        return text
    return Redactor.from_env().text(text)
