"""Content-hash versions and `kcc taxonomy diff`."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

import taxonomy
from kcc_core.exit_codes import ExitCode
from taxonomy.cli import taxonomy_group
from taxonomy.crosswalk import AILUMINATE_HAZARDS, categories_for
from taxonomy.diff import diff_paths, format_diff
from taxonomy.loader import DATA_DIR, dump_taxonomy, load_taxonomy
from taxonomy.versioning import category_policy_version, policy_version


def _edit(data: Path, cid: str, fn) -> None:
    p = data / "policies" / f"{cid}.json"
    pol = json.loads(p.read_text(encoding="utf-8"))
    fn(pol)
    p.write_text(json.dumps(pol, ensure_ascii=False), encoding="utf-8")


def test_version_format_and_stability(data_copy):
    v = policy_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{12}", v)
    assert policy_version(str(data_copy)) == v  # same content, other place: same version
    assert re.fullmatch(r"K05@[\d.]+\+[0-9a-f]{12}", category_policy_version("K05.2"))
    _edit(data_copy, "K05", lambda pol: pol["must_do"].append("추가 항목"))
    assert policy_version(str(data_copy)) != v
    assert category_policy_version("K05", str(data_copy)) != category_policy_version("K05")
    assert category_policy_version("K01", str(data_copy)) == category_policy_version("K01")


def test_diff_reports_changes(data_copy, tmp_path):
    def k05(pol):
        pol["statutes"] = [s for s in pol["statutes"] if s["article"] != "제13조"]
        pol["institutions"].append({"id": "klac_132", "when": "법률 상담"})

    _edit(data_copy, "K05", k05)
    (data_copy / "policies" / "B05.json").unlink()
    tax_p = data_copy / "taxonomy.json"
    tax = json.loads(tax_p.read_text(encoding="utf-8"))
    tax["categories"] = [c for c in tax["categories"] if c["id"] != "B05"]
    tax["categories"][0]["subcategories"].pop()
    tax_p.write_text(json.dumps(tax, ensure_ascii=False), encoding="utf-8")

    frozen = dump_taxonomy(load_taxonomy(), tmp_path / "v1.json")
    d = diff_paths(frozen, data_copy)
    assert d.removed == ["B05"] and d.added == []
    by = {c.category: c for c in d.changed}
    assert set(by) == {"K01", "K05"}
    assert by["K05"].statutes_removed == ["성폭력범죄의 처벌 등에 관한 특례법 제13조"]
    assert by["K05"].institutions_added == ["klac_132"]
    assert by["K01"].subcategories_removed == ["K01.5"]
    text = format_diff(d)
    assert "- category B05" in text and "+ institution klac_132" in text and "- subcategory K01.5" in text

    runner = CliRunner()
    res = runner.invoke(taxonomy_group, ["diff", str(frozen), str(data_copy)])
    assert res.exit_code == 0 and "~ category K05" in res.stdout
    res_json = runner.invoke(taxonomy_group, ["diff", "builtin", str(data_copy), "--json"])
    assert json.loads(res_json.stdout)["removed"] == ["B05"]
    same = runner.invoke(taxonomy_group, ["diff", "builtin", str(DATA_DIR)])
    assert "(no differences)" in same.stdout


def test_cli_show_list_version_freeze(tmp_path):
    runner = CliRunner()
    card = runner.invoke(taxonomy_group, ["show", "K05"])
    assert card.exit_code == 0 and "성폭력범죄의 처벌 등에 관한 특례법" in card.stdout and "1366" in card.stdout
    for fmt in ("system-prompt", "system-prompt-en", "rubric", "json"):
        r = runner.invoke(taxonomy_group, ["show", "K08.1", "--as", fmt])
        assert r.exit_code == 0 and r.stdout.strip()
    assert len(json.loads(runner.invoke(taxonomy_group, ["show", "K01", "--as", "rubric"]).stdout)) == 6
    bad = runner.invoke(taxonomy_group, ["show", "K99"])
    assert bad.exit_code == ExitCode.PARTIAL and "unknown category" in bad.stderr
    lst = runner.invoke(taxonomy_group, ["list", "--json"])
    rows = [json.loads(line) for line in lst.stdout.splitlines()]
    assert [r["id"] for r in rows][:16] == [f"K{i:02d}" for i in range(1, 17)]
    assert runner.invoke(taxonomy_group, ["version"]).stdout.strip() == policy_version()
    out = tmp_path / "frozen.json"
    fr = runner.invoke(taxonomy_group, ["freeze", str(out)])
    assert fr.exit_code == 0 and out.exists()
    assert runner.invoke(taxonomy_group, ["validate", str(out)]).exit_code == 0
    assert runner.invoke(taxonomy_group, ["version", "--source", str(out)]).stdout.strip() == policy_version()


def test_crosswalk():
    assert taxonomy.crosswalk("K01")["ailuminate"] == ["ssh"]
    assert "S3" in taxonomy.crosswalk("K05.1")["kanana_safeguard"]
    assert taxonomy.crosswalk("B01") == {}
    assert "K06" in categories_for("ailuminate", "hte")
    codes = {c for cat in load_taxonomy().categories for c in cat.crosswalk.get("ailuminate", ())}
    assert codes <= set(AILUMINATE_HAZARDS)
