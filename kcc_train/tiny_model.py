"""Build a small random Llama with a Korean byte-level BPE tokenizer, entirely offline.

Tests and the GPU check need a real Hugging Face model folder without downloading anything: the tokenizer is
trained with `tokenizers` on the Korean sentences shipped in kcc_train/data/, wrapped in a
PreTrainedTokenizerFast with a chat template, and the weights are random (LlamaConfig). The result loads with
AutoModelForCausalLM / AutoTokenizer like any hub model.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<pad>", "<s>", "<|end|>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]


class TinyModelInfo(BaseModel):
    path: str
    vocab_size: int
    hidden_size: int
    layers: int
    parameters: int


def corpus_lines() -> list[str]:
    """The shipped Korean sentences the tokenizer learns from (JSONL so it ships as package data)."""
    text = resources.files("kcc_train").joinpath("data/ko_sentences.jsonl").read_text(encoding="utf-8")
    return [json.loads(line)["text"] for line in text.splitlines() if line.strip()]


def make_tiny_model(out_dir: str | Path, *, hidden_size: int = 64, layers: int = 2, vocab_size: int = 2000,
                    heads: int | None = None, max_position: int = 2048, seed: int = 0,
                    extra_text: list[str] | None = None) -> TinyModelInfo:
    """Write tokenizer + random LlamaForCausalLM into `out_dir`; returns what was built."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = corpus_lines() + list(extra_text or [])

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, min_frequency=1,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(lines, trainer=trainer)

    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="<|end|>",
                                     unk_token="<unk>", pad_token="<pad>",
                                     additional_special_tokens=["<|system|>", "<|user|>", "<|assistant|>"])
    hf_tok.chat_template = CHAT_TEMPLATE
    hf_tok.padding_side = "left"  # batched generation pads on the left
    hf_tok.save_pretrained(out)

    heads = heads or max(1, hidden_size // 32)
    cfg = LlamaConfig(
        vocab_size=len(hf_tok), hidden_size=hidden_size, intermediate_size=hidden_size * 4 if hidden_size < 512
        else int(hidden_size * 8 / 3 // 64 * 64), num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=heads, max_position_embeddings=max_position, tie_word_embeddings=True,
        bos_token_id=hf_tok.bos_token_id, eos_token_id=hf_tok.eos_token_id, pad_token_id=hf_tok.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.generation_config.pad_token_id = hf_tok.pad_token_id
    model.generation_config.eos_token_id = hf_tok.eos_token_id
    model.save_pretrained(out)
    n = sum(p.numel() for p in model.parameters())
    return TinyModelInfo(path=str(out.resolve()), vocab_size=len(hf_tok), hidden_size=hidden_size, layers=layers,
                         parameters=n)
