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

Scoring follows lm-evaluation-harness 0.4 (`lm_eval/api/task.py`, `lm_eval/api/model.py`), so the two agree item
by item: few-shot examples are "{question} {answer}\n\n" blocks before the question (chat: user/assistant turns),
the continuation is " {choice}" (chat: "{choice}"), trailing whitespace of the context moves to the
continuation, the continuation's tokens are those of encode(context + continuation) after encode(context).
`acc` is the argmax of the summed log-likelihoods; `acc_norm` the argmax of the log-likelihood divided by the
choice's length in characters (what lm-eval 0.4's `process_results` computes; its `acc_bytes` divides by UTF-8
bytes, the same argmax whenever all choices are Hangul or all ASCII).
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

from kcc_core.cancel import process_token

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
    shots: list[tuple[str, str]] = []  # few-shot examples (question text, answer text), in order


class MCQScore(BaseModel):
    benchmark: str
    n: int
    correct: int
    accuracy: float
    per_item: list[bool]
    correct_norm: int = 0
    acc_norm: float = float("nan")
    per_item_norm: list[bool] = []
    item_ids: list[str] = []
    categories: list[str] = []


# Few-shot defaults per benchmark, and where the examples come from. KMMLU: 5-shot as in its paper (Son et al.
# 2024, arXiv:2402.11548), examples from the subject's dev split (`fewshot_split: dev` in lm-eval's
# tasks/kmmlu/default/_default_kmmlu_yaml). HAE-RAE and KoBEST: 0-shot, as lm-eval's task files run them
# (tasks/haerae/_default_haerae_yaml and tasks/kobest/kobest_*.yaml set no num_fewshot); when shots are asked
# for, HAE-RAE takes them from the same subset's test split without the item itself (`fewshot_split: test`),
# KoBEST from its train split (`training_split: train`). Examples are the first N in file order (lm-eval's
# `first_n` sampler), so both scorers see the same examples in the same order.
DEFAULT_FEWSHOT = {"kmmlu": 5, "haerae": 0, **{f"kobest_{t}": 0 for t in KOBEST_TASKS}}
FEWSHOT_SOURCE = {"kmmlu": "dev", "haerae": "test", **{f"kobest_{t}": "train" for t in KOBEST_TASKS}}


class FewshotSetting(BaseModel):
    benchmark: str
    requested: int
    used: int  # fewer than requested when the split holding the examples is missing or short
    source: str  # the split the examples come from
    sampler: str = "first_n"
    note: str = ""


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


def _read_items(bench: str, paths: list[Path], limit: int | None = None) -> list[MCQItem]:
    items: list[MCQItem] = []
    for path in paths:
        for i, rec in enumerate(read_records(path), 1):
            if limit is not None and len(items) >= limit:
                return items
            items.append(to_item(bench, rec, f"{path}:{i}", len(items)))
    return items


def _attach_shots(bench: str, items: list[MCQItem], pool: list[MCQItem], n: int) -> int:
    """Give each item the first n examples of its pool (same category for KMMLU / HAE-RAE); returns the number of
    shots every item got (the minimum)."""
    if n <= 0 or not items:
        return 0
    by_cat: dict[str, list[MCQItem]] = {}
    for p in pool:
        by_cat.setdefault(p.category, []).append(p)
    got = n
    for it in items:
        cands = by_cat.get(it.category, []) if bench in ("kmmlu", "haerae") else pool
        if FEWSHOT_SOURCE.get(bench) == "test":  # the same split: never the item itself
            cands = [c for c in cands if c is not it and (c.id, c.context) != (it.id, it.context)]
        shots = cands[:n]
        it.shots = [(c.context, c.choices[c.gold]) for c in shots]
        got = min(got, len(shots))
    return got


def load_benchmark_set(folder: str | Path, *, limit: int | None = None, fewshot: dict[str, int] | None = None
                       ) -> tuple[dict[str, list[MCQItem]], dict[str, FewshotSetting]]:
    """Items per benchmark with their few-shot examples attached, and the few-shot settings actually used.
    `fewshot` overrides DEFAULT_FEWSHOT per benchmark."""
    want = {**DEFAULT_FEWSHOT, **(fewshot or {})}
    root = Path(folder)
    items, pools = _load(root, limit=limit)
    settings: dict[str, FewshotSetting] = {}
    for bench, its in items.items():
        n = want.get(bench, 0)
        source = FEWSHOT_SOURCE.get(bench, "train")
        pool = its if source == "test" else pools.get(bench, {}).get(source, [])
        used = _attach_shots(bench, its, pool, n)
        note = ""
        if used < n:
            note = (f"only {used} of {n} examples available in the {source} split"
                    + ("" if pool else f" (no {source} file found)"))
            log.warning("%s: %d-shot requested, %s; scoring %d-shot", bench, n, note, used)
            for it in its:
                it.shots = it.shots[:used]
        settings[bench] = FewshotSetting(benchmark=bench, requested=n, used=used, source=source, note=note)
    return items, settings


