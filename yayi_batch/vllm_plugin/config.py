"""A local `BaichuanConfig` (model_type "baichuan"), registered with transformers' AutoConfig.

Transformers does not know model_type "baichuan"; the real checkpoints ship
`configuration_baichuan.py` as remote code. Registering this class lets vLLM read the config
without `trust_remote_code` (and, because it is registered as local code, it is also preferred
over the remote file when `trust_remote_code=True`). Defaults are Baichuan2-13B's; keys that the
checkpoint's config.json carries (e.g. `max_position_embeddings` of the 7B) are kept as given.
"""

from __future__ import annotations

from transformers import PretrainedConfig

MODEL_TYPE = "baichuan"


class BaichuanConfig(PretrainedConfig):
    model_type = MODEL_TYPE
    keys_to_ignore_at_inference = ["past_key_values"]

    def __init__(
        self,
        vocab_size: int = 125696,
        hidden_size: int = 5120,
        intermediate_size: int = 13696,
        num_hidden_layers: int = 40,
        num_attention_heads: int = 40,
        hidden_act: str = "silu",
        model_max_length: int = 4096,
        initializer_range: float = 0.02,
        rms_norm_eps: float = 1e-6,
        use_cache: bool = True,
        pad_token_id: int | None = 0,
        bos_token_id: int | None = 1,
        eos_token_id: int | None = 2,
        tie_word_embeddings: bool = False,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.hidden_act = hidden_act
        self.model_max_length = model_max_length
        self.initializer_range = initializer_range
        self.rms_norm_eps = rms_norm_eps
        self.use_cache = use_cache
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.tie_word_embeddings = tie_word_embeddings
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            tie_word_embeddings=tie_word_embeddings,
            **kwargs,
        )


def register_config() -> None:
    """Register `BaichuanConfig` for model_type "baichuan" unless something already is."""
    from transformers import AutoConfig
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    if MODEL_TYPE in CONFIG_MAPPING:
        return
    AutoConfig.register(MODEL_TYPE, BaichuanConfig, exist_ok=True)
