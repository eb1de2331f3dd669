"""The Store facade over its table groups: each method lives in exactly one group (a second definition would
silently shadow the first through the MRO), and the names callers import from db.store stay there."""

from __future__ import annotations

import db.store as store_pkg
from db.store import Store
from db.store.base import StoreBase


def test_each_method_is_defined_by_one_table_group() -> None:
    groups = [c for c in Store.__mro__ if issubclass(c, StoreBase) and c is not Store]
    assert len(groups) == 8
    owners: dict[str, list[str]] = {}
    for g in groups:
        for name, value in vars(g).items():
            if callable(value) or isinstance(value, staticmethod | property):
                if not name.startswith("__") or name in ("__init__", "__enter__", "__exit__"):
                    owners.setdefault(name, []).append(g.__name__)
    twice = {n: o for n, o in owners.items() if len(o) > 1}
    assert twice == {}
    assert not [n for n in vars(Store) if not n.startswith("__")]  # the facade adds nothing of its own
    for name in ("apply_review", "undo_review", "iter_pairs", "save_judgments", "claim_run", "page_seeds",
                 "search", "cache_put", "record_export", "import_batch", "transaction"):
        assert name in owners, name


def test_public_names_of_db_store() -> None:
    for name in ("Store", "StoreError", "SeedFilter", "SeedRow", "SearchHit", "new_id"):
        assert hasattr(store_pkg, name)
    assert store_pkg.new_id("run").startswith("run-")
