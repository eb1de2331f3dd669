"""Answers to evaluation prompts: a local model folder (transformers, batched, chat template, greedy) or an
OpenAI-compatible server such as vLLM (through kcc_llm's `compat:` provider)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kcc_core.cancel import process_token


def load_local(model_path: str | Path, *, dtype: str = "auto"):
    """Model + tokenizer from a local folder, on CUDA when available; padding on the left for generation."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from kcc_train.dpo import check_model_dir

    p = check_model_dir(str(model_path))
    tok = AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    torch_dtype = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16}.get(dtype, "auto")
    model = AutoModelForCausalLM.from_pretrained(str(p), dtype=torch_dtype, local_files_only=True)
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    return model, tok


def generate_local(model, tok, prompts: list[str], *, max_new_tokens: int = 256, batch_size: int = 8,
                   system: str | None = None, on_batch: Callable[[int], None] | None = None) -> list[str]:
    """Greedy answers, one per prompt, in order; prompts are rendered with the tokenizer's chat template."""
    import torch

    if not getattr(tok, "chat_template", None):
        raise ValueError("the model's tokenizer has no chat template; evaluation prompts are chat messages")
    device = next(model.parameters()).device
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    out: list[str] = [""] * len(prompts)
    for b in range(0, len(order), batch_size):
        process_token().check()
        idx = order[b:b + batch_size]
        texts = []
        for i in idx:
            msgs = ([{"role": "system", "content": system}] if system else []) + [
                {"role": "user", "content": prompts[i]}]
            texts.append(tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False))
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        new = gen[:, enc["input_ids"].shape[1]:]
        for i, row in zip(idx, new, strict=True):
            out[i] = tok.decode(row, skip_special_tokens=True).strip()
        if on_batch:
            on_batch(len(idx))
    return out


def generate_server(server: str, prompts: list[str], *, max_new_tokens: int = 256, system: str | None = None,
                    store=None, run_id: str | None = None) -> list[str]:
    """Answers from an OpenAI-compatible server; `server` is `URL#model-name` (e.g. http://h:8000/v1#qwen)."""
    from kcc_core.aio import run_sync
    from kcc_llm.client import LLMClient
    from kcc_llm.settings import LLMSettings
    from kcc_llm.spec import parse_model_spec
    from kcc_llm.types import LLMRequest

    spec = server if server.startswith("compat:") else f"compat:{server}"
    parse_model_spec(spec)  # clear error on a malformed URL#name

    async def run() -> list[str]:
        async with LLMClient(store, run_id=run_id, settings=LLMSettings.from_config()) as client:
            reqs = [LLMRequest(model=spec, messages=[{"role": "user", "content": p}], system=system,
                               temperature=0.0, max_tokens=max_new_tokens, stage="eval") for p in prompts]
            comps = await client.map(reqs)
        failed = [c.error for c in comps if c.error]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(comps)} server calls failed; first: {failed[0]}")
        return [c.text for c in comps]

    return run_sync(run())
