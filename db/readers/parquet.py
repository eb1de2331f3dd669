"""Parquet, read row group by row group in batches. A file that is not Parquet (empty, truncated, no footer)
is a file-level failure; a damaged row group rejects its rows (the other groups are read); a value that does
not convert (a timestamp out of range) rejects its row only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from db.readers.base import ImportFailure, Item, RowError
from db.readers.values import check_values


def _rows(batch: Any) -> Iterator[dict[str, Any] | tuple[str, str]]:
    try:
        yield from batch.to_pylist()
        return
    except (ValueError, OverflowError, ArithmeticError):
        pass
    names = batch.schema.names
    for i in range(batch.num_rows):
        rec: dict[str, Any] = {}
        for j, name in enumerate(names):
            try:
                rec[name] = batch.column(j)[i].as_py()
            except (ValueError, OverflowError, ArithmeticError) as e:
                rec = None  # type: ignore[assignment]
                yield name, f"cannot be read: {e}"
                break
        if rec is not None:
            yield rec


def read_parquet(path: Path) -> Iterator[Item]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportFailure(f"{path}: reading Parquet needs pyarrow (pip install 'kcc-toolkit[train]')") from e
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as e:
        raise ImportFailure(f"{path}: not a readable Parquet file ({e})") from None
    line = 0
    for group in range(pf.metadata.num_row_groups):
        end = line + pf.metadata.row_group(group).num_rows
        batches = pf.iter_batches(batch_size=2000, row_groups=[group])
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (pa.ArrowException, OSError, ValueError) as e:
                # a damaged row group: its unread rows are rejected one by one, the next groups are read
                reason = " ".join(str(e).split())
                while line < end:
                    line += 1
                    yield line, "", RowError(file=str(path), line=line, field="parquet",
                                             message=f"row group {group} is unreadable ({reason})")
                break
            for rec in _rows(batch):
                line += 1
                if isinstance(rec, tuple):
                    yield line, "", RowError(file=str(path), line=line, field=rec[0], message=rec[1])
                    continue
                clean = {k: v for k, v in rec.items() if v is not None}
                raw = json.dumps(clean, ensure_ascii=False, default=str)
                bad = check_values(clean)
                yield line, raw, clean if bad is None else RowError(file=str(path), line=line, field=bad[0],
                                                                     message=bad[1])
