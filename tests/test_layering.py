"""Package boundaries from docs/architecture.md, enforced on the source and at import time."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
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
MODULE_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")

# Order inside each package, lowest layer first: a module imports modules of its own layer or lower ones.
# Patterns are module names or globs; the most specific one wins (a name over a glob, a longer glob over a
# shorter one) and "*" is the package's default layer, where a new module lands until it is placed.
# Derived from what the code imports; a package's __init__ (its facade) sits just below its CLI.
LAYERS: dict[str, list[list[str]]] = {
    "kcc_core": [["*"], ["kcc_core.cli"]],
    "statutes": [
        ["statutes.models", "statutes.normalize", "statutes.fastmodel", "statutes.regex_trie"],
        ["*"],  # book, registry, institutions, citations, verify, build
        ["statutes"],
        ["statutes.cli"],
    ],
    "taxonomy": [
        ["taxonomy.models", "taxonomy.registry"],
        ["taxonomy.loader"],
        ["*"],  # versioning, render, seeds, validate, diff, relevance, crosswalk, obfuscation
        ["taxonomy"],
        ["taxonomy.cli"],
    ],
    "db": [
        ["db.models", "db.decisions", "db.schema", "db.redact", "db.readers", "db.readers.*"],
        ["*"],  # the store and its run lifecycle
        ["db.review", "db.stats", "db.exporter", "db.import_paths", "db.importer"],
        ["db"],
        ["db.cli"],
    ],
    "kcc_llm": [
        ["*"],  # types, spec, errors, structured, pricing, cache, settings, limiter, budget, estimate
        ["kcc_llm.providers", "kcc_llm.providers.*"],
        ["kcc_llm.client"],
        ["kcc_llm.batch"],
        ["kcc_llm"],
    ],
    "judge": [
        ["judge.checks.models", "judge.checks.construct", "judge.checks.dating", "judge.checks.relevance"],
        ["judge.checks.*"],  # one module per check
        ["judge.checks", "judge.checks.runner"],
        ["judge.checks.evaluate", "judge.checks.precedents"],
        ["*"],  # rubric, guard, injection, scoring, combine, llm_judge, labels, length
        ["judge.pipeline", "judge.api", "judge.report", "judge.run_file"],  # run_file: judge_file over the pipeline
        ["judge"],
        ["judge.cli", "judge.checks.cli", "judge.demo"],
    ],
    "kcc_gen": [["*"], ["kcc_gen.cli"]],
    "kcc_train": [
        ["*"],  # config, cancel, runs, pairs, callbacks, stats, report, benchmarks, harness, launch, ...
        ["kcc_train.dpo", "kcc_train.generation"],
        ["kcc_train.evaluate"],
        ["kcc_train.cli"],
    ],
    "kcc_tui": [
        ["*"],  # literal, nav, keys, diff, highlight, refs, review, stats, jobs, trainform, commands
        ["kcc_tui.widgets", "kcc_tui.widgets.*"],
        ["kcc_tui.screens", "kcc_tui.screens.*"],
        ["kcc_tui.app"],
        ["kcc_tui.cli"],
    ],
}
# modules run as programs (`python -m judge.demo`, `make demo`): they may import a CLI module
ENTRY_POINTS = {"judge.demo"}


@dataclass(frozen=True)
class Import:
    module: str  # the dotted module imported (for `from a import b`, a.b when that is a module)
    top: bool  # at module level (not inside a function)
    line: int
    how: str  # "import", "import_module" (a string given to importlib / __import__) or "LAZY" (a table)

    @property
    def package(self) -> str:
        return self.module.split(".")[0]


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> list[Import]:
    """Every import of a file: statements (absolute and relative), importlib.import_module / __import__ with
    a literal name, and module names in LAZY tables (name -> (module, attribute, ...))."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    here = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    out: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                out.extend(Import(a.name, top, child.lineno, "import") for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(here[: len(here) - child.level + 1] + ([base] if base else []))
                for a in child.names:
                    sub = f"{base}.{a.name}"
                    out.append(Import(sub if _is_module(sub) else base, top, child.lineno, "import"))
            elif isinstance(child, ast.Call) and child.args and isinstance(child.args[0], ast.Constant):
                fn = child.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if name in {"import_module", "__import__"} and isinstance(child.args[0].value, str):
                    out.append(Import(child.args[0].value, False, child.lineno, "import_module"))
            elif isinstance(child, ast.Assign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                if child.value is not None and any("LAZY" in getattr(t, "id", "") for t in targets):
                    for c in ast.walk(child.value):
                        if (isinstance(c, ast.Constant) and isinstance(c.value, str) and MODULE_NAME.match(c.value)
                                and c.value.split(".")[0] in {*OURS, *HEAVY, "textual"}):
                            out.append(Import(c.value, False, c.lineno, "LAZY"))
            visit(child, nested)

    visit(tree, True)
    return list(dict.fromkeys(out))  # `from a import b, c` of one module counts once


def _files(pkg: str) -> list[Path]:
    return sorted((REPO / pkg).rglob("*.py"))


def _where(f: Path, imp: Import) -> str:
    via = "" if imp.how == "import" else f" (via {imp.how})"
    return f"{f.relative_to(REPO)}:{imp.line} imports {imp.module}{via}"


@pytest.mark.parametrize("pkg", OURS)
def test_layering_in_source(pkg):
    bad = []
    for f in _files(pkg):
        for imp in _imports(f):
            mod, top = imp.package, imp.top
            if mod in OURS and mod != pkg and mod not in ALLOWED[pkg]:
                bad.append(_where(f, imp))
            if mod == "kcc_testkit":
                bad.append(_where(f, imp) + ": a test kit, not shipped")
            if mod == "textual" and pkg != "kcc_tui":
                bad.append(_where(f, imp))
            if mod in HEAVY and pkg != "kcc_train" and (top or pkg != "kcc_llm"):
                bad.append(_where(f, imp) + (" at module level" if top else ""))
    assert not bad, "\n".join(bad)


def _layer(pkg: str, module: str) -> int:
    best: tuple[int, int, int] | None = None  # (exact, pattern length, layer)
    for i, patterns in enumerate(LAYERS[pkg]):
        for pat in patterns:
            if pat == "*" or fnmatch.fnmatchcase(module, pat):
                key = (int(pat == module), len(pat) if pat != "*" else -1, i)
                best = max(best or key, key)
    assert best is not None, f"{pkg} has no default layer"
    return best[2]


def _is_cli(module: str) -> bool:
    return module.split(".")[-1] == "cli"


@pytest.mark.parametrize("pkg", sorted(LAYERS))
def test_order_inside_package(pkg):
    """A module imports its own layer or lower ones; nothing but a CLI or a program imports a CLI module;
    a models module imports only other models modules of ours (it is data, not a service)."""
    bad = []
    for f in _files(pkg):
        me = _module_name(f)
        for imp in _imports(f):
            if imp.package == pkg and imp.module != me and _layer(pkg, imp.module) > _layer(pkg, me):
                bad.append(f"{_where(f, imp)}: layer {_layer(pkg, me)} imports layer {_layer(pkg, imp.module)} "
                           f"({LAYERS[pkg][_layer(pkg, imp.module)]})")
            if imp.package in OURS and _is_cli(imp.module) and not _is_cli(me) and me not in ENTRY_POINTS:
                bad.append(f"{_where(f, imp)}: only CLI modules and programs import a CLI module")
            if (me.split(".")[-1] == "models" and imp.package in OURS
                    and imp.module.split(".")[-1] != "models"):
                bad.append(f"{_where(f, imp)}: a models module imports a service module")
    assert not bad, "\n".join(bad)


# SQL belongs to db/: statements in string literals, and SQL handed to execute*/executescript.
SQL = re.compile(r"\b(SELECT\b[\s\S]*?\bFROM|INSERT\s+(OR\s+[A-Z]+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
                 r"|CREATE\s+(TEMP\s+|VIRTUAL\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+(TABLE|INDEX|TRIGGER|VIEW)"
                 r"|PRAGMA\s+\w+|BEGIN\s+(IMMEDIATE|EXCLUSIVE)|ALTER\s+TABLE)\b")
SQL_DRIVERS = {"sqlite3", "sqlite_utils", "apsw"}


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, a placeholder for each value
        return "".join(v.value if isinstance(v, ast.Constant) else "?" for v in node.values)
    return None


def _sql_in(source: str, rel: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr)}
    inside_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # `runner.execute()` (the judge's pipeline) is no SQL: only SQL text handed over counts
            sql_arg = node.args and _literal(node.args[0]) is not None
            if node.func.attr == "executescript" or (node.func.attr in {"execute", "executemany"} and sql_arg):
                bad.append(f"{rel}:{node.lineno} calls .{node.func.attr}() with SQL")
        text = None if id(node) in docstrings | inside_fstring else _literal(node)
        if text and SQL.search(text):
            bad.append(f"{rel}:{node.lineno} has SQL in a string: {SQL.search(text).group(0)[:40]!r}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            bad.extend(f"{rel}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in SQL_DRIVERS)
    return sorted(bad)


