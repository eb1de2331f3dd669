"""`local:/path/to/model`: a transformers model from a local folder (open-weight or freshly trained).

torch/transformers are imported lazily inside the functions that need them, so kcc_llm stays importable
without the [train] extra. Requests arriving together are generated as one left-padded batch (chat
template applied) in a worker thread; the event loop never blocks on the model.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from kcc_llm.errors import ProviderError
from kcc_llm.providers.base import Provider, ProviderResult
from kcc_llm.spec import ModelSpec
from kcc_llm.types import LLMRequest, Usage

BATCH_WINDOW_S = 0.02


def check_model_folder(name: str) -> Path:
    """The model folder of a `local:` spec, or a ProviderError that says what is wrong with it."""
    try:
        path = Path(name).expanduser()
    except RuntimeError as e:  # "~user/..." for an unknown user, or no home directory
        raise ProviderError("bad_request", f"local model folder {name!r}: {e}") from e
    if not path.exists():
        raise ProviderError("bad_request", f"local model folder {name!r} does not exist")
    if not path.is_dir():
        raise ProviderError("bad_request", f"local model path {name!r} is a file, not a model folder")
    if not (path / "config.json").is_file() and not (path / "adapter_config.json").is_file():
        raise ProviderError(
            "bad_request",
            f"local model folder {name!r} has no config.json: not a Hugging Face model folder "
            "(point at the folder save_pretrained() wrote, e.g. a kcc-train output or checkpoint)",
        )
    return path


class LocalProvider(Provider):
    native_structured = False

    def __init__(self, spec: ModelSpec, *, timeout: float = 600.0, batch_size: int = 8, device: str | None = None):
        super().__init__(spec, timeout=timeout)
        self.path = check_model_folder(spec.name)
        self._load_error: ProviderError | None = None  # a folder that failed to load fails fast afterwards
        self.batch_size = max(1, batch_size)
        self.device = device
        self._model: Any = None
        self._tok: Any = None
        self._load_lock = threading.Lock()
        self._queue: asyncio.Queue[tuple[LLMRequest, asyncio.Future[ProviderResult]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.batch_sizes: list[int] = []  # requests per generate() call, for tests and diagnostics

    def sent_params(self, req: LLMRequest) -> dict[str, Any]:
        return {"max_new_tokens": req.max_tokens, "temperature": req.temperature or 0.0}

    # -- model -----------------------------------------------------------------------------------
    def _load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            if self._load_error is not None:
                raise self._load_error
            try:
                self._load_locked()
            except ImportError as e:
                self._load_error = ProviderError(
                    "bad_request", f"local models need torch and transformers (the [train] extra): {e}"
                )
                raise self._load_error from e
            except Exception as e:  # not a loadable model: say which folder, once per item, without retrying
                self._load_error = ProviderError(
                    "bad_request", f"local model folder {str(self.path)!r} could not be loaded: {type(e).__name__}: {e}"
                )
                raise self._load_error from e

    def _load_locked(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        tok.padding_side = "left"
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        model = AutoModelForCausalLM.from_pretrained(str(self.path), local_files_only=True)
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        model.to(device)
        model.eval()
        self._tok, self._model, self.device = tok, model, device

    def _prompt_text(self, req: LLMRequest) -> str:
        msgs = list(req.messages)
        system = self.system_for(req)
        if system:
            msgs = [{"role": "system", "content": system}, *msgs]
        if getattr(self._tok, "chat_template", None):
            try:
                return self._tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
            except Exception:  # templates without a system role: fold it into the first user turn
                if system:
                    rest = list(req.messages)
                    first = dict(rest[0]) if rest else {"role": "user", "content": ""}
                    first["content"] = f"{system}\n\n{first.get('content', '')}"
                    return self._tok.apply_chat_template(
                        [first, *rest[1:]], tokenize=False, add_generation_prompt=True
                    )
                raise
        return "\n\n".join(f"{m['role']}: {m['content']}" for m in msgs) + "\n\nassistant: "

    def generate_batch(self, reqs: list[LLMRequest]) -> list[ProviderResult]:
        """Blocking batched generation (runs in a worker thread); one generate() per temperature group."""
        self._load()
        import torch

        results: list[ProviderResult | None] = [None] * len(reqs)
        groups: dict[float, list[int]] = {}
        for i, r in enumerate(reqs):
            groups.setdefault(float(r.temperature or 0.0), []).append(i)
        tok, model = self._tok, self._model
        for temp, idx in groups.items():
            self.batch_sizes.append(len(idx))
            texts = [self._prompt_text(reqs[i]) for i in idx]
            enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            max_new = max(reqs[i].max_tokens for i in idx)
            gen: dict[str, Any] = {"max_new_tokens": max_new, "pad_token_id": tok.pad_token_id}
            if temp > 0:
                gen.update(do_sample=True, temperature=temp)
            else:
                gen.update(do_sample=False)
            with torch.no_grad():
                out = model.generate(**enc, **gen)
            prompt_len = enc["input_ids"].shape[1]
            for row, i in enumerate(idx):
                new = out[row, prompt_len:][: reqs[i].max_tokens]
                ids = [t for t in new.tolist() if t != tok.pad_token_id]
                if tok.eos_token_id in ids:
                    ids = ids[: ids.index(tok.eos_token_id)]
                text = tok.decode(ids, skip_special_tokens=True).strip()
                usage = Usage(prompt_tokens=int(enc["attention_mask"][row].sum()), completion_tokens=len(ids))
                results[i] = ProviderResult(text=text, usage=usage, raw={"device": str(self.device)})
        return [r for r in results if r is not None]

    # -- async micro-batching ----------------------------------------------------------------------
    async def generate(self, req: LLMRequest) -> ProviderResult:
        loop = asyncio.get_running_loop()
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run())
        fut: asyncio.Future[ProviderResult] = loop.create_future()
        await self._queue.put((req, fut))
        return await fut

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            deadline = asyncio.get_running_loop().time() + BATCH_WINDOW_S
            while len(batch) < self.batch_size:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), timeout))
                except TimeoutError:
                    break
            live = [(r, f) for r, f in batch if not f.cancelled()]
            if live:
                await self._serve(live)

    async def _serve(self, live: list[tuple[LLMRequest, asyncio.Future[ProviderResult]]]) -> None:
        """Generate for one micro-batch; every future ends with a result or its own error, never left hanging.
        When a batched generate() fails (one odd prompt), the requests are retried one by one so the
        others still get answers; a model that cannot be loaded fails all of them with the same reason."""
        try:
            outs = await asyncio.to_thread(self.generate_batch, [r for r, _ in live])
            if len(outs) != len(live):
                raise RuntimeError(f"{len(outs)} outputs for {len(live)} requests")
        except Exception as e:
            if len(live) > 1 and self._load_error is None:
                for item in live:
                    await self._serve([item])
                return
            err = e if isinstance(e, ProviderError) else ProviderError(
                "other", f"local generation failed: {type(e).__name__}: {e}")
            for _, f in live:
                if not f.done():
                    f.set_exception(err)
            return
        for (_, f), out in zip(live, outs, strict=True):
            if not f.done():
                f.set_result(out)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except (asyncio.CancelledError, Exception):
                pass
