"""One streaming reader per input format; each yields (line, raw text, row dict | RowError)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from db.readers.base import MAX_TEXT, ImportFailure, Item, RowError
from db.readers.csvfile import read_csv
from db.readers.jsonarray import read_json
from db.readers.jsonl import read_jsonl
from db.readers.parquet import read_parquet
from db.readers.values import check_values

READERS: dict[str, Callable[[Path], Iterator[Item]]] = {
    ".jsonl": read_jsonl, ".ndjson": read_jsonl, ".json": read_json, ".csv": read_csv, ".parquet": read_parquet}

__all__ = ["MAX_TEXT", "READERS", "ImportFailure", "Item", "RowError", "check_values"]
