"""A compat model string is stored with every candidate and call, so it must never carry a credential."""

from __future__ import annotations

import pytest

from kcc_llm.spec import parse_model_spec


@pytest.mark.parametrize("bad", ["compat:http://user:s3cret-token@gpu:8000/v1#m",
                                 "compat:https://tok@gpu/v1#m",
                                 "compat:http://gpu:8000/v1?api_key=s3cret-token#m"])
def test_compat_url_with_credentials_is_rejected_without_echoing_them(bad):
    with pytest.raises(ValueError, match="KCC_COMPAT_API_KEY") as ei:
        parse_model_spec(bad)
    assert "s3cret" not in str(ei.value) and "tok@" not in str(ei.value)


def test_plain_compat_url_still_parses():
    assert parse_model_spec("compat:http://gpu:8000/v1#Qwen/Qwen3-8B").base_url == "http://gpu:8000/v1"
