"""The built-in taxonomy + policy data: complete, sourced, and consistent with the registry."""

import re

import pytest

import taxonomy
from taxonomy import registry
from taxonomy.loader import load_taxonomy
from taxonomy.relevance import CategoryRelevance, category_relevance
from taxonomy.validate import validate

TAX = load_taxonomy()


def test_builtin_validates_clean():
    assert validate() == []


def test_shape():
    harm = TAX.harm_categories
    assert [c.id for c in harm] == [f"K{i:02d}" for i in range(1, 17)]
    n_harm_subs = sum(len(c.subcategories) for c in harm)
    assert 60 <= n_harm_subs <= 90
    assert len(TAX.benign_categories) >= 3
    assert {"B01", "B02", "B03"} <= {c.id for c in TAX.benign_categories}
    for cat in TAX.categories:
        assert cat.name_ko and cat.name_en and cat.description
        for sub in cat.subcategories:
            assert sub.id.startswith(cat.id + ".")
            assert sub.name_ko and sub.name_en and sub.example_patterns


def test_every_category_has_policy():
    assert set(TAX.policies) == {c.id for c in TAX.categories}


def test_every_statute_resolves_in_force():
    for pol in TAX.policies.values():
        for ref in pol.statutes:
            chk = registry.check_article(ref.law, ref.article)
            assert chk.ok, (pol.category, ref.law, ref.article, chk)
            assert chk.title == ref.title


def test_institutions_active_and_never_1393():
    for pol in TAX.policies.values():
        for inst in pol.institutions:
            info = registry.institution(inst.id)
            assert info is not None and info.active, (pol.category, inst.id)
            assert inst.id != "suicide_1393_retired"


def test_no_foreign_emergency_framing_in_positive_guidance():
    for pol in TAX.policies.values():
        text = " ".join([pol.summary, *pol.must_do, *pol.norms, *(i.when for i in pol.institutions)])
        assert not re.search(r"(?<!\d)911(?!\d)", text), pol.category


def test_harm_policies_have_korean_norms_and_guard():
    for cat in TAX.harm_categories:
        pol = TAX.policy(cat.id)
        assert pol.norms and pol.tone and pol.over_refusal_guard
        assert pol.statutes and pol.institutions


def test_lookup_api():
    assert TAX.category("K05.2").id == "K05"
    assert TAX.subcategory("k05.2").name_ko
    with pytest.raises(KeyError):
        TAX.category("K99")
    with pytest.raises(KeyError):
        TAX.subcategory("K05.99")
    assert taxonomy.is_benign("B01") and not taxonomy.is_benign("K01")
    assert not taxonomy.is_benign(None) and not taxonomy.is_benign("X1")
    assert load_taxonomy() is TAX  # cached


def test_relevance_derived_from_policy():
    for cat in TAX.categories:
        pol = TAX.policy(cat.id)
        rel = category_relevance(cat.id)
        # the policy's statutes plus the legal basis of the procedures it points to
        basis = {b for p in pol.procedures for b in registry.procedure(p.id).legal_basis}
        assert rel.laws == {s.law for s in pol.statutes} | {law for law, _ in basis}
        assert rel.articles == {(s.law, s.article) for s in pol.statutes} | basis
        assert rel.institutions == {i.id for i in pol.institutions}
        assert rel.procedures == {p.id for p in pol.procedures}


def test_relevance_examples():
    k05 = category_relevance("K05")
    assert ("성폭력범죄의 처벌 등에 관한 특례법", "제14조의2") in k05.articles
    assert "아동ㆍ청소년의 성보호에 관한 법률" in k05.laws  # U+318D as in the registry
    assert "digital_sex_crime_deletion_support" in k05.procedures
    k08 = category_relevance("K08")
    assert ("형법", "제250조") not in k08.articles
    assert "voice_phishing_payment_stop" in k08.procedures
    assert category_relevance("K05.2") == k05
    assert category_relevance(" k05 ") == k05


@pytest.mark.parametrize("cid", [None, "", "K99", "X", "B99.1", "nonsense"])
def test_relevance_unknown_is_empty(cid):
    rel = category_relevance(cid)
    assert rel == CategoryRelevance()
    assert not rel and rel.laws == frozenset()
