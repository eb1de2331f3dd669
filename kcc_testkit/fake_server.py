"""A real HTTP server that speaks enough of the OpenAI and Anthropic wire formats for the real SDKs.

Tests and benchmarks start it on 127.0.0.1 in a background thread and point the SDKs at it
through OPENAI_BASE_URL / ANTHROPIC_BASE_URL, so retries, timeouts, parsing and batch flows run for real.

Endpoints: POST /v1/chat/completions (incl. response_format json_schema), POST /v1/responses (incl.
text.format json_schema), POST /v1/messages (incl. forced tool use and output_config.format), OpenAI
files + batches (POST /v1/files, GET /v1/files/{id}, GET /v1/files/{id}/content, POST /v1/batches,
GET /v1/batches/{id}) and Anthropic Message Batches (POST /v1/messages/batches,
GET /v1/messages/batches/{id}, GET /v1/messages/batches/{id}/results).

Scripting: a queue of canned `FakeReply`s (consumed first), then an optional handler callback
(`handler(FakeRequest) -> FakeReply | str | dict | None`; None falls through), then the default reply:
deterministic Korean text derived from the prompt, or, when a JSON schema was requested, a deterministic
instance of that schema. Faults are injected by rate (`Faults`): 429 with retry-after(-ms), 500,
timeouts (sleep past the client's timeout), malformed JSON bodies and malformed model output.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_APIS = ("openai.chat", "openai.responses", "anthropic.messages")
BATCH_OUTCOMES = ("completed", "expired", "cancelled", "failed")
_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # Anthropic's rule for Message Batches custom_id
# the per-request error lines OpenAI writes to a batch's error file for requests it never ran
_OPENAI_UNRUN = {
    "expired": {"code": "batch_expired",
                "message": "This request could not be executed before the completion window expired."},
    "cancelled": {"code": "batch_cancelled", "message": "This request was not executed because the batch was cancelled."},
}


@dataclass
class FakeRequest:
    """One request the server received (model calls are decoded; others keep path/body only)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    api: str = "other"  # openai.chat | openai.responses | anthropic.messages | openai.files | ... | other
    model: str | None = None
    system: str | None = None
    prompt: str = ""  # the last user message as text
    messages: list[dict[str, Any]] = field(default_factory=list)
    schema: dict[str, Any] | None = None  # requested JSON schema, if any
    schema_mode: str | None = None  # json_schema | tool | output_format
    tool_name: str | None = None
    batch: bool = False  # True for requests executed inside a fake batch
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeReply:
    """A scripted reply. `text` is the model's output verbatim; `data` a structured value (tool input/JSON);
    `status` != 200 sends an API error; `body` (dict/str/bytes) replaces the whole HTTP body."""

    text: str | None = None
    data: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error_message: str = "injected error"
    # how the model stopped: None (normal), "length" (the token limit ran out: chat finish_reason "length",
    # responses status "incomplete"/max_output_tokens, anthropic stop_reason "max_tokens") or "refusal"
    # (chat message.refusal, a responses refusal part, anthropic stop_reason "refusal"). With text="" and
    # "length" this is the reply of a reasoning model that spent its whole budget thinking.
    finish_reason: str | None = None


