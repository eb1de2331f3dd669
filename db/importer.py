"""Streaming import of seeds (optionally with candidates) from JSONL, JSON, CSV or Parquet.

Every row is validated with pydantic; a bad row is reported as `file:line: field: message`, written to a
rejects file and skipped, and the good rows are kept. Rows go to the store in batches, each batch one
transaction, so a killed import leaves whole batches only and a re-run skips what is already there
(ids are given or derived from a content hash): re-import never duplicates.

Candidate ids are scoped by their seed: a candidate given as {"id": "c1"} under seed "s1" is stored as
"s1/c1", because external datasets commonly reuse c1, c2, c3 under every prompt.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from db.models import Candidate, Seed
from db.store import Store

MAX_TEXT = 200_000  # characters; longer prompts/answers are rejected, not truncated
MAX_ID = 200
_CATEGORY = re.compile(r"^[KB]\d{2}$")
_SUBCATEGORY = re.compile(r"^[KB]\d{2}(\.\d{1,2})?$")
_CONTROL_IN_ID = re.compile(r"[\x00-\x1f\x7f]")


class RowError(BaseModel):
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


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
    if _CONTROL_IN_ID.search(v) or "/" in v:
        raise ValueError("must not contain control characters or '/'")
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

    @field_validator("model", mode="before")
    @classmethod
    def _model(cls, v: Any) -> str:
        if v is None:
            return "unknown"
        if not isinstance(v, str) or len(v) > 300:
            raise ValueError("must be a string of at most 300 characters")
        return v


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
        if not isinstance(v, str) or len(v) > 100:
            raise ValueError("must be a short string")
        return v

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
    return row.id or "s-" + _h(row.category or "", row.subcategory or "", unicodedata.normalize("NFC", row.prompt))


def to_records(row: ImportRow, *, source: str = "import") -> tuple[Seed, list[Candidate]]:
    sid = seed_id_for(row)
    meta = dict(row.model_extra or {})
    seed = Seed(id=sid, text=row.prompt, category=row.category, subcategory=row.subcategory, style=row.style,
                source=source, meta=meta)
    cands = []
    for c in row.candidates:
        local = c.id or _h(c.model, c.response)
        params: dict[str, Any] = {"source_id": c.id} if c.id else {}
        extra = dict(c.model_extra or {})
        for k in ("provider",):
            extra.pop(k, None)
        if extra:
            params["meta"] = extra
        provider = (c.model_extra or {}).get("provider")
        cands.append(Candidate(id=f"{sid}/{local}", seed_id=sid, text=c.response, model=c.model,
                               provider=provider if isinstance(provider, str) else None, params=params))
    return seed, cands


# -- readers: each yields (line_number, raw_text, parsed_object | RowError) ------------------------------------
def _read_jsonl(path: Path) -> Iterator[tuple[int, str, Any]]:
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield lineno, raw.decode("utf-8", "replace"), RowError(
                    file=str(path), line=lineno, field="encoding",
                    message=f"invalid UTF-8 at byte {e.start}{_legacy_hint(raw)}")
                continue
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                obj = json.loads(text, parse_constant=_reject_constant)
            except (json.JSONDecodeError, ValueError) as e:
                yield lineno, text, RowError(file=str(path), line=lineno, field="json", message=str(e))
                continue
            if not isinstance(obj, dict):
                yield lineno, text, RowError(file=str(path), line=lineno, field="json",
                                             message=f"expected one JSON object per line, got {type(obj).__name__}")
                continue
            yield lineno, text, obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _read_json(path: Path) -> Iterator[tuple[int, str, Any]]:
    """A .json file holding one array of objects (read whole: use JSONL for large data)."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as e:
        yield 1, "", RowError(file=str(path), line=getattr(e, "lineno", 1), field="json", message=str(e))
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        yield 1, "", RowError(file=str(path), line=1, field="json", message="expected an array of objects")
        return
    for i, obj in enumerate(data, start=1):
        yield i, json.dumps(obj, ensure_ascii=False), obj if isinstance(obj, dict) else RowError(
            file=str(path), line=i, field="json", message=f"item {i} is not an object")