def load_benchmarks(folder: str | Path, *, limit: int | None = None) -> dict[str, list[MCQItem]]:
    """All benchmark items under `folder` (0-shot), grouped by benchmark; files that name no benchmark are
    skipped, and so are train / dev split files when the benchmark has test files (see select_files)."""
    return _load(Path(folder), limit=limit)[0]


def _load(root: Path, *, limit: int | None) -> tuple[dict[str, list[MCQItem]], dict[str, dict[str, list[MCQItem]]]]:
    """(items of the evaluation split, {benchmark: {split: items}} of the other splits, for few-shot pools)."""
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
    pools: dict[str, dict[str, list[MCQItem]]] = {}
    for bench, files in by_bench.items():
        used, skipped = select_files(files, root)
        if skipped:
            log.info("%s: scoring %d file(s) of the evaluation split; %d other-split file(s) such as %s are "
                     "not scored (few-shot examples only)", bench, len(used), len(skipped),
                     skipped[0].relative_to(root))
        out[bench] = _read_items(bench, used, limit)
        for path in skipped:
            split = split_of(path.relative_to(root)) or "train"
            pools.setdefault(bench, {}).setdefault(split, []).extend(_read_items(bench, [path]))
    return out, pools


# -- scoring (lm-evaluation-harness 0.4 semantics) ----------------------------------------------------------
def render_context(item: MCQItem, tok, chat: bool) -> tuple[str, str]:
    """(context text, target delimiter) for an item, few-shot examples included, as lm-eval builds them."""
    if chat:
        msgs = []
        for q, a in item.shots:
            msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        msgs.append({"role": "user", "content": item.context})
        return tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False), ""
    return "".join(f"{q} {a}\n\n" for q, a in item.shots) + item.context, " "


def _encode(tok, text: str) -> list[int]:
    """tokenizer.encode with its own special-token default, without a second BOS when the text starts with one
    (lm-eval's HFLM.tok_encode)."""
    bos = tok.bos_token or tok.eos_token
    if bos and text.startswith(bos):
        return tok.encode(text, add_special_tokens=False)
    return tok.encode(text)


def encode_pair(tok, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """lm-eval's `_encode_pair` for causal models: trailing spaces of the context move to the continuation; the
    continuation's tokens are what encoding the whole adds after the context's tokens."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation, context = context[-n_spaces:] + continuation, context[:-n_spaces]
    whole = _encode(tok, context + continuation)
    ctx = _encode(tok, context)
    return ctx, whole[len(ctx):]


def _requests(items: Iterable[MCQItem], tok, chat: bool) -> list[tuple[int, int, list[int], list[int]]]:
    """(item index, choice index, context ids, continuation ids) for every choice of every item."""
    reqs = []
    for i, it in enumerate(items):
        ctx, delim = render_context(it, tok, chat)
        for j, ch in enumerate(it.choices):
            ctx_ids, cont = encode_pair(tok, ctx, delim + ch)
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
        process_token().check()
        chunk = [reqs[k] for k in order[b:b + batch_size]]
        seqs = [(ctx + cont)[-(max_length + 1):][:-1] for _, _, ctx, cont in chunk]  # the input (last token out)
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
            k = min(len(cont), n)
            positions = torch.arange(n - k, n, device=logp.device)
            targets = torch.tensor(cont[len(cont) - k:], device=logp.device)
            out[i][j] = float(logp[r, positions, targets].sum())
        if on_batch:
            on_batch(len(chunk))
    return out


def predictions(lls: list[float], choices: list[str]) -> tuple[int, int]:
    """(argmax of log-likelihood, argmax of log-likelihood / character length of the choice): acc, acc_norm."""
    pred = max(range(len(lls)), key=lls.__getitem__)
    pred_norm = max(range(len(lls)), key=lambda j: lls[j] / max(1, len(choices[j])))
    return pred, pred_norm


def score_benchmark(model, tok, items: list[MCQItem], *, chat: bool, batch_size: int = 16,
                    on_batch: Callable[[int], None] | None = None) -> MCQScore:
    lls = loglikelihoods(model, tok, items, chat=chat, batch_size=batch_size)
    hits, hits_norm = [], []
    for ll, it in zip(lls, items, strict=True):
        pred, pred_norm = predictions(ll, it.choices)
        hits.append(pred == it.gold)
        hits_norm.append(pred_norm == it.gold)
    if on_batch:
        on_batch(len(items))
    n = len(items)
    return MCQScore(benchmark=items[0].benchmark if items else "", n=n, correct=sum(hits),
                    accuracy=sum(hits) / n if n else float("nan"), per_item=hits, correct_norm=sum(hits_norm),
                    acc_norm=sum(hits_norm) / n if n else float("nan"), per_item_norm=hits_norm,
                    item_ids=[it.id for it in items], categories=[it.category for it in items])
