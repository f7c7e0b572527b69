"""generate, in Ray: prompt rows -> model answers, with `ray.data.llm` and vLLM in an actor pool
(or an OpenAI-compatible endpoint: generate/endpoint.py).

The engine is built once per actor by ray.data.llm and called per batch. A row that fails in
the engine becomes data (`engine_error` column), not an exception; only a dead engine stops a
batch, and Ray restarts that actor. The row pre/post-processing is pure (generate/rows.py).
"""

from __future__ import annotations

import threading
from typing import Any

from ray.data import ActorPoolStrategy, Dataset
from ray.data.llm import build_processor, vLLMEngineProcessorConfig

from yayi_batch.config import JobConfig
from yayi_batch.generate.rows import FaultMarker, Postprocess, Preprocess, engine_kwargs
from yayi_batch.model.profiles import PromptStyle
from yayi_batch.model.resolve import ResolvedModel
from yayi_batch.resources import LIGHT_STAGE_CPUS


def processor_config(cfg: JobConfig, model: ResolvedModel) -> vLLMEngineProcessorConfig:
    # A chat model whose template the rows carry rendered (model/chat_render.py) needs no chat stage.
    chat = model.profile.style is PromptStyle.CHAT and model.chat_render is None
    extra: dict[str, Any] = {}
    if cfg.engine.cpu_bundle:
        # Without an explicit CPU bundle ray.data.llm asks for a GPU and waits forever.
        extra["placement_group_config"] = {"bundles": [{"CPU": cfg.engine.cpu_bundle}], "strategy": "PACK"}
    elif cfg.engine.accelerator_type:
        extra["accelerator_type"] = cfg.engine.accelerator_type
    return vLLMEngineProcessorConfig(
        model_source=model.path,
        engine_kwargs=engine_kwargs(cfg, model.path, model.tokenizer),
        batch_size=cfg.engine.batch_size,
        concurrency=cfg.engine.concurrency,
        max_concurrent_batches=cfg.engine.max_concurrent_batches,
        should_continue_on_error=True,
        # A light stage (resources.py), with the kwargs that make the rendered prompt tokenize to the model's own chat
        # tokenization (one BOS, not two: model/chat_template.py).
        chat_template_stage={
            "enabled": chat,
            "num_cpus": LIGHT_STAGE_CPUS,
            "concurrency": 1,
            "chat_template_kwargs": dict(model.chat_template_kwargs) or None,
        },
        # vLLM tokenizes and detokenizes itself; the extra Ray stages would only add copies.
        tokenize_stage=False,
        detokenize_stage=False,
        **extra,
    )


def mark_faults(prompts: Dataset, cfg: JobConfig) -> Dataset:
    """With `engine.inject_fault` (tests only), mark the rows of one batch for the engine to fail."""
    fault = cfg.engine.inject_fault
    if fault is None:
        return prompts
    return prompts.map_batches(
        FaultMarker,
        fn_constructor_args=(fault,),
        batch_format="pyarrow",
        batch_size=cfg.engine.batch_size,
        compute=ActorPoolStrategy(size=1),
        num_cpus=LIGHT_STAGE_CPUS,
    )


def generate(prompts: Dataset, cfg: JobConfig, model: ResolvedModel) -> Dataset:
    """Run the prompt rows through the engine (vLLM, or an OpenAI-compatible endpoint); one output
    row per input row."""
    if cfg.engine.backend == "openai":
        from yayi_batch.generate.endpoint import EndpointRequests, api_key

        return prompts.map_batches(
            EndpointRequests,
            fn_constructor_args=(cfg, api_key(cfg), cfg.engine.concurrency),
            batch_format="pyarrow",
            batch_size=cfg.engine.batch_size,
            compute=ActorPoolStrategy(size=cfg.engine.concurrency),
            num_cpus=LIGHT_STAGE_CPUS,
        )
    return processor(cfg, model)(mark_faults(prompts, cfg))


_PROCESSORS: dict[tuple[str, str], Any] = {}
_BUILDING = threading.Lock()


def processor(cfg: JobConfig, model: ResolvedModel) -> Any:
    """The ray.data.llm processor of this config and model, built once per driver process.

    Building it costs seconds on the driver (torch and vLLM's modules, the model's config, the
    telemetry actor): `warm_up` starts that in a thread while the prepare pass runs, and the
    extract and retry passes then share the one processor.
    """
    key = (cfg.model_dump_json(include={"model", "engine", "sampling"}), model.path)
    with _BUILDING:
        if key not in _PROCESSORS:
            _PROCESSORS[key] = build_processor(
                processor_config(cfg, model), preprocess=Preprocess(cfg, model.chat_render), postprocess=Postprocess(cfg)
            )
        return _PROCESSORS[key]


def warm_up(cfg: JobConfig, model: ResolvedModel) -> None:
    """Build the processor in the background (a daemon thread); `generate` waits for it."""
    if cfg.engine.backend == "vllm":
        threading.Thread(target=processor, args=(cfg, model), name="yayi-engine-warm-up", daemon=True).start()


generate.warm_up = warm_up  # type: ignore[attr-defined]  # the runner starts it when the real engine runs
