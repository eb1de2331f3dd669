"""Length bias of preference pairs: is the chosen answer simply the longer one?

A judge that prefers long answers teaches DPO verbosity rather than safety; on the bundled sample the chosen
answer is longer in nearly every pair. `pair_length_report` measures it (characters, so it needs no tokenizer)
on exported rows (TRL message lists) or plain text pairs; `store_length_report` on the store's current pairs.
`kcc-judge run` prints it and writes it into summary.json; the TUI's statistics show it.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class LengthStats(BaseModel):
    """Character lengths of chosen vs rejected over a set of pairs."""

    pairs: int = 0
    chosen_mean: float | None = None
    rejected_mean: float | None = None
    chosen_median: float | None = None
    rejected_median: float | None = None
    chosen_longer: int = 0
    rejected_longer: int = 0
    equal: int = 0
    chosen_longer_share: float | None = Field(None, description="share of pairs whose chosen answer is longer")
    median_ratio: float | None = Field(
        None, description="median of len(chosen) / len(rejected), over pairs with a non-empty rejected answer")


class PairLengthReport(LengthStats):
    per_category: dict[str, LengthStats] = Field(default_factory=dict)


def text_of(side: Any) -> str:
    """The answer text of one side: a string, or TRL's message list (assistant contents joined)."""
    if side is None:
        return ""
    if isinstance(side, str):
        return side
    if isinstance(side, Mapping):
        return str(side.get("content") or "")
    parts = [m.get("content") or "" for m in side if isinstance(m, Mapping) and m.get("role", "assistant")
             == "assistant"]
    return "".join(str(p) for p in parts)


def pair_lengths(row: Any) -> tuple[int, int]:
    """(chosen chars, rejected chars) of an exported row / mapping with chosen+rejected, or a (chosen, rejected)
    tuple of texts."""
    if isinstance(row, Mapping):
        return len(text_of(row.get("chosen"))), len(text_of(row.get("rejected")))
    chosen, rejected = row
    return len(text_of(chosen)), len(text_of(rejected))


def length_ratio(chosen_chars: int, rejected_chars: int) -> float:
    """Longer side over shorter side (>= 1.0; an empty side counts as one character)."""
    a, b = max(chosen_chars, 1), max(rejected_chars, 1)
    return max(a, b) / min(a, b)


def _stats(lengths: list[tuple[int, int]]) -> LengthStats:
    if not lengths:
        return LengthStats()
    ch = [c for c, _ in lengths]
    rj = [r for _, r in lengths]
    longer = sum(1 for c, r in lengths if c > r)
    shorter = sum(1 for c, r in lengths if c < r)
    ratios = [c / r for c, r in lengths if r > 0]
    return LengthStats(
        pairs=len(lengths), chosen_mean=round(statistics.fmean(ch), 1), rejected_mean=round(statistics.fmean(rj), 1),
        chosen_median=float(statistics.median(ch)), rejected_median=float(statistics.median(rj)),
        chosen_longer=longer, rejected_longer=shorter, equal=len(lengths) - longer - shorter,
        chosen_longer_share=longer / len(lengths),
        median_ratio=round(statistics.median(ratios), 3) if ratios else None)


def pair_length_report(rows: Iterable[Any]) -> PairLengthReport:
    """Length report of pairs: exported rows (dicts with chosen / rejected, optional category) or
    (chosen_text, rejected_text) tuples."""
    overall: list[tuple[int, int]] = []
    by_cat: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        lens = pair_lengths(row)
        overall.append(lens)
        if isinstance(row, Mapping):
            by_cat[str(row.get("category") or "none")].append(lens)
    rep = PairLengthReport(**_stats(overall).model_dump())
    rep.per_category = {cat: _stats(v) for cat, v in sorted(by_cat.items())}
    return rep


def file_length_report(path: str | Path) -> PairLengthReport | None:
    """Length report of a JSONL export (None when the file does not exist)."""
    p = Path(path)
    if not p.is_file():
        return None
    with p.open(encoding="utf-8") as fh:
        return pair_length_report(json.loads(line) for line in fh if line.strip())


def store_length_report(store: Any, filters: Any = None) -> PairLengthReport:
    """Length report of the store's usable pairs (the rows an export with `filters` would hold)."""
    from db.exporter import iter_pair_rows

    return pair_length_report(iter_pair_rows(store, filters))


def length_line(rep: LengthStats) -> str:
    """One line for a terminal summary."""
    if not rep.pairs:
        return "lengths: no pairs"
    ratio = "-" if rep.median_ratio is None else f"{rep.median_ratio:.2f}"
    return (f"lengths: chosen longer in {rep.chosen_longer} of {rep.pairs} pairs ({rep.chosen_longer_share:.1%}); "
            f"median chars chosen {rep.chosen_median:.0f} vs rejected {rep.rejected_median:.0f}; "
            f"median chosen/rejected ratio {ratio}")
