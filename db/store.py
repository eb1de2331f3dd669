"""The KCC store: one SQLite file holding the whole lineage, taxonomy node → seed → candidate → judgment →
pair → review → run → eval. Only this package speaks SQL; everything else uses these typed methods.

Concurrency: one connection per Store (WAL, busy timeout), guarded by a lock so asyncio tasks and Textual
workers can share it. Separate processes (jobs) open their own Store on the same file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from db import decisions, runs, schema
from db.models import (
    BatchJob,
    Candidate,
    EvalItem,
    EvalResult,
    ExportRecord,
    Judgment,
    LLMCall,
    LogLine,
    Metric,
    Pair,
    Review,
    Run,
    Seed,
    utcnow,
)
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


class SeedFilter(BaseModel):
    """Filters of the seed list (TUI browse, export)."""

    category: str | None = None
    subcategory: str | None = None
    review: str | None = None  # unreviewed | reviewed | flagged | overridden
    source: str | None = None  # pair source judge | human
    max_margin: float | None = None
    model: str | None = None
    ids: list[str] | None = None


class SeedRow(BaseModel):
    """One line of the paged seed list."""

    id: str
    text: str
    category: str | None
    subcategory: str | None
    pair_source: str | None = None
    margin: float | None = None
    status: str | None = None
    flags: list[str] = []


class SearchHit(BaseModel):
    kind: str  # seed | candidate
    id: str
    seed_id: str
    snippet: str


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


class Store:
    """Typed access to one KCC SQLite file."""

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

    def __enter__(self) -> Store:
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

    # -- seeds & candidates -------------------------------------------------------------------------------
    def upsert_seeds(self, seeds: Iterable[Seed]) -> int:
        """Insert seeds whose id is new; existing ids are left untouched (idempotent re-import)."""
        n = 0
        with self.transaction() as conn:
            for s in seeds:
                n += self._insert(conn, "seeds", s, verb="INSERT OR IGNORE")
        return n

    def add_candidates(self, candidates: Iterable[Candidate]) -> int:
        n = 0
        with self.transaction() as conn:
            for c in candidates:
                n += self._insert(conn, "candidates", c, verb="INSERT OR IGNORE")
        return n

    def import_batch(self, seeds: list[Seed], candidates: list[Candidate]) -> tuple[int, int]:
        """Seeds and their candidates in one transaction: a killed import never leaves half a batch."""
        ns = nc = 0
        with self.transaction() as conn:
            for s in seeds:
                ns += self._insert(conn, "seeds", s, verb="INSERT OR IGNORE")
            for c in candidates:
                nc += self._insert(conn, "candidates", c, verb="INSERT OR IGNORE")
        return ns, nc

    def existing_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        if table not in ("seeds", "candidates"):
            raise StoreError(f"no id lookup for {table}")
        ids = list(ids)
        out: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._q(f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update(r[0] for r in rows)
        return out

    def get_seed(self, seed_id: str) -> Seed | None:
        rows = self._q("SELECT * FROM seeds WHERE id = ?", (seed_id,))
        return Seed(**self._decode("seeds", rows[0])) if rows else None

    def iter_seeds(
        self, category: str | None = None, *, source: str | None = None, batch: int = 1000
    ) -> Iterator[Seed]:
        """All seeds in insertion order, streamed in batches (bounded memory)."""
        last = 0
        while True:
            sql = "SELECT rowid AS _r, * FROM seeds WHERE rowid > ?"
            params: list[Any] = [last]
            if category:
                sql += " AND category = ?"
                params.append(category)
            if source:
                sql += " AND source = ?"
                params.append(source)
            rows = self._q(sql + " ORDER BY rowid LIMIT ?", [*params, batch])
            if not rows:
                return
            for r in rows:
                d = self._decode("seeds", r)
                last = d.pop("_r")
                yield Seed(**d)

    def count_seeds(self, category: str | None = None) -> int:
        if category:
            return self._q("SELECT count(*) FROM seeds WHERE category = ?", (category,))[0][0]
        return self._q("SELECT count(*) FROM seeds")[0][0]

    def models(self) -> list[str]:
        """Distinct candidate models (for filter pick lists)."""
        return [r[0] for r in self._q("SELECT DISTINCT model FROM candidates ORDER BY model")]

    def get_candidate(self, candidate_id: str) -> Candidate | None:
        rows = self._q("SELECT * FROM candidates WHERE id = ?", (candidate_id,))
        return Candidate(**self._decode("candidates", rows[0])) if rows else None

    def candidate_texts(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._q(f"SELECT id, text FROM candidates WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update((r[0], r[1]) for r in rows)
        return out

    def latest_judgment_meta(self, candidate_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Per candidate, its latest judgment's verdict and versions (export metadata, unscored gate)."""
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(candidate_ids), 500):
            chunk = candidate_ids[i : i + 500]
            rows = self._q(
                "SELECT candidate_id, verdict, judge_model, rubric_version, policy_version, checks_version, run_id "
                "FROM judgments WHERE id IN (SELECT max(id) FROM judgments WHERE candidate_id IN "
                f"({','.join('?' * len(chunk))}) GROUP BY candidate_id)", chunk)
            out.update((r["candidate_id"], dict(r)) for r in rows)
        return out

    def candidates_for(self, seed_id: str) -> list[Candidate]:
        rows = self._q("SELECT * FROM candidates WHERE seed_id = ? ORDER BY rowid", (seed_id,))
        return [Candidate(**self._decode("candidates", r)) for r in rows]

    def iter_seeds_with_candidates(self, *, batch: int = 500, category: str | None = None
                                   ) -> Iterator[tuple[Seed, list[Candidate]]]:
        """Seeds with their candidates, streamed (the judge's input)."""
        buf: list[Seed] = []
        for s in self.iter_seeds(category, batch=batch):
            buf.append(s)
            if len(buf) >= batch:
                yield from self._attach(buf)
                buf = []
        if buf:
            yield from self._attach(buf)

    def _attach(self, seeds: list[Seed]) -> Iterator[tuple[Seed, list[Candidate]]]:
        ids = [s.id for s in seeds]
        rows = self._q(
            f"SELECT * FROM candidates WHERE seed_id IN ({','.join('?' * len(ids))}) ORDER BY rowid", ids
        )
        by_seed: dict[str, list[Candidate]] = {}
        for r in rows:
            c = Candidate(**self._decode("candidates", r))
            by_seed.setdefault(c.seed_id, []).append(c)
        for s in seeds:
            yield s, by_seed.get(s.id, [])

    # -- runs, progress, logs, metrics ----------------------------------------------------------------------
    def create_run(
        self, kind: str, config: dict[str, Any] | None = None, total: int | None = None,
        parent_id: str | None = None, run_id: str | None = None, pid: int | None = None,
    ) -> Run:
        run = Run(id=run_id or new_id(kind), kind=kind, status="running", config=config or {},
                  progress_total=total, parent_id=parent_id, pid=pid,
                  host=runs.this_host() if pid is not None else None)
        run.heartbeat_at = run.started_at
        with self.transaction() as conn:
            self._insert(conn, "runs", run)
        return run

    def claim_run(self, run_id: str, kind: str, *, config: dict[str, Any] | None = None, total: int | None = None,
                  parent_id: str | None = None, resume: bool = False) -> Run:
        """Take the run over for this process, atomically (db.runs explains when that is allowed).

        Read, decide and a compare-and-set UPDATE (same status and pid as read) run under one write lock;
        the UPDATE's rowcount proves the claim. Raises runs.RunBusyError / runs.RunStateError."""
        me, host, now = os.getpid(), runs.this_host(), utcnow()
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"no run {run_id!r}")
            run = Run(**self._decode("runs", row))
            if run.kind != kind:
                raise runs.RunStateError(f"run {run_id!r} is a {run.kind} run, not {kind}")
            runs.can_take_over(run, resume=resume)
            fields: dict[str, Any] = {"status": "running", "pid": me, "host": host, "heartbeat_at": now,
                                      "updated_at": now, "error": None, "finished_at": None,
                                      "config": {**run.config, **(config or {})}}
            if total is not None:
                fields["progress_total"] = total
            if parent_id is not None:
                fields["parent_id"] = parent_id
            if run.status != "running" or run.pid != me:
                fields["config"].pop("cancel_requested_at", None)  # an old cancel request is not for us
            data = self._encode("runs", fields)
            cur = conn.execute(f"UPDATE runs SET {', '.join(f'{k} = ?' for k in data)} "
                               "WHERE id = ? AND status = ? AND pid IS ?", (*data.values(), run_id, run.status, run.pid))
            if cur.rowcount != 1:
                raise runs.RunBusyError(run)
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return Run(**self._decode("runs", row))

    def heartbeat_run(self, run_id: str, pid: int, host: str) -> bool:
        now = utcnow()
        with self.transaction() as conn:
            cur = conn.execute("UPDATE runs SET heartbeat_at = ?, updated_at = ? WHERE id = ? AND pid = ? AND "
                               "(host IS NULL OR host = ?) AND status = 'running'", (now, now, run_id, pid, host))
        return cur.rowcount == 1

    def release_run(self, run_id: str, status: str, *, pid: int, host: str, error: str | None = None,
                    summary: dict[str, Any] | None = None) -> bool:
        """Finish the run only while `pid`@`host` still holds it (True when written)."""
        fields: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow(), "updated_at": utcnow()}
        if summary is not None:
            fields["summary"] = summary
        data = self._encode("runs", fields)
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE runs SET {', '.join(f'{k} = ?' for k in data)} WHERE id = ? AND pid = ? "
                               "AND (host IS NULL OR host = ?)", (*data.values(), run_id, pid, host))
        return cur.rowcount == 1

    def mark_interrupted(self, kind: str | None = None) -> list[str]:
        """Persist `interrupted` for running rows whose process is gone; returns their ids."""
        out = []
        for r in self.list_runs(kind, limit=100000):
            if r.status == "running" and r.pid is not None and not runs.holder_alive(r):
                with self.transaction() as conn:
                    cur = conn.execute("UPDATE runs SET status = 'interrupted', updated_at = ? "
                                       "WHERE id = ? AND status = 'running' AND pid IS ?", (utcnow(), r.id, r.pid))
                if cur.rowcount:
                    out.append(r.id)
        return out

    def get_run(self, run_id: str) -> Run | None:
        rows = self._q("SELECT * FROM runs WHERE id = ?", (run_id,))
        return Run(**self._decode("runs", rows[0])) if rows else None

    def list_runs(self, kind: str | None = None, limit: int = 200) -> list[Run]:
        if kind:
            rows = self._q("SELECT * FROM runs WHERE kind = ? ORDER BY started_at DESC, rowid DESC LIMIT ?",
                           (kind, limit))
        else:
            rows = self._q("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))
        return [Run(**self._decode("runs", r)) for r in rows]

    def update_run(self, run_id: str, **fields: Any) -> None:
        fields["updated_at"] = utcnow()
        data = self._encode("runs", dict(fields))
        sets = ", ".join(f"{k} = ?" for k in data)
        with self.transaction() as conn:
            conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", (*data.values(), run_id))

    def progress(self, run_id: str, done: int, total: int | None = None) -> None:
        if total is None:
            self.update_run(run_id, progress_done=done)
        else:
            self.update_run(run_id, progress_done=done, progress_total=total)

    def finish_run(self, run_id: str, status: str = "done", error: str | None = None,
                   summary: dict[str, Any] | None = None) -> None:
        fields: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow()}
        if summary is not None:
            fields["summary"] = summary
        self.update_run(run_id, **fields)

    def log(self, run_id: str, message: str, level: str = "info") -> None:
        with self.transaction() as conn:
            self._insert(conn, "run_logs", LogLine(run_id=run_id, message=message, level=level))

    def logs(self, run_id: str, after_id: int = 0, limit: int = 500) -> list[tuple[int, LogLine]]:
        rows = self._q("SELECT * FROM run_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?",
                       (run_id, after_id, limit))
        return [(r["id"], LogLine(**{k: r[k] for k in ("run_id", "level", "message", "created_at")})) for r in rows]

    def add_metrics(self, metrics: Iterable[Metric]) -> None:
        with self.transaction() as conn:
            for m in metrics:
                self._insert(conn, "run_metrics", m, verb="INSERT OR REPLACE")

    def metrics(self, run_id: str, name: str | None = None) -> list[Metric]:
        if name:
            rows = self._q("SELECT * FROM run_metrics WHERE run_id = ? AND name = ? ORDER BY step", (run_id, name))
        else:
            rows = self._q("SELECT * FROM run_metrics WHERE run_id = ? ORDER BY step, name", (run_id,))
        return [Metric(**dict(r)) for r in rows]

    # -- LLM cache, calls, batches ------------------------------------------------------------------------
    def cache_get(self, key: str) -> dict[str, Any] | None:
        rows = self._q("SELECT response FROM llm_cache WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    def cache_put(self, key: str, provider: str, model: str, response: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO llm_cache (key, provider, model, response, created_at) VALUES (?,?,?,?,?)",
                (key, provider, model, json.dumps(self._redactor.value(response), ensure_ascii=False), utcnow()),
            )

    def record_call(self, call: LLMCall) -> None:
        with self.transaction() as conn:
            self._insert(conn, "llm_calls", call)

    def cost_summary(self, run_id: str | None = None) -> dict[str, dict[str, float]]:
        sql = ("SELECT stage, count(*) AS calls, sum(cached) AS cached, sum(prompt_tokens) AS prompt_tokens, "
               "sum(completion_tokens) AS completion_tokens, sum(cost_usd) AS cost_usd, "
               "sum(status = 'error') AS errors FROM llm_calls")
        rows = self._q(sql + " WHERE run_id = ? GROUP BY stage", (run_id,)) if run_id else self._q(
            sql + " GROUP BY stage")
        return {r["stage"]: {k: r[k] or 0 for k in r.keys() if k != "stage"} for r in rows}

    def save_batch_job(self, job: BatchJob) -> None:
        with self.transaction() as conn:
            self._insert(conn, "batch_jobs", job, verb="INSERT OR REPLACE")

    def batch_jobs(self, run_id: str | None = None, status: str | None = None) -> list[BatchJob]:
        sql, params = "SELECT * FROM batch_jobs WHERE 1=1", []
        if run_id:
            sql += " AND run_id = ?"
            params.append(run_id)
        if status:
            sql += " AND status = ?"
            params.append(status)
        return [BatchJob(**self._decode("batch_jobs", r)) for r in self._q(sql + " ORDER BY created_at", params)]

    def update_batch_job(self, job_id: str, *, status: str | None = None, meta: dict[str, Any] | None = None) -> None:
        fields: dict[str, Any] = {"updated_at": utcnow()}
        if status is not None:
            fields["status"] = status
        if meta is not None:
            fields["meta"] = meta
        data = self._encode("batch_jobs", fields)
        with self.transaction() as conn:
            conn.execute(f"UPDATE batch_jobs SET {', '.join(f'{k} = ?' for k in data)} WHERE id = ?",
                         (*data.values(), job_id))

    # -- judgments & pairs --------------------------------------------------------------------------------
    def save_judgments(self, judgments: Iterable[Judgment], pairs: Iterable[Pair] = (), *,
                       judge_flags: Iterable[str] = ()) -> None:
        """Judgments of one or more seeds and their judge pairs, atomically. A human pair keeps the reviewer's
        choice; only the judge's view beside it is refreshed, and of its flags those named in `judge_flags`
        (the judge's own) are replaced by the new run's, the reviewer's stay."""
        replace = frozenset(judge_flags)
        with self.transaction() as conn:
            for j in judgments:
                self._insert(conn, "judgments", j, verb="INSERT OR REPLACE")
            for p in pairs:
                self._set_judge_pair(conn, p, replace)

    def judged_seed_ids(self, run_id: str) -> set[str]:
        rows = self._q("SELECT DISTINCT c.seed_id FROM judgments j JOIN candidates c ON c.id = j.candidate_id "
                       "WHERE j.run_id = ?", (run_id,))
        return {r[0] for r in rows}

    def judgments_for_seed(self, seed_id: str, run_id: str | None = None) -> dict[str, Judgment]:
        """Latest judgment per candidate of a seed (of one run when given)."""
        sql = ("SELECT j.* FROM judgments j JOIN candidates c ON c.id = j.candidate_id WHERE c.seed_id = ?"
               + (" AND j.run_id = ?" if run_id else "") + " ORDER BY j.id")
        rows = self._q(sql, (seed_id, run_id) if run_id else (seed_id,))
        out: dict[str, Judgment] = {}
        for r in rows:
            j = Judgment(**self._decode("judgments", r))
            out[j.candidate_id] = j
        return out

    def iter_judgments(self, run_id: str, batch: int = 2000) -> Iterator[Judgment]:
        last = 0
        while True:
            rows = self._q("SELECT * FROM judgments WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?",
                           (run_id, last, batch))
            if not rows:
                return
            for r in rows:
                j = Judgment(**self._decode("judgments", r))
                last = j.id or last
                yield j

    def _set_judge_pair(self, conn: sqlite3.Connection, p: Pair, replace: frozenset[str] = frozenset()) -> None:
        row = conn.execute("SELECT source, status, chosen_id, rejected_id FROM pairs WHERE seed_id = ?",
                           (p.seed_id,)).fetchone()
        if row is None:
            p = p.model_copy(update={"source": "judge", "judge_chosen_id": p.chosen_id,
                                     "judge_rejected_id": p.rejected_id, "judge_margin": p.margin})
            self._insert(conn, "pairs", p)
        elif row[0] == "human":
            # a reviewer's decision wins: refresh only the judge's view beside it, and the margin of the
            # reviewer's pair from the judgments just written (db.decisions)
            margin = (self._human_margin(conn, row["chosen_id"], row["rejected_id"]) if row["status"] == "pair"
                      else None)
            conn.execute(
                "UPDATE pairs SET judge_chosen_id=?, judge_rejected_id=?, judge_margin=?, run_id=?, flags=?, "
                "margin=? WHERE seed_id=?",
                (p.chosen_id, p.rejected_id, p.margin, p.run_id,
                 json.dumps(_merge_flags(conn, p, replace), ensure_ascii=False), margin, p.seed_id),
            )
        else:
            # a reviewer's flag on a pair nobody decided yet is not the judge's to drop
            kept = {"reviewer"} & set(json.loads(conn.execute("SELECT flags FROM pairs WHERE seed_id = ?",
                                                              (p.seed_id,)).fetchone()[0]))
            p = p.model_copy(update={"source": "judge", "judge_chosen_id": p.chosen_id,
                                     "judge_rejected_id": p.rejected_id, "judge_margin": p.margin,
                                     "flags": sorted(set(p.flags) | kept), "updated_at": utcnow()})
            self._insert(conn, "pairs", p, verb="INSERT OR REPLACE")

    def get_pair(self, seed_id: str) -> Pair | None:
        rows = self._q("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,))
        return Pair(**self._decode("pairs", rows[0])) if rows else None

    def iter_pairs(self, *, category: str | None = None, source: str | None = None,
                   min_margin: float | None = None, reviewed_only: bool = False,
                   categories: list[str] | None = None, keep_reviewed: bool = True,
                   batch: int = 2000) -> Iterator[tuple[Pair, Seed]]:
        """Usable (status 'pair') pairs with their seed, streamed, filtered.

        `min_margin` compares the pair's stored margin (for a reviewer's pair: the margin of the reviewer's
        pair, negative when it overrules the judge; none when an answer is unjudged). With `keep_reviewed`
        it applies to judge pairs only and every reviewer-decided pair is kept."""
        where = ["p.status = 'pair'", "p.chosen_id IS NOT NULL", "p.rejected_id IS NOT NULL"]
        params: list[Any] = []
        if category:
            where.append("s.category = ?")
            params.append(category)
        if categories:
            where.append(f"s.category IN ({','.join('?' * len(categories))})")
            params.extend(categories)
        if source:
            where.append("p.source = ?")
            params.append(source)
        if reviewed_only:
            where.append("p.source = 'human'")
        if min_margin is not None:
            where.append("(p.source = 'human' OR p.margin >= ?)" if keep_reviewed else "p.margin >= ?")
            params.append(min_margin)
        last = 0
        while True:
            rows = self._q(
                "SELECT p.rowid AS _pr, p.*, s.id AS s_id, s.text AS s_text, s.category AS s_category, "
                "s.subcategory AS s_subcategory, s.policy_version AS s_policy_version, s.style AS s_style "
                f"FROM pairs p JOIN seeds s ON s.id = p.seed_id WHERE {' AND '.join(where)} AND p.rowid > ? "
                "ORDER BY p.rowid LIMIT ?", [*params, last, batch])
            if not rows:
                return
            for r in rows:
                d = dict(r)
                last = d.pop("_pr")
                seed = Seed(id=d.pop("s_id"), text=d.pop("s_text"), category=d.pop("s_category"),
                            subcategory=d.pop("s_subcategory"), policy_version=d.pop("s_policy_version"),
                            style=d.pop("s_style"))
                d["flags"] = json.loads(d["flags"])
                yield Pair(**d), seed

    # -- review (human overrides, append-only audit) -------------------------------------------------------
    def apply_review(self, seed_id: str, reviewer: str, action: str, *, chosen_id: str | None = None,
                     rejected_id: str | None = None, status: str | None = None,
                     flags: list[str] | None = None, reason: str | None = None, tag: str | None = None
                     ) -> Review | None:
        """The one write path of a reviewer's action (TUI keys, bulk accept, scripts): validate it, write the
        pair and its audit row in one transaction; None when it would change nothing (then nothing is
        written). The rules (db.decisions): a decision makes the pair the reviewer's, with a margin computed
        from the reviewer's pair; a flag, a note or a reason is not a decision.

        Fields left None keep their value. `tag` goes into the audit row's reason (a bulk action's id). The
        judge's own choice stays in the judge_* columns beside an override. Nested in an open
        `transaction()` it joins it (bulk accept writes many seeds at once)."""
        if action not in decisions.ACTIONS:
            raise StoreError(f"unknown review action {action!r} (one of {', '.join(sorted(decisions.ACTIONS))})")
        if status is not None and status not in decisions.STATUSES:
            raise StoreError(f"unknown pair status {status!r} (pair, tie or skip)")
        if action not in decisions.DECISIONS and (chosen_id or rejected_id or status):
            raise StoreError(f"{action!r} is not a decision: it cannot change the chosen/rejected answers or status")
        red = self._redactor
        reason = red.text(reason) if reason is not None else None
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,)).fetchone()
            before = self._decode("pairs", row) if row else None
            if before is None:
                if conn.execute("SELECT 1 FROM seeds WHERE id = ?", (seed_id,)).fetchone() is None:
                    raise StoreError(f"no seed {seed_id!r}")
                # a seed the judge has not paired yet: flags and decisions need a row to live in
                cur = Pair(seed_id=seed_id, status="no_pair", source="judge")
            else:
                cur = Pair(**before)
            for role, cid in (("chosen", chosen_id), ("rejected", rejected_id)):
                if cid is not None and conn.execute("SELECT 1 FROM candidates WHERE id = ? AND seed_id = ?",
                                                    (cid, seed_id)).fetchone() is None:
                    raise StoreError(f"{role} answer {cid!r} is not a candidate of seed {seed_id!r}")
            if action == "note":
                text = (reason or "").strip()
                if not text:
                    raise StoreError("empty note")
                return self._audit(conn, seed_id, reviewer, action, before, before, text)
            if action == "reason" and cur.source != "human":
                raise StoreError("a reason explains a reviewer's decision and this pair has none yet; "
                                 "write a note (it becomes the reason of the next decision)")
            update: dict[str, Any] = {}
            for k, v in (("chosen_id", chosen_id), ("rejected_id", rejected_id), ("status", status),
                         ("flags", flags), ("reason", reason)):
                if v is not None:
                    update[k] = v
            if action in decisions.DECISIONS:
                if status is None and (chosen_id or rejected_id):
                    update["status"] = "pair"  # naming an answer chosen or rejected makes a pair
                update["source"] = "human"
                update["reviewer"] = reviewer
                if reason is None:
                    # the judge's reason does not explain the reviewer's pair; a note written before deciding does
                    update["reason"] = (self._pending_note(conn, seed_id) if cur.source != "human"
                                        else cur.reason)
            after = cur.model_copy(update=update)
            if after.source == "human":
                if after.status == "pair":
                    if not after.chosen_id or not after.rejected_id:
                        raise StoreError("a pair needs a chosen and a rejected answer")
                    if after.chosen_id == after.rejected_id:
                        raise StoreError("chosen and rejected must differ")
                    after.margin = self._human_margin(conn, after.chosen_id, after.rejected_id)
                elif after.status == "no_pair":
                    raise StoreError("a decision needs a pair, a tie or a skip")
                else:
                    after.margin = None
            if row is not None and all(getattr(after, k) == getattr(cur, k) for k in decisions.COMPARED):
                return None
            after.updated_at = utcnow()
            self._insert(conn, "pairs", after, verb="INSERT OR REPLACE")
            return self._audit(conn, seed_id, reviewer, action, before, after.model_dump(), tag or reason)

    def _audit(self, conn: sqlite3.Connection, seed_id: str, reviewer: str, action: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None, reason: str | None) -> Review:
        """Append one audit row (everything in it redacted like any other string the store writes)."""
        red = self._redactor
        review = Review(seed_id=seed_id, reviewer=red.text(reviewer), action=action, before=before, after=after,
                        reason=red.text(reason) if reason is not None else None)
        review.id = conn.execute(
            "INSERT INTO reviews (seed_id, reviewer, action, before, after, reason, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (seed_id, review.reviewer, action,
             json.dumps(red.value(before), ensure_ascii=False) if before is not None else None,
             json.dumps(red.value(after), ensure_ascii=False) if after is not None else None,
             review.reason, review.created_at)).lastrowid
        return review

    @staticmethod
    def _latest_score(conn: sqlite3.Connection, candidate_id: str | None) -> decisions.Scored:
        if candidate_id is None:
            return None, None
        row = conn.execute("SELECT total, verdict FROM judgments WHERE candidate_id = ? ORDER BY id DESC LIMIT 1",
                           (candidate_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def _human_margin(self, conn: sqlite3.Connection, chosen_id: str | None, rejected_id: str | None
                      ) -> float | None:
        return decisions.pair_margin(self._latest_score(conn, chosen_id), self._latest_score(conn, rejected_id))

    def human_margin(self, chosen_id: str | None, rejected_id: str | None) -> float | None:
        """The margin a reviewer's pair of these two answers gets (db.decisions), from their latest judgments."""
        with self._lock:
            return self._human_margin(self.conn, chosen_id, rejected_id)

    @staticmethod
    def _pending_note(conn: sqlite3.Connection, seed_id: str) -> str | None:
        rows = conn.execute("SELECT id, action, reason FROM reviews WHERE seed_id = ? ORDER BY id", (seed_id,))
        return decisions.pending_note(rows.fetchall())

    def pending_note(self, seed_id: str) -> str | None:
        """A note written since the reviewer's last decision on this seed (None when there is none)."""
        with self._lock:
            return self._pending_note(self.conn, seed_id)

    def undo_review(self, seed_id: str, reviewer: str) -> Review | None:
        """Restore the pair as it was before the latest non-undo action (itself recorded as 'undo')."""
        with self.transaction() as conn:
            rows = conn.execute("SELECT * FROM reviews WHERE seed_id = ? ORDER BY id DESC", (seed_id,)).fetchall()
            undone = sum(1 for r in rows if r["action"] == "undo")
            actions = [r for r in rows if r["action"] != "undo"]
            # each undo cancels the most recent remaining action
            if undone >= len(actions):
                return None
            target = self._decode("reviews", actions[undone])
            cur = conn.execute("SELECT * FROM pairs WHERE seed_id = ?", (seed_id,)).fetchone()
            current = self._decode("pairs", cur) if cur else None
            restored = target["before"]
            if target["action"] == "note":  # a note changed no pair: undoing it leaves the pair as it is now
                restored = current
            elif restored is None:
                conn.execute("DELETE FROM pairs WHERE seed_id = ?", (seed_id,))
            else:
                self._insert(conn, "pairs", Pair(**restored), verb="INSERT OR REPLACE")
            return self._audit(conn, seed_id, reviewer, "undo", current, restored, f"undo review #{target['id']}")

    def reviews_for(self, seed_id: str) -> list[Review]:
        rows = self._q("SELECT * FROM reviews WHERE seed_id = ? ORDER BY id", (seed_id,))
        return [Review(**self._decode("reviews", r)) for r in rows]

    def review_counts(self) -> dict[str, int]:
        r = self._q("SELECT count(*) AS total, sum(source = 'human') AS human, "
                    "sum(source = 'human' AND (chosen_id IS NOT judge_chosen_id OR rejected_id IS NOT "
                    "judge_rejected_id)) AS overridden, sum(flags != '[]') AS flagged FROM pairs")[0]
        return {k: r[k] or 0 for k in r.keys()}

    # -- browse -------------------------------------------------------------------------------------------
    def _seed_where(self, f: SeedFilter) -> tuple[str, list[Any]]:
        where, params = ["1=1"], []
        if f.category:
            where.append("s.category = ?")
            params.append(f.category)
        if f.subcategory:
            where.append("s.subcategory = ?")
            params.append(f.subcategory)
        if f.review == "unreviewed":
            where.append("(p.source IS NULL OR p.source = 'judge')")
        elif f.review == "reviewed":
            where.append("p.source = 'human'")
        elif f.review == "flagged":
            where.append("p.flags IS NOT NULL AND p.flags != '[]'")
        elif f.review == "overridden":
            where.append("p.source = 'human' AND (p.chosen_id IS NOT p.judge_chosen_id "
                         "OR p.rejected_id IS NOT p.judge_rejected_id)")
        if f.source:
            where.append("p.source = ?")
            params.append(f.source)
        if f.max_margin is not None:
            where.append("p.margin <= ?")
            params.append(f.max_margin)
        if f.model:
            where.append("EXISTS (SELECT 1 FROM candidates c WHERE c.seed_id = s.id AND c.model = ?)")
            params.append(f.model)
        if f.ids is not None:
            where.append(f"s.id IN ({','.join('?' * len(f.ids)) or 'NULL'})")
            params.extend(f.ids)
        return " AND ".join(where), params

    def page_seeds(self, f: SeedFilter | None = None, *, offset: int = 0, limit: int = 200,
                   order: str = "rowid") -> list[SeedRow]:
        """One page of the seed list; order 'rowid' or 'queue' (flagged, then disagreement, then low margin)."""
        f = f or SeedFilter()
        where, params = self._seed_where(f)
        order_sql = {
            "rowid": "s.rowid",
            "queue": "(p.source = 'human'), (p.flags IS NULL OR p.flags = '[]'), coalesce(p.margin, 1e9), s.rowid",
        }[order]
        rows = self._q(
            "SELECT s.id, s.text, s.category, s.subcategory, p.source AS pair_source, p.margin, p.status, p.flags "
            f"FROM seeds s LEFT JOIN pairs p ON p.seed_id = s.id WHERE {where} ORDER BY {order_sql} "
            "LIMIT ? OFFSET ?", [*params, limit, offset])
        return [SeedRow(**{**dict(r), "flags": json.loads(r["flags"]) if r["flags"] else []}) for r in rows]

    def count_page(self, f: SeedFilter | None = None) -> int:
        f = f or SeedFilter()
        where, params = self._seed_where(f)
        return self._q(f"SELECT count(*) FROM seeds s LEFT JOIN pairs p ON p.seed_id = s.id WHERE {where}",
                       params)[0][0]

    def category_stats(self) -> list[dict[str, Any]]:
        """Per (category, subcategory): seeds, judged candidates, safe rate of the latest judgments."""
        rows = self._q(
            "WITH latest AS (SELECT candidate_id, max(id) AS id FROM judgments GROUP BY candidate_id) "
            "SELECT s.category, s.subcategory, count(DISTINCT s.id) AS seeds, "
            "sum(j.verdict = 'safe') AS safe, sum(j.verdict IN ('safe','unsafe')) AS scored "
            "FROM seeds s LEFT JOIN candidates c ON c.seed_id = s.id "
            "LEFT JOIN latest l ON l.candidate_id = c.id LEFT JOIN judgments j ON j.id = l.id "
            "GROUP BY s.category, s.subcategory ORDER BY s.category, s.subcategory")
        return [dict(r) for r in rows]

    def category_counts(self) -> list[dict[str, Any]]:
        """Seeds per (category, subcategory) only: cheap, for first paint of the taxonomy tree."""
        rows = self._q("SELECT category, subcategory, count(*) AS seeds FROM seeds "
                       "GROUP BY category, subcategory ORDER BY category, subcategory")
        return [dict(r) for r in rows]

    def agreement_rows(self) -> list[tuple[str | None, str | None, str | None, str | None]]:
        """(judge_chosen, judge_rejected, human_chosen, human_rejected) for every reviewed pair."""
        rows = self._q("SELECT judge_chosen_id, judge_rejected_id, chosen_id, rejected_id FROM pairs "
                       "WHERE source = 'human'")
        return [tuple(r) for r in rows]

    # -- search -------------------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over seeds and candidates. Korean works through the trigram tokenizer;
        queries shorter than three characters fall back to a substring scan."""
        q = query.strip()
        if not q:
            return []
        hits: list[SearchHit] = []
        if len(q) >= 3:
            phrase = '"' + q.replace('"', '""') + '"'
            for r in self._q("SELECT s.id, snippet(seeds_fts, 0, '', '', '…', 40) AS sn FROM seeds_fts "
                             "JOIN seeds s ON s.rowid = seeds_fts.rowid WHERE seeds_fts MATCH ? LIMIT ?",
                             (phrase, limit)):
                hits.append(SearchHit(kind="seed", id=r[0], seed_id=r[0], snippet=r[1]))
            rest = limit - len(hits)
            if rest > 0:
                for r in self._q("SELECT c.id, c.seed_id, snippet(candidates_fts, 0, '', '', '…', 40) FROM "
                                 "candidates_fts JOIN candidates c ON c.rowid = candidates_fts.rowid "
                                 "WHERE candidates_fts MATCH ? LIMIT ?", (phrase, rest)):
                    hits.append(SearchHit(kind="candidate", id=r[0], seed_id=r[1], snippet=r[2]))
        else:
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            # the snippet starts a little before the match, so the match is visible
            around = "substr(text, max(1, instr(text, ?) - 20), 80)"
            for r in self._q(f"SELECT id, {around} FROM seeds WHERE text LIKE ? ESCAPE '\\' LIMIT ?",
                             (q, like, limit)):
                hits.append(SearchHit(kind="seed", id=r[0], seed_id=r[0], snippet=r[1]))
            rest = limit - len(hits)
            if rest > 0:
                for r in self._q(f"SELECT id, seed_id, {around} FROM candidates WHERE text LIKE ? "
                                 "ESCAPE '\\' LIMIT ?", (q, like, rest)):
                    hits.append(SearchHit(kind="candidate", id=r[0], seed_id=r[1], snippet=r[2]))
        return hits

    # -- evaluation & exports -----------------------------------------------------------------------------
    def add_eval_results(self, results: Iterable[EvalResult]) -> None:
        with self.transaction() as conn:
            for r in results:
                self._insert(conn, "eval_results", r, verb="INSERT OR REPLACE")

    def eval_results(self, run_id: str) -> list[EvalResult]:
        rows = self._q("SELECT * FROM eval_results WHERE run_id = ? ORDER BY benchmark, category, model", (run_id,))
        return [EvalResult(**{k: r[k] for k in r.keys() if k != "id"}) for r in rows]

    def add_eval_items(self, items: Iterable[EvalItem]) -> int:
        """Per-item results; a rerun of the same (run, role, benchmark, item, metric) replaces the row."""
        n = 0
        with self.transaction() as conn:
            for it in items:
                n += self._insert(conn, "eval_items", it, verb="INSERT OR REPLACE")
        return n

    def eval_items(self, run_id: str, *, role: str | None = None, benchmark: str | None = None) -> list[EvalItem]:
        sql, args = "SELECT * FROM eval_items WHERE run_id = ?", [run_id]
        if role is not None:
            sql, args = sql + " AND role = ?", [*args, role]
        if benchmark is not None:
            sql, args = sql + " AND benchmark = ?", [*args, benchmark]
        rows = self._q(sql + " ORDER BY benchmark, metric, item_id, role", args)
        return [EvalItem(**dict(r)) for r in rows]

    def record_export(self, rec: ExportRecord) -> None:
        with self.transaction() as conn:
            self._insert(conn, "exports", rec, verb="INSERT OR REPLACE")

    def get_export(self, export_id: str) -> ExportRecord | None:
        rows = self._q("SELECT * FROM exports WHERE id = ?", (export_id,))
        return ExportRecord(**self._decode("exports", rows[0])) if rows else None

    def list_exports(self) -> list[ExportRecord]:
        return [ExportRecord(**self._decode("exports", r))
                for r in self._q("SELECT * FROM exports ORDER BY created_at DESC")]


def _merge_flags(conn: sqlite3.Connection, p: Pair, replace: frozenset[str]) -> list[str]:
    row = conn.execute("SELECT flags FROM pairs WHERE seed_id = ?", (p.seed_id,)).fetchone()
    have = json.loads(row[0]) if row else []
    return sorted({f for f in have if f not in replace} | set(p.flags))
