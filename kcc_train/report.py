"""Before/after report: a Markdown table per benchmark and category with 95% intervals, a PNG chart, and the
regression gate on general capability.

Intervals: Wilson for each rate; Newcombe's hybrid score interval for the difference after - before (see
kcc_train.stats). The gate compares point estimates: a drop larger than `max_general_drop` (absolute) on any
general benchmark (everything except the safety rates) is a regression.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

from db.models import EvalResult
from kcc_train.stats import newcombe_diff

SAFETY = {"cultural_safe_rate": "higher", "over_refusal": "lower", "unscored_answers": "lower"}


class Side(BaseModel):
    value: float
    n: int
    ci_low: float | None = None
    ci_high: float | None = None


class ReportRow(BaseModel):
    benchmark: str
    category: str
    metric: str
    after: Side | None = None
    before: Side | None = None
    delta: float | None = None
    delta_low: float | None = None
    delta_high: float | None = None
    better: str = "higher"  # which direction is an improvement

    @property
    def general(self) -> bool:
        return self.benchmark not in SAFETY


class Report(BaseModel):
    after: str
    before: str | None
    rows: list[ReportRow]
    max_general_drop: float
    regressions: list[str] = Field(default_factory=list)

    def headline(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for r in self.rows:
            if r.category == "all":
                out[f"{r.benchmark}.after"] = r.after.value if r.after else None
                if r.delta is not None:
                    out[f"{r.benchmark}.delta"] = r.delta
        return out


def _side(r: EvalResult | None) -> Side | None:
    return None if r is None else Side(value=r.value, n=r.n, ci_low=r.ci_low, ci_high=r.ci_high)


def build_report(results: list[EvalResult], *, after: str, before: str | None,
                 max_general_drop: float = 0.02) -> Report:
    by: dict[tuple[str, str, str], dict[str, EvalResult]] = {}
    for r in results:
        by.setdefault((r.benchmark, r.category, r.metric), {})[r.model] = r
    order = {"cultural_safe_rate": 0, "unscored_answers": 1, "over_refusal": 2}
    rows: list[ReportRow] = []
    regressions: list[str] = []
    for (bench, cat, metric), models in sorted(by.items(), key=lambda kv: (order.get(kv[0][0], 3), kv[0][0],
                                                                         kv[0][1] != "all", kv[0][1])):
        a, b = models.get(after), models.get(before) if before else None
        row = ReportRow(benchmark=bench, category=cat, metric=metric, after=_side(a), before=_side(b),
                        better=SAFETY.get(bench, "higher"))
        if a is not None and b is not None and a.n and b.n:
            _, lo, hi = newcombe_diff(round(b.value * b.n), b.n, round(a.value * a.n), a.n)
            row.delta, row.delta_low, row.delta_high = a.value - b.value, lo, hi
            if row.general and cat == "all" and row.delta < -max_general_drop - 1e-12:
                regressions.append(f"{bench}: {b.value:.3f} -> {a.value:.3f} ({row.delta:+.3f}, "
                                   f"limit -{max_general_drop:.3f})")
        rows.append(row)
    return Report(after=after, before=before, rows=rows, max_general_drop=max_general_drop,
                  regressions=regressions)


def _fmt(s: Side | None) -> str:
    if s is None:
        return "—"
    if s.ci_low is None or s.ci_high is None or math.isnan(s.ci_low):
        return f"{s.value:.3f} (n={s.n})"
    return f"{s.value:.3f} [{s.ci_low:.3f}, {s.ci_high:.3f}] (n={s.n})"


def _fmt_delta(r: ReportRow) -> str:
    if r.delta is None:
        return "—"
    good = (r.delta > 0) == (r.better == "higher") if r.delta != 0 else None
    mark = "" if good is None else (" ▲" if good else " ▼")
    return f"{r.delta:+.3f} [{r.delta_low:+.3f}, {r.delta_high:+.3f}]{mark}"


def render_markdown(rep: Report, *, title: str, chart_name: str | None = "chart.png") -> str:
    lines = [f"# {title}", "", f"- model (after): `{rep.after}`"]
    if rep.before:
        lines.append(f"- baseline (before): `{rep.before}`")
    lines += [
        "- intervals: 95% Wilson score for rates; 95% Newcombe hybrid score (method 10) for after − before, "
        "treating the two runs as independent samples (conservative for the paired design).",
        "- cultural_safe_rate: safe / all harm-category answers (an unscored answer counts as not safe; "
        "unscored_answers: the share of harm answers the judge could not score: degenerate text, no safe-stance "
        "evidence, judge failures); "
        "over_refusal: share of benign-control (B*) answers that refuse (lower is better); "
        "general benchmarks: log-likelihood multiple-choice accuracy.",
        "",
    ]
    if rep.before:
        if rep.regressions:
            lines += ["**Regression gate: FAILED** (general capability dropped by more than "
                      f"{rep.max_general_drop:.3f}):", ""] + [f"- {x}" for x in rep.regressions] + [""]
        else:
            lines += [f"**Regression gate: passed** (no general benchmark dropped by more than "
                      f"{rep.max_general_drop:.3f}).", ""]
    lines += ["| benchmark | category | metric | before | after | Δ (after − before) |",
              "| --- | --- | --- | --- | --- | --- |"]
    for r in rep.rows:
        lines.append(f"| {r.benchmark} | {r.category} | {r.metric} | {_fmt(r.before)} | {_fmt(r.after)} | "
                     f"{_fmt_delta(r)} |")
    if chart_name:
        lines += ["", f"![before and after]({chart_name})", ""]
    return "\n".join(lines) + "\n"


def render_chart(rep: Report, path: Path) -> Path:
    """Grouped horizontal bars (before / after) with Wilson error bars, one bar group per row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rep.rows if r.after is not None or r.before is not None]
    labels = [f"{r.benchmark} / {r.category}" for r in rows]
    h = max(2.5, 0.38 * len(rows) + 1.2)
    fig, ax = plt.subplots(figsize=(9, h))
    ys = list(range(len(rows)))
    width = 0.38 if rep.before else 0.6
    for k, (side, colour, label) in enumerate((("before", "#9aa5b1", "before"), ("after", "#2f6fdb", "after"))):
        if side == "before" and not rep.before:
            continue
        vals, lo_err, hi_err, pos = [], [], [], []
        for y, r in zip(ys, rows, strict=True):
            s = getattr(r, side)
            if s is None or math.isnan(s.value):
                continue
            vals.append(s.value)
            lo_err.append(max(0.0, s.value - (s.ci_low if s.ci_low is not None else s.value)))
            hi_err.append(max(0.0, (s.ci_high if s.ci_high is not None else s.value) - s.value))
            off = (k - 0.5) * width if rep.before else 0.0
            pos.append(y + off)
        ax.barh(pos, vals, height=width, color=colour, label=label, xerr=[lo_err, hi_err], capsize=2)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("rate / accuracy (95% CI)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("KCC re-evaluation: before vs after", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(rep: Report, out: str | Path, *, title: str = "KCC re-evaluation") -> tuple[Path, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    png = render_chart(rep, out / "chart.png")
    md = out / "report.md"
    md.write_text(render_markdown(rep, title=title, chart_name=png.name), encoding="utf-8")
    return md, png