def _read_csv(path: Path) -> Iterator[tuple[int, str, Any]]:
    """CSV of seeds; a seed may repeat on several rows, one candidate per row
    (columns candidate_id, model, response)."""
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield 1, "", RowError(file=str(path), line=1, field="csv", message=str(e))
            return
        header = [h.strip().lower() for h in header]
        no_prompt = "prompt" not in header and "text" not in header
        pending: dict[str, Any] | None = None
        pending_line = 0
        start = 2
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                yield start, "", RowError(file=str(path), line=start, field="csv", message=str(e))
                break
            line = start
            start = reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            raw = ",".join(values)
            if no_prompt:
                yield line, raw, RowError(file=str(path), line=line, field="prompt",
                                          message="the CSV header has no 'prompt' (or 'text') column")
                continue
            if any(_has_surrogate(v) for v in values):
                legacy = _legacy_hint(raw.encode("utf-8", "surrogateescape"))
                yield line, raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), RowError(
                    file=str(path), line=line, field="encoding", message="invalid UTF-8" + legacy)
                continue
            if len(values) != len(header):
                yield line, raw, RowError(file=str(path), line=line, field="csv",
                                          message=f"expected {len(header)} columns, got {len(values)}")
                continue
            rec = {k: v for k, v in zip(header, values, strict=True) if v != ""}
            cand = {k.removeprefix("candidate_"): rec.pop(k) for k in list(rec)
                    if k in ("candidate_id", "model", "response", "candidate_model", "candidate_response")}
            if cand:
                rec["candidates"] = [cand] if "response" in cand else []
            same_seed = pending is not None and rec.get("id") and rec.get("id") == pending.get("id") and all(
                rec.get(k) == pending.get(k) for k in ("prompt", "text", "category", "subcategory", "style"))
            if same_seed:
                pending["candidates"].extend(rec.get("candidates", []))
                continue
            if pending is not None:
                yield pending_line, json.dumps(pending, ensure_ascii=False), pending
            rec.setdefault("candidates", [])
            pending, pending_line = rec, line
        if pending is not None:
            yield pending_line, json.dumps(pending, ensure_ascii=False), pending


def _legacy_hint(raw: bytes) -> str:
    """Excel saves Korean CSV as CP949 (EUC-KR): say so when the bytes decode that way."""
    try:
        raw.decode("cp949")
    except UnicodeDecodeError:
        return ""
    return " (the file looks like CP949/EUC-KR, Excel's Korean default: convert it with `iconv -f cp949 -t utf-8`)"


def _has_surrogate(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s)


