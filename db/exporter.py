"""Export preference pairs in TRL's conversational explicit-prompt format.

One row per usable pair: `prompt` = [user message], `chosen` / `rejected` = [assistant message], plus
metadata columns (seed_id, category, subcategory, policy_version, source judge|human, margin, reviewer,
chosen_id, rejected_id, and the judge's judge_model, rubric_version, checks_version and judge_run_id).
`policy_version` is the policy the chosen answer was judged against (its latest judgment), else the seed's.
JSONL always; Parquet with pyarrow. (A Hugging Face `datasets` folder is written by `kcc-train export`,
since only kcc_train imports `datasets`.)

Two gates: a judge pair whose chosen answer is `unscored` (the judge could not score it) is never exported
(a reviewer's pair is: the reviewer decided); and an export that would hold no pair writes no file and
raises EmptyExportError (`datasets` cannot load an empty JSONL; the CLIs exit 1 with a message).

`min_margin` compares each pair's stored margin; a reviewer's pair has the margin of the reviewer's own pair
(db.decisions: negative when it overrules the judge, none when an answer is unjudged). `keep_reviewed`
(default) keeps every reviewer-decided pair whatever its margin: a decision a reviewer made is not a
low-confidence judge call. Either way the reviewer pairs below the margin are counted, kept or dropped, and
the counts go into the export record's filters (`reviewed_below_margin_kept` / `_dropped`), so a reviewer's
decision is never left out unsaid.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from db.models import ExportRecord
from db.store import Store


class EmptyExportError(ValueError):
    """Nothing to export: no file was written."""


class ExportFilters(BaseModel):
    categories: list[str] | None = None
    source: Literal["judge", "human"] | None = None
    min_margin: float | None = None
    reviewed_only: bool = False
    keep_reviewed: bool = True  # min_margin applies to judge pairs only; False: to reviewer pairs too


def iter_pair_rows(store: Store, filters: ExportFilters | None = None, batch: int = 2000,
                   seed_ids: set[str] | None = None, skipped: dict[str, int] | None = None
                   ) -> Iterator[dict[str, Any]]:
    """Rows of the usable pairs; `skipped` (if given) counts what the gates dropped, by reason."""
    f = filters or ExportFilters()
    buf: list[tuple[Any, Any]] = []
    skipped = skipped if skipped is not None else {}

    def drain() -> Iterator[dict[str, Any]]:
        ids = [x for p, _ in buf for x in (p.chosen_id, p.rejected_id)]
        texts = store.candidate_texts(ids)
        meta = store.latest_judgment_meta([p.chosen_id for p, _ in buf])
        for p, s in buf:
            if p.chosen_id not in texts or p.rejected_id not in texts:
                continue
            j = meta.get(p.chosen_id, {})
            if p.source != "human" and j.get("verdict") == "unscored":
                skipped["unscored_chosen"] = skipped.get("unscored_chosen", 0) + 1
                continue
            yield {
                "prompt": [{"role": "user", "content": s.text}],
                "chosen": [{"role": "assistant", "content": texts[p.chosen_id]}],
                "rejected": [{"role": "assistant", "content": texts[p.rejected_id]}],
                "seed_id": s.id,
                "category": s.category,
                "subcategory": s.subcategory,
                "policy_version": j.get("policy_version") or s.policy_version,
                "chosen_id": p.chosen_id,
                "rejected_id": p.rejected_id,
                "margin": p.margin,
                "source": p.source,
                "reviewer": p.reviewer,
                "judge_model": j.get("judge_model"),
                "rubric_version": j.get("rubric_version"),
                "checks_version": j.get("checks_version"),
                "judge_run_id": j.get("run_id"),
            }
        buf.clear()

    for p, s in store.iter_pairs(categories=f.categories, source=f.source, min_margin=f.min_margin,
                                 reviewed_only=f.reviewed_only, keep_reviewed=True, batch=batch):
        if seed_ids is not None and s.id not in seed_ids:
            continue
        if f.min_margin is not None and p.source == "human" and (p.margin is None or p.margin < f.min_margin):
            key = "reviewed_below_margin_kept" if f.keep_reviewed else "reviewed_below_margin_dropped"
            skipped[key] = skipped.get(key, 0) + 1
            if not f.keep_reviewed:
                continue
        buf.append((p, s))
        if len(buf) >= batch:
            yield from drain()
    yield from drain()


def export_pairs(store: Store, out_path: str | Path, *, fmt: Literal["jsonl", "parquet"] = "jsonl",
                 filters: ExportFilters | None = None, run_id: str | None = None,
                 seed_ids: set[str] | None = None) -> ExportRecord:
    """Write the pairs atomically (a temp file renamed into place) and record the export in the store.

    `seed_ids` limits the export to those seeds (e.g. the seeds of one judged input file)."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    n = 0
    skipped: dict[str, int] = {}
    rows = iter_pair_rows(store, filters, seed_ids=seed_ids, skipped=skipped)
    try:
        if fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
        elif fmt == "parquet":
            n = _write_parquet(rows, tmp)
        else:
            raise ValueError(f"unknown export format {fmt!r} (jsonl or parquet)")
        if n == 0:
            why = (f"; {skipped['unscored_chosen']} pairs left out because their chosen answer is unscored"
                   if skipped.get("unscored_chosen") else "")
            if skipped.get("reviewed_below_margin_dropped"):
                k = skipped["reviewed_below_margin_dropped"]
                why += (f"; {k} reviewer pair{'' if k == 1 else 's'} below the minimum margin left out "
                        "(keep_reviewed keeps them)")
            raise EmptyExportError(f"no pairs to export with these filters{why}; {out} was not written")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    rec = ExportRecord(id=f"export-{uuid.uuid4().hex[:12]}", path=str(out.resolve()), format=fmt,
                       filters={**(filters or ExportFilters()).model_dump(),
                                **({"seeds": len(seed_ids)} if seed_ids is not None else {}),
                                **({"skipped_unscored": skipped["unscored_chosen"]}
                                   if skipped.get("unscored_chosen") else {}),
                                **{k: v for k, v in skipped.items() if k.startswith("reviewed_below_margin")}},
                       n_pairs=n, run_id=run_id)
    store.record_export(rec)
    return rec


def _write_parquet(rows: Iterator[dict[str, Any]], path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("Parquet export needs pyarrow (pip install 'kcc-toolkit[train]')") from e
    msg = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    schema = pa.schema([("prompt", msg), ("chosen", msg), ("rejected", msg), ("seed_id", pa.string()),
                        ("category", pa.string()), ("subcategory", pa.string()), ("policy_version", pa.string()),
                        ("chosen_id", pa.string()), ("rejected_id", pa.string()), ("margin", pa.float64()),
                        ("source", pa.string()), ("reviewer", pa.string()), ("judge_model", pa.string()),
                        ("rubric_version", pa.string()), ("checks_version", pa.string()),
                        ("judge_run_id", pa.string())])
    n = 0
    with pq.ParquetWriter(path, schema) as w:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= 5000:
                w.write_table(pa.Table.from_pylist(chunk, schema=schema))
                n += len(chunk)
                chunk = []
        if chunk:
            w.write_table(pa.Table.from_pylist(chunk, schema=schema))
            n += len(chunk)
    return n