def test_sql_only_in_db():
    bad = [b for pkg in OURS if pkg != "db" for f in _files(pkg)
           for b in _sql_in(f.read_text(encoding="utf-8"), str(f.relative_to(REPO)))]
    assert not bad, "\n".join(bad)


def test_sql_check_sees_sql():
    """The check itself: it finds SQL in a literal, an f-string, an execute() call and a driver import, and
    leaves prose, docstrings and a method that happens to be called execute alone."""
    source = ('"""Docs may say SELECT x FROM y."""\n'
              'import sqlite3\n'
              'def f(conn, t, runner):\n'
              '    conn.execute(f"DELETE FROM {t} WHERE id = ?", (1,))\n'
              '    q = "SELECT id\\n  FROM seeds"\n'
              '    runner.execute()\n'
              '    return "Please update the set of rules; select one from the list"\n')
    found = _sql_in(source, "probe.py")
    assert [b.split(" ", 1)[0] for b in found] == ["probe.py:2", "probe.py:4", "probe.py:4", "probe.py:5"], found


@pytest.mark.parametrize("pkg", ["statutes", "taxonomy", "db", "kcc_llm", "judge", "judge.cli", "kcc_gen", "kcc_gen.cli", "kcc_tui.cli"])
def test_importing_loads_no_heavy_or_ui_modules(pkg):
    code = (f"import sys, json, {pkg}; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code], cwd=REPO, text=True)))
    forbidden = HEAVY | ({"textual"} if not pkg.startswith("kcc_tui") else set())
    assert not (loaded & forbidden), f"importing {pkg} loads {sorted(loaded & forbidden)}"


# `except ImportError` is for the optional extras only, and says which extra to install; our own packages
# and the required dependencies ship together, so a guard around them would only hide a broken install.
EXTRAS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
OPTIONAL = {"torch", "transformers", "trl", "datasets", "accelerate", "peft", "matplotlib", "pyarrow", "lm_eval",
            "deepspeed"}


def _import_guards(path: Path) -> list[str]:
    rel = path.relative_to(REPO)
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Try):
            continue
        for h in node.handlers:
            caught = [h.type] if not isinstance(h.type, ast.Tuple) else h.type.elts
            if not any(getattr(c, "id", "") in {"ImportError", "ModuleNotFoundError"} for c in caught):
                continue
            mods = [a.name for n in node.body for x in ast.walk(n) if isinstance(x, ast.Import) for a in x.names]
            mods += [x.module or "" for n in node.body for x in ast.walk(n) if isinstance(x, ast.ImportFrom)]
            if other := [m for m in mods if m.split(".")[0] not in OPTIONAL]:
                bad.append(f"{rel}:{h.lineno} guards the import of {other}, which always ships")
            texts = " ".join(t for x in ast.walk(h) if (t := _literal(x)))
            if not any(f"[{extra}]" in texts for extra in EXTRAS):
                bad.append(f"{rel}:{h.lineno} catches ImportError without naming the extra to install "
                           f"({', '.join(f'[{e}]' for e in EXTRAS)})")
    return bad


