"""taxonomy.registry answers from the statutes package, the one source of statute and institution facts."""

from taxonomy.registry import backend, check_article


def test_backend_is_statutes():
    assert backend().source == "statutes"


def test_unknown_law_is_reported_not_hidden():
    assert check_article("없는법률이름", "제1조").status == "unknown_law"