def _read_parquet(path: Path) -> Iterator[tuple[int, str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportFailure(f"{path}: reading Parquet needs pyarrow (pip install 'kcc-toolkit[train]')") from e
    line = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=2000):
        for rec in batch.to_pylist():
            line += 1
            clean = {k: v for k, v in rec.items() if v is not None}
            yield line, json.dumps(clean, ensure_ascii=False, default=str), clean


def _new_candidates(store: Store, cs: list[Candidate], pending: dict[str, str]
                    ) -> tuple[list[Candidate], str | None]:
    """Of a repeated seed's candidates, those not seen yet; or the id of one that conflicts with a seen one."""
    known = {c.id: pending[c.id] for c in cs if c.id in pending}
    rest = [c.id for c in cs if c.id not in known]
    if rest:
        known.update(store.candidate_texts(rest))
    for c in cs:
        if c.id in known and known[c.id] != c.text:
            return [], c.id
    return [c for c in cs if c.id not in known], None


class ImportFailure(Exception):
    """The file as a whole cannot be read (missing, unknown format)."""


READERS = {".jsonl": _read_jsonl, ".ndjson": _read_jsonl, ".json": _read_json, ".csv": _read_csv,
           ".parquet": _read_parquet}


def iter_rows(path: Path, report: ImportReport,
              known_categories: set[str] | None = None) -> Iterator[tuple[int, str, ImportRow | RowError]]:
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
        if known_categories is not None and row.category and row.category not in known_categories:
            yield line, raw, RowError(file=str(path), line=line, field="category",
                                      message=f"unknown category {row.category} (not in the taxonomy)")
            continue
        yield line, raw, row


def import_file(store: Store, path: str | Path, *, known_categories: set[str] | None = None,
                rejects_path: str | Path | None = None, batch_size: int = 1000, source: str = "import",
                record_run: bool = True) -> ImportReport:
    """Import one file into the store; see the module docstring for the guarantees."""
    path = Path(path)
    if not path.is_file():
        raise ImportFailure(f"{path}: no such file")
    report = ImportReport(file=str(path))
    rejects = Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.jsonl")
    rejects_f: io.TextIOWrapper | None = None
    run = store.create_run("import", {"file": str(path)}) if record_run else None
    report.run_id = run.id if run else None
    seen: dict[str, str] = {}  # seed id -> hash of the seed's own content (not its candidates), within this file
    seeds: list[Seed] = []
    cands: list[Candidate] = []
    pending_cands: dict[str, str] = {}  # candidate id -> text, of the batch not yet flushed

    def flush() -> None:
        pending_cands.clear()
        if not seeds and not cands:
            return
        existing = store.existing_ids("seeds", [s.id for s in seeds])
        ns, nc = store.import_batch(seeds, cands)
        report.seeds_added += ns
        report.candidates_added += nc
        report.duplicates += len(existing)
        seeds.clear()
        cands.clear()
        if run:
            store.progress(run.id, report.rows)

    try:
        for line, raw, row in iter_rows(path, report, known_categories):
            if isinstance(row, ImportRow):
                seed, cs = to_records(row, source=source)
                digest = _h(seed.text, seed.category or "", seed.subcategory or "", seed.style or "")
                prior = seen.get(seed.id)
                if prior is None:
                    seen[seed.id] = digest
                    seeds.append(seed)
                    cands.extend(cs)
                    pending_cands.update((c.id, c.text) for c in cs)
                    if len(seeds) >= batch_size or len(cands) >= 4 * batch_size:
                        flush()
                    continue
                if prior == digest:
                    # the same seed again (e.g. a long CSV sorted by model): its new candidates are added,
                    # wherever the row is in the file; repeats of known candidates are duplicates
                    new, conflict = _new_candidates(store, cs, pending_cands)
                    if conflict is None:
                        if not new:
                            report.duplicates += 1
                            continue
                        cands.extend(new)
                        pending_cands.update((c.id, c.text) for c in new)
                        if len(cands) >= 4 * batch_size:
                            flush()
                        continue
                    row = RowError(file=str(path), line=line, field="candidates",
                                   message=f"candidate {conflict!r} repeated with a different answer "
                                           "(first one kept)")
                else:
                    row = RowError(file=str(path), line=line, field="id",
                                   message=f"duplicate id {seed.id!r} with a different prompt, category or style "
                                           "(first one kept)")
            report.rejected += 1
            report.add_error(row)
            if rejects_f is None:
                rejects_f = rejects.open("w", encoding="utf-8")
                report.rejects_path = str(rejects)
            rejects_f.write(json.dumps({"line": line, "field": row.field, "error": row.message,
                                        "raw": raw.encode("utf-8", "replace").decode("utf-8")},
                                       ensure_ascii=False) + "\n")
        flush()
    except BaseException as e:
        if run:
            store.finish_run(run.id, "cancelled" if isinstance(e, KeyboardInterrupt) else "failed",
                             error=str(e) or type(e).__name__)
        raise
    finally:
        if rejects_f is not None:
            rejects_f.close()
    report.seed_ids = list(seen)
    if run:
        store.finish_run(run.id, "done", summary=report.model_dump(exclude={"errors"}))
    return report
