"""Korean general-capability benchmarks scored by log-likelihood multiple choice over LOCAL files.

Column formats follow the official datasets (and lm-evaluation-harness's prompts for them):
- KMMLU (HAERAE-HUB/KMMLU CSVs): question, A, B, C, D, answer (1-4), Category, ... Prompt
  "{question}\\nA. {A}\\nB. {B}\\nC. {C}\\nD. {D}\\n정답：", choices "A".."D".
- HAE-RAE (HAERAE-HUB/HAE_RAE_BENCH): query (question with its options written in), answer "(A)".."(E)";
  choices "(A)".."(E)" like lm-eval. When an `options` column is present (the 1.0 CSVs; a list or its string
  form) the option texts are the choices; a `gold` column (0-based index) is accepted in place of `answer`.
- KoBEST (skt/kobest_v1): boolq paragraph/question/label; copa premise/question(원인|결과)/alternative_1/
  alternative_2/label; hellaswag context/ending_1..4/label; sentineg sentence/label; wic word/context_1/
  context_2/label — prompts as in lm-eval's kobest tasks.

A benchmark directory holds CSV / JSONL / JSON / Parquet files; the benchmark is named by the file or a parent
folder: kmmlu*, haerae* (or hae_rae*), kobest_<task>* (or kobest/<task>/...).
"""

from __future__ import annotations

import ast
import csv
import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kcc_train import cancel

KOBEST_TASKS = ("boolq", "copa", "hellaswag", "sentineg", "wic")
GENERAL_BENCHMARKS = ("kmmlu", "haerae", *(f"kobest_{t}" for t in KOBEST_TASKS))
LETTERS = "ABCDE"
log = logging.getLogger("kcc_train")


class BenchmarkError(ValueError):
    """A benchmark file with missing columns or an unusable answer."""


class MCQItem(BaseModel):
    benchmark: str
    id: str
    context: str
    choices: list[str]
    gold: int
    category: str = "all"


class MCQScore(BaseModel):
    benchmark: str
    n: int
    correct: int
    accuracy: float
    per_item: list[bool]


# -- reading files -------------------------------------------------------------------------------------
def read_records(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    if suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, list) else data.get("data", [])
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    raise BenchmarkError(f"{path}: unsupported file type (csv, jsonl, json, parquet)")


def benchmark_of(rel: Path) -> str | None:
    """Benchmark name from a path relative to the benchmarks folder, or None when it is not one of ours."""
    s = "/".join(rel.with_suffix("").parts).lower().replace("-", "_")
    m = re.search(r"kobest(?:_v1)?[_/](boolq|copa|hellaswag|sentineg|wic)", s)
    if m:
        return f"kobest_{m.group(1)}"
    if re.search(r"(^|/)kmmlu", s):
        return "kmmlu"
    if re.search(r"(^|/)(haerae|hae_rae)", s):
        return "haerae"
    return None


def _req(rec: dict[str, Any], *cols: str, where: str) -> list[Any]:
    missing = [c for c in cols if c not in rec or rec[c] is None or rec[c] == ""]
    if missing:
        raise BenchmarkError(f"{where}: missing column(s) {', '.join(missing)}")
    return [rec[c] for c in cols]


def _int(v: Any, where: str) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError) as e:
        raise BenchmarkError(f"{where}: label {v!r} is not an integer") from e


def _letter_index(v: Any, n: int, where: str) -> int:
    s = str(v).strip().strip("()").strip().upper()
    if len(s) == 1 and s in LETTERS[:n]:
        return LETTERS.index(s)
    if s.isdigit() and 1 <= int(s) <= n:
        return int(s) - 1
    raise BenchmarkError(f"{where}: answer {v!r} is not one of {LETTERS[:n]} / 1..{n}")


def _options(v: Any) -> list[str]:
    if isinstance(v, list):
        return [str(x) for x in v]
    s = str(v).strip()
    for parse in (json.loads, ast.literal_eval):
        try:
            out = parse(s)
        except (ValueError, SyntaxError):
            continue
        if isinstance(out, list | tuple):
            return [str(x) for x in out]
    raise BenchmarkError(f"options {s[:60]!r} is not a list")


