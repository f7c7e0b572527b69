"""generate, in Ray: prompt rows -> model answers, with `ray.data.llm` and vLLM in an actor pool.

The engine is built once per actor by ray.data.llm and called per batch. A row that fails in
the engine becomes data (`engine_error` column), not an exception; only a dead engine stops a
batch, and Ray restarts that actor. The row pre/post-processing is pure (generate/rows.py).
"""

from __future__ import annotations

from typing import Any

from ray.data import ActorPoolStrategy, Dataset
from ray.data.llm import build_processor, vLLMEngineProcessorConfig

from yayi_batch.config import JobConfig
from yayi_batch.generate.rows import FaultMarker, Postprocess, Preprocess, engine_kwargs
from yayi_batch.model.profiles import PromptStyle
from yayi_batch.model.resolve import ResolvedModel

# CPUs of the light Ray stages (chat template, parse): on a 2-core box a whole CPU each for these
# and the engine leaves none for the reader, and the pipeline waits forever.
LIGHT_STAGE_CPUS = 0.25


def processor_config(cfg: JobConfig, model: ResolvedModel) -> vLLMEngineProcessorConfig:
    chat = model.profile.style is PromptStyle.CHAT
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
        # A fraction of a CPU: on a 2-core box a whole one each for this stage and the engine
        # leaves none for the reader, and the pipeline waits forever.
        # With the kwargs that make the rendered prompt tokenize to the model's own chat
        # tokenization (one BOS, not two: model/chat_template.py).
        chat_template_stage={"enabled": chat, "num_cpus": LIGHT_STAGE_CPUS, "concurrency": 1,
                             "chat_template_kwargs": dict(model.chat_template_kwargs) or None},
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
    return prompts.map_batches(FaultMarker, fn_constructor_args=(fault,), batch_format="pyarrow",
                               batch_size=cfg.engine.batch_size, compute=ActorPoolStrategy(size=1),
                               num_cpus=LIGHT_STAGE_CPUS)


def generate(prompts: Dataset, cfg: JobConfig, model: ResolvedModel) -> Dataset:
    """Run the prompt rows through vLLM; one output row per input row, in the engine's order."""
    prompts = mark_faults(prompts, cfg)
    processor = build_processor(
        processor_config(cfg, model),
        preprocess=Preprocess(cfg),
        postprocess=Postprocess(cfg),
    )
    return processor(prompts)
