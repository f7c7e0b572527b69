"""generate, the pure part: prompt rows -> what the engine stage reads, engine output -> our columns.

ray.data.llm calls `Preprocess` before the engine and `Postprocess` after it, per row; a row
the engine failed skips the postprocess and reaches the parser with `__inference_error__`,
which `engine_failure_columns` turns into our columns. Pure: no ray, no vllm (tests call these
directly).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from yayi_batch.config import FaultConfig, JobConfig
from yayi_batch.model.chat_render import ChatRender
from yayi_batch.model.profiles import PROFILES, PromptStyle
from yayi_batch.prompts.json_schema import answer_schema
from yayi_batch.schema import FinishReason, Task
from yayi_batch.schema.columns import Columns

# Columns the engine stage needs from its input and adds to its output (checked once, up front).
COLUMNS = Columns(
    needs=("prompt_id", "doc_id", "chunk_id", "task", "prompt", "types", "roles"),  # prompt_id passes through
    adds=("generated_text", "tokens_in", "tokens_out", "finish_reason", "engine_error", "llm_seconds", "token_texts", "token_logprobs"),
)

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


def sampling_params(cfg: JobConfig) -> dict[str, Any]:
    s = cfg.sampling
    return {
        "temperature": s.temperature,
        "top_p": s.top_p,
        "top_k": s.top_k,
        "max_tokens": s.max_tokens,
        "repetition_penalty": s.repetition_penalty,
    }


# Fault injection (config `engine.inject_fault`, a test switch): the rows of one batch carry this
# column, Preprocess makes the real engine reject them (an invalid max_tokens, so vLLM raises for
# exactly those requests and ray.data.llm turns them into `__inference_error__` rows), and
# `engine_failure_columns` names the injected fault in the error. A fake engine reads the column too.
FAULT_COLUMN = "injected_fault"


class FaultMarker:
    """Marks every row of batch `batch_index` (batches in the order they reach this stage).

    Stateful: it runs in one actor, so the count is over the whole pass.
    """

    def __init__(self, fault: FaultConfig):
        self.fault = fault
        self.seen = 0

    def __call__(self, batch: pa.Table) -> pa.Table:
        index, self.seen = self.seen, self.seen + 1
        value = f"{self.fault.message} (batch {index})" if index == self.fault.batch_index else None
        return batch.append_column(FAULT_COLUMN, pa.array([value] * batch.num_rows, pa.string()))


class Preprocess:
    """Row -> what the engine stage reads (`prompt` or `messages`, `sampling_params`)."""

    def __init__(self, cfg: JobConfig, chat_render: dict | None = None):
        self.profile = PROFILES[cfg.model.profile]
        self.sampling = sampling_params(cfg)
        self.engine = cfg.engine
        # A chat model whose template renders purely: the rendered `prompt`, no chat-template stage.
        self.chat_render = ChatRender.from_dict(chat_render)

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        params = dict(self.sampling)
        if self.engine.logprobs:
            params["logprobs"] = 0  # the sampled token's own log-probability, per generated token
        out = dict(row)
        if row.get(FAULT_COLUMN):
            params["max_tokens"] = 0  # the engine rejects this request: a real engine error for this row
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
        out["sampling_params"] = params
        if self.profile.style is PromptStyle.CHAT and self.chat_render is not None:
            out["prompt"] = self.chat_render.user_turn(row["prompt"])
        elif self.profile.style is PromptStyle.CHAT:
            out["messages"] = [{"role": "user", "content": row["prompt"]}]
        else:
            out["prompt"] = self.profile.wrap(row["prompt"])
        return out


class Postprocess:
    """Engine output -> our columns; the engine's own bookkeeping columns are dropped."""

    _ENGINE_COLUMNS = (
        "messages",
        "sampling_params",
        "generated_tokens",
        "prompt_token_ids",
        "embeddings",
        "metrics",
        "logprobs",
        "prompt_logprobs",
        "request_id",
        "batch_uuid",
        "params",
        "time_taken_llm",
        "num_input_tokens",
        "num_generated_tokens",
        "generated_text",
        "__inference_error__",
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
        reason = FinishReason.ERROR if error else (FinishReason.LENGTH if tokens_out >= self.max_tokens else FinishReason.STOP)
        out["finish_reason"] = reason.value
        out["engine_error"] = error
        out["llm_seconds"] = float(row.get("time_taken_llm") or 0.0)
        out["token_texts"], out["token_logprobs"] = chosen_token_logprobs(row.get("generated_tokens"), row.get("logprobs"))
        return out


def chosen_token_logprobs(token_ids: Any, logprobs: Any) -> tuple[list[str] | None, list[float] | None]:
    """vLLM's per-token `{token_id: {logprob, rank, decoded_token}}` (ray.data.llm passes them on as
    Python objects) -> the sampled tokens' texts and log-probabilities, or (None, None)."""
    if token_ids is None or logprobs is None or len(token_ids) != len(logprobs):
        return None, None
    texts, values = [], []
    for token, candidates in zip(token_ids, logprobs):
        chosen = (candidates or {}).get(int(token))
        if chosen is None:
            return None, None
        get = chosen.get if isinstance(chosen, dict) else lambda k, _c=chosen: getattr(_c, k, None)
        texts.append(get("decoded_token") or "")
        values.append(float(get("logprob")))
    return texts, values


def engine_failure_columns(row: dict[str, Any]) -> dict[str, Any]:
    """Our engine columns for any generated row, including one that failed in the engine and so
    skipped the postprocess (it carries ray.data.llm's `__inference_error__` instead)."""
    error = row.get("engine_error") or row.get("__inference_error__") or ""
    fault = row.get(FAULT_COLUMN)
    if error and fault and not error.startswith(fault):
        error = f"{fault}: {error}"
    return {
        "generated_text": row.get("generated_text") or "",
        "tokens_in": int(row.get("tokens_in") or 0),
        "tokens_out": int(row.get("tokens_out") or 0),
        "finish_reason": row.get("finish_reason") or (FinishReason.ERROR if error else FinishReason.STOP).value,
        "engine_error": error,
    }