def to_item(bench: str, rec: dict[str, Any], where: str, idx: int) -> MCQItem:
    rid = str(rec.get("id") or rec.get("idx") or idx)
    if bench == "kmmlu":
        q, a, b, c, d, ans = _req(rec, "question", "A", "B", "C", "D", "answer", where=where)
        gold = _int(ans, where) - 1
        if not 0 <= gold <= 3:
            raise BenchmarkError(f"{where}: KMMLU answer must be 1-4, got {ans!r}")
        ctx = f"{str(q).strip()}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\n정답："
        return MCQItem(benchmark=bench, id=rid, context=ctx, choices=list("ABCD"), gold=gold,
                       category=str(rec.get("Category") or "all"))
    if bench == "haerae":
        (query,) = _req(rec, "query", where=where)
        opts = _options(rec["options"]) if rec.get("options") not in (None, "") else None
        choices = opts or [f"({x})" for x in LETTERS]
        if rec.get("gold") not in (None, ""):
            gold = _int(rec["gold"], where)
        else:
            (ans,) = _req(rec, "answer", where=where)
            gold = choices.index(str(ans)) if opts and str(ans) in opts else _letter_index(ans, len(choices), where)
        if not 0 <= gold < len(choices):
            raise BenchmarkError(f"{where}: gold {gold} out of range")
        return MCQItem(benchmark=bench, id=rid, context=str(query), choices=choices, gold=gold,
                       category=str(rec.get("category") or "all"))
    task = bench.removeprefix("kobest_")
    if task == "boolq":
        p, q, lab = _req(rec, "paragraph", "question", "label", where=where)
        return MCQItem(benchmark=bench, id=rid, context=f"{p} 질문: {q} 답변:", choices=["아니오", "예"],
                       gold=_int(lab, where))
    if task == "copa":
        p, q, a1, a2, lab = _req(rec, "premise", "question", "alternative_1", "alternative_2", "label", where=where)
        conn = {"원인": " 왜냐하면", "결과": " 그래서"}.get(str(q).strip())
        if conn is None:
            raise BenchmarkError(f"{where}: COPA question must be 원인 or 결과, got {q!r}")
        return MCQItem(benchmark=bench, id=rid, context=f"{p}{conn}", choices=[str(a1), str(a2)],
                       gold=_int(lab, where))
    if task == "hellaswag":
        vals = _req(rec, "context", "ending_1", "ending_2", "ending_3", "ending_4", "label", where=where)
        return MCQItem(benchmark=bench, id=rid, context=f"문장: {vals[0]}", choices=[str(x) for x in vals[1:5]],
                       gold=_int(vals[5], where))
    if task == "sentineg":
        s, lab = _req(rec, "sentence", "label", where=where)
        return MCQItem(benchmark=bench, id=rid, context=f"문장: {s} 긍부정:", choices=["부정", "긍정"],
                       gold=_int(lab, where))
    if task == "wic":
        w, c1, c2, lab = _req(rec, "word", "context_1", "context_2", "label", where=where)
        return MCQItem(benchmark=bench, id=rid, context=f"문장1: {c1} 문장2: {c2} 두 문장에서 {w}가 같은 뜻으로 쓰였나?",
                       choices=["아니오", "예"], gold=_int(lab, where))
    raise BenchmarkError(f"unknown benchmark {bench}")


_SPLIT_ALIASES = {"test": "test", "dev": "dev", "validation": "dev", "valid": "dev", "val": "dev",
                  "train": "train", "training": "train"}


def split_of(rel: Path) -> str | None:
    """The dataset split a file belongs to, from its path (`Accounting-test.csv`, `boolq/validation/0000.parquet`,
    `kobest_copa_train.jsonl`): 'test', 'dev' (dev / validation) or 'train'; None when the path names none."""
    tokens = re.split(r"[/_\-. ]+", "/".join(rel.with_suffix("").parts).lower())
    found = [_SPLIT_ALIASES[t] for t in tokens if t in _SPLIT_ALIASES]
    return found[-1] if found else None


def select_files(files: list[Path], root: Path) -> tuple[list[Path], list[Path]]:
    """(used, skipped) files of ONE benchmark. The official releases ship train / dev / test files side by side
    (KMMLU's `*-train.csv`, `*-dev.csv`, `*-test.csv`; KoBEST's train / validation / test): score the test split
    (plus files that name no split) when there is one, else everything but train; train alone is used as is."""
    split = {f: split_of(f.relative_to(root)) for f in files}  # the root's own name never names a split
    if any(s == "test" for s in split.values()):
        keep = {"test", None}
    elif any(s in ("dev", None) for s in split.values()):
        keep = {"dev", None}
    else:
        keep = {"train"}
    return [f for f in files if split[f] in keep], [f for f in files if split[f] not in keep]


