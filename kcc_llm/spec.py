"""One model-string format for every provider: `openai:gpt-…`, `anthropic:claude-…`, `compat:URL#name`, `local:/path`."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel

ProviderKind = Literal["openai", "openai-responses", "anthropic", "compat", "local"]

FORMATS = (
    "openai:<model> (chat completions), openai-responses:<model>, anthropic:<model>, "
    "compat:<base-url>#<model> (vLLM/Ollama/llama.cpp/SGLang), local:<model folder>"
)


class ModelSpec(BaseModel, frozen=True):
    """A parsed model string. `name` is what the API receives (or the local folder)."""

    raw: str
    kind: ProviderKind
    name: str
    base_url: str | None = None

    @property
    def provider(self) -> str:
        """Provider label stored with calls and candidates."""
        return self.kind

    @property
    def limit_key(self) -> str:
        """Key of the concurrency/rate limiter: one per account or server, not per model."""
        if self.kind in ("openai", "openai-responses"):
            return "openai"
        if self.kind == "compat":
            return f"compat:{urlparse(self.base_url or '').netloc}"
        return self.kind

    @property
    def limit_family(self) -> str:
        """Settings key for limits when no exact `limit_key` entry exists."""
        return "openai" if self.kind == "openai-responses" else self.kind


_CRED_PARAM = re.compile(r"(?:^|[?&;#])([A-Za-z0-9_.\-]*(?:key|token|secret|passw(?:or)?d|pwd|auth|"
                         r"credential|signature|sig|session))=", re.I)


def credential_in(s: str) -> str | None:
    """Where a model string carries a credential (a phrase naming the URL part, never the value), or None.

    Userinfo (`user:pass@host`), a credential-named parameter in the query or the fragment
    (`?token=…`, `#m&api_key=…`), a credential from the environment or a key-shaped string anywhere."""
    from db.redact import Redactor

    _prefix, _sep, rest = s.partition(":")
    url, _hash, frag = rest.partition("#")
    if "://" in url:
        parsed = urlparse(url)
        if parsed.username is not None or parsed.password is not None or "@" in parsed.netloc:
            return "user info before the host"
        m = _CRED_PARAM.search("?" + parsed.query) if parsed.query else None
        if m:
            return f"query parameter {m.group(1)!r}"
        m = _CRED_PARAM.search(parsed.params) if parsed.params else None
        if m:
            return f"path parameter {m.group(1)!r}"
    m = _CRED_PARAM.search("#" + frag) if frag else None
    if m:
        return f"fragment parameter {m.group(1)!r}"
    if Redactor.from_env().contains_secret(s):
        return "a key from the environment or a key-shaped string"
    return None


@lru_cache(maxsize=1024)
def parse_model_spec(s: str) -> ModelSpec:
    """Parse a model string; raises ValueError naming the accepted formats."""
    s = s.strip()
    prefix, sep, rest = s.partition(":")
    if sep and not rest.strip() and prefix in ("openai", "openai-responses", "anthropic", "compat", "local"):
        what = "<model folder>" if prefix == "local" else "<base-url>#<model>" if prefix == "compat" else "<model>"
        raise ValueError(f"model {s!r}: nothing after {prefix + ':'!r}; write {prefix}:{what}")
    if not sep or not rest:
        raise ValueError(f"model {s!r}: expected a provider prefix; formats: {FORMATS}")
    if prefix in ("openai", "openai-responses", "anthropic"):
        return ModelSpec(raw=s, kind=prefix, name=rest)
    # the model string is stored with every candidate, call and log line: a secret in it would leak, so it
    # is refused before anything else (and the message never repeats the string)
    where = credential_in(s)
    if where:
        raise ValueError(f"model string carries a credential ({where}); model strings are stored and exported, "
                         "so put the key in the environment instead (KCC_COMPAT_API_KEY for compat servers)")
    if prefix == "compat":
        url, hash_, name = rest.partition("#")
        parsed = urlparse(url)
        if not hash_ or not name or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"model {s!r}: compat models are written compat:http://host:port/v1#model-name")
        return ModelSpec(raw=s, kind="compat", name=name, base_url=url.rstrip("/"))
    if prefix == "local":
        return ModelSpec(raw=s, kind="local", name=rest)
    raise ValueError(f"model {s!r}: unknown provider {prefix!r}; formats: {FORMATS}")
