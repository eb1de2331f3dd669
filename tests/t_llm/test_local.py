"""`local:/path`: a tiny Llama built and saved locally (no hub), batched generation with a chat template."""

from __future__ import annotations

import asyncio
import sys

import pytest

from kcc_llm import LLMClient, LLMRequest

TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("transformers")
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(0)
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    corpus = ["안녕하세요 반갑습니다", "신고는 경찰에 할 수 있습니다", "도와드릴 수 없습니다", "상담 창구를 이용하세요"] * 20
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>")
    fast.chat_template = TEMPLATE
    cfg = LlamaConfig(vocab_size=fast.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                      pad_token_id=fast.pad_token_id, eos_token_id=fast.eos_token_id, bos_token_id=fast.bos_token_id)
    path = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(cfg).save_pretrained(path)
    fast.save_pretrained(path)
    return path


async def test_local_provider_batches_requests(tiny_model):
    model = f"local:{tiny_model}"
    reqs = [LLMRequest(model=model, messages=[{"role": "user", "content": f"질문 {i}"}], system="정책",
                       temperature=0.0, max_tokens=6) for i in range(3)]
    async with LLMClient() as client:
        comps = await client.map(reqs)
        again = await client.complete(reqs[0])
        from kcc_llm.spec import parse_model_spec

        sizes = client.provider(parse_model_spec(model)).batch_sizes
    assert sizes == [3, 1]  # the three concurrent requests went through one batched generate()
    assert all(c.ok for c in comps), [c.error for c in comps]
    assert all(0 < c.usage.completion_tokens <= 6 and c.usage.prompt_tokens > 3 for c in comps)
    assert comps[0].provider == "local" and comps[0].cost_usd == 0 and again.text == comps[0].text  # greedy


def test_kcc_llm_import_does_not_load_torch():
    import subprocess

    code = "import kcc_llm, kcc_llm.providers.local, kcc_gen.generate, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_missing_local_folder_is_an_item_error(tmp_path):
    async with LLMClient() as client:
        c = await client.complete(LLMRequest(model=f"local:{tmp_path / 'nope'}", messages=[{"role": "user", "content": "x"}]))
    assert not c.ok and c.error_kind == "bad_request" and "does not exist" in c.error


def _ask(model: str, i: int = 0) -> LLMRequest:
    return LLMRequest(model=model, messages=[{"role": "user", "content": f"질문 {i}"}], max_tokens=4, temperature=0.0)


async def test_bad_local_folders_fail_per_item_with_a_clear_reason(tmp_path, tiny_model):
    (tmp_path / "weights.bin").write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "no-such-architecture"}')
    cases = {
        f"local:{tmp_path / 'weights.bin'}": "is a file, not a model folder",
        f"local:{tmp_path / 'empty'}": "has no config.json",
        "local:~no-such-user-kcc/model": "local model folder '~no-such-user-kcc/model'",
        "local:": "nothing after 'local:'",
        f"local:{broken}": "could not be loaded",
    }
    reqs = [_ask(m, i) for m in cases for i in range(2)] + [_ask(f"local:{tiny_model}", 9)]
    async with LLMClient() as client:
        comps = await asyncio.wait_for(client.map(reqs), 120)  # one batch: nothing raises, nothing hangs
    *bad, good = comps
    assert good.ok, good.error
    for (model, expect), pair in zip(cases.items(), zip(bad[::2], bad[1::2], strict=True), strict=True):
        for c in pair:
            assert not c.ok and c.error_kind == "bad_request" and expect in c.error, (model, c.error)


async def test_unloadable_folder_is_loaded_once(tmp_path):
    from kcc_llm.spec import parse_model_spec

    (tmp_path / "config.json").write_text("{not json")
    model = f"local:{tmp_path}"
    async with LLMClient() as client:
        first = await client.complete(_ask(model, 1))
        prov = client.provider(parse_model_spec(model))
        err = prov._load_error
        second = await client.complete(_ask(model, 2))
    assert err is not None and prov._load_error is err  # the second item did not try to load it again
    assert first.error == second.error and "could not be loaded" in first.error
