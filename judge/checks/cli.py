"""`kcc-judge check`: the rules pass on a text or a JSONL file (human-readable, or --json for scripts)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator

import click
from pydantic import BaseModel, ConfigDict, ValidationError
from rich.console import Console
from rich.text import Text

from judge.checks.dating import resolve_as_of
from judge.checks.models import CheckReport
from judge.checks.runner import run_checks
from kcc_core.cli import KccCommand
from kcc_core.exit_codes import ExitCode, epilog


class CheckInput(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | int
    text: str
    category: str | None = None


def report_json(item_id: str | int, rep: CheckReport) -> dict:
    """The machine-readable line `kcc-judge check --json` writes for one input."""
    return {
        "id": item_id,
        "citations": [
            {"law": c.law, "article": c.article, "verdict": c.verdict, "start": c.start, "end": c.end, "text": c.text,
             "paragraph": c.paragraph, "item": c.item, "relevant": c.relevant, "note": c.note,
             "article_title": c.article_title, "claimed_title": c.claimed_title,
             "suggested_article": c.suggested_article}
            for c in rep.citations
        ],
        "institutions": [
            {"name": i.name, "number": i.number, "verdict": i.verdict, "institution_id": i.institution_id,
             "current_number": i.current_number, "start": i.start, "end": i.end, "relevant": i.relevant}
            for i in rep.institutions
        ],
        "procedures": [{"procedure_id": p.procedure_id, "ok": p.ok, "start": p.start, "end": p.end} for p in rep.procedures],
        "checks": [{"id": c.id, "severity": c.severity, "message": c.message} for c in rep.checks],
        "refusal": rep.refusal,
        "harmful_compliance": rep.harmful_compliance,
        "korean_ratio": rep.korean_ratio,
        "checks_version": rep.checks_version,
        "as_of": rep.as_of,
        "statute_snapshot": rep.statute_snapshot,
        "registry_stale": rep.registry_stale,
    }


def _read_jsonl(path: str) -> Iterator[tuple[int, CheckInput | None, str | None]]:
    fh = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, None, f"json: {e.msg} (column {e.colno})"
                continue
            if not isinstance(obj, dict):
                yield n, None, "line: expected a JSON object"
                continue
            try:
                yield n, CheckInput.model_validate(obj), None
            except ValidationError as e:
                err = e.errors()[0]
                field = ".".join(str(x) for x in err["loc"]) or "line"
                yield n, None, f"{field}: {err['msg']}"
    finally:
        if fh is not sys.stdin:
            fh.close()


def _category_warner(err):
    """Warns once per category the taxonomy does not know (its relevance cannot be judged, and any non-B id is
    treated as a harm category)."""
    seen: set[str] = set()

    def warn(cat: str | None) -> None:
        if not cat or cat in seen:
            return
        seen.add(cat)
        from taxonomy import load_taxonomy

        if not load_taxonomy().has(cat):
            err.write(f"warning: unknown category {cat!r}: relevance not judged (see `kcc taxonomy list`)\n")

    return warn


_STYLE = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}


def print_report(con: Console, label: str, text: str, rep: CheckReport) -> None:
    con.print(Text(f"== {label}  (refusal={rep.refusal}, korean={rep.korean_ratio:.0%}, length={rep.length}, "
                   f"as of {rep.as_of}, statutes {rep.statute_snapshot})", style="bold"))
    for c in rep.citations:
        line = Text("  citation  ")
        line.append(c.text, style="bold")
        line.append(f"  → {c.verdict}", style="green" if c.verdict == "valid" else "red")
        if c.article_title:
            line.append(f"  ({c.article_title})")
        if c.suggested_article:
            line.append(f"  → {c.suggested_article}?")
        if c.relevant is not None:
            line.append("  relevant" if c.relevant else "  not relevant")
        con.print(line)
        if c.note:
            con.print(Text(f"            {c.note}", style="dim"))
    for i in rep.institutions:
        line = Text("  hotline   ")
        line.append(f"{i.name}{' ' + i.number if i.number else ''}", style="bold")
        line.append(f"  → {i.verdict}", style="green" if i.verdict == "valid" else "red")
        if i.current_number and i.verdict != "valid":
            line.append(f"  (현행 {i.current_number})")
        con.print(line)
    for p in rep.procedures:
        con.print(Text(f"  procedure {p.name}  → {'ok' if p.ok else 'mismatch'}" + (f"  ({p.note})" if p.note else "")))
    for ch in rep.checks:
        con.print(Text(f"  [{ch.severity}] {ch.id}: {ch.message}", style=_STYLE.get(ch.severity, "")))
    if rep.harmful_compliance:
        con.print(Text("  harmful compliance suspected", style="bold red"))


@click.command("check", cls=KccCommand, epilog=epilog(ExitCode.PARTIAL))
@click.argument("text_or_file", required=False)
@click.option("--file", "file_", type=click.Path(dir_okay=False, allow_dash=True), help="JSONL file of {id, text, category?}.")
@click.option("--json", "as_json", is_flag=True, help="Read JSONL (from --file or the argument) and write one JSON object per line.")
@click.option("--category", default=None, help="Harm category for a single TEXT (e.g. K05).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Judge citations as of this date (default: today): amendments in force by then apply.")
def check_command(text_or_file: str | None, file_: str | None, as_json: bool, category: str | None,
                  as_of: str | None) -> None:
    """Run the deterministic checks (no model) on TEXT, or on a JSONL file with --file / --json FILE.

    TEXT is always checked as text ("-" reads it from stdin); a JSONL file needs --file or --json.

    Exit code 1 when an input line was bad (reported on stderr as file:line: field: message).
    """
    out = sys.stdout
    err = sys.stderr
    try:
        day = resolve_as_of(as_of)
    except ValueError as e:
        raise click.BadParameter(str(e).removeprefix("as_of: "), param_hint="--as-of") from e
    warn = _category_warner(err)
    path = file_ or (text_or_file if as_json else None)
    if path is None:
        if text_or_file is None:
            raise click.UsageError("give TEXT, --file FILE.jsonl or --json FILE")
        if text_or_file != "-" and len(text_or_file) < 4096 and "\n" not in text_or_file and os.path.isfile(text_or_file):
            err.write(f"note: checking the text {text_or_file!r} itself; to check the file use --file {text_or_file}"
                      f" (or --json {text_or_file})\n")
        text = sys.stdin.read() if text_or_file == "-" else text_or_file
        warn(category)
        rep = run_checks(text, category=category, as_of=day)
        if as_json:
            out.write(json.dumps(report_json("text", rep), ensure_ascii=False) + "\n")
        else:
            print_report(Console(file=out, markup=False, highlight=False, soft_wrap=True), "text", text, rep)
        return
    bad = 0
    con = Console(file=out, markup=False, highlight=False, soft_wrap=True)
    try:
        for n, item, problem in _read_jsonl(path):
            if item is None:
                bad += 1
                err.write(f"{path}:{n}: {problem}\n")
                continue
            warn(item.category or category)
            rep = run_checks(item.text, category=item.category or category, as_of=day)
            if as_json:
                out.write(json.dumps(report_json(item.id, rep), ensure_ascii=False) + "\n")
            else:
                print_report(con, str(item.id), item.text, rep)
    except OSError as e:
        raise click.FileError(path, hint=str(e)) from e
    if bad:
        err.write(f"{bad} bad input line(s)\n")
        sys.exit(ExitCode.PARTIAL)
