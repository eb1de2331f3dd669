"""`kcc taxonomy ...`: validate, show, list, diff, freeze, version (thin layer over the library)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kcc_core.cli import KccCommandGroup
from kcc_core.exit_codes import ExitCode, epilog
from taxonomy.diff import diff_paths, format_diff, resolve_source
from taxonomy.loader import TaxonomyLoadError, dump_taxonomy, load_taxonomy
from taxonomy.validate import validate
from taxonomy.versioning import category_version_of, version_of


def _load(source: str):
    try:
        return load_taxonomy(resolve_source(source))
    except TaxonomyLoadError as exc:
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        raise SystemExit(ExitCode.USAGE) from None


@click.group(name="taxonomy", cls=KccCommandGroup, epilog=epilog(ExitCode.PARTIAL))
def taxonomy_group() -> None:
    """Korean harm taxonomy and safe-response policy."""


@taxonomy_group.command("validate", epilog=epilog(ExitCode.PARTIAL))
@click.argument("path", required=False, default="builtin")
def validate_cmd(path: str) -> None:
    """Check PATH (data dir or frozen file; default: built-in) and exit 1 when it finds problems."""
    issues = validate(resolve_source(path))
    for issue in issues:
        click.echo(str(issue), err=True)
    if issues:
        click.echo(f"{len(issues)} problem(s)", err=True)
        raise SystemExit(ExitCode.PARTIAL)
    tax = load_taxonomy(resolve_source(path))
    click.echo(
        f"ok: {len(tax.categories)} categories, {len(tax.subcategories)} subcategories, "
        f"{sum(len(p.statutes) for p in tax.policies.values())} statute refs, version {version_of(tax)}"
    )


@taxonomy_group.command("show", epilog=epilog(ExitCode.PARTIAL))
@click.argument("category_id")
@click.option("--source", default="builtin", show_default=True, help="data dir, frozen file or 'builtin'")
@click.option(
    "--as",
    "fmt",
    type=click.Choice(["card", "system-prompt", "system-prompt-en", "rubric", "json"]),
    default="card",
    show_default=True,
)
def show_cmd(category_id: str, source: str, fmt: str) -> None:
    """Print a category's policy (K05, or a subcategory such as K05.2); exit 1 for an unknown id."""
    from taxonomy.render import policy_card, rubric_criteria, system_prompt

    tax = _load(source)
    if not tax.has(category_id):
        click.echo(f"unknown category: {category_id}", err=True)
        raise SystemExit(ExitCode.PARTIAL)
    if fmt == "card":
        click.echo(policy_card(category_id, taxonomy=tax))
    elif fmt == "system-prompt":
        click.echo(system_prompt(category_id, "ko", taxonomy=tax))
    elif fmt == "system-prompt-en":
        click.echo(system_prompt(category_id, "en", taxonomy=tax))
    elif fmt == "rubric":
        crit = [c.model_dump() for c in rubric_criteria(category_id, taxonomy=tax)]
        click.echo(json.dumps(crit, ensure_ascii=False, indent=1))
    else:
        cat = tax.category(category_id)
        obj = {
            "version": category_version_of(tax, cat.id),
            "category": cat.model_dump(mode="json"),
            "policy": tax.policy(cat.id).model_dump(mode="json"),
        }
        click.echo(json.dumps(obj, ensure_ascii=False, indent=1))


@taxonomy_group.command("list", epilog=epilog(ExitCode.OK))
@click.option("--source", default="builtin", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
@click.option("--subcategories", is_flag=True, help="also list subcategories")
def list_cmd(source: str, as_json: bool, subcategories: bool) -> None:
    """List categories (id, severity, names, policy version)."""
    tax = _load(source)
    for cat in tax.categories:
        ver = category_version_of(tax, cat.id)
        if as_json:
            row = {"id": cat.id, "name_ko": cat.name_ko, "name_en": cat.name_en, "severity": cat.severity,
                   "benign": cat.benign, "version": ver, "subcategories": [s.id for s in cat.subcategories]}  # fmt: skip
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        kind = "benign" if cat.benign else cat.severity
        click.echo(f"{cat.id}\t{kind}\t{cat.name_ko}\t{cat.name_en}\t{ver}")
        if subcategories:
            for sub in cat.subcategories:
                click.echo(f"  {sub.id}\t{sub.severity}\t{sub.name_ko}\t{sub.name_en}")


@taxonomy_group.command("diff", epilog=epilog(ExitCode.OK))
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True)
def diff_cmd(a: str, b: str, as_json: bool) -> None:
    """Differences from A to B (each a data dir, a frozen file or 'builtin'). Exit 0 with or without any."""
    for src in (a, b):
        _load(src)
    d = diff_paths(a, b)
    click.echo(d.model_dump_json(indent=1) if as_json else format_diff(d))


@taxonomy_group.command("freeze", epilog=epilog(ExitCode.OK))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default="builtin", show_default=True)
def freeze_cmd(out: Path, source: str) -> None:
    """Write the taxonomy + policies as one JSON file (to diff against later versions)."""
    tax = _load(source)
    dump_taxonomy(tax, out)
    click.echo(f"{out}\t{version_of(tax)}")


@taxonomy_group.command("version", epilog=epilog(ExitCode.OK))
@click.option("--source", default="builtin", show_default=True)
def version_cmd(source: str) -> None:
    """Print the policy version (human version + content hash)."""
    click.echo(version_of(_load(source)))


def main() -> None:  # pragma: no cover - convenience entry point
    taxonomy_group(prog_name="kcc taxonomy")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
