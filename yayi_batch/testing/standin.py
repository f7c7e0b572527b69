"""A tiny random-weight Baichuan 2 stand-in in the real checkpoint layout.

`make_standin("13b" | "7b", out_dir)` writes, in seconds and deterministically:
config.json (architectures ["BaichuanForCausalLM"], model_type "baichuan", the Baichuan 2 keys
plus `position_embedding` and `norm_head`, since the tiny hidden size cannot follow the
hidden_size == 4096 rule), the weights under their HF names (safetensors, optionally sharded with
an index, or pytorch_model.bin), a small BPE sentencepiece `tokenizer.model` trained like
Baichuan 2's (byte fallback, digits split, no normalisation, no dummy prefix, `<reserved_N>`
as user-defined pieces), tokenizer_config.json and generation_config.json.

13b layout: ALiBi with 5 heads x 64 (not a power of two, to exercise the slope rule), no
`max_position_embeddings`, `model_max_length` 4096. 7b layout: rotary, 4 heads x 64,
`max_position_embeddings` 4096. Both: 2 layers, NormHead on, lm_head rows of uneven norm.
"""

from __future__ import annotations

import glob
import io
import json
import shutil
from pathlib import Path

from yayi_batch.vllm_plugin.layout import ALIBI, ROPE

LAYOUTS = {
    "13b": {"hidden_size": 320, "num_attention_heads": 5, "intermediate_size": 864, "position_embedding": ALIBI},
    "7b": {"hidden_size": 256, "num_attention_heads": 4, "intermediate_size": 688, "position_embedding": ROPE},
}
NUM_LAYERS = 2
MERGES_TARGET = 600  # vocab = characters + meta pieces + up to this many merges
DEFAULT_CORPUS_GLOB = str(Path(__file__).resolve().parent.parent / "data" / "sample_corpus" / "*.parquet")
MAX_CORPUS_CHARS = 300_000


def corpus_texts(corpus_glob: str | None = None) -> list[str]:
    """Texts from Parquet files (column `text`), or the built-in bilingual list if none exist."""
    files = sorted(glob.glob(corpus_glob or DEFAULT_CORPUS_GLOB))
    texts: list[str] = []
    if files:
        import pyarrow.parquet as pq

        total = 0
        for path in files:
            for value in pq.read_table(path, columns=["text"]).column("text").to_pylist():
                if value and total < MAX_CORPUS_CHARS:
                    texts.append(value)
                    total += len(value)
    if not texts:
        from yayi_batch.testing.standin_text import BUILTIN_TEXTS

        texts = list(BUILTIN_TEXTS)
    return texts


def train_tokenizer(texts: list[str], num_reserved: int = 20) -> bytes:
    """A Baichuan-2-like BPE sentencepiece model (serialized ModelProto)."""
    import sentencepiece as spm

    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    n_chars = len({ch for line in lines for ch in line})
    vocab_size = n_chars + 3 + num_reserved + 256 + MERGES_TARGET
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="bpe",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        byte_fallback=True,
        split_digits=True,
        normalization_rule_name="identity",
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        user_defined_symbols=[f"<reserved_{i}>" for i in range(num_reserved)],
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    return model.getvalue()


def _config(layout: str, vocab_size: int) -> dict:
    spec = LAYOUTS[layout]
    cfg = {
        "architectures": ["BaichuanForCausalLM"],
        "model_type": "baichuan",
        "tokenizer_class": "BaichuanTokenizer",
        "vocab_size": vocab_size,
        "hidden_size": spec["hidden_size"],
        "intermediate_size": spec["intermediate_size"],
        "num_hidden_layers": NUM_LAYERS,
        "num_attention_heads": spec["num_attention_heads"],
        "hidden_act": "silu",
        "model_max_length": 4096,
        "initializer_range": 0.02,
        "rms_norm_eps": 1e-6,
        "use_cache": True,
        "pad_token_id": 0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "tie_word_embeddings": False,
        "gradient_checkpointing": False,
        "z_loss_weight": 0,
        "torch_dtype": "float32",
        "position_embedding": spec["position_embedding"],
        "norm_head": True,
    }
    if layout == "7b":
        cfg["max_position_embeddings"] = 4096
    return cfg