def test_import_guards_only_for_optional_extras():
    bad = [b for pkg in OURS for f in _files(pkg) for b in _import_guards(f)]
    assert not bad, "\n".join(bad)


# Every console script and each of its (sub)commands answers --help; the wrapper walks the click tree in one
# process per script and reports, after each --help, which forbidden packages are loaded by then.
HELP_FORBIDDEN = HEAVY | {"textual", "lm_eval"}
HELP_WALKER = r"""
import contextlib, io, json, sys
from importlib import import_module
target, prog, forbidden = sys.argv[1], sys.argv[2], set(json.loads(sys.argv[3]))
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & forbidden)
rows = []
def run(path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main.main(args=[*path, "--help"], prog_name=prog, standalone_mode=True)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    rows.append({"path": path, "code": code, "loaded": loaded(), "usage": "Usage:" in out.getvalue(),
                 "tail": out.getvalue()[-300:]})
def walk(group, path):
    import click
    ctx = click.Context(group, info_name=prog)
    for name in group.list_commands(ctx):
        run([*path, name])  # first: a lazy group imports its module while it answers --help
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            walk(cmd, [*path, name])
module, _, attr = target.partition(":")
main = getattr(import_module(module), attr)
run([])
import click
if isinstance(main, click.Group):
    walk(main, [])
print(json.dumps(rows))
"""


def _console_scripts() -> dict[str, str]:
    return {e.name: e.value for e in metadata.entry_points(group="console_scripts")
            if e.dist and e.dist.metadata["Name"] == "kcc-toolkit"}


def test_every_cli_help_is_light():
    """`kcc --help`, `kcc statutes --help`, `kcc-judge check --help`, `kcc-train dpo --help`, ...: each exits 0,
    prints its usage and loads none of torch/transformers/trl/datasets/textual/lm_eval (only opening the
    reviewer, `kcc [DB]`, loads textual)."""
    scripts = _console_scripts()
    procs = {name: subprocess.Popen([sys.executable, "-c", HELP_WALKER, target, name, json.dumps(sorted(HELP_FORBIDDEN))],
                                    cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name, target in scripts.items()}
    bad, seen = [], []
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"{name}: the --help walk failed:\n{err[-2000:]}"
        before: list[str] = []
        for row in json.loads(out):
            cmd = " ".join([name, *row["path"], "--help"])
            seen.append(cmd)
            if row["code"] != 0 or not row["usage"]:
                bad.append(f"{cmd}: exit {row['code']}: {row['tail']!r}")
            if new := sorted(set(row["loaded"]) - set(before)):
                bad.append(f"{cmd} loads {new}")
            before = row["loaded"]
    assert not bad, "\n".join(bad)
    for needed in ("kcc --help", "kcc statutes --help", "kcc taxonomy --help", "kcc generate --help",
                   "kcc export --help", "kcc import --help", "kcc jobs --help", "kcc-judge --help",
                   "kcc-judge check --help", "kcc-train --help"):
        assert needed in seen, (needed, seen)


def test_wheel_ships_our_packages_and_no_test_kit():
    """The packages setuptools builds from pyproject's find settings: every product package, no kit."""
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
