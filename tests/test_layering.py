"""Package boundaries from docs/architecture.md, enforced on the source and at import time."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = ["kcc_core", "kcc_settings", "statutes", "taxonomy", "db", "kcc_llm", "judge", "kcc_gen", "kcc_train", "kcc_tui"]
ALLOWED = {
    "kcc_core": set(),
    "kcc_settings": set(),
    "statutes": {"kcc_core", "kcc_settings"},
    "db": {"kcc_core", "kcc_settings"},
    "taxonomy": {"kcc_core", "kcc_settings", "statutes"},
    "kcc_llm": {"kcc_core", "kcc_settings", "db"},
    "judge": {"kcc_core", "kcc_settings", "statutes", "taxonomy", "db", "kcc_llm"},
    "kcc_gen": {"kcc_core", "kcc_settings", "statutes", "taxonomy", "db", "kcc_llm"},
    "kcc_train": {"kcc_core", "kcc_settings", "statutes", "taxonomy", "db", "kcc_llm", "judge"},
    "kcc_tui": {"kcc_core", "kcc_settings", "statutes", "taxonomy", "db", "kcc_llm", "judge", "kcc_gen"},
}
HEAVY = {"torch", "transformers", "trl", "datasets", "accelerate", "peft"}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level module, imported at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                out.extend((a.name.split(".")[0], top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                out.append((child.module.split(".")[0], top))
            visit(child, nested)

    visit(tree, True)
    return out


def _files(pkg: str) -> list[Path]:
    return list((REPO / pkg).rglob("*.py"))


@pytest.mark.parametrize("pkg", OURS)
def test_layering_in_source(pkg):
    bad = []
    for f in _files(pkg):
        for mod, top in _imports(f):
            if mod in OURS and mod != pkg and mod not in ALLOWED[pkg]:
                bad.append(f"{f.relative_to(REPO)} imports {mod}")
            if mod == "kcc_testkit":
                bad.append(f"{f.relative_to(REPO)} imports kcc_testkit (a test kit, not shipped)")
            if mod == "textual" and pkg != "kcc_tui":
                bad.append(f"{f.relative_to(REPO)} imports textual")
            if mod in HEAVY and pkg != "kcc_train" and (top or pkg != "kcc_llm"):
                bad.append(f"{f.relative_to(REPO)} imports {mod}" + (" at module level" if top else ""))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("pkg", ["statutes", "taxonomy", "db", "kcc_llm", "judge", "judge.cli", "kcc_gen", "kcc_gen.cli", "kcc_tui.cli"])
def test_importing_loads_no_heavy_or_ui_modules(pkg):
    code = (f"import sys, json, {pkg}; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code], cwd=REPO, text=True)))
    forbidden = HEAVY | ({"textual"} if not pkg.startswith("kcc_tui") else set())
    assert not (loaded & forbidden), f"importing {pkg} loads {sorted(loaded & forbidden)}"


def test_wheel_ships_our_packages_and_no_test_kit():
    """The packages setuptools builds from pyproject's find settings: every product package, no kit."""
    import tomllib

    from setuptools import find_namespace_packages

    find = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
    shipped = find_namespace_packages(str(REPO), include=find["include"], exclude=find.get("exclude", ()))
    assert {p.split(".")[0] for p in shipped} == set(OURS)
    assert not [p for p in shipped if p.split(".")[-1] in {"testing", "tests", "synthetic"}], shipped


def test_no_other_distribution_claims_our_top_level_names():
    claims: dict[str, list[str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name == "kcc-toolkit":
            continue
        top = (dist.read_text("top_level.txt") or "").split()
        for f in dist.files or []:
            parts = Path(str(f)).parts
            if parts and parts[0] in OURS and len(parts) > 1:
                top.append(parts[0])
        for t in set(top) & set(OURS):
            claims.setdefault(t, []).append(name)
    assert not claims, f"other installed distributions claim our package names: {claims}"


def test_console_scripts_declared():
    eps = {e.name: e.value for e in metadata.entry_points(group="console_scripts")
           if e.dist and e.dist.metadata["Name"] == "kcc-toolkit"}
    assert eps == {"kcc": "kcc_tui.cli:main", "kcc-judge": "judge.cli:main", "kcc-train": "kcc_train.cli:main"}
