"""`kcc statutes show LAW [ARTICLE]` and `kcc statutes search QUERY` (registry look-ups)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from kcc_core.cli import KccCommandGroup
from kcc_core.exit_codes import ExitCode, epilog
from statutes.normalize import parse_article
from statutes.registry import registry


def _console() -> Console:
    return Console(file=sys.stdout, markup=False, highlight=False, soft_wrap=True)


@click.group("statutes", cls=KccCommandGroup, epilog=epilog(ExitCode.PARTIAL))
def statutes_group() -> None:
    """Korean statute registry (snapshot 2026-06-05, source legalize-kr)."""


@statutes_group.command("show", short_help="Show a law (any alias) and optionally one article.",
                        epilog=epilog(ExitCode.PARTIAL))
@click.argument("law")
@click.argument("article", required=False)
def show(law: str, article: str | None) -> None:
    """Show LAW (any alias, e.g. 형법, 정보통신망법, "Criminal Act") and optionally one ARTICLE (250, 44조의7).

    Exit 1 when the name is unknown or ambiguous, or the article is not in the law (the lookup found nothing)."""
    reg = registry()
    no = None
    if article is not None:
        no = parse_article(article)
        if no is None:
            raise click.BadParameter(f"not an article number: {article}", param_hint="ARTICLE")
    res = reg.resolve(law)
    con = _console()
    if res.kind != "registry" and res.doc_id is not None:
        _show_document(reg, res, no, con)
        return
    if res.law is None or res.kind != "registry":
        msg = {"act": "현행 법률이지만 법령집에 없습니다", "repealed": "폐지된 법령입니다", "decree": "법령집에 없는 시행령·시행규칙입니다",
               "ambiguous": "이름이 모호합니다", "unknown": "그런 이름의 법령이 없습니다", "renamed": "옛 명칭입니다",
               "document": "법령집 문서"}[res.kind]
        con.print(Text(f"{law}: {msg}" + (f" ({res.note})" if res.note else "")))
        if res.history is not None:
            for ev in res.history.evidence:
                con.print(Text(f"  근거: {ev.source} {ev.file} ({ev.count}회)"))
        if res.candidates:
            con.print(Text("후보: " + ", ".join(res.candidates)))
        raise SystemExit(ExitCode.PARTIAL if res.kind in ("unknown", "ambiguous") else ExitCode.OK)
    lw = res.law
    con.print(Text(f"{lw.name}  [법령ID {lw.id}, {lw.kind}, {lw.coverage}]", style="bold"))
    aliases = ", ".join(a.alias for a in lw.aliases[:8])
    if aliases:
        con.print(Text(f"약칭·별칭: {aliases}"))
    con.print(Text(f"as of {lw.as_of.snapshot}: 공포 {lw.as_of.promulgated} (제{lw.as_of.promulgation_no}호), 시행 "
                   f"{lw.as_of.effective}, 최신 공포본 시행 여부: {lw.as_of.latest_text_in_force_on_snapshot}"))
    con.print(Text(f"source: {lw.source.repo} {lw.source.path} @ {lw.source.commit or lw.source.data_commit}"))
    if lw.source.law_go_kr:
        con.print(Text(f"law.go.kr: {lw.source.law_go_kr}"))
    if res.doc_id is not None:
        _print_versions(reg, res.doc_id, con)
    if no is None:
        con.print(Text(f"조문 {len(lw.articles)}개 (삭제 {sum(1 for a in lw.articles if a.deleted)})"))
        return
    art = reg.article(lw, no)
    if art is None:
        con.print(Text(f"{no}: 없음 (article_not_found)"))
        raise SystemExit(ExitCode.PARTIAL)
    if art.deleted:
        status = "삭제 " + (art.deleted_on or "")
        if art.deletion_not_yet_in_force:
            status += " (삭제 미시행: 현재 유효)"
    elif art.deleted is None:
        status = "미확인 (출처에 제목·본문 없음)"
    elif art.not_yet_in_force:
        status = "공포됨, 아직 시행 전"
    else:
        status = "시행 중"
    con.print(Text(f"{no} {art.in_force_title or art.title or ''}".rstrip(), style="bold"))
    if art.in_force_title and art.title != art.in_force_title:
        con.print(Text(f"  공포된 개정 제목(미시행): {art.title}"))
    con.print(Text(f"  status: {status}"))
    for ch in reg.changes_by_law.get(lw.name, []):
        if no in ch.articles:
            con.print(Text(f"  change: {ch.type}: {ch.status_now or ''}"))


def _print_versions(reg, doc_id: str, con: Console) -> None:
    snap = reg.snapshot_date.isoformat()
    for v, _arts in reg.book.versions(doc_id):
        state = "시행 중" if v.effective <= snap else "시행 예정"
        con.print(Text(f"  version: 공포 {v.promulgated} (제{v.promulgation_no}호), 시행 {v.effective} [{state} @ {snap}]"))


def _alias_count(a) -> str:
    """How many decisions back a mined alias: defined ("N건") or only cited with articles ("인용 N건")."""
    return f"인용 {a.used_in_precedents}건" if a.used_in_precedents else f"{a.defined_in_precedents}건"


def _show_document(reg, res, no: str | None, con: Console) -> None:
    doc = res.document
    con.print(Text(f"{doc.name}  [법령ID {doc.id}, {doc.kind}, statute book]", style="bold"))
    if res.note:
        con.print(Text(f"  {res.note}"))
    if doc.parent and (p := reg.document(doc.parent)) is not None:
        con.print(Text(f"상위 법률: {p.name} (법령ID {p.id})"))
    aliases = ", ".join(f"{a.alias} ({a.source}, {_alias_count(a)})" for a in reg.aliases_of(doc.id)[:8])
    if aliases:
        con.print(Text(f"약칭·별칭: {aliases}"))
    con.print(Text(f"상태: {doc.status}; 소관: {', '.join(doc.ministry)}"))
    _print_versions(reg, doc.id, con)
    src = reg.book.sources.get("statutes", {})
    con.print(Text(f"source: {doc.path} @ {doc.latest.commit or src.get('commit') or ''}"))
    if doc.link:
        con.print(Text(f"law.go.kr: {doc.link}"))
    if no is None:
        vers = reg.book.versions(doc.id)
        arts = vers[reg.book.version_index(doc.id, reg.book.snapshot)][1] if vers else {}
        con.print(Text(f"조문 {len(arts)}개 (삭제 {sum(1 for t in arts.values() if t[1])})"))
        return
    art = reg.article_as_of(doc.id, no)
    if art is None:
        con.print(Text(f"{no}: 없음 (article_not_found)"))
        raise SystemExit(ExitCode.PARTIAL)
    status = "삭제" if art.deleted else ("공포됨, 아직 시행 전" if art.only_later else "시행 중")
    con.print(Text(f"{no} {art.title or ''}".rstrip(), style="bold"))
    con.print(Text(f"  status: {status} (시행 {art.version.effective})"))
    if art.later is not None:
        later = "삭제" if art.later.deleted else (art.later.title or "")
        con.print(Text(f"  {art.later.version.effective} 시행 개정: {later}"))


@statutes_group.command("search", short_help="Search law names, aliases and article titles.", epilog=epilog(ExitCode.OK))
@click.argument("query")
@click.option("--limit", default=30, show_default=True)
def search(query: str, limit: int) -> None:
    """Search the names of every Act, decree and rule, aliases and article titles (e.g. 딥페이크, 스토킹, 임대차)."""
    reg = registry()
    con = _console()
    hits = reg.search(query, limit=limit)
    seen = {law.id for _k, law, art in hits if art is None}
    for _kind, law, art in hits:
        if art is None:
            con.print(Text(f"law      {law.name}  {law.source.law_go_kr or ''}".rstrip()))
        else:
            flag = " [삭제]" if art.deleted else (" [시행 전]" if art.not_yet_in_force else "")
            con.print(Text(f"article  {law.name} {art.no} {art.in_force_title or art.title}{flag}"))
    left = limit - len(hits)
    if left > 0:
        for doc, art in reg.search_book(query, limit=left + len(seen)):
            if art is None:
                if doc.id in seen:
                    continue
                con.print(Text(f"{'law' if doc.is_act else 'document'}{' ' * (9 - (3 if doc.is_act else 8))}"
                               f"{doc.name} [{doc.kind}]  {doc.link}"))
            elif doc.id not in reg.laws:
                flag = " [삭제]" if art.deleted else ""
                con.print(Text(f"article  {doc.name} {art.no} {art.title}{flag}"))
            left -= 1
            if left <= 0:
                break
    if not hits and left == limit:
        con.print(Text(f"{query}: 결과 없음"))


def default_out() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kcc" / "statutes"


@statutes_group.command("build", short_help="Rebuild the statute book from a legalize-kr checkout.",
                        epilog=epilog(ExitCode.OK))
@click.option("--from", "from_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="legalize-kr checkout (working tree or git repository; its kr/ folder)")
@click.option("--precedents", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="precedent-kr folder (or a git repository holding precedent-kr/): former names, abbreviations")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="output folder (default: $XDG_DATA_HOME/kcc/statutes)")
@click.option("--commit", default=None, help="commit of the legalize-kr repository to read (default HEAD)")
@click.option("--precedents-commit", default=None, help="commit of the precedents repository (default HEAD)")
@click.option("--exclude-decisions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="JSONL with a 'path' per row: decisions left out of the mining (a development set)")
@click.option("--source-name", default=None,
              help="what the book records as the statute source (default: the git remote, e.g. github:owner/repo)")
@click.option("--precedents-name", default=None, help="the same for the precedents")
def build_cmd(from_dir: Path, precedents: Path | None, out: Path | None, commit: str | None,
              precedents_commit: str | None, exclude_decisions: Path | None, source_name: str | None,
              precedents_name: str | None) -> None:
    """Build the statute book (every document, article headings, later-effective versions, history) from a
    checkout; point every command at it with KCC_STATUTES=OUT."""
    import json

    from statutes.build import BuildError, build

    out = out or default_out()
    exclude: frozenset[str] = frozenset()
    if exclude_decisions is not None:
        try:
            exclude = frozenset(json.loads(x)["path"] for x in exclude_decisions.read_text(encoding="utf-8").splitlines()
                                if x.strip())
        except (ValueError, KeyError) as e:
            raise click.ClickException(f"{exclude_decisions}: each line must be a JSON object with 'path' ({e})") from e
    try:
        info = build(from_dir, out, precedents, commit=commit, precedents_commit=precedents_commit,
                     log=lambda m: click.echo(m, err=True), exclude=exclude, source_name=source_name,
                     precedents_name=precedents_name)
    except BuildError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{info['documents']} documents, snapshot {info['snapshot']} -> {out}")
    click.echo(f"use it: export KCC_STATUTES={out}")
