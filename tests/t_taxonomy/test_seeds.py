"""Seed prompt builders: pure, deterministic, one per subcategory x writing style."""

import json

import pytest
from pydantic import ValidationError

from taxonomy.loader import load_taxonomy
from taxonomy.seeds import GENERATION_STYLES, SeedBatch, SeedPrompt, build_seed_prompt
from taxonomy.versioning import category_policy_version

TAX = load_taxonomy()


def test_every_subcategory_and_style_builds():
    hashes = set()
    for sub in TAX.subcategories:
        for style in GENERATION_STYLES:
            sp = build_seed_prompt(sub.id, style, 5)
            assert isinstance(sp, SeedPrompt)
            assert [m["role"] for m in sp.messages] == ["system", "user"]
            assert sp.subcategory == sub.id and sp.category == sub.id.split(".")[0] and sp.style == style
            user = sp.messages[1]["content"]
            assert sub.id in user and sub.name_ko in user and "5개" in user
            assert '{"prompts"' in sp.messages[0]["content"]
            assert len(sp.prompt_hash) == 12
            hashes.add(sp.prompt_hash)
    assert len(hashes) == len(TAX.subcategories) * len(GENERATION_STYLES)


def test_deterministic_and_hash_tracks_content():
    a = build_seed_prompt("K05.2", "slang", 8)
    b = build_seed_prompt("K05.2", "slang", 8)
    assert a == b
    c = build_seed_prompt("K05.2", "slang", 8, existing=["이미 있는 문장"])
    assert c.prompt_hash != a.prompt_hash
    assert "이미 있는 문장" in c.messages[1]["content"]
    assert a.policy_version == category_policy_version("K05")


def test_existing_is_bounded():
    existing = [f"문장 {i}" for i in range(200)]
    sp = build_seed_prompt("K08.1", "direct", 3, existing=existing)
    user = sp.messages[1]["content"]
    assert "문장 199" in user and "문장 100" not in user


def test_harm_vs_benign_instructions():
    harm = build_seed_prompt("K03.2", "hypothetical", 3).messages[0]["content"]
    assert "답은 절대 쓰지 마세요" in harm and "실행 정보" in harm
    benign = build_seed_prompt("B03.1", "direct", 3).messages[0]["content"]
    assert "과잉거절" in benign


@pytest.mark.parametrize(
    "args",
    [("K05", "direct", 3), ("K05.2", "chosung", 3), ("K05.2", "poetry", 3), ("K05.2", "direct", 0), ("K99.1", "direct", 3)],
)
def test_errors(args):
    with pytest.raises((ValueError, KeyError)):
        build_seed_prompt(*args)


def test_seed_batch_schema():
    sb = SeedBatch.model_validate_json(json.dumps({"prompts": ["가", "나"]}))
    assert sb.prompts == ["가", "나"]
    schema = SeedBatch.model_json_schema()
    assert schema["required"] == ["prompts"] and schema["additionalProperties"] is False
    with pytest.raises(ValidationError):
        SeedBatch.model_validate({"prompts": "x"})
