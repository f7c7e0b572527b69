"""Baichuan 2 (13B layout: ALiBi; 7B layout: rotary) for vLLM 0.29, as an out-of-tree model.

Registered lazily by `yayi_batch.vllm_plugin.register` (vLLM imports this module only in the
processes that build the model). Layer structure follows Baichuan2's modeling_baichuan.py:
RMSNorm, packed `W_pack` qkv (split into q, k, v for a tensor-parallel QKVParallelLinear),
SiLU-gated MLP (gate_proj/up_proj merged), vocab-parallel embedding and LM head, and the
`NormHead` of Baichuan 2 (lm_head rows L2-normalised once, at load).
"""

from collections.abc import Iterable
from itertools import islice

import torch
from torch import nn
from vllm.compilation.decorators import support_torch_compile
from vllm.config import CacheConfig, VllmConfig
from vllm.distributed import (
    get_pp_group,
    get_tensor_model_parallel_rank,
    get_tensor_model_parallel_world_size,
)
from vllm.model_executor.layers.activation import SiluAndMul
from vllm.model_executor.layers.attention import Attention
from vllm.model_executor.layers.layernorm import RMSNorm
from vllm.model_executor.layers.linear import (
    MergedColumnParallelLinear,
    QKVParallelLinear,
    RowParallelLinear,
)
from vllm.model_executor.layers.logits_processor import LogitsProcessor
from vllm.model_executor.layers.quantization import QuantizationConfig
from vllm.model_executor.layers.rotary_embedding import get_rope
from vllm.model_executor.layers.vocab_parallel_embedding import (
    ParallelLMHead,
    VocabParallelEmbedding,
)
from vllm.model_executor.model_loader.weight_utils import default_weight_loader
from vllm.model_executor.models.interfaces import SupportsPP, SupportsQuant
from vllm.model_executor.models.utils import (
    PPMissingLayer,
    is_pp_missing_parameter,
    make_empty_intermediate_tensors_factory,
    make_layers,
    maybe_prefix,
)
from vllm.sequence import IntermediateTensors

from .layout import (
    ALIBI,
    ARCH_BAICHUAN_7B_V1,
    DEFAULT_ROPE_THETA,
    ROPE,
    alibi_slopes,
    map_weight_name,
    position_embedding,
    use_norm_head,
)


class BaichuanMLP(nn.Module):
    def __init__(
        self, hidden_size: int, intermediate_size: int, hidden_act: str, quant_config: QuantizationConfig | None = None, prefix: str = ""
    ):
        super().__init__()
        if hidden_act != "silu":
            raise ValueError(f"Unsupported activation {hidden_act!r}: Baichuan uses silu")
        self.gate_up_proj = MergedColumnParallelLinear(
            hidden_size, [intermediate_size] * 2, bias=False, quant_config=quant_config, prefix=f"{prefix}.gate_up_proj"
        )
        self.down_proj = RowParallelLinear(
            intermediate_size, hidden_size, bias=False, quant_config=quant_config, prefix=f"{prefix}.down_proj"
        )
        self.act_fn = SiluAndMul()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate_up, _ = self.gate_up_proj(x)
        x, _ = self.down_proj(self.act_fn(gate_up))
        return x