def random_weights(cfg: dict, seed: int) -> dict:
    """HF-named fp32 tensors with scales that give non-trivial attention and logits."""
    import torch

    g = torch.Generator().manual_seed(seed)
    h, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def normal(*shape, std):
        return torch.randn(*shape, generator=g) * std

    def norm_weight():
        return 1.0 + normal(h, std=0.1)

    w = {"model.embed_tokens.weight": normal(v, h, std=1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.W_pack.weight"] = normal(3 * h, h, std=0.08)
        w[p + "self_attn.o_proj.weight"] = normal(h, h, std=0.05)
        w[p + "mlp.gate_proj.weight"] = normal(inter, h, std=0.08)
        w[p + "mlp.up_proj.weight"] = normal(inter, h, std=0.08)
        w[p + "mlp.down_proj.weight"] = normal(h, inter, std=0.05)
        w[p + "input_layernorm.weight"] = norm_weight()
        w[p + "post_attention_layernorm.weight"] = norm_weight()
    w["model.norm.weight"] = norm_weight()
    row_scale = 0.25 + 2.0 * torch.rand(v, 1, generator=g)  # NormHead must undo these
    w["lm_head.weight"] = normal(v, h, std=0.02) * row_scale
    return {k: t.contiguous() for k, t in w.items()}


def _write_weights(weights: dict, out: Path, fmt: str, shards: int) -> None:
    import torch

    names = list(weights)
    if fmt == "bin":
        if shards <= 1:
            torch.save(weights, out / "pytorch_model.bin")
            return
        ext, index_name = "bin", "pytorch_model.bin.index.json"
        file_pattern = "pytorch_model-{:05d}-of-{:05d}.bin"
    else:
        from safetensors.torch import save_file

        if shards <= 1:
            save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
            return
        ext, index_name = "safetensors", "model.safetensors.index.json"
        file_pattern = "model-{:05d}-of-{:05d}.safetensors"
    per = -(-len(names) // shards)
    weight_map, total = {}, 0
    for s in range(shards):
        part = {k: weights[k] for k in names[s * per : (s + 1) * per]}
        fname = file_pattern.format(s + 1, shards)
        if ext == "bin":
            torch.save(part, out / fname)
        else:
            save_file(part, str(out / fname), metadata={"format": "pt"})
        for k, t in part.items():
            weight_map[k] = fname
            total += t.numel() * t.element_size()
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (out / index_name).write_text(json.dumps(index, indent=2), encoding="utf-8")


def _token(content: str) -> dict:
    return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": True}


def make_standin(
    layout: str,
    out_dir,
    seed: int = 0,
    *,
    corpus: str | None = None,
    weights_format: str | None = None,
    shards: int | None = None,
    num_reserved: int = 20,
) -> Path:
    """Write a stand-in checkpoint to `out_dir` (replacing it) and return its path.

    Defaults: 13b -> safetensors in 2 shards with model.safetensors.index.json;
    7b -> a single pytorch_model.bin (as Baichuan2-7B ships).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, got {layout!r}")
    weights_format = weights_format or ("safetensors" if layout == "13b" else "bin")
    shards = shards if shards is not None else (2 if layout == "13b" else 1)
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    import sentencepiece as spm

    sp_model = train_tokenizer(corpus_texts(corpus), num_reserved=num_reserved)
    (out / "tokenizer.model").write_bytes(sp_model)
    vocab_size = spm.SentencePieceProcessor(model_proto=sp_model).get_piece_size()

    cfg = _config(layout, vocab_size)
    (out / "config.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    _write_weights(random_weights(cfg, seed), out, weights_format, shards)
    tok_cfg = {
        "add_bos_token": False,
        "add_eos_token": False,
        "bos_token": _token("<s>"),
        "eos_token": _token("</s>"),
        "unk_token": _token("<unk>"),
        "pad_token": _token("<unk>"),
        "clean_up_tokenization_spaces": False,
        "model_max_length": 4096,
        "sp_model_kwargs": {},
        "tokenizer_class": "BaichuanTokenizer",
        "use_fast": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2), encoding="utf-8")
    (out / "special_tokens_map.json").write_text(
        json.dumps({k: tok_cfg[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")}, indent=2), encoding="utf-8"
    )
    gen = {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2), encoding="utf-8")
    return out
