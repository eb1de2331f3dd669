"""Review statistics as pure functions: Cohen's kappa between judge and reviewers, safe rates, text bars.

Kappa is computed on "which answer was chosen", labelled by the chosen candidate's model (or "none" for a
tie or no pair; skipped seeds are left out), so both raters classify every reviewed item into the same small set of categories.
Candidate ids are unique per seed, so labelling by id would make chance agreement ~0 and kappa meaningless.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel

_BLOCKS = " ▏▎▍▌▋▊▉█"
_SPARK = "▁▂▃▄▅▆▇█"


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters over the same items: (p_o - p_e) / (1 - p_e).

    Returns None when it is undefined: no items, or chance agreement is 1 (both raters always used one
    and the same label, so there is no variation to agree on).
    """
    items = list(pairs)
    n = len(items)
    if n == 0:
        return None
    observed = sum(1 for a, b in items if a == b) / n
    ca = Counter(a for a, _ in items)
    cb = Counter(b for _, b in items)
    expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


class Agreement(BaseModel):
    """Judge-human agreement over the reviewed items."""

    n: int
    agree_chosen: int
    agree_pair: int  # same chosen AND same rejected
    observed: float | None
    kappa: float | None
    skipped: int = 0  # reviewed but skipped: no decision, so not counted


AgreementRow = tuple[str | None, str | None, str | None, str | None]


def agreement(rows: Sequence[AgreementRow], label_of: Callable[[str | None], Hashable] | None = None
              ) -> Agreement:
    """Agreement on the chosen answer between the judge (first) and the reviewer (second) per row.

    rows are store.agreement_rows(): (judge_chosen, judge_rejected, human_chosen, human_rejected).
    label_of maps a candidate id to its kappa category (default: the id itself; None -> "none").
    """
    lab = label_of or (lambda cid: cid if cid is not None else "none")
    labelled = [(lab(jc), lab(hc)) for jc, _, hc, _ in rows]
    n = len(rows)
    agree_chosen = sum(1 for jc, _, hc, _ in rows if jc == hc)
    agree_pair = sum(1 for jc, jr, hc, hr in rows if jc == hc and jr == hr)
    return Agreement(n=n, agree_chosen=agree_chosen, agree_pair=agree_pair,
                     observed=agree_chosen / n if n else None, kappa=cohen_kappa(labelled))


class CategoryRate(BaseModel):
    category: str
    seeds: int
    scored: int
    safe: int
    rate: float | None


def category_rates(stats: Iterable[dict[str, Any]]) -> list[CategoryRate]:
    """Fold store.category_stats() (per category+subcategory) into one safe rate per category."""
    acc: dict[str, list[int]] = {}
    for r in stats:
        cat = r.get("category") or "(none)"
        a = acc.setdefault(cat, [0, 0, 0])
        a[0] += int(r.get("seeds") or 0)
        a[1] += int(r.get("scored") or 0)
        a[2] += int(r.get("safe") or 0)
    return [CategoryRate(category=c, seeds=s, scored=sc, safe=sf, rate=(sf / sc) if sc else None)
            for c, (s, sc, sf) in sorted(acc.items())]


def subcategory_rates(stats: Iterable[dict[str, Any]]) -> dict[tuple[str | None, str | None], float | None]:
    """(category, subcategory) -> safe rate (None when nothing is scored yet)."""
    out: dict[tuple[str | None, str | None], float | None] = {}
    for r in stats:
        scored = int(r.get("scored") or 0)
        out[(r.get("category"), r.get("subcategory"))] = (int(r.get("safe") or 0) / scored) if scored else None
    return out


def bar(value: float | None, width: int) -> str:
    """A horizontal bar of `width` cells for a value in [0, 1] (eighth-cell resolution)."""
    if value is None or width <= 0:
        return " " * max(width, 0)
    v = min(max(value, 0.0), 1.0) * width
    full = int(v)
    rest = int(round((v - full) * 8))
    if rest == 8:
        full, rest = full + 1, 0
    s = "█" * full + (_BLOCKS[rest] if rest and full < width else "")
    return s.ljust(width)


def sparkline(values: Sequence[float]) -> str:
    """A one-line sparkline (min..max scaled); empty input gives an empty string."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo
    return "".join(_SPARK[int((v - lo) / span * (len(_SPARK) - 1)) if span else 0] for v in values)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class PairAgreement(BaseModel):
    """Two reviewers on the seeds both decided (skips left out)."""

    a: str
    b: str
    n: int
    agree: int
    kappa: float | None


def reviewer_agreement(decisions: dict[str, dict[str, tuple[str, str | None]]],
                       label_of: Callable[[str | None], Hashable]) -> list[PairAgreement]:
    """Cohen's kappa for every pair of reviewers over their shared seeds (a tie is "none", as for the judge)."""
    names = sorted(decisions)
    out: list[PairAgreement] = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = [s for s in decisions[a].keys() & decisions[b].keys()
                      if decisions[a][s][0] != "skip" and decisions[b][s][0] != "skip"]
            if not shared:
                continue

            def lab(d: tuple[str, str | None]) -> Hashable:
                return label_of(d[1] if d[0] == "pair" else None)

            items = [(lab(decisions[a][s]), lab(decisions[b][s])) for s in sorted(shared)]
            out.append(PairAgreement(a=a, b=b, n=len(items), agree=sum(1 for x, y in items if x == y),
                                     kappa=cohen_kappa(items)))
    return out
