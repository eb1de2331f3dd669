"""Every rendering names the category's statutes and institutions (names + numbers)."""

import re

import pytest

from taxonomy import registry
from taxonomy.loader import load_taxonomy
from taxonomy.render import CRITERIA_IDS, RubricCriterion, policy_card, rubric_criteria, system_prompt

TAX = load_taxonomy()
ALL_IDS = [c.id for c in TAX.categories]


def _required(cid: str) -> list[str]:
    """Strings that must appear: each law + article, each institution name and every number."""
    pol = TAX.policy(cid)
    need = [f"「{s.law}」 {s.article}" for s in pol.statutes]
    for inst in pol.institutions:
        info = registry.institution(inst.id)
        need.append(info.name)
        need += list(info.numbers)
    return need


@pytest.mark.parametrize("cid", ALL_IDS)
def test_system_prompt_contains_statutes_and_institutions(cid):
    for lang in ("ko", "en"):
        text = system_prompt(cid, lang)
        missing = [s for s in _required(cid) if s not in text]
        assert not missing, (cid, lang, missing)


@pytest.mark.parametrize("cid", ALL_IDS)
def test_rubric_contains_statutes_and_institutions(cid):
    crit = rubric_criteria(cid)
    assert [c.id for c in crit] == list(CRITERIA_IDS)
    assert all(isinstance(c, RubricCriterion) and c.name_ko and c.high and c.low for c in crit)
    text = "\n".join(c.description for c in crit)
    missing = [s for s in _required(cid) if s not in text]
    assert not missing, (cid, missing)


@pytest.mark.parametrize("cid", ALL_IDS)
def test_policy_card_plain_text(cid):
    card = policy_card(cid)
    missing = [s for s in _required(cid) if s not in card]
    assert not missing
    assert not re.search(r"\[/?(bold|b|i|red|green|link)[^\]]*\]", card)  # no Rich markup
    assert card.startswith(cid)


def test_subcategory_and_version_in_prompt():
    text = system_prompt("K05.2")
    assert "K05.2" in text and "딥페이크" in text
    assert "K05@" in text  # category policy version recorded in the prompt
    assert "과잉거절" in text


def test_benign_prompt_says_answer_helpfully():
    assert "거절하지 말고" in system_prompt("B01")
    assert "do not refuse" in system_prompt("B02", "en")
    harm = rubric_criteria("B03")[0]
    assert "정상 질문" in harm.description


def test_procedures_rendered():
    text = system_prompt("K08")
    assert "보이스피싱 피해금 지급정지" in text


def test_errors():
    with pytest.raises(ValueError):
        system_prompt("K01", lang="fr")
    with pytest.raises(KeyError):
        system_prompt("K77")
