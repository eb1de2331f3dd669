"""The store's plumbing: one connection per Store (WAL, busy timeout) guarded by a lock, transactions
(nested ones are savepoints), and the row encoding every table group shares: JSON columns and redaction of
every string written (db.redact).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel

from db import schema
from db.redact import Redactor

_JSON_FIELDS = {
    "seeds": ("meta",),
    "candidates": ("params",),
    "judgments": ("rubric", "checks"),
    "pairs": ("flags",),
    "reviews": ("before", "after"),
    "runs": ("config", "summary"),
    "batch_jobs": ("meta",),
    "exports": ("filters",),
}


class StoreError(Exception):
    """A store operation that cannot proceed (bad path, newer schema, missing row)."""


def _retry_locked(fn: Any, wait_s: float = 30.0) -> Any:
    """Run `fn`, retrying while SQLite answers "database is locked" without waiting itself.

    Switching a new file to WAL takes an exclusive lock that the busy handler does not wait for, so several
    processes opening one new store at once would otherwise fail at setup."""
    deadline = time.monotonic() + wait_s
    delay = 0.005
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class StoreBase:
    """The connection and the plumbing every table group's methods use: the lock, transactions,
    encoding (JSON columns, redaction) and decoding of rows."""

    def __init__(self, path: str | Path = "kcc.db", *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such store")
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(f"{self.path}: folder {self.path.parent} does not exist")
        self._lock = threading.RLock()
        self._savepoints = 0
        self.conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout=30000")
        _retry_locked(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this KCC ({schema.SCHEMA_VERSION}); upgrade kcc"
            )
        if version < schema.SCHEMA_VERSION:
            with self._lock:
                _retry_locked(lambda: schema.apply(self.conn))
        self._redactor = Redactor.from_env()

    # -- plumbing ---------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all or nothing (BEGIN IMMEDIATE so writers queue instead of failing).

        Opened inside this Store's own open transaction (same thread: the lock is held) it is a savepoint of
        it: its writes are undone alone when it fails, and committed with the outer one."""
        with self._lock:
            if self.conn.in_transaction:
                self._savepoints += 1
                name = f"kcc_sp{self._savepoints}"
                self.conn.execute(f"SAVEPOINT {name}")
                try:
                    yield self.conn
                except BaseException:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                    raise
                else:
                    self.conn.execute(f"RELEASE {name}")
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def _q(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def _q_in(self, sql: str, ids: Iterable[str], *, conn: sqlite3.Connection | None = None) -> list[sqlite3.Row]:
        """`sql` with one `{}` standing for an IN list, run over `ids` in chunks of 500 (under SQLite's
        parameter limit). `conn`: inside an open transaction (the importer decides under its write lock)."""
        ids = list(ids)
        out: list[sqlite3.Row] = []
        with self._lock:
            c = conn or self.conn
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                out.extend(c.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall())
        return out

    @property
    def schema_version(self) -> int:
        return self._q("PRAGMA user_version")[0][0]

    def redact(self, value: Any) -> Any:
        """`value` with the secrets masked as the store masks them (for files written beside the store)."""
        return self._redactor.value(value)

    def _encode(self, table: str, data: dict[str, Any]) -> dict[str, Any]:
        """Row values as SQLite takes them: JSON columns dumped, bools as 0/1, and every string redacted
        (db.redact: a key echoed by a model, or put in a config, never reaches the file)."""
        red = self._redactor
        for f in _JSON_FIELDS.get(table, ()):
            if f in data and data[f] is not None and not isinstance(data[f], str):
                data[f] = json.dumps(red.value(data[f]), ensure_ascii=False)
        for k, v in data.items():
            if isinstance(v, bool):
                data[k] = int(v)
            elif isinstance(v, str):
                data[k] = red.text(v)
        return data

    @staticmethod
    def _decode(table: str, row: sqlite3.Row) -> dict[str, Any]:
        d = dict(row)
        for f in _JSON_FIELDS.get(table, ()):
            if f in d and isinstance(d[f], str):
                d[f] = json.loads(d[f])
        return d

    def _insert(self, conn: sqlite3.Connection, table: str, model: BaseModel, *, verb: str = "INSERT") -> int:
        data = self._encode(table, model.model_dump())
        if data.get("id") is None and "id" in data and table in ("judgments", "reviews"):
            data.pop("id")
        cols = ", ".join(data)
        marks = ", ".join("?" for _ in data)
        cur = conn.execute(f"{verb} INTO {table} ({cols}) VALUES ({marks})", tuple(data.values()))
        return cur.rowcount

    def counts(self) -> dict[str, int]:
        tables = ["seeds", "candidates", "judgments", "pairs", "reviews", "runs"]
        return {t: self._q(f"SELECT count(*) FROM {t}")[0][0] for t in tables}
