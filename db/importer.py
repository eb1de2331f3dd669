"""Streaming import of seeds (optionally with candidates) from JSONL, JSON, CSV or Parquet.

Every row is validated with pydantic; a bad row is reported as `file:line: field: message`, written to a
rejects file and skipped, and the good rows are kept. Rows go to the store in batches, each batch one
transaction, so a killed import leaves whole batches only and a re-run skips what is already there
(ids are given or derived by db.ids.seed_id, the rule generated seeds use too; a seed stored under the
earlier import id is found again): re-import never duplicates. Rows without ids whose prompts differ only
by case, width or punctuation derive one id: the later one is rejected as a near-duplicate, not merged.

A seed id already in the store (from this file or an earlier one) is only reused when its prompt, category,
subcategory and style are the same: otherwise the row is rejected, so an answer is never attached to a prompt
it was not written for. Memory stays bounded whatever the file size: the input is streamed and the checks
against earlier rows go to the store, one batch at a time.

Candidate ids are scoped by their seed: a candidate given as {"id": "c1"} under seed "s1" is stored as
"s1/c1", because external datasets commonly reuse c1, c2, c3 under every prompt.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from db import readers
from db.ids import legacy_import_seed_id, seed_id
from db.import_paths import RejectsFile, check_input, check_rejects
from db.models import Candidate, Seed, utcnow
from db.readers import MAX_TEXT, ImportFailure, RowError
from db.runs import RunLease
from db.store import Store

__all__ = ["MAX_TEXT", "ImportFailure", "ImportReport", "ImportRow", "RowError", "import_file", "iter_rows"]
MAX_ID = 200
_CATEGORY = re.compile(r"^[KB]\d{2}$")
_SUBCATEGORY = re.compile(r"^[KB]\d{2}(\.\d{1,2})?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ImportReport(BaseModel):
    file: str
    rows: int = 0
    seeds_added: int = 0
    candidates_added: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[RowError] = Field(default_factory=list)
    rejects_path: str | None = None
    run_id: str | None = None
    max_errors_kept: int = 1000
    seed_ids: list[str] = Field(default_factory=list, exclude=True, repr=False)  # every valid row's seed id

    def add_error(self, err: RowError) -> None:
        if len(self.errors) < self.max_errors_kept:
            self.errors.append(err)


def _clean_id(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError("must be a string or integer")
    v = str(v).strip()
    if not v:
        return None
    if len(v) > MAX_ID:
        raise ValueError(f"longer than {MAX_ID} characters")
    if _CONTROL.search(v) or "/" in v:
        raise ValueError("must not contain control characters or '/'")
    return v


def _name(v: Any, limit: int) -> str | None:
    """An identifier-like field (model, provider, style): a short string without control characters."""
    if v is None:
        return None
    if not isinstance(v, str) or len(v) > limit:
        raise ValueError(f"must be a string of at most {limit} characters")
    if _CONTROL.search(v):
        raise ValueError("must not contain NUL or other control characters")
    return v


def _check_text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"must be a string, got {type(v).__name__}")
    if "\x00" in v:
        raise ValueError("contains a NUL byte")
    if not v.strip():
        raise ValueError("is empty")
    if len(v) > MAX_TEXT:
        raise ValueError(f"is {len(v)} characters long (max {MAX_TEXT})")
    return v


class ImportCandidate(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    model: str = "unknown"
    response: str

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"a candidate must be an object, got {type(data).__name__}")
        if "response" not in data and "text" in data:
            data = {**data, "response": data["text"]}
            data.pop("text")
        return data

    _id = field_validator("id", mode="before")(_clean_id)
    _resp = field_validator("response", mode="before")(_check_text)

    provider: str | None = None

    @field_validator("model", mode="before")
    @classmethod
    def _model(cls, v: Any) -> str:
        return _name(v, 300) or "unknown"

    @field_validator("provider", mode="before")
    @classmethod
    def _provider(cls, v: Any) -> str | None:
        return _name(v, 100) if isinstance(v, str) else None  # a non-string provider was ignored before


class ImportRow(BaseModel):
    """One input row. Only `prompt` (or `text`) is required; unknown fields are kept in Seed.meta."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    prompt: str
    category: str | None = None
    subcategory: str | None = None
    style: str | None = None
    candidates: list[ImportCandidate] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"each row must be a JSON object, got {type(data).__name__}")
        if "prompt" not in data and "text" in data:
            data = {**data, "prompt": data["text"]}
            data.pop("text")
        return data

    _id = field_validator("id", mode="before")(_clean_id)
    _prompt = field_validator("prompt", mode="before")(_check_text)

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: Any) -> str | None:
        if v is None or v == "":
            return None
        if not isinstance(v, str):
            raise ValueError("must be a string like K05")
        v = v.strip().upper()
        if not _CATEGORY.match(v):
            raise ValueError(f"{v!r} is not a category id (K01-K16, B01-...)")
        return v

    @field_validator("subcategory", mode="before")
    @classmethod
    def _subcategory(cls, v: Any) -> str | None:
        if v is None or v == "":
            return None
        if not isinstance(v, str):
            raise ValueError("must be a string like K05.2")
        v = v.strip().upper()
        if not _SUBCATEGORY.match(v):
            raise ValueError(f"{v!r} is not a subcategory id (like K05.2)")
        return v

    @field_validator("style", mode="before")
    @classmethod
    def _style(cls, v: Any) -> str | None:
        if v is None:
            return None
        return _name(v, 100)

    @model_validator(mode="after")
    def _consistent(self) -> ImportRow:
        if self.subcategory and self.category and not self.subcategory.startswith(self.category):
            raise ValueError(f"subcategory {self.subcategory} is not under category {self.category}")
        if self.subcategory and not self.category:
            self.category = self.subcategory.split(".")[0]
        ids = [c.id for c in self.candidates if c.id]
        if len(ids) != len(set(ids)):
            raise ValueError("candidates: duplicate candidate id")
        return self


