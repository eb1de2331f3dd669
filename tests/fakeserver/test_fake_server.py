"""The fake server itself: wire formats, scripting, fault injection, request recording."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from kcc_testkit.fake_server import FakeReply, FakeServer, Faults, sample_from_schema


def _post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


CHAT = {"model": "m", "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "안녕"}]}


def test_default_reply_is_deterministic_korean():
    with FakeServer() as srv:
        s1, _, b1 = _post(f"{srv.openai_base_url}/chat/completions", CHAT, {"Authorization": "Bearer k1"})
        s2, _, b2 = _post(f"{srv.openai_base_url}/chat/completions", CHAT)
        a = json.loads(b1)["choices"][0]["message"]["content"]
        assert s1 == s2 == 200 and a == json.loads(b2)["choices"][0]["message"]["content"] and "안녕" in a
        r = srv.requests[0]
        assert r.api == "openai.chat" and r.system == "S" and r.prompt == "안녕" and r.headers["authorization"] == "Bearer k1"
        assert srv.prompt_counts()[("m", "S", "안녕")] == 2


def test_queue_handler_and_error_bodies():
    with FakeServer(handler=lambda req: "핸들러 답" if req.prompt == "h" else None) as srv:
        srv.enqueue(FakeReply(status=429, headers={"retry-after-ms": "5"}), "큐 답")
        st, hdr, body = _post(f"{srv.url}/v1/messages", {"model": "c", "max_tokens": 5,
                                                           "messages": [{"role": "user", "content": "x"}]})
        assert st == 429 and hdr["retry-after-ms"] == "5" and json.loads(body)["error"]["type"] == "rate_limit_error"
        st, _, body = _post(f"{srv.url}/v1/messages", {"model": "c", "max_tokens": 5,
                                                         "messages": [{"role": "user", "content": "x"}]})
        assert json.loads(body)["content"][0]["text"] == "큐 답"
        _, _, body = _post(f"{srv.openai_base_url}/chat/completions",
                           {"model": "m", "messages": [{"role": "user", "content": "h"}]})
        assert json.loads(body)["choices"][0]["message"]["content"] == "핸들러 답"


@pytest.mark.parametrize("rate,expect", [("rate_500", 500), ("rate_429", 429)])
def test_fault_rates(rate, expect):
    with FakeServer(faults=Faults(**{rate: 1.0}, retry_after_s=2)) as srv:
        st, hdr, _ = _post(f"{srv.openai_base_url}/chat/completions", CHAT)
        assert st == expect
        if expect == 429:
            assert hdr["retry-after"] == "2"


def test_malformed_and_bad_output_faults():
    with FakeServer(faults=Faults(rate_malformed_body=1.0)) as srv:
        _, _, body = _post(f"{srv.openai_base_url}/chat/completions", CHAT)
        with pytest.raises(ValueError):
            json.loads(body)
    schema_req = {**CHAT, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {
        "type": "object", "properties": {"a": {"type": "integer"}}}}}}
    with FakeServer(faults=Faults(rate_bad_output=1.0)) as srv:
        _, _, body = _post(f"{srv.openai_base_url}/chat/completions", schema_req)
        with pytest.raises(ValueError):
            json.loads(json.loads(body)["choices"][0]["message"]["content"])
    with FakeServer() as srv:
        _, _, body = _post(f"{srv.openai_base_url}/chat/completions", schema_req)
        assert isinstance(json.loads(json.loads(body)["choices"][0]["message"]["content"])["a"], int)


def test_timeout_fault_sleeps_past_client_timeout():
    with FakeServer(faults=Faults(rate_timeout=1.0, timeout_sleep_s=1.0)) as srv:
        req = urllib.request.Request(f"{srv.openai_base_url}/chat/completions", data=json.dumps(CHAT).encode(),
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(OSError):
            urllib.request.urlopen(req, timeout=0.2)


def test_schema_sampling():
    schema = {"type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": "#/$defs/I"}, "minItems": 2},
        "kind": {"enum": ["x", "y"]}, "n": {"anyOf": [{"type": "null"}, {"type": "number"}]}},
        "$defs": {"I": {"type": "object", "properties": {"t": {"type": "string"}}}}}
    v = sample_from_schema(schema, "k")
    assert v["kind"] == "x" and isinstance(v["n"], float) and len(v["items"]) == 3
    assert v["items"][0]["t"] != v["items"][1]["t"] and v == sample_from_schema(schema, "k")


def test_unknown_route_is_404():
    with FakeServer() as srv:
        st, _, _ = _post(f"{srv.url}/v1/nope", {})
        assert st == 404


def _openai(srv):
    import openai

    return openai.OpenAI(api_key="k", base_url=srv.openai_base_url, max_retries=0)


def _line(cid, url="/v1/chat/completions", method="POST"):
    return {"custom_id": cid, "method": method, "url": url,
            "body": {"model": "m", "messages": [{"role": "user", "content": "안녕"}]}}


def test_openai_batch_status_sequence_and_file_lines():
    with FakeServer(batch_polls=3) as srv:
        c = _openai(srv)
        f = c.files.create(file=("in.jsonl", (json.dumps(_line("a")) + "\n").encode()), purpose="batch")
        b = c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
        seen = [b.status] + [c.batches.retrieve(b.id).status for _ in range(3)]
        assert seen == ["validating", "in_progress", "finalizing", "completed"]
        done = c.batches.retrieve(b.id)
        row = json.loads(c.files.content(done.output_file_id).text)
        assert row["custom_id"] == "a" and row["error"] is None and row["response"]["status_code"] == 200
        assert row["response"]["body"]["object"] == "chat.completion" and done.error_file_id is None


def test_openai_batch_input_is_validated_like_the_real_service():
    lines = [_line("a"), _line("a"), _line("b", url="/v1/responses"), _line("c", method="GET")]
    with FakeServer() as srv:
        c = _openai(srv)
        data = "".join(json.dumps(x) + "\n" for x in lines).encode() + b"{not json\n"
        f = c.files.create(file=("in.jsonl", data), purpose="batch")
        b = c.batches.retrieve(c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                                completion_window="24h").id)
        assert b.status == "failed" and b.output_file_id is None and b.failed_at
        codes = [(e.code, e.line) for e in b.errors.data]
        assert codes == [("duplicate_custom_id", 2), ("mismatched_endpoint", 3), ("invalid_method", 4),
                         ("invalid_json_line", 5)]
        assert srv.prompt_counts() == {}  # nothing ran


def test_openai_expired_batch_files():
    with FakeServer(batch_outcome="expired", batch_processed=1) as srv:
        c = _openai(srv)
        f = c.files.create(file=("in.jsonl", (json.dumps(_line("a")) + "\n" + json.dumps(_line("b"))).encode()),
                           purpose="batch")
        b = c.batches.retrieve(c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                                completion_window="24h").id)
        assert b.status == "expired" and b.expired_at and b.request_counts.completed == 1
        err = json.loads(c.files.content(b.error_file_id).text)
        assert err["custom_id"] == "b" and err["response"] is None and err["error"]["code"] == "batch_expired"


def test_anthropic_batch_rejects_bad_custom_ids_and_reports_item_types():
    import anthropic

    with FakeServer(batch_outcome="expired", batch_processed=1) as srv:
        c = anthropic.Anthropic(api_key="k", base_url=srv.anthropic_base_url, max_retries=0)
        params = {"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        with pytest.raises(anthropic.BadRequestError, match="custom_id"):
            c.messages.batches.create(requests=[{"custom_id": "has space", "params": params}])
        with pytest.raises(anthropic.BadRequestError, match="duplicate"):
            c.messages.batches.create(requests=[{"custom_id": "a", "params": params}] * 2)
        b = c.messages.batches.create(requests=[{"custom_id": "a", "params": params},
                                                {"custom_id": "b", "params": params}])
        assert b.processing_status == "in_progress"
        done = c.messages.batches.retrieve(b.id)
        assert done.processing_status == "ended" and done.request_counts.expired == 1
        kinds = {r.custom_id: r.result.type for r in c.messages.batches.results(b.id)}
        assert kinds == {"a": "succeeded", "b": "expired"}


def test_bad_batch_outcome_is_refused():
    with pytest.raises(ValueError, match="batch_outcome"):
        FakeServer(batch_outcome="done")
