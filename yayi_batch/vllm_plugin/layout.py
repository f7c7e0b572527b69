"""Baichuan 2 layout rules, free of torch and vLLM so that tests and `check-model` can use them.

- Which position embedding a checkpoint uses (13B layout: ALiBi; 7B layout: rotary).
- Whether the LM head is Baichuan 2's `NormHead` (rows L2-normalised).
- ALiBi slopes (Baichuan's `_get_interleave` rule, the same as BLOOM's), right for head counts
  that are not a power of two (Baichuan2-13B has 40 heads).
- How the HF checkpoint's weight names map onto the vLLM modules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

ALIBI = "ALIBI"
ROPE = "ROPE"

# Architectures that this plugin serves. Both spellings existed in vLLM <= 0.23:
# "BaichuanForCausalLM" (lower-case c): Baichuan-13B and Baichuan 2 (7B and 13B);
# "BaiChuanForCausalLM" (upper-case C): Baichuan-7B (rotary).
ARCH_BAICHUAN = "BaichuanForCausalLM"
ARCH_BAICHUAN_7B_V1 = "BaiChuanForCausalLM"
PLUGIN_ARCHITECTURES = (ARCH_BAICHUAN, ARCH_BAICHUAN_7B_V1)

# Config keys this package honours on top of the HF Baichuan config (documented in the README
# of the plugin package): tiny stand-ins set them because the hidden-size rule below only
# recognises the real 7B dimensions.
KEY_POSITION_EMBEDDING = "position_embedding"  # "ALIBI" | "ROPE"
KEY_NORM_HEAD = "norm_head"  # true | false

BAICHUAN2_VOCAB_SIZE = 125696
DEFAULT_ROPE_THETA = 10000.0


def _get(config: Any, key: str, default: Any = None) -> Any:
    if isinstance(config, dict):
        return config.get(key, default)
    return getattr(config, key, default)


def position_embedding(config: Any, architecture: str | None = None) -> str:
    """ "ALIBI" or "ROPE" for a Baichuan config (a dict or a config object).

    An explicit `position_embedding` key wins. Otherwise the rule of vLLM's former in-tree
    baichuan.py: `BaiChuanForCausalLM` (Baichuan-7B) is rotary; `BaichuanForCausalLM` is rotary
    when hidden_size == 4096 (Baichuan2-7B) and ALiBi otherwise (Baichuan-13B, Baichuan2-13B).
    """
    explicit = _get(config, KEY_POSITION_EMBEDDING)
    if explicit is not None:
        value = str(explicit).upper()
        if value not in (ALIBI, ROPE):
            raise ValueError(f"{KEY_POSITION_EMBEDDING} must be 'ALIBI' or 'ROPE', got {explicit!r}")
        return value
    if architecture is None:
        architectures = _get(config, "architectures") or []
        architecture = architectures[0] if architectures else ARCH_BAICHUAN
    if architecture == ARCH_BAICHUAN_7B_V1:
        return ROPE
    return ROPE if _get(config, "hidden_size") == 4096 else ALIBI


def use_norm_head(config: Any) -> bool:
    """Whether lm_head rows are L2-normalised (Baichuan 2's NormHead).

    An explicit `norm_head` key wins; otherwise the former vLLM rule: Baichuan 2 is recognised by
    its vocabulary size 125696 (Baichuan 1 has 64000 and a plain head).
    """
    explicit = _get(config, KEY_NORM_HEAD)
    if explicit is not None:
        return bool(explicit)
    return _get(config, "vocab_size") == BAICHUAN2_VOCAB_SIZE


def max_positions(config: Any) -> int | None:
    """The model's own context limit: the smallest of the keys vLLM reads that Baichuan uses."""
    values = [v for v in (_get(config, "max_position_embeddings"), _get(config, "model_max_length")) if isinstance(v, int) and v > 0]
    return min(values) if values else None


def alibi_slopes(num_heads: int) -> list[float]:
    """ALiBi slopes for `num_heads` heads (ALiBi paper / BLOOM / Baichuan `_get_interleave`).

    For a power of two n: start = 2 ** (-8 / n), slopes = start ** 1..n. Otherwise the slopes of
    the closest lower power of two p, followed by the odd-indexed slopes of 2p (first n - p).
    """
    if num_heads <= 0:
        raise ValueError("num_heads must be positive")
    closest = 2 ** math.floor(math.log2(num_heads))
    base = 2.0 ** (-(2.0 ** -(math.log2(closest) - 3)))
    slopes = [base**power for power in range(1, closest + 1)]
    if closest != num_heads:
        extra_base = 2.0 ** (-(2.0 ** -(math.log2(2 * closest) - 3)))
        remaining = min(closest, num_heads - closest)
        slopes += [extra_base**power for power in range(1, 1 + 2 * remaining, 2)]
    return slopes


# ---- weight names -------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightTarget:
    """Where one HF tensor goes: `param` in the vLLM model and how."""

    param: str
    kind: str  # "direct" | "qkv" (split into q, k, v) | "merged" (shard of gate_up) | "lm_head" | "skip"
    shard: int | None = None


_LAYER_RE = re.compile(r"^model\.layers\.(\d+)\.(.+)$")
_SKIP_SUFFIXES = ("rotary_emb.inv_freq", "rotary_emb.cos_cached", "rotary_emb.sin_cached")


def map_weight_name(name: str) -> WeightTarget:
    """Map an HF Baichuan 2 weight name to the vLLM parameter it loads into.

    model.layers.N.self_attn.W_pack.weight   -> model.layers.N.self_attn.qkv_proj.weight (q, k, v)
    model.layers.N.mlp.gate_proj.weight      -> model.layers.N.mlp.gate_up_proj.weight shard 0
    model.layers.N.mlp.up_proj.weight        -> model.layers.N.mlp.gate_up_proj.weight shard 1
    lm_head.weight                           -> lm_head.weight (normalised when NormHead)
    everything else (embed_tokens, o_proj, down_proj, norms) keeps its name.
    """
    if name.endswith(_SKIP_SUFFIXES):
        return WeightTarget(name, "skip")
    if name == "lm_head.weight":
        return WeightTarget(name, "lm_head")
    match = _LAYER_RE.match(name)
    if match:
        rest = match.group(2)
        prefix = f"model.layers.{match.group(1)}."
        if rest == "self_attn.W_pack.weight":
            return WeightTarget(prefix + "self_attn.qkv_proj.weight", "qkv")
        if rest == "mlp.gate_proj.weight":
            return WeightTarget(prefix + "mlp.gate_up_proj.weight", "merged", 0)
        if rest == "mlp.up_proj.weight":
            return WeightTarget(prefix + "mlp.gate_up_proj.weight", "merged", 1)
    return WeightTarget(name, "direct")


def expected_weight_names(num_layers: int, tie_word_embeddings: bool = False) -> list[str]:
    """The tensor names an HF Baichuan 2 checkpoint holds (what `check-model` looks for)."""
    names = ["model.embed_tokens.weight", "model.norm.weight"]
    if not tie_word_embeddings:
        names.append("lm_head.weight")
    for i in range(num_layers):
        p = f"model.layers.{i}."
        names += [
            p + "self_attn.W_pack.weight",
            p + "self_attn.o_proj.weight",
            p + "mlp.gate_proj.weight",
            p + "mlp.up_proj.weight",
            p + "mlp.down_proj.weight",
            p + "input_layernorm.weight",
            p + "post_attention_layernorm.weight",
        ]
    return names
