"""`kcc statutes show LAW [ARTICLE]` and `kcc statutes search QUERY` (registry look-ups)."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.text import Text

from statutes.normalize import parse_article
from statutes.registry import registry


def _console() -> Console:
    return Console(file=sys.stdout, markup=False, highlight=False, soft_wrap=True)


@click.group("statutes")
def statutes_group() -> None:
    """Korean statute registry (snapshot 2026-06-05, source legalize-kr)."""


@statutes_group.command("show", short_help="Show a law (any alias) and optionally one article.")
@click.argument("law")
@click.argument("article", required=False)
def show(law: str, article: str | None) -> None:
    """Show LAW (any alias, e.g. 형법, 정보통신망법, "Criminal Act") and optionally one ARTICLE (250, 44조의7)."""
    reg = registry()
    no = None
    if article is not None:
        no = parse_article(article)
        if no is None:
            raise click.BadParameter(f"not an article number: {article}", param_hint="ARTICLE")
    res = reg.resolve(law)
    con = _console()
    if res.law is None or res.kind != "registry":
        msg = {"act": "현행 법률이지만 레지스트리 범위 밖입니다", "repealed": "폐지된 법률입니다", "decree": "시행령·시행규칙은 범위 밖입니다",
               "ambiguous": "이름이 모호합니다", "unknown": "그런 이름의 법률이 없습니다"}[res.kind]
        con.print(Text(f"{law}: {msg}" + (f" ({res.note})" if res.note else "")))
        if res.candidates:
            con.print(Text("후보: " + ", ".join(res.candidates)))
        raise SystemExit(2 if res.kind in ("unknown", "ambiguous") else 0)
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
    if no is None:
        con.print(Text(f"조문 {len(lw.articles)}개 (삭제 {sum(1 for a in lw.articles if a.deleted)})"))
        return
    art = reg.article(lw, no)
    if art is None:
        con.print(Text(f"{no}: 없음 (article_not_found)"))
        raise SystemExit(2)
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


@statutes_group.command("search", short_help="Search law names, aliases and article titles.")
@click.argument("query")
@click.option("--limit", default=30, show_default=True)
def search(query: str, limit: int) -> None:
    """Search law names, aliases and article titles (e.g. 딥페이크, 허위영상물, 스토킹)."""
    reg = registry()
    con = _console()
    hits = reg.search(query, limit=limit)
    if not hits:
        con.print(Text(f"{query}: 결과 없음"))
        return
    for _kind, law, art in hits:
        if art is None:
            con.print(Text(f"law      {law.name}"))
        else:
            flag = " [삭제]" if art.deleted else (" [시행 전]" if art.not_yet_in_force else "")
            con.print(Text(f"article  {law.name} {art.no} {art.in_force_title or art.title}{flag}"))
