"""Baichuan 2 layout rules without an engine: slopes, position embedding, NormHead, weight names."""

from __future__ import annotations

import importlib.metadata

import pytest
from baichuan_reference import baichuan_interleave

from yayi_batch.vllm_plugin import MODEL_CLASSES
from yayi_batch.vllm_plugin.layout import (
    ALIBI,
    ROPE,
    alibi_slopes,
    expected_weight_names,
    map_weight_name,
    max_positions,
    position_embedding,
    use_norm_head,
)


@pytest.mark.parametrize("heads", [1, 2, 4, 5, 6, 8, 12, 32, 40, 64])
def test_alibi_slopes_follow_baichuan_rule(heads):
    assert alibi_slopes(heads) == pytest.approx(baichuan_interleave(heads), rel=1e-12)


def test_alibi_slopes_40_heads_explicit():
    slopes = alibi_slopes(40)
    # 32 heads: 2^(-8/32 * k), k = 1..32; then 8 odd powers of 2^(-8/64): k = 1, 3, ..., 15.
    want = [2 ** (-k / 4) for k in range(1, 33)] + [2 ** (-k / 8) for k in range(1, 16, 2)]
    assert slopes == pytest.approx(want, rel=1e-12)
    assert len(set(slopes)) == 40


def test_alibi_slopes_5_heads_explicit():
    # 4 heads: 2^-2, 2^-4, 2^-6, 2^-8; then the first odd power of 2^(-8/8) = 2^-1.
    assert alibi_slopes(5) == pytest.approx([0.25, 2**-4, 2**-6, 2**-8, 0.5], rel=1e-12)


def test_position_embedding_rules():
    assert position_embedding({"hidden_size": 5120}) == ALIBI  # Baichuan2-13B
    assert position_embedding({"hidden_size": 4096}) == ROPE  # Baichuan2-7B
    assert position_embedding({"hidden_size": 5120, "position_embedding": "rope"}) == ROPE
    assert position_embedding({"hidden_size": 4096, "position_embedding": "ALIBI"}) == ALIBI
    assert position_embedding({"hidden_size": 5120}, "BaiChuanForCausalLM") == ROPE
    with pytest.raises(ValueError):
        position_embedding({"position_embedding": "learned"})


def test_norm_head_and_context_rules():
    assert use_norm_head({"vocab_size": 125696})
    assert not use_norm_head({"vocab_size": 64000})
    assert use_norm_head({"vocab_size": 2000, "norm_head": True})
    assert max_positions({"model_max_length": 4096}) == 4096  # 13B: no max_position_embeddings
    assert max_positions({"model_max_length": 4096, "max_position_embeddings": 2048}) == 2048
    assert max_positions({}) is None


def test_weight_name_mapping_covers_checkpoint():
    names = expected_weight_names(2)
    targets = {n: map_weight_name(n) for n in names}
    assert targets["model.layers.1.self_attn.W_pack.weight"].param == "model.layers.1.self_attn.qkv_proj.weight"
    assert targets["model.layers.1.self_attn.W_pack.weight"].kind == "qkv"
    gate, up = targets["model.layers.0.mlp.gate_proj.weight"], targets["model.layers.0.mlp.up_proj.weight"]
    assert (gate.param, gate.kind, gate.shard) == ("model.layers.0.mlp.gate_up_proj.weight", "merged", 0)
    assert (up.param, up.kind, up.shard) == ("model.layers.0.mlp.gate_up_proj.weight", "merged", 1)
    assert targets["lm_head.weight"].kind == "lm_head"
    for n in (
        "model.embed_tokens.weight",
        "model.norm.weight",
        "model.layers.0.self_attn.o_proj.weight",
        "model.layers.0.mlp.down_proj.weight",
        "model.layers.0.input_layernorm.weight",
        "model.layers.0.post_attention_layernorm.weight",
    ):
        assert targets[n].param == n and targets[n].kind == "direct"
    assert map_weight_name("model.layers.0.self_attn.rotary_emb.inv_freq").kind == "skip"
    vllm_params = {t.param for t in targets.values()}
    assert len(vllm_params) == 2 + 1 + 2 * 6  # embed, norm, lm_head; 6 vLLM params per layer


def test_entry_point_declared():
    eps = importlib.metadata.entry_points(group="vllm.general_plugins")
    assert any(ep.value == "yayi_batch.vllm_plugin:register" for ep in eps)


def test_registration_overrides_removed_architecture():
    """vLLM 0.29 refuses BaichuanForCausalLM ("supported until v0.23.0") unless registered."""
    pytest.importorskip("vllm")
    from vllm import ModelRegistry
    from vllm.model_executor.models.registry import _PREVIOUSLY_SUPPORTED_MODELS

    from yayi_batch.vllm_plugin import register

    assert "BaichuanForCausalLM" in _PREVIOUSLY_SUPPORTED_MODELS
    register()
    register()  # idempotent
    for arch, target in MODEL_CLASSES.items():
        assert arch in ModelRegistry.get_supported_archs()
        registered = ModelRegistry.models[arch]
        assert f"{registered.module_name}:{registered.class_name}" == target  # lazy, not imported

    from transformers import AutoConfig

    cfg = AutoConfig.for_model("baichuan", hidden_size=320, num_attention_heads=5)
    assert type(cfg).__module__ == "yayi_batch.vllm_plugin.config"