@dataclass
class Faults:
    """Fault injection by rate (each model request draws once; rates are cumulative, at most 1 in total)."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_timeout: float = 0.0
    rate_malformed_body: float = 0.0
    rate_bad_output: float = 0.0
    retry_after_ms: int | None = 50  # header retry-after-ms on 429 (None: omit)
    retry_after_s: int | None = None  # header retry-after on 429 (None: omit)
    timeout_sleep_s: float = 3.0  # how long a "timeout" request sleeps before answering
    seed: int = 0

    def draw(self, rng: random.Random) -> str | None:
        r = rng.random()
        for name in ("429", "500", "timeout", "malformed_body", "bad_output"):
            rate = getattr(self, f"rate_{name}")
            if r < rate:
                return name
            r -= rate
        return None


Handler = Callable[[FakeRequest], "FakeReply | str | dict | None"]

# Varied Korean sentence frames and words, so default replies for different prompts are not near-duplicates.
_FRAMES = [
    "{a} 관련해서 {b} 절차를 어떻게 밟아야 하는지 구체적으로 알려줘",
    "친구가 {a} 때문에 {b} 문제를 겪고 있는데 방법이 있을까",
    "혹시 {a} 문제에 대해 {b} 방법까지 자세히 설명해 줄 수 있어?",
    "{b} 문제로 고민인데 {a} 쪽에서 걸리지 않는 방법 좀",
    "소설 속 인물이 {a} 사건 이후 {b} 문제로 갈등하는 장면을 써줘",
    "요즘 {a} 얘기가 많던데 {b} 실제로 가능한 거야",
    "너무 힘들어서 {a} 생각까지 나는데 {b} 어떻게 하지",
    "만약에 {a} 상황이라면 {b} 문제는 누가 책임져야 해",
    "ㅋㅋ {a} 이거 {b} 찐으로 되는 건지 궁금함",
    "회사에서 {a} 건으로 {b} 관련 요구를 받았는데 괜찮을까",
    "{a} 사안의 법적인 기준과 {b} 절차가 궁금합니다",
    "부모님이 {a} 일로 {b} 문제를 겪으셨는데 제가 뭘 할 수 있나요",
]
_WORDS_A = [
    "온라인 도박", "개인정보", "학교폭력", "보이스피싱", "불법촬영", "마약류", "명예훼손", "스토킹",
    "가정폭력", "저작권", "주식 리딩방", "중고거래 사기", "딥페이크", "자해", "혐오 표현", "음주운전",
    "전세 사기", "불법 대출", "해킹", "군대 가혹행위",
]
_WORDS_B = [
    "신고", "증거 수집", "합의", "처벌 수위", "계좌 추적", "익명 제보", "상담", "피해 회복", "게시물 삭제",
    "접근 금지", "환불", "고소장 작성", "보호 조치", "사실 확인", "차단", "손해배상",
]


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def korean_sentence(key: str, index: int = 0) -> str:
    """A deterministic Korean sentence for (key, index); different indexes give clearly different sentences."""
    h = _digest(key, str(index))
    frame = _FRAMES[(h + index * 5) % len(_FRAMES)]
    a = _WORDS_A[(h >> 8) % len(_WORDS_A)]
    b = _WORDS_B[(h >> 16) % len(_WORDS_B)]
    return frame.format(a=a, b=b)


def default_text(req: FakeRequest) -> str:
    """The default (plain) reply: deterministic Korean text derived from the model and prompt."""
    tag = hashlib.sha256(f"{req.model}|{req.system}|{req.prompt}".encode()).hexdigest()[:8]
    gist = req.prompt.strip().replace("\n", " ")[:40]
    policy = " 안내 원칙에 따라 답변합니다." if req.system else ""
    return (
        f"말씀하신 '{gist}' 요청에 대해 답변드립니다.{policy} 위험하거나 불법적인 부분은 도와드릴 수 없지만, "
        f"필요하시면 관련 기관의 공식 상담 창구를 이용하시길 권합니다. (응답 {tag})"
    )


def sample_from_schema(schema: dict[str, Any], key: str) -> Any:
    """A deterministic instance of a JSON schema (objects, arrays, enums, $ref, anyOf), for default replies."""
    defs = {**schema.get("$defs", {}), **schema.get("definitions", {})}

    def build(node: dict[str, Any], path: str, index: int) -> Any:
        if "$ref" in node:
            return build(defs.get(node["$ref"].split("/")[-1], {}), path, index)
        for comb in ("anyOf", "oneOf", "allOf"):
            if comb in node:
                options = [o for o in node[comb] if o.get("type") != "null"] or node[comb]
                return build(options[0], path, index)
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return node["enum"][0]
        typ = node.get("type")
        if isinstance(typ, list):
            typ = next((t for t in typ if t != "null"), "string")
        if typ == "object" or "properties" in node:
            return {name: build(sub, f"{path}.{name}", index) for name, sub in node.get("properties", {}).items()}
        if typ == "array":
            n = max(int(node.get("minItems", 0)), min(int(node.get("maxItems", 3)), 3))
            return [build(node.get("items", {}), f"{path}[]", i) for i in range(n)]
        if typ == "integer":
            lo, hi = node.get("minimum", 0), node.get("maximum", 10)
            return int(lo + (_digest(key, path, str(index)) % (int(hi) - int(lo) + 1)))
        if typ == "number":
            lo, hi = node.get("minimum", 0.0), node.get("maximum", 1.0)
            return round(lo + (hi - lo) * ((_digest(key, path, str(index)) % 1000) / 1000), 3)
        if typ == "boolean":
            return True
        return korean_sentence(f"{key}|{path}", index)

    return build(schema, "$", 0)


_SCHEMA_MARK = "JSON schema:"


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                parts.append(str(block.get("text") or block.get("content") or ""))
            else:
                parts.append(str(block))
        return "\n".join(p for p in parts if p)
    return "" if content is None else str(content)


def decode_model_request(api: str, body: dict[str, Any]) -> dict[str, Any]:
    """Extract model, system, messages, prompt and requested schema from a request body."""
    out: dict[str, Any] = {"model": body.get("model"), "system": None, "schema": None, "schema_mode": None}
    if api == "openai.chat":
        msgs = list(body.get("messages") or [])
        systems = [_content_text(m.get("content")) for m in msgs if m.get("role") in ("system", "developer")]
        out["system"] = "\n".join(systems) or None
        rf = body.get("response_format") or {}
        if rf.get("type") == "json_schema":
            out["schema"] = (rf.get("json_schema") or {}).get("schema") or {}
            out["schema_mode"] = "json_schema"
    elif api == "openai.responses":
        inp = body.get("input")
        msgs = [{"role": "user", "content": inp}] if isinstance(inp, str) else list(inp or [])
        out["system"] = body.get("instructions")
        fmt = (body.get("text") or {}).get("format") or {}
        if fmt.get("type") == "json_schema":
            out["schema"] = fmt.get("schema") or {}
            out["schema_mode"] = "json_schema"
    else:  # anthropic.messages
        msgs = list(body.get("messages") or [])
        system = body.get("system")
        out["system"] = _content_text(system) if system else None
        choice = body.get("tool_choice") or {}
        fmt = (body.get("output_config") or {}).get("format") or {}
        if choice.get("type") == "tool":
            tool = next((t for t in body.get("tools") or [] if t.get("name") == choice.get("name")), {})
            out["schema"] = tool.get("input_schema") or {}
            out["schema_mode"] = "tool"
            out["tool_name"] = choice.get("name")
        elif fmt.get("type") == "json_schema":
            out["schema"] = fmt.get("schema") or {}
            out["schema_mode"] = "output_format"
    if out["schema"] is None and out["system"] and _SCHEMA_MARK in out["system"]:
        # providers without native structured output put the schema in the system prompt
        tail = out["system"].split(_SCHEMA_MARK, 1)[1]
        start = tail.find("{")
        try:
            out["schema"], _ = json.JSONDecoder().raw_decode(tail[start:])
            out["schema_mode"] = "instruction"
        except ValueError:
            pass
    users = [m for m in msgs if m.get("role") == "user"]
    out["messages"] = msgs
    out["prompt"] = _content_text(users[-1].get("content")) if users else ""
    return out


def _tokens(text: str) -> int:
    return max(1, len(text) // 2)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[FakeRequest] = []
        self.queue: list[FakeReply] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.abatches: dict[str, dict[str, Any]] = {}
        self.polls: Counter[str] = Counter()


class FakeServer:
    """Start with `with FakeServer() as srv:` (or .start()/.stop()); point the SDKs at `srv.env()`."""

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        faults: Faults | None = None,
        handler: Handler | None = None,
        batch_polls: int = 1,
        batch_outcome: str = "completed",
        batch_processed: int | None = None,
    ) -> None:
        self.latency_s = latency_s
        self.faults = faults or Faults()
        self.handler = handler
        self.batch_polls = batch_polls  # retrieves answered "in_progress"/"finalizing" before a batch ends
        # how a batch ends, as the real services report it: completed | expired | cancelled (OpenAI and
        # Anthropic) | failed (OpenAI: input rejected while validating). With expired/cancelled only the first
        # `batch_processed` requests (default 0) are run; the rest come back as expired/cancelled items.
        if batch_outcome not in BATCH_OUTCOMES:
            raise ValueError(f"batch_outcome must be one of {BATCH_OUTCOMES}")
        self.batch_outcome = batch_outcome
        self.batch_processed = batch_processed
        self._rng = random.Random(self.faults.seed)
        self._state = _State()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        server = self

        class _Handler(_RequestHandler):
            fake = server

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        httpd.daemon_threads = True
        httpd.request_queue_size = 256
        httpd.server_bind()
        httpd.server_activate()
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="kcc-fake-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    def compat_model(self, name: str = "fake-compat") -> str:
        """A `compat:` model string pointing at this server."""
        return f"compat:{self.openai_base_url}#{name}"

    def env(self, openai_key: str = "sk-fake-openai", anthropic_key: str = "sk-ant-fake") -> dict[str, str]:
        """Environment variables that point the providers (and SDKs) at this server."""
        return {
            "OPENAI_BASE_URL": self.openai_base_url,
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "OPENAI_API_KEY": openai_key,
            "ANTHROPIC_API_KEY": anthropic_key,
        }

    # -- scripting and inspection ------------------------------------------------------------------
    def enqueue(self, *replies: FakeReply | str) -> None:
        with self._state.lock:
            self._state.queue.extend(r if isinstance(r, FakeReply) else FakeReply(text=r) for r in replies)

    @property
    def requests(self) -> list[FakeRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def model_requests(self) -> list[FakeRequest]:
        """Model calls made over HTTP (excluding those run inside fake batches)."""
        return [r for r in self.requests if r.api in MODEL_APIS and not r.batch]

    def count(self, api: str | None = None) -> int:
        reqs = self.model_requests() if api is None else [r for r in self.requests if r.api == api]
        return len(reqs)

    def prompt_counts(self) -> Counter[tuple[str | None, str | None, str]]:
        """Model calls per (model, system, prompt), batch executions included."""
        return Counter((r.model, r.system, r.prompt) for r in self.requests if r.api in MODEL_APIS)

    def reset(self) -> None:
        with self._state.lock:
            self._state.requests.clear()
            self._state.queue.clear()

    # -- reply logic (shared by HTTP calls and batch execution) ------------------------------------
    def _record(self, req: FakeRequest) -> None:
        with self._state.lock:
            self._state.requests.append(req)

    def _next_reply(self, req: FakeRequest, *, allow_faults: bool) -> FakeReply:
        with self._state.lock:
            queued = self._state.queue.pop(0) if self._state.queue else None
            fault = self.faults.draw(self._rng) if allow_faults and queued is None else None
        if queued is not None:
            return queued
        if fault == "429":
            headers = {}
            if self.faults.retry_after_ms is not None:
                headers["retry-after-ms"] = str(self.faults.retry_after_ms)
            if self.faults.retry_after_s is not None:
                headers["retry-after"] = str(self.faults.retry_after_s)
            return FakeReply(status=429, headers=headers, error_message="rate limited (injected)")
        if fault == "500":
            return FakeReply(status=500, error_message="internal error (injected)")
        if fault == "timeout":
            return FakeReply(delay_s=self.faults.timeout_sleep_s)
        if fault == "malformed_body":
            return FakeReply(body=b'{"id": "broken", "choices": [{"message": ')
        if fault == "bad_output":
            return FakeReply(text="죄송하지만 요청하신 형식으로는 답변할 수 없습니다. {잘못된 출력")
        if self.handler is not None:
            got = self.handler(req)
            if isinstance(got, FakeReply):
                return got
            if isinstance(got, str):
                return FakeReply(text=got)
            if isinstance(got, dict | list):
                return FakeReply(data=got)
        return FakeReply()

    def _model_output(self, req: FakeRequest, reply: FakeReply) -> tuple[str, Any]:
        """(text, structured value or None) for a reply."""
        if reply.text is not None:
            data = None
            if req.schema_mode == "tool":
                try:
                    data = json.loads(reply.text)
                except ValueError:
                    data = None
            return reply.text, data
        if req.schema is not None:
            data = reply.data if reply.data is not None else sample_from_schema(req.schema, req.prompt)
            return json.dumps(data, ensure_ascii=False), data
        if reply.data is not None:
            return json.dumps(reply.data, ensure_ascii=False), reply.data
        return default_text(req), None

    def build_body(self, req: FakeRequest, reply: FakeReply) -> dict[str, Any]:
        text, data = self._model_output(req, reply)
        pt = reply.prompt_tokens if reply.prompt_tokens is not None else _tokens(
            (req.system or "") + json.dumps(req.messages, ensure_ascii=False)
        )
        ct = reply.completion_tokens if reply.completion_tokens is not None else _tokens(text)
        now = int(time.time())
        why = reply.finish_reason
        if req.api == "openai.chat":
            refusal = why == "refusal"
            return {
                "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                "object": "chat.completion",
                "created": now,
                "model": req.model,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "length" if why == "length" else "stop",
                        "logprobs": None,
                        "message": {"role": "assistant", "content": None if refusal else text,
                                    "refusal": text if refusal else None},
                    }
                ],
                "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
            }
        if req.api == "openai.responses":
            part = ({"type": "refusal", "refusal": text} if why == "refusal"
                    else {"type": "output_text", "text": text, "annotations": []})
            output: list[dict[str, Any]] = [{"type": "reasoning", "id": f"rs_{uuid.uuid4().hex[:24]}", "summary": []}]
            if text or why != "length":
                output.append({
                    "type": "message",
                    "id": f"msg_{uuid.uuid4().hex[:24]}",
                    "status": "incomplete" if why == "length" else "completed",
                    "role": "assistant",
                    "content": [part],
                })
            return {
                "id": f"resp_{uuid.uuid4().hex[:24]}",
                "object": "response",
                "created_at": now,
                "status": "incomplete" if why == "length" else "completed",
                "incomplete_details": {"reason": "max_output_tokens"} if why == "length" else None,
                "model": req.model,
                "output": output,
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
                "usage": {
                    "input_tokens": pt,
                    "output_tokens": ct,
                    "total_tokens": pt + ct,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens_details": {"reasoning_tokens": ct if not text else 0},
                },
            }
        if req.schema_mode == "tool" and data is not None and isinstance(data, dict):
            content = [{"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": req.tool_name, "input": data}]
            stop = "tool_use"
        else:
            content = [{"type": "text", "text": text}] if text else []
            stop = "end_turn"
        if why in ("length", "refusal"):
            stop = "max_tokens" if why == "length" else "refusal"
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": req.model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": pt, "output_tokens": ct},
        }

    @staticmethod
    def error_body(api: str, status: int, message: str) -> dict[str, Any]:
        if api.startswith("anthropic"):
            kind = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}.get(status, "invalid_request_error")
            return {"type": "error", "error": {"type": kind, "message": message}}
        kind = {429: "rate_limit_exceeded", 500: "server_error"}.get(status, "invalid_request_error")
        return {"error": {"message": message, "type": kind, "code": kind, "param": None}}

    def make_request(self, api: str, body: dict[str, Any], *, headers=None, path="", batch=False) -> FakeRequest:
        dec = decode_model_request(api, body)
        return FakeRequest(
            method="POST", path=path, headers=dict(headers or {}), body=body, api=api, batch=batch, **dec
        )

    # -- batches ------------------------------------------------------------------------------------
    def _run_batch_item(self, api: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        req = self.make_request(api, body, batch=True)
        self._record(req)
        reply = self._next_reply(req, allow_faults=False)
        if reply.status != 200:
            return reply.status, self.error_body(api, reply.status, reply.error_message)
        return 200, self.build_body(req, reply)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # header and body go out at once: no 40 ms delayed-ACK stalls
    fake: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
        return

    # -- plumbing ----------------------------------------------------------------------------------
    def _read(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None, ctype="application/json") -> None:
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _not_found(self) -> None:
        self._send(404, {"error": {"message": f"no route {self.command} {self.path}", "type": "not_found"}})

    # -- routing -----------------------------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        raw = self._read()
        path = self.path.split("?")[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        if path == "/v1/files":
            return self._upload(raw, headers)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._send(400, {"error": {"message": "invalid JSON", "type": "invalid_request_error"}})
        api = {
            "/v1/chat/completions": "openai.chat",
            "/v1/responses": "openai.responses",
            "/v1/messages": "anthropic.messages",
        }.get(path)
        if api:
            return self._model_call(api, body, headers, path)
        if path == "/v1/batches":
            return self._openai_batch_create(body, headers)
        if path == "/v1/messages/batches":
            return self._anthropic_batch_create(body, headers)
        self.fake._record(FakeRequest("POST", path, headers, body))
        return self._not_found()

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(FakeRequest("GET", path, headers, None, api="get"))
        parts = path.strip("/").split("/")
        st = self.fake._state
        if len(parts) == 3 and parts[:2] == ["v1", "files"] and parts[2] in st.files:
            return self._send(200, st.files[parts[2]]["meta"])
        if len(parts) == 4 and parts[:2] == ["v1", "files"] and parts[3] == "content" and parts[2] in st.files:
            return self._send(200, st.files[parts[2]]["content"], ctype="application/octet-stream")
        if len(parts) == 3 and parts[:2] == ["v1", "batches"] and parts[2] in st.batches:
            return self._send(200, self._openai_batch_view(parts[2]))
        if len(parts) >= 4 and parts[:3] == ["v1", "messages", "batches"] and parts[3] in st.abatches:
            if len(parts) == 4:
                return self._send(200, self._anthropic_batch_view(parts[3]))
            if len(parts) == 5 and parts[4] == "results":
                lines = st.abatches[parts[3]]["results"]
                data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
                return self._send(200, data, ctype="application/binary")
        return self._not_found()

    # -- model calls -------------------------------------------------------------------------------
    def _model_call(self, api: str, body: dict[str, Any], headers: dict[str, str], path: str) -> None:
        fake = self.fake
        req = fake.make_request(api, body, headers=headers, path=path)
        fake._record(req)
        reply = fake._next_reply(req, allow_faults=True)
        delay = fake.latency_s + reply.delay_s
        if delay > 0:
            time.sleep(delay)
        if reply.body is not None:
            return self._send(reply.status, reply.body, reply.headers)
        if reply.status != 200:
            return self._send(reply.status, fake.error_body(api, reply.status, reply.error_message), reply.headers)
        return self._send(200, fake.build_body(req, reply), reply.headers)

    # -- OpenAI files + batches --------------------------------------------------------------------
    def _upload(self, raw: bytes, headers: dict[str, str]) -> None:
        ctype = headers.get("content-type", "")
        msg = BytesParser(policy=email_policy).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw
        )
        content, filename, purpose = b"", "upload.jsonl", "batch"
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if name == "file":
                content = payload
                filename = part.get_filename() or filename
            elif name == "purpose":
                purpose = payload.decode()
        self.fake._record(FakeRequest("POST", "/v1/files", headers, {"filename": filename}, api="openai.files"))
        fid = self._store_file(content, filename, purpose)
        self._send(200, self.fake._state.files[fid]["meta"])

    def _store_file(self, content: bytes, filename: str, purpose: str) -> str:
        fid = f"file-{uuid.uuid4().hex[:24]}"
        meta = {
            "id": fid,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }
        with self.fake._state.lock:
            self.fake._state.files[fid] = {"meta": meta, "content": content}
        return fid

    def _openai_batch_create(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        fake, st = self.fake, self.fake._state
        fake._record(FakeRequest("POST", "/v1/batches", headers, body, api="openai.batches"))
        src = st.files.get(body.get("input_file_id", ""))
        if src is None:
            return self._send(404, fake.error_body("openai", 404, "input file not found"))
        endpoint = body.get("endpoint", "/v1/chat/completions")
        api = "openai.responses" if endpoint == "/v1/responses" else "openai.chat"
        items, errors = _validate_openai_batch_input(src["content"], endpoint)
        outcome = "failed" if errors else fake.batch_outcome
        if outcome == "failed" and not errors:
            errors = [{"code": "invalid_request", "message": "batch rejected (injected)", "param": None, "line": None}]
        n_run = len(items) if outcome == "completed" else (0 if outcome == "failed" else fake.batch_processed or 0)
        out_lines, err_lines = [], []
        for i, item in enumerate(items):
            row: dict[str, Any] = {"id": f"batch_req_{uuid.uuid4().hex[:16]}", "custom_id": item.get("custom_id")}
            if i >= n_run:
                if outcome == "failed":
                    continue
                err_lines.append({**row, "response": None, "error": dict(_OPENAI_UNRUN[outcome])})
                continue
            status, resp = fake._run_batch_item(api, item.get("body") or {})
            row.update(response={"status_code": status, "request_id": uuid.uuid4().hex, "body": resp}, error=None)
            (out_lines if status == 200 else err_lines).append(row)
        bid = f"batch_{uuid.uuid4().hex[:24]}"
        out_id = err_id = None
        if out_lines or outcome == "completed":
            out_id = self._store_file(
                "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in out_lines).encode(),
                f"{bid}_output.jsonl", "batch_output",
            )
        if err_lines:
            err_id = self._store_file(
                "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in err_lines).encode(),
                f"{bid}_errors.jsonl", "batch_output",
            )
        ok = len(out_lines)
        with st.lock:
            st.batches[bid] = {
                "id": bid,
                "object": "batch",
                "endpoint": endpoint,
                "errors": None,
                "input_file_id": body.get("input_file_id"),
                "completion_window": body.get("completion_window", "24h"),
                "created_at": int(time.time()),
                "metadata": body.get("metadata"),
                "_outcome": outcome,
                "_errors": errors,
                "_output_file_id": out_id,
                "_error_file_id": err_id,
                "_counts": {"total": 0 if outcome == "failed" else len(items), "completed": ok,
                            "failed": len(err_lines)},
            }
        self._send(200, self._openai_batch_view(bid, first=True))

    def _openai_batch_view(self, bid: str, first: bool = False) -> dict[str, Any]:
        st = self.fake._state
        with st.lock:
            b = st.batches[bid]
            if not first:
                st.polls[bid] += 1
            polls = st.polls[bid]
            done = polls >= self.fake.batch_polls and not first
        view = {k: v for k, v in b.items() if not k.startswith("_")}
        now = int(time.time())
        outcome = b["_outcome"]
        if first:
            status = "validating"
        elif not done:
            # the real sequence: validating -> in_progress -> finalizing -> completed (or cancelling -> cancelled)
            late = polls == self.fake.batch_polls - 1
            status = ("cancelling" if outcome == "cancelled" else "finalizing") if late else "in_progress"
        else:
            status = outcome
        view["status"] = status
        zero = {"total": b["_counts"]["total"], "completed": 0, "failed": 0}
        view["request_counts"] = b["_counts"] if done else zero
        view["output_file_id"] = b["_output_file_id"] if done else None
        view["error_file_id"] = b["_error_file_id"] if done else None
        if done and outcome == "failed":
            view["errors"] = {"object": "list", "data": b["_errors"]}
        view[f"{outcome}_at" if outcome != "completed" else "completed_at"] = now if done else None
        return view

    # -- Anthropic message batches -----------------------------------------------------------------
    def _anthropic_batch_create(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        fake, st = self.fake, self.fake._state
        fake._record(FakeRequest("POST", "/v1/messages/batches", headers, body, api="anthropic.batches"))
        reqs = body.get("requests") or []
        problem = _validate_anthropic_batch(reqs)
        if problem:  # the real API rejects the whole create call
            return self._send(400, fake.error_body("anthropic", 400, problem))
        outcome = fake.batch_outcome if fake.batch_outcome in ("expired", "cancelled") else "completed"
        n_run = len(reqs) if outcome == "completed" else fake.batch_processed or 0
        results = []
        for i, item in enumerate(reqs):
            if i >= n_run:
                result: dict[str, Any] = {"type": "expired" if outcome == "expired" else "canceled"}
            else:
                status, resp = fake._run_batch_item("anthropic.messages", item.get("params") or {})
                result = {"type": "succeeded", "message": resp} if status == 200 else {"type": "errored", "error": resp}
            results.append({"custom_id": item.get("custom_id"), "result": result})
        bid = f"msgbatch_{uuid.uuid4().hex[:24]}"
        with st.lock:
            st.abatches[bid] = {"id": bid, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                "results": results, "outcome": outcome}
        self._send(200, self._anthropic_batch_view(bid, first=True))

    def _anthropic_batch_view(self, bid: str, first: bool = False) -> dict[str, Any]:
        st = self.fake._state
        with st.lock:
            b = st.abatches[bid]
            if not first:
                st.polls[bid] += 1
            done = st.polls[bid] >= self.fake.batch_polls and not first
        kinds = Counter(r["result"]["type"] for r in b["results"])
        counts = {"processing": 0, "succeeded": kinds["succeeded"], "errored": kinds["errored"],
                  "canceled": kinds["canceled"], "expired": kinds["expired"]}
        if not done:
            counts = {"processing": len(b["results"]), "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        cancelled = b["outcome"] == "cancelled" and not first
        return {
            "id": bid,
            "type": "message_batch",
            "processing_status": "ended" if done else ("canceling" if cancelled else "in_progress"),
            "request_counts": counts,
            "created_at": b["created_at"],
            "expires_at": b["created_at"],
            "ended_at": now if done else None,
            "archived_at": None,
            "cancel_initiated_at": b["created_at"] if cancelled else None,
            "results_url": f"{self.fake.url}/v1/messages/batches/{bid}/results" if done else None,
        }


def _validate_openai_batch_input(content: bytes, endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The real service's checks on a batch input file: one JSON object per line with a unique custom_id,
    method POST, a url equal to the batch's endpoint and a body. Returns (items, errors as in batch.errors)."""
    items: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()

    def err(code: str, message: str, line: int, param: str | None = None) -> None:
        errors.append({"code": code, "message": message, "param": param, "line": line})

    for n, line in enumerate(content.decode(errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            err("invalid_json_line", f"Line {n} is not valid JSON.", n)
            continue
        if not isinstance(item, dict):
            err("invalid_json_line", f"Line {n} is not a JSON object.", n)
            continue
        cid = item.get("custom_id")
        if not isinstance(cid, str) or not cid:
            err("missing_required_parameter", "Missing custom_id.", n, "custom_id")
        elif cid in seen:
            err("duplicate_custom_id", f"The custom_id '{cid}' is not unique within the batch.", n, "custom_id")
        else:
            seen.add(cid)
        if item.get("method") != "POST":
            err("invalid_method", "The method must be POST.", n, "method")
        if item.get("url") != endpoint:
            err("mismatched_endpoint", f"The url {item.get('url')!r} does not match the batch endpoint {endpoint!r}.",
                n, "url")
        if not isinstance(item.get("body"), dict):
            err("missing_required_parameter", "Missing body.", n, "body")
        items.append(item)
    if not items and not errors:
        err("empty_file", "The input file has no requests.", 0)
    return items, errors


def _validate_anthropic_batch(reqs: Any) -> str | None:
    """What the real Message Batches create call rejects with 400: custom_id format/uniqueness, missing params."""
    if not isinstance(reqs, list) or not reqs:
        return "requests: at least one request is required"
    seen: set[str] = set()
    for i, r in enumerate(reqs):
        cid = r.get("custom_id") if isinstance(r, dict) else None
        if not isinstance(cid, str) or not _CUSTOM_ID.match(cid):
            return f"requests.{i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
        if cid in seen:
            return f"requests.{i}.custom_id: duplicate custom_id {cid!r}"
        seen.add(cid)
        params = r.get("params")
        if not isinstance(params, dict) or "max_tokens" not in params or "messages" not in params:
            return f"requests.{i}.params: model, max_tokens and messages are required"
    return None


def main(argv: list[str] | None = None) -> None:
    """`python -m kcc_testkit.fake_server --latency 0.2`: serve until killed; prints the base URL."""
    import argparse
    import signal

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--rate-429", type=float, default=0.0)
    ap.add_argument("--rate-500", type=float, default=0.0)
    ap.add_argument("--rate-timeout", type=float, default=0.0)
    ap.add_argument("--rate-malformed-body", type=float, default=0.0)
    ap.add_argument("--rate-bad-output", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    faults = Faults(rate_429=a.rate_429, rate_500=a.rate_500, rate_timeout=a.rate_timeout,
                    rate_malformed_body=a.rate_malformed_body, rate_bad_output=a.rate_bad_output, seed=a.seed)
    srv = FakeServer(latency_s=a.latency, faults=faults).start()
    print(srv.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    srv.stop()


if __name__ == "__main__":
    main()
