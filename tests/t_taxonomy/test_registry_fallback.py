"""The reference-file fallback of taxonomy.registry (used only when the statutes package is unavailable)."""

import json

from taxonomy.registry import _ReferenceBackend, backend


def test_default_backend_is_statutes():
    assert backend().source == "statutes"


def test_reference_backend(tmp_path):
    (tmp_path / "statutes").mkdir()
    (tmp_path / "taxonomy").mkdir()
    law = {
        "name": "아동ㆍ청소년의 성보호에 관한 법률",
        "articles": [
            {"no": "제11조", "title": "아동ㆍ청소년성착취물의 제작ㆍ배포 등", "deleted": False},
            {"no": "제9조", "title": None, "deleted": True},
            {"no": "제99조", "title": "신설", "deleted": False, "not_yet_in_force": True},
        ],
    }
    (tmp_path / "statutes" / "laws.jsonl").write_text(json.dumps(law, ensure_ascii=False) + "\n", encoding="utf-8")
    insts = {"institutions": [
        {"id": "suicide_109", "name": "자살예방상담전화 109", "number": "109", "status": "active (since 2024-01-01)",
         "verified": "verified"},
        {"id": "suicide_1393_retired", "name": "(구) 1393", "number": "1393", "status": "retired — replaced by 109",
         "verified": "verified"},
    ]}  # fmt: skip
    (tmp_path / "taxonomy" / "institutions.json").write_text(json.dumps(insts, ensure_ascii=False), encoding="utf-8")
    b = _ReferenceBackend(tmp_path)
    assert b.check_article("아동ㆍ청소년의 성보호에 관한 법률", "제11조").ok
    assert b.check_article("아동·청소년의 성보호에 관한 법률", "제11조").status == "not_official_name"
    assert b.check_article("아동ㆍ청소년의 성보호에 관한 법률", "제9조").status == "article_deleted"
    assert b.check_article("아동ㆍ청소년의 성보호에 관한 법률", "제99조").status == "not_yet_in_force"
    assert b.check_article("아동ㆍ청소년의 성보호에 관한 법률", "제12조").status == "article_not_found"
    assert b.check_article("형법", "제1조").status == "unknown_law"
    assert b.institution("suicide_109").active
    assert b.institution("suicide_1393_retired").status == "replaced"
    assert b.institution("nope") is None and b.procedure("x") is None