class BaichuanAttention(nn.Module):
    def __init__(
        self,
        config,
        pos_embedding: str,
        cache_config: CacheConfig | None = None,
        quant_config: QuantizationConfig | None = None,
        prefix: str = "",
    ):
        super().__init__()
        hidden_size = config.hidden_size
        tp_size = get_tensor_model_parallel_world_size()
        self.total_num_heads = config.num_attention_heads
        if self.total_num_heads % tp_size:
            raise ValueError(f"{self.total_num_heads} heads do not split over TP={tp_size}")
        self.num_heads = self.total_num_heads // tp_size
        self.head_dim = hidden_size // self.total_num_heads
        self.q_size = self.num_heads * self.head_dim
        self.pos_embedding = pos_embedding
        scaling = self.head_dim**-0.5

        # Checkpoint tensor `W_pack` = [q; k; v] rows; loaded split into the three shards.
        self.qkv_proj = QKVParallelLinear(
            hidden_size,
            self.head_dim,
            self.total_num_heads,
            self.total_num_heads,
            bias=False,
            quant_config=quant_config,
            prefix=f"{prefix}.qkv_proj",
        )
        self.o_proj = RowParallelLinear(
            self.total_num_heads * self.head_dim, hidden_size, bias=False, quant_config=quant_config, prefix=f"{prefix}.o_proj"
        )

        slopes = None
        if pos_embedding == ALIBI:
            rank = get_tensor_model_parallel_rank()
            all_slopes = alibi_slopes(self.total_num_heads)
            slopes = all_slopes[rank * self.num_heads : (rank + 1) * self.num_heads]
        else:
            rope_parameters = getattr(config, "rope_parameters", None) or {"rope_type": "default", "rope_theta": DEFAULT_ROPE_THETA}
            self.rotary_emb = get_rope(
                self.head_dim,
                max_position=getattr(config, "max_position_embeddings", None) or getattr(config, "model_max_length", 4096),
                is_neox_style=True,
                rope_parameters=rope_parameters,
            )
        self.attn = Attention(
            self.num_heads,
            self.head_dim,
            scaling,
            num_kv_heads=self.num_heads,
            alibi_slopes=slopes,
            cache_config=cache_config,
            quant_config=quant_config,
            prefix=f"{prefix}.attn",
        )

    def forward(self, positions: torch.Tensor, hidden_states: torch.Tensor) -> torch.Tensor:
        qkv, _ = self.qkv_proj(hidden_states)
        q, k, v = qkv.split([self.q_size] * 3, dim=-1)
        if self.pos_embedding == ROPE:
            q, k = self.rotary_emb(positions, q, k)
        out, _ = self.o_proj(self.attn(q, k, v))
        return out


