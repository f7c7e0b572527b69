"""Baichuan 2 for vLLM: an out-of-tree model plugin.

vLLM calls `register()` through the `vllm.general_plugins` entry point declared in
pyproject.toml (`yayi_baichuan = "yayi_batch.vllm_plugin:register"`) in every process it starts:
the front end (LLM / ray.data.llm actor), the engine core and each worker. Nothing in this
package imports it.

`register()` does two cheap things and imports no torch model code:

1. registers `BaichuanConfig` for model_type "baichuan" with transformers' AutoConfig, so the
   config loads without the checkpoint's remote code;
2. registers `BaichuanForCausalLM` and `BaiChuanForCausalLM` with vLLM's ModelRegistry as lazy
   "module:Class" strings. vLLM 0.29 lists both names as "supported until v0.23.0", but that
   refusal is raised only for names absent from the registry
   (`_ModelRegistry._raise_for_unsupported`), so registering them under their own names is
   enough: checkpoints keep `architectures: ["BaichuanForCausalLM"]`, no `hf_overrides`.

Config keys honoured on top of the HF Baichuan config (see `layout.py`):
`position_embedding`: "ALIBI" | "ROPE" (default: ROPE iff hidden_size == 4096, the old vLLM
rule) and `norm_head`: bool (default: vocab_size == 125696, i.e. Baichuan 2).
"""

from __future__ import annotations

import logging

from .layout import ARCH_BAICHUAN, ARCH_BAICHUAN_7B_V1, PLUGIN_ARCHITECTURES

logger = logging.getLogger(__name__)

MODEL_CLASSES = {
    ARCH_BAICHUAN: "yayi_batch.vllm_plugin.baichuan:BaichuanForCausalLM",
    ARCH_BAICHUAN_7B_V1: "yayi_batch.vllm_plugin.baichuan:BaiChuanForCausalLM",
}

__all__ = ["MODEL_CLASSES", "PLUGIN_ARCHITECTURES", "register"]


def register() -> None:
    """vLLM general-plugin entry point; safe to call more than once."""
    from vllm import ModelRegistry

    from .config import register_config

    register_config()
    for arch, target in MODEL_CLASSES.items():
        ModelRegistry.register_model(arch, target)
    logger.debug("yayi-batch: registered %s with vLLM", ", ".join(MODEL_CLASSES))