def load_benchmarks(folder: str | Path, *, limit: int | None = None) -> dict[str, list[MCQItem]]:
    """All benchmark items under `folder`, grouped by benchmark; files that name no benchmark are skipped, and so
    are train / dev split files when the benchmark has test files (see select_files)."""
    root = Path(folder)
    if not root.is_dir():
        raise BenchmarkError(f"{root}: no such benchmarks folder")
    by_bench: dict[str, list[Path]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() not in (".csv", ".jsonl", ".json", ".parquet"):
            continue
        rel = path.relative_to(root)
        # the folder given may itself be the benchmark (`--benchmarks /data/KMMLU`): its own name counts too
        bench = benchmark_of(rel) or benchmark_of(Path(root.resolve().name) / rel)
        if bench is not None:
            by_bench.setdefault(bench, []).append(path)
    out: dict[str, list[MCQItem]] = {}
    for bench, files in by_bench.items():
        used, skipped = select_files(files, root)
        if skipped:
            log.warning("%s: scoring %d file(s) of the evaluation split; skipped %d other-split file(s) such as %s",
                        bench, len(used), len(skipped), skipped[0].relative_to(root))
        items = out.setdefault(bench, [])
        for path in used:
            if limit is not None and len(items) >= limit:
                break
            for i, rec in enumerate(read_records(path), 1):
                if limit is not None and len(items) >= limit:
                    break
                items.append(to_item(bench, rec, f"{path}:{i}", len(items)))
    return out


# -- scoring -------------------------------------------------------------------------------------------
def _requests(items: Iterable[MCQItem], tok, chat: bool) -> list[tuple[int, int, list[int], list[int]]]:
    """(item index, choice index, context ids, continuation ids) for every choice of every item."""
    reqs = []
    for i, it in enumerate(items):
        if chat:
            ctx = tok.apply_chat_template([{"role": "user", "content": it.context}], add_generation_prompt=True,
                                          tokenize=False)
            delim = ""
        else:
            ctx, delim = it.context, " "
        ctx_ids = tok(ctx, add_special_tokens=not chat)["input_ids"]
        for j, ch in enumerate(it.choices):
            cont = tok(delim + ch, add_special_tokens=False)["input_ids"]
            reqs.append((i, j, ctx_ids, cont))
    return reqs


def loglikelihoods(model, tok, items: list[MCQItem], *, chat: bool, batch_size: int = 16,
                   max_length: int = 2048, on_batch: Callable[[int], None] | None = None) -> list[list[float]]:
    """Sum of log-probabilities of each choice's tokens after the context; [item][choice]."""
    import torch

    reqs = _requests(items, tok, chat)
    out: list[list[float]] = [[0.0] * len(it.choices) for it in items]
    order = sorted(range(len(reqs)), key=lambda k: -(len(reqs[k][2]) + len(reqs[k][3])))
    device = next(model.parameters()).device
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    model.eval()
    for b in range(0, len(order), batch_size):
        cancel.check()
        chunk = [reqs[k] for k in order[b:b + batch_size]]
        seqs = []
        for _, _, ctx, cont in chunk:
            full = (ctx + cont)[-max_length:]
            seqs.append(full)
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        att = torch.zeros((len(seqs), width), dtype=torch.long)
        for r, s in enumerate(seqs):
            ids[r, :len(s)] = torch.tensor(s)
            att[r, :len(s)] = 1
        with torch.no_grad():
            logits = model(input_ids=ids.to(device), attention_mask=att.to(device)).logits.float()
        logp = torch.log_softmax(logits, dim=-1)
        for r, (i, j, _ctx, cont) in enumerate(chunk):
            n = len(seqs[r])
            k = min(len(cont), n - 1)
            positions = torch.arange(n - k - 1, n - 1, device=logp.device)
            targets = torch.tensor(seqs[r][n - k:], device=logp.device)
            out[i][j] = float(logp[r, positions, targets].sum())
        if on_batch:
            on_batch(len(chunk))
    return out


def score_benchmark(model, tok, items: list[MCQItem], *, chat: bool, batch_size: int = 16) -> MCQScore:
    lls = loglikelihoods(model, tok, items, chat=chat, batch_size=batch_size)
    hits = [max(range(len(ll)), key=ll.__getitem__) == it.gold for ll, it in zip(lls, items, strict=True)]
    n = len(items)
    return MCQScore(benchmark=items[0].benchmark if items else "", n=n, correct=sum(hits),
                    accuracy=sum(hits) / n if n else float("nan"), per_item=hits)