class BaichuanDecoderLayer(nn.Module):
    def __init__(
        self,
        config,
        pos_embedding: str,
        cache_config: CacheConfig | None = None,
        quant_config: QuantizationConfig | None = None,
        prefix: str = "",
    ):
        super().__init__()
        self.self_attn = BaichuanAttention(config, pos_embedding, cache_config, quant_config, prefix=f"{prefix}.self_attn")
        self.mlp = BaichuanMLP(config.hidden_size, config.intermediate_size, config.hidden_act, quant_config, prefix=f"{prefix}.mlp")
        self.input_layernorm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(
        self, positions: torch.Tensor, hidden_states: torch.Tensor, residual: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if residual is None:
            residual = hidden_states
            hidden_states = self.input_layernorm(hidden_states)
        else:
            hidden_states, residual = self.input_layernorm(hidden_states, residual)
        hidden_states = self.self_attn(positions, hidden_states)
        hidden_states, residual = self.post_attention_layernorm(hidden_states, residual)
        return self.mlp(hidden_states), residual


# No `from __future__ import annotations` here: the decorator reads forward()'s annotations.
@support_torch_compile
class BaichuanModel(nn.Module):
    def __init__(self, *, vllm_config: VllmConfig, prefix: str = "", pos_embedding: str = ROPE):
        super().__init__()
        config = vllm_config.model_config.hf_config
        cache_config = vllm_config.cache_config
        quant_config = vllm_config.quant_config
        self.config = config
        if get_pp_group().is_first_rank:
            self.embed_tokens = VocabParallelEmbedding(
                config.vocab_size, config.hidden_size, quant_config=quant_config, prefix=f"{prefix}.embed_tokens"
            )
        else:
            self.embed_tokens = PPMissingLayer()
        self.start_layer, self.end_layer, self.layers = make_layers(
            config.num_hidden_layers,
            lambda prefix: BaichuanDecoderLayer(config, pos_embedding, cache_config, quant_config, prefix=prefix),
            prefix=f"{prefix}.layers",
        )
        if get_pp_group().is_last_rank:
            self.norm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        else:
            self.norm = PPMissingLayer()
        self.make_empty_intermediate_tensors = make_empty_intermediate_tensors_factory(["hidden_states", "residual"], config.hidden_size)

    def embed_input_ids(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.embed_tokens(input_ids)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        positions: torch.Tensor,
        intermediate_tensors: IntermediateTensors | None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor | IntermediateTensors:
        if get_pp_group().is_first_rank:
            hidden_states = inputs_embeds if inputs_embeds is not None else self.embed_input_ids(input_ids)
            residual = None
        else:
            assert intermediate_tensors is not None
            hidden_states = intermediate_tensors["hidden_states"]
            residual = intermediate_tensors["residual"]
        for layer in islice(self.layers, self.start_layer, self.end_layer):
            hidden_states, residual = layer(positions, hidden_states, residual)
        if not get_pp_group().is_last_rank:
            return IntermediateTensors({"hidden_states": hidden_states, "residual": residual})
        hidden_states, _ = self.norm(hidden_states, residual)
        return hidden_states


class BaichuanForCausalLM(nn.Module, SupportsPP, SupportsQuant):
    """Baichuan 2 7B/13B (and Baichuan-13B). Position embedding: see `layout.position_embedding`."""

    packed_modules_mapping = {"qkv_proj": ["W_pack"], "gate_up_proj": ["gate_proj", "up_proj"]}

    def __init__(self, *, vllm_config: VllmConfig, prefix: str = ""):
        super().__init__()
        config = vllm_config.model_config.hf_config
        quant_config = vllm_config.quant_config
        self.config = config
        self.pos_embedding = position_embedding(config, self._architecture())
        self.norm_head = use_norm_head(config)
        if self.norm_head and getattr(config, "tie_word_embeddings", False):
            raise ValueError("Baichuan 2 NormHead with tied embeddings is not supported")
        self.model = BaichuanModel(vllm_config=vllm_config, prefix=maybe_prefix(prefix, "model"), pos_embedding=self.pos_embedding)
        if get_pp_group().is_last_rank:
            self.lm_head = ParallelLMHead(
                config.vocab_size, config.hidden_size, quant_config=quant_config, prefix=maybe_prefix(prefix, "lm_head")
            )
            if getattr(config, "tie_word_embeddings", False):
                self.lm_head = self.lm_head.tie_weights(self.model.embed_tokens)
            self.logits_processor = LogitsProcessor(config.vocab_size)
        else:
            self.lm_head = PPMissingLayer()
        self.make_empty_intermediate_tensors = self.model.make_empty_intermediate_tensors

    @classmethod
    def _architecture(cls) -> str | None:
        return None  # read from the config

    def embed_input_ids(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model.embed_input_ids(input_ids)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        positions: torch.Tensor,
        intermediate_tensors: IntermediateTensors | None = None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor | IntermediateTensors:
        return self.model(input_ids, positions, intermediate_tensors, inputs_embeds)

    def compute_logits(self, hidden_states: torch.Tensor) -> torch.Tensor | None:
        return self.logits_processor(self.lm_head, hidden_states)

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> set[str]:
        params = dict(self.named_parameters())
        loaded: set[str] = set()
        for name, tensor in weights:
            target = map_weight_name(name)
            if target.kind == "skip" or target.param not in params:
                if target.kind != "skip" and not is_pp_missing_parameter(target.param, self):
                    raise KeyError(f"checkpoint tensor {name!r} has no place in Baichuan")
                continue
            if is_pp_missing_parameter(target.param, self):
                continue
            param = params[target.param]
            loader = getattr(param, "weight_loader", default_weight_loader)
            if target.kind == "qkv":
                for shard_id, part in zip(("q", "k", "v"), tensor.chunk(3, dim=0)):
                    loader(param, part, shard_id)
            elif target.kind == "merged":
                loader(param, tensor, target.shard)
            elif target.kind == "lm_head" and self.norm_head:
                # NormHead: F.normalize(weight) over each vocabulary row, done once in fp32.
                normed = nn.functional.normalize(tensor.float(), dim=-1).to(tensor.dtype)
                loader(param, normed)
            else:
                loader(param, tensor)
            loaded.add(target.param)
        return loaded


class BaiChuanForCausalLM(BaichuanForCausalLM):
    """Baichuan-7B (first generation; upper-case C): always rotary."""

    @classmethod
    def _architecture(cls) -> str | None:
        return ARCH_BAICHUAN_7B_V1
