"""Redaction rules (db.redact, re-exported by kcc_llm.redact) and the store applying them to every write."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import LLMCall
from db.store import Store
from kcc_llm.redact import Redactor, redact, secret_values


def test_credential_named_variables_are_secrets() -> None:
    env = {"OPENAI_API_KEY": "sk-one-1234567890", "MY_SERVICE_TOKEN": "tok-abcdefgh", "DB_PASSWORD": "pw-12345678",
           "AWS_SECRET_ACCESS_KEY": "aws/secret/abcdefgh", "GH_SECRET": "short", "HOME": "/root/home-dir",
           "TOKENIZERS_PARALLELISM": "false-ish-value"}
    assert set(secret_values(env)) == {"sk-one-1234567890", "tok-abcdefgh", "pw-12345678", "aws/secret/abcdefgh"}


@pytest.mark.parametrize(("text", "want"), [
    ("key sk-proj-AbCdEf0123456789xyz here", "key *** here"),
    ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: ***"),
    ("hf_" + "a" * 34, "***"),
    ("compat:http://h:8000/v1?token=SECRET1#m", "compat:http://h:8000/v1?token=***#m"),
    ("GET https://u:pa55@h/v1 failed", "GET https://***@h/v1 failed"),
    ("https://h/v1?api-version=2&sig=abc123", "https://h/v1?api-version=2&sig=***"),
])
def test_key_shapes_and_url_credentials_are_masked(text: str, want: str) -> None:
    assert Redactor([]).text(text) == want


@pytest.mark.parametrize("text", ["SK하이닉스와 sk-hynix 반도체", "메일 a@b.kr, x=1", "task-management-tool",
                                  "https://h/v1?api-version=2"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor([]).text(text) == text


def test_env_keys_are_masked_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_KEY", "plain-looking-value-42")
    assert redact("the reply: plain-looking-value-42.") == "the reply: ***."


def test_store_masks_every_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "zz-corp-secret-77aa"
    monkeypatch.setenv("CORP_SECRET", secret)
    db = tmp_path / "k.db"
    with Store(db) as st:
        run = st.create_run("judge", {"argv": ["kcc-judge", "--model", "compat:http://h/v1?token=URLTOKEN9#m"],
                                      "note": secret})
        st.log(run.id, f"calling with {secret}")
        st.update_run(run.id, error=f"failed: {secret}", summary={"nested": [secret]})
        st.record_call(LLMCall(run_id=run.id, stage="judge", provider="openai", model="m", status="error",
                               error=f"401 for key {secret}"))
        st.cache_put("k1", "openai", "m", {"text": f"echo {secret}"})
        assert st.get_run(run.id).config["note"] == "***"
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert secret.encode() not in blob and b"URLTOKEN9" not in blob