def _h(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def seed_id_for(row: ImportRow) -> str:
    """The row's id, or the one db.ids derives (shared with generated seeds)."""
    return row.id or seed_id(row.category, row.subcategory, row.prompt)


def to_records(row: ImportRow, *, source: str = "import", now: str | None = None) -> tuple[Seed, list[Candidate]]:
    """The store records of one row; `now` (the batch's time) saves a clock read per record."""
    stamp = {"created_at": now} if now else {}
    sid = seed_id_for(row)
    meta = dict(row.model_extra or {})
    seed = Seed(id=sid, text=row.prompt, category=row.category, subcategory=row.subcategory, style=row.style,
                source=source, meta=meta, **stamp)
    cands = []
    for c in row.candidates:
        local = c.id or _h(c.model, c.response)
        params: dict[str, Any] = {"source_id": c.id} if c.id else {}
        extra = dict(c.model_extra or {})
        if extra:
            params["meta"] = extra
        cands.append(Candidate(id=f"{sid}/{local}", seed_id=sid, text=c.response, model=c.model,
                               provider=c.provider, params=params, **stamp))
    return seed, cands


READERS = readers.READERS


def _taxonomy_error(row: ImportRow, known: set[str]) -> tuple[str, str] | None:
    """Category and subcategory must exist; a subcategory is checked when `known` lists its category's."""
    if row.category and row.category not in known:
        return "category", f"unknown category {row.category} (not in the taxonomy)"
    if row.subcategory and row.subcategory not in known:
        prefix = f"{row.category}."
        if any(k.startswith(prefix) for k in known):
            return "subcategory", f"unknown subcategory {row.subcategory} (not in the taxonomy)"
    return None


def iter_rows(path: Path, report: ImportReport,
              known_categories: set[str] | None = None) -> Iterator[tuple[int, str, ImportRow | RowError]]:
    """Every row of the file, validated: (line, raw text, ImportRow or the RowError that rejects it)."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ImportFailure(f"{path}: unknown format {path.suffix!r} (use .jsonl, .json, .csv or .parquet)")
    for line, raw, obj in reader(path):
        report.rows += 1
        if isinstance(obj, RowError):
            yield line, raw, obj
            continue
        try:
            row = ImportRow.model_validate(obj)
        except ValidationError as e:
            err = e.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "row"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "is required"
            yield line, raw, RowError(file=str(path), line=line, field=loc, message=msg)
            continue
        if known_categories is not None and (bad := _taxonomy_error(row, known_categories)):
            yield line, raw, RowError(file=str(path), line=line, field=bad[0], message=bad[1])
            continue
        yield line, raw, row


_KEY_FIELDS = ("prompt", "category", "subcategory", "style")


def _key(seed: Seed) -> tuple[str, str | None, str | None, str | None]:
    return seed.text, seed.category, seed.subcategory, seed.style


def _differs(a: tuple, b: tuple) -> str:
    names = [n for n, x, y in zip(_KEY_FIELDS, a, b, strict=True) if x != y]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _stored_keys(store: Store, conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple]:
    rows = store._q_in("SELECT id, text, category, subcategory, style FROM seeds WHERE id IN ({})",  # noqa: SLF001
                       ids, conn=conn)
    return {r[0]: tuple(r)[1:] for r in rows}


def _stored_answers(store: Store, conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    return {r[0]: r[1] for r in store._q_in("SELECT id, text FROM candidates WHERE id IN ({})",  # noqa: SLF001
                                            ids, conn=conn)}


class _Batch:
    """Rows waiting for one transaction; conflicts with the store or earlier rows are decided at flush."""

    def __init__(self, store: Store, path: Path, report: ImportReport, rejects: RejectsFile,
                 seed_ids: dict[str, None] | None) -> None:
        self.store, self.path, self.report, self.rejects, self.seed_ids = store, path, report, rejects, seed_ids
        self.rows: list[tuple[int, str, Seed, list[Candidate], bool]] = []  # ..., id derived (not given)
        self.errors: list[tuple[int, str, RowError]] = []
        self.n_cands = 0

    def __len__(self) -> int:
        return len(self.rows) + len(self.errors)

    def add(self, line: int, raw: str, seed: Seed, cands: list[Candidate], *, derived: bool = False) -> None:
        self.rows.append((line, raw, seed, cands, derived))
        self.n_cands += len(cands)

    def reject(self, line: int, raw: str, err: RowError) -> None:
        self.errors.append((line, raw, err))

    def _adopt_legacy_ids(self, conn: sqlite3.Connection) -> dict[str, tuple]:
        """The stored keys of the batch's ids; a derived id gives way to the legacy one stored for the same
        seed (a store written before db.ids.seed_id), so re-importing an old file adds nothing twice."""
        legacy = {i: legacy_import_seed_id(s.category, s.subcategory, s.text)
                  for i, (_, _, s, _, derived) in enumerate(self.rows) if derived}
        stored = _stored_keys(self.store, conn, list({s.id for _, _, s, _, _ in self.rows} | set(legacy.values())))
        for i, old in legacy.items():
            line, raw, seed, cands, derived = self.rows[i]
            if seed.id in stored or stored.get(old) != _key(seed):
                continue
            n = len(seed.id) + 1  # candidate ids are f"{seed id}/{local id}"
            self.rows[i] = (line, raw, seed.model_copy(update={"id": old}),
                            [c.model_copy(update={"id": f"{old}/{c.id[n:]}", "seed_id": old}) for c in cands],
                            derived)
        return stored

    def _conflict(self, line: int, seed: Seed, prior: tuple, key: tuple, derived: bool, stored: bool,
                  first_line: int | None) -> RowError:
        if derived and prior[0] != key[0]:  # another prompt with the same normalised text and key
            of = (f"the prompt on line {first_line}" if first_line is not None
                  else f"the stored seed {seed.id!r}")
            return RowError(file=str(self.path), line=line, field="prompt",
                            message=f"near-duplicate of {of} (same normalised text); give it an explicit id "
                                    "to keep both")
        where = "is stored" if stored else "was used earlier in this file"
        return RowError(file=str(self.path), line=line, field="id",
                        message=f"id conflict: seed {seed.id!r} {where} with a different {_differs(prior, key)} "
                                "(the first one is kept; give this row another id)")

    def _decide_and_insert(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        stored = self._adopt_legacy_ids(conn)
        known_cand = _stored_answers(self.store, conn, [c.id for _, _, s, cs, _ in self.rows if s.id in stored for c in cs])
        batch_keys: dict[str, tuple[tuple, int]] = {}  # seed id first inserted by this batch -> (key, line)
        ns = nc = duplicates = 0
        for line, raw, seed, cands, derived in self.rows:
            key = _key(seed)
            first = batch_keys.get(seed.id)
            prior = first[0] if first else stored.get(seed.id)
            if prior is not None and prior != key:
                self.reject(line, raw, self._conflict(line, seed, prior, key, derived, seed.id in stored,
                                                      first[1] if first else None))
                continue
            conflict = next((c.id for c in cands if known_cand.get(c.id, c.text) != c.text), None)
            if conflict is not None:
                self.reject(line, raw, RowError(
                    file=str(self.path), line=line, field="candidates",
                    message=f"candidate {conflict!r} repeated with a different answer (first one kept)"))
                continue
            if prior is None:
                batch_keys[seed.id] = (key, line)
                ns += self.store._insert(conn, "seeds", seed, verb="INSERT OR IGNORE")  # noqa: SLF001
            fresh = [c for c in cands if c.id not in known_cand]
            if prior is not None and not fresh:
                duplicates += 1
            for c in fresh:
                nc += self.store._insert(conn, "candidates", c, verb="INSERT OR IGNORE")  # noqa: SLF001
                known_cand[c.id] = c.text
            if self.seed_ids is not None:
                self.seed_ids[seed.id] = None
        return ns, nc, duplicates

    def flush(self) -> None:
        """Decide and insert in one write transaction: the checks against the store see every other
        writer's committed rows and none can slip in between (two imports reusing an id race safely)."""
        try:
            with self.store.transaction() as conn:
                ns, nc, duplicates = self._decide_and_insert(conn)
        except sqlite3.Error as e:
            at = f" at row {self.rows[0][0]}" if self.rows else ""
            raise StoreWriteFailure(f"{self.store.path}: {e}; the import stopped{at} (the batches before it "
                                    "are stored whole; re-run to finish)") from None
        rep = self.report
        rep.seeds_added += ns
        rep.candidates_added += nc
        rep.duplicates += duplicates
        for line, raw, err in sorted(self.errors, key=lambda e: e[0]):
            rep.rejected += 1
            rep.add_error(err)
            self.rejects.write(line, err.field, err.message, raw)
        self.rows.clear()
        self.errors.clear()
        self.n_cands = 0


class StoreWriteFailure(ImportFailure):
    """The store refused a batch (disk full, read-only, locked for too long)."""


def import_file(store: Store, path: str | Path, *, known_categories: set[str] | None = None,
                rejects_path: str | Path | None = None, batch_size: int = 1000, source: str = "import",
                record_run: bool = True, keep_seed_ids: bool = True) -> ImportReport:
    """Import one file into the store; see the module docstring for the guarantees.

    The input and the rejects path are checked before the first row is stored (ImportFailure). With
    `keep_seed_ids` the report lists the seed id of every accepted row (memory grows with the file; the
    `kcc import` command turns it off)."""
    path = Path(path)
    check_input(path)
    if path.suffix.lower() not in READERS:
        raise ImportFailure(f"{path}: unknown format {path.suffix!r} (use .jsonl, .json, .csv or .parquet)")
    rejects = Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.jsonl")
    check_rejects(rejects, [path], store.path)
    rejects_f = RejectsFile(rejects, path)
    report = ImportReport(file=str(path))
    seed_ids: dict[str, None] | None = {} if keep_seed_ids else None
    lease: RunLease | None = None
    try:
        if record_run:  # pid and host on the run: a killed import reads `interrupted`, not `running` forever
            lease = RunLease.open(store, "import", config={"file": str(path)})
            lease.start_heartbeat()
            report.run_id = lease.id
        batch = _Batch(store, path, report, rejects_f, seed_ids)
        now = utcnow()
        try:
            for line, raw, row in iter_rows(path, report, known_categories):
                if isinstance(row, RowError):
                    batch.reject(line, raw, row)
                else:
                    seed, cs = to_records(row, source=source, now=now)
                    batch.add(line, raw, seed, cs, derived=row.id is None)
                if len(batch) >= batch_size or batch.n_cands >= 4 * batch_size:
                    batch.flush()
                    now = utcnow()
                    if lease:
                        lease.progress(report.rows)
        except ImportFailure:
            if not isinstance(sys.exc_info()[1], StoreWriteFailure):
                batch.flush()  # the file broke off: the complete rows read before are kept
            raise
        batch.flush()
    except BaseException as e:
        if lease:
            try:
                lease.finish("cancelled" if isinstance(e, KeyboardInterrupt) else "failed",
                             error=str(e) or type(e).__name__)
            except sqlite3.Error:
                pass  # the store cannot take even this (disk full): the run reads `interrupted` once we exit
        raise
    finally:
        report.rejects_path = rejects_f.close()
    report.seed_ids = list(seed_ids or ())
    if lease:
        lease.finish("done", summary=report.model_dump(exclude={"errors"}))
    return report
