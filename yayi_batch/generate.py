"""generate: prompt rows -> model answers, with `ray.data.llm` and vLLM in an actor pool.

The engine is built once per actor by ray.data.llm and called per batch. A row that fails in
the engine becomes data (`engine_error` column), not an exception; only a dead engine stops a
batch, and Ray restarts that actor.
"""

from __future__ import annotations

import json
from typing import Any

from ray.data import Dataset
from ray.data.llm import build_processor, vLLMEngineProcessorConfig

from yayi_batch.config import JobConfig
from yayi_batch.models import PROFILES, PromptStyle
from yayi_batch.prompts.json_schema import answer_schema
from yayi_batch.schema import Task

LIGHT_STAGE_CPUS = 0.25

# Columns the generate step needs from its input and adds to its output (checked once, up front).
NEEDS = ("prompt_id", "doc_id", "chunk_id", "task", "prompt", "types", "roles")  # prompt_id passes through
ADDS = ("generated_text", "tokens_in", "tokens_out", "finish_reason", "engine_error", "llm_seconds")

# What vLLM runs with on CPU unless the config says otherwise: KV cache in RAM, no CUDA graphs.
# fp32: measured 88 tok/s vs 20 tok/s in bf16 on this CPU class (no bf16 units) with SmolLM2.
CPU_ENGINE_DEFAULTS: dict[str, Any] = {"gpu_memory_utilization": 0.3, "enforce_eager": True, "dtype": "float32"}


def engine_kwargs(cfg: JobConfig, model_path: str, tokenizer_path: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"max_model_len": cfg.model.max_model_len, "enable_prefix_caching": True}
    if cfg.engine.cpu_bundle:
        kwargs.update(CPU_ENGINE_DEFAULTS)
    if tokenizer_path:
        kwargs["tokenizer"] = tokenizer_path
    kwargs.update(cfg.engine.engine_kwargs)  # the config has the last word
    return kwargs


def processor_config(cfg: JobConfig, model_path: str, tokenizer_path: str | None) -> vLLMEngineProcessorConfig:
    chat = PROFILES[cfg.model.profile].style is PromptStyle.CHAT
    extra: dict[str, Any] = {}
    if cfg.engine.cpu_bundle:
        # Without an explicit CPU bundle ray.data.llm asks for a GPU and waits forever.
        extra["placement_group_config"] = {"bundles": [{"CPU": cfg.engine.cpu_bundle}], "strategy": "PACK"}
    elif cfg.engine.accelerator_type:
        extra["accelerator_type"] = cfg.engine.accelerator_type
    return vLLMEngineProcessorConfig(
        model_source=model_path,
        engine_kwargs=engine_kwargs(cfg, model_path, tokenizer_path),
        batch_size=cfg.engine.batch_size,
        concurrency=cfg.engine.concurrency,
        max_concurrent_batches=cfg.engine.max_concurrent_batches,
        should_continue_on_error=True,
        # A fraction of a CPU: on a 2-core box a whole one each for this stage and the engine
        # leaves none for the reader, and the pipeline waits forever.
        chat_template_stage={"enabled": chat, "num_cpus": LIGHT_STAGE_CPUS, "concurrency": 1},
        # vLLM tokenizes and detokenizes itself; the extra Ray stages would only add copies.
        tokenize_stage=False,
        detokenize_stage=False,
        **extra,
    )


def sampling_params(cfg: JobConfig) -> dict[str, Any]:
    s = cfg.sampling
    return {
        "temperature": s.temperature,
        "top_p": s.top_p,
        "top_k": s.top_k,
        "max_tokens": s.max_tokens,
        "repetition_penalty": s.repetition_penalty,
    }


class _Preprocess:
    """Row -> what the engine stage reads (`prompt` or `messages`, `sampling_params`)."""

    def __init__(self, cfg: JobConfig):
        self.profile = PROFILES[cfg.model.profile]
        self.sampling = sampling_params(cfg)
        self.engine = cfg.engine

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        params = dict(self.sampling)
        if self.engine.structured_outputs:
            schema = answer_schema(
                Task(row["task"]),
                list(row["types"]),
                list(row["roles"]),
                max_items=self.engine.structured_max_items,
                max_chars=self.engine.structured_max_chars,
            )
            # As a JSON string: a dict would become an Arrow struct column, and rows asking for
            # different keys would be unified into one struct full of nulls.
            params["structured_outputs"] = {"json": json.dumps(schema, ensure_ascii=False)}
        out = dict(row)
        out["sampling_params"] = params
        if self.profile.style is PromptStyle.CHAT:
            out["messages"] = [{"role": "user", "content": row["prompt"]}]
        else:
            out["prompt"] = self.profile.wrap(row["prompt"])
        return out


class _Postprocess:
    """Engine output -> our columns; the engine's own bookkeeping columns are dropped."""

    _ENGINE_COLUMNS = (
        "messages", "sampling_params", "generated_tokens", "prompt_token_ids", "embeddings", "metrics",
        "logprobs", "prompt_logprobs", "request_id", "batch_uuid", "params", "time_taken_llm",
        "num_input_tokens", "num_generated_tokens", "generated_text", "__inference_error__",
    )

    def __init__(self, cfg: JobConfig):
        self.max_tokens = cfg.sampling.max_tokens

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        error = row.get("__inference_error__") or ""
        tokens_out = int(row.get("num_generated_tokens") or 0)
        out = {k: v for k, v in row.items() if k not in self._ENGINE_COLUMNS}
        out["generated_text"] = row.get("generated_text") or ""
        out["tokens_in"] = int(row.get("num_input_tokens") or 0)
        out["tokens_out"] = tokens_out
        # ray.data.llm does not pass vLLM's finish_reason on; a full max_tokens budget means cut.
        out["finish_reason"] = "error" if error else ("length" if tokens_out >= self.max_tokens else "stop")
        out["engine_error"] = error
        out["llm_seconds"] = float(row.get("time_taken_llm") or 0.0)
        return out


def generate(prompts: Dataset, cfg: JobConfig, model_path: str, tokenizer_path: str | None = None) -> Dataset:
    """Run the prompt rows through vLLM; one output row per input row, in the engine's order."""
    processor = build_processor(
        processor_config(cfg, model_path, tokenizer_path),
        preprocess=_Preprocess(cfg),
        postprocess=_Postprocess(cfg),
    )
    return processor(prompts)
