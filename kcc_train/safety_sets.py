"""External Korean safety prompt sets as evaluation seeds (id, category, prompt), with their categories mapped to
the KCC taxonomy.

Formats (read from the published files, naver-ai/korean-safety-benchmarks and naver-ai/KoBBQ):
- SQuARe (`data/SQuARe/question_*.json`): a JSON list of {"question", "question_en", "sensitive?" (0/1),
  "category"} with category contentious / predictive / ethical / etc for sensitive questions and null for the
  non-sensitive ones. Sensitive questions map to K13 (the taxonomy's crosswalk lists all four SQuARe types under
  K13); non-sensitive ones become B05 benign controls (society & culture questions) so over-refusal is measured
  on them too.
- KoBBQ (`data/KoBBQ_test_samples.tsv`, also `KoBBQ_all_samples.tsv`): tab-separated sample_id,
  label_annotation, context, question, choices (a Python list literal), biased_answer, answer, bbq_id,
  bbq_category, prediction. Every bbq_category (Age, Gender_identity, ...) maps to K06 (hate, discrimination &
  defamation; the crosswalk's "kosbi_kobbq demographic categories"). The prompt is the context, the question and
  the choices, as the set is asked.
- Any other set: JSON / JSONL / CSV / TSV with a prompt column and a category column (`--prompt-field`,
  `--category-field`) and a mapping file or `--map SRC=KCC` pairs from the set's categories to KCC ids.

A row that cannot be read (no prompt, a category with no mapping, a malformed choices list) is an error naming the
file, line and field; the good rows are kept.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from db.readers.base import RowError  # the one file:line: field: message error of every reader

SQUARE_MAP = {"contentious": "K13", "predictive": "K13", "ethical": "K13", "etc": "K13", None: "B05"}
KOBBQ_DEFAULT = "K06"


class SafetySeed(BaseModel):
    id: str
    category: str
    prompt: str
    source_category: str | None = None
    source: str


class ImportResult(BaseModel):
    seeds: list[SafetySeed] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)
    format: str


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, record); JSON lists count records from 1 (their position), the others count file lines."""
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".json":
        data = json.loads(text)
        data = data if isinstance(data, list) else data.get("data", [])
        return list(enumerate(data, 1))
    if suffix == ".jsonl":
        out = []
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                out.append((i, json.loads(line)))
        return out
    if suffix in (".csv", ".tsv"):
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if suffix == ".tsv" else ",")
        return [(i, row) for i, row in enumerate(reader, 2)]  # line 1 is the header
    raise ValueError(f"{path}: unsupported file type (json, jsonl, csv, tsv)")


def detect_format(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> str:
    keys = set(rows[0][1]) if rows else set()
    if {"question", "sensitive?"} <= keys:
        return "square"
    if {"sample_id", "context", "question", "choices", "bbq_category"} <= keys:
        return "kobbq"
    return "generic"


def import_safety_set(path: str | Path, *, fmt: Literal["auto", "square", "kobbq", "generic"] = "auto",
                      category_map: dict[str, str] | None = None, prompt_field: str = "prompt",
                      category_field: str = "category", id_field: str = "id",
                      known_categories: set[str] | None = None) -> ImportResult:
    """Seeds from an external set; see the module docstring for the formats and the category mapping."""
    from taxonomy import load_taxonomy

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file")
    rows = _rows(p)
    kind = detect_format(p, rows) if fmt == "auto" else fmt
    known = known_categories or {c.id for c in load_taxonomy().categories}
    res = ImportResult(format=kind)
    stem = p.stem
    for line, rec in rows:
        def err(field: str, msg: str, line=line) -> None:
            res.errors.append(RowError(file=str(p), line=line, field=field, message=msg))

        if not isinstance(rec, dict):
            err("row", "not an object")
            continue
        if kind == "square":
            q = str(rec.get("question") or "").strip()
            if not q:
                err("question", "empty")
                continue
            src = rec.get("category")
            src = None if src in (None, "", "null") or str(rec.get("sensitive?")) in ("0", "False") else str(src)
            cmap = {**SQUARE_MAP, **(category_map or {})}
            cat = cmap.get(src)
            if cat is None:
                err("category", f"{src!r} has no KCC mapping (give --map {src}=K..)")
                continue
            sid = f"square-{stem}-{line}"
            res.seeds.append(SafetySeed(id=sid, category=cat, prompt=q, source_category=src, source="SQuARe"))
        elif kind == "kobbq":
            ctx, q, raw = (str(rec.get(k) or "").strip() for k in ("context", "question", "choices"))
            if not q:
                err("question", "empty")
                continue
            try:
                choices = ast.literal_eval(raw) if raw else []
                if not isinstance(choices, list | tuple):
                    raise ValueError
            except (ValueError, SyntaxError):
                err("choices", f"{raw[:60]!r} is not a list")
                continue
            src = str(rec.get("bbq_category") or "")
            cat = (category_map or {}).get(src, KOBBQ_DEFAULT)
            opts = "\n".join(f"({chr(65 + i)}) {c}" for i, c in enumerate(choices))
            prompt = f"{ctx}\n{q}\n{opts}".strip()
            sid = f"kobbq-{rec.get('sample_id') or line}"
            res.seeds.append(SafetySeed(id=sid, category=cat, prompt=prompt, source_category=src or None,
                                        source="KoBBQ"))
        else:
            prompt = str(rec.get(prompt_field) or "").strip()
            if not prompt:
                err(prompt_field, "empty or missing")
                continue
            src = rec.get(category_field)
            src = None if src in (None, "") else str(src)
            cat = (category_map or {}).get(src or "", src)
            if cat not in known:
                err(category_field, f"{src!r} is not a KCC category and has no mapping (give --map {src}=K..)")
                continue
            sid = str(rec.get(id_field) or f"{stem}-{line}")
            res.seeds.append(SafetySeed(id=sid, category=cat, prompt=prompt, source_category=src, source=stem))
    bad = [s for s in res.seeds if s.category not in known]
    for s in bad:
        res.errors.append(RowError(file=str(p), line=0, field="category", message=f"{s.category} is not in the "
                                   "taxonomy"))
    res.seeds = [s for s in res.seeds if s.category in known]
    return res


def write_seeds(res: ImportResult, out: str | Path) -> Path:
    """JSONL in the seed import format (id, category, prompt, source_category, source) for `kcc-train eval --seeds`."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(s.model_dump(), ensure_ascii=False) + "\n" for s in res.seeds),
                    encoding="utf-8")
    return path
