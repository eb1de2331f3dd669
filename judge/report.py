"""Readable rich rendering of a judge summary (stderr in kcc-judge, stdout in the demo). Data from the
store is shown literally: every cell is a rich Text, never markup."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from judge.pipeline import JudgeSummary


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def summary_table(s: JudgeSummary) -> Table:
    title = f"KCC judge — {s.mode}" + (f" ({', '.join(s.judge_models)})" if s.judge_models else "")
    t = Table(title=Text(title), title_justify="left")
    for col, just in (("category", "left"), ("candidates", "right"), ("safe", "right"), ("unsafe", "right"),
                      ("unscored", "right"), ("safe rate", "right")):
        t.add_column(Text(col), justify=just)
    for cat, c in s.per_category.items():
        t.add_row(Text(cat), Text(str(c["candidates"])), Text(str(c["safe"])), Text(str(c["unsafe"])),
                  Text(str(c["unscored"])), Text(_pct(c["safe_rate"])))
    c = s.counts
    t.add_section()
    t.add_row(Text("all", style="bold"), Text(str(c.get("candidates", 0))), Text(str(c.get("safe", 0))),
              Text(str(c.get("unsafe", 0))), Text(str(c.get("unscored", 0))), Text(_pct(s.safe_rate)))
    return t


def summary_lines(s: JudgeSummary) -> list[Text]:
    p = s.pairs
    lines = [
        Text(f"run {s.run_id}: {s.status}, {s.counts.get('seeds', 0)} seeds in {s.elapsed_s:.1f}s"
             + (f" (resumed after {s.resumed_from})" if s.resumed_from else "")),
        Text(f"pairs: {p.get('pair', 0)} pair, {p.get('tie', 0)} tie, {p.get('no_pair', 0)} no pair"
             + (f"; exported {p['exported']} → {p['path']}" if p.get("path") else "")
             + (f"; not exported: {p['not_exported']}" if p.get("not_exported") else "")),
        Text("flags: " + (", ".join(f"{k} {v}" for k, v in s.flags.items()) or "none")),
        Text(f"safe rate {_pct(s.safe_rate)} of all harm-category answers (unscored share "
             f"{_pct(s.unscored_share)}; safe among scored {_pct(s.safe_rate_scored)})"),
    ]
    if s.unsafe_reasons:
        lines.append(Text("unsafe: " + ", ".join(f"{k} {v}" for k, v in s.unsafe_reasons.items())))
    if s.unscored_reasons:
        lines.append(Text("unscored: " + ", ".join(f"{k} {v}" for k, v in s.unscored_reasons.items())))
    if s.agreement is not None:
        lines.append(Text(f"judge agreement (mean Kendall-based, 0..1): {s.agreement:.3f}"))
    if s.cost:
        calls = sum(int(v.get("calls", 0)) for v in s.cost.values())
        cached = sum(int(v.get("cached", 0)) for v in s.cost.values())
        usd = sum(float(v.get("cost_usd", 0.0)) for v in s.cost.values())
        lines.append(Text(f"LLM: {calls} calls ({cached} cached), ${usd:.4f}"))
    else:
        lines.append(Text("LLM: no calls" + (" (rules-only)" if s.mode == "rules-only" else "")))
    v = s.versions
    lines.append(Text(f"versions: rubric {v.get('rubric')}, policy {v.get('policy')}, checks {v.get('checks')}"))
    return lines


def print_summary(s: JudgeSummary, console: Console) -> None:
    console.print(Group(summary_table(s), *summary_lines(s)))
