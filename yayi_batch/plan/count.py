"""The plan's counts, in Ray Data: the job's own read -> chunk -> prompt stages over the inputs a
run would take, and every prompt's tokens counted as the engine will see them (the chat template
it applies, with the model's tokenizer, on the node the task runs on). Nothing is written; the
driver gets one small row per block.
"""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from yayi_batch.chunk.rows import PrepareChunks
from yayi_batch.model.node import ModelSpec, resolve_on_this_node, token_counter_on_this_node
from yayi_batch.model.profiles import PROFILES, PromptStyle
from yayi_batch.plan.estimate import TaskCounts
from yayi_batch.prompts.rows import BuildPromptRows
from yayi_batch.read.dataset import read_documents
from yayi_batch.resources import LIGHT_STAGE_CPUS
from yayi_batch.run.context import Job

PARTIALS = pa.schema([("task", pa.string()), ("prompts", pa.int64()), ("prompt_tokens", pa.int64()), ("chunks", pa.int64())])


class PromptTokens:
    """Prompt rows -> per-task (prompts, prompt tokens) of the block, tokens as the engine counts them."""

    def __init__(self, spec: ModelSpec, chat_template_kwargs: dict[str, Any]):
        self.spec, self.kwargs = spec, dict(chat_template_kwargs)
        self._count: Any = None

    def count(self, prompt: str) -> int:
        if self._count is None:
            from yayi_batch.chunk.token_count import load_tokenizer

            tok = load_tokenizer(resolve_on_this_node(self.spec).tokenizer_path)
            profile = PROFILES[self.spec.profile]
            if profile.style is PromptStyle.CHAT:
                # As the engine does it: ray.data.llm renders the template to a string, and vLLM
                # tokenizes that string with the tokenizer's special tokens (the BOS among them).
                self._count = lambda p: len(
                    tok(
                        tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False, **self.kwargs)
                    )["input_ids"]
                )
            else:  # the engine tokenizes the wrapped prompt with the tokenizer's special tokens
                self._count = lambda p: len(tok(profile.wrap(p))["input_ids"])
        return self._count(prompt)

    def __call__(self, batch: pa.Table) -> pa.Table:
        sums: dict[str, list[int]] = {}
        for task, prompt in zip(batch.column("task").to_pylist(), batch.column("prompt").to_pylist()):
            s = sums.setdefault(task, [0, 0])
            s[0] += 1
            s[1] += self.count(prompt)
        return pa.table(
            {
                "task": list(sums),
                "prompts": [v[0] for v in sums.values()],
                "prompt_tokens": [v[1] for v in sums.values()],
                "chunks": [0] * len(sums),
            },
            schema=PARTIALS,
        )


def _chunk_counts(batch: pa.Table) -> pa.Table:
    """Chunk rows -> this block's chunks (as a `task` of its own; placeholder rows are no chunk)."""
    chunks = int(pc.sum(pc.is_valid(batch.column("chunk_text"))).as_py() or 0)
    return pa.table({"task": [""], "prompts": [0], "prompt_tokens": [0], "chunks": [chunks]}, schema=PARTIALS)


def count(job: Job) -> tuple[int, int, dict[str, TaskCounts]]:
    """(documents, chunks, per-task prompts and prompt tokens) of the job's inputs. `job` has its
    model resolved (Job.with_model): the chunk size and the chat template follow from it."""
    cfg, model = job.cfg, job.model
    assert model is not None and job.model_spec is not None
    chunker = PrepareChunks(
        max_chunk_tokens=job.max_chunk_tokens,
        overlap_tokens=cfg.chunk.overlap_tokens,
        lang=cfg.extraction.lang,
        passthrough=[],
        counter_factory=functools.partial(token_counter_on_this_node, job.model_spec),
    )
    docs = read_documents(job.inputs.fs, list(job.inputs.files), cfg.input, columns=[cfg.input.id_column, cfg.input.text_column])
    chunks = docs.map_batches(chunker, batch_format="pyarrow", batch_size=64).materialize()
    prompts = chunks.map_batches(BuildPromptRows(cfg.extraction), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS)
    partials = (
        chunks.map_batches(_chunk_counts, batch_format="pyarrow", batch_size=None, num_cpus=LIGHT_STAGE_CPUS).take_all()
        + prompts.map_batches(
            PromptTokens,
            fn_constructor_args=(job.model_spec, dict(model.chat_template_kwargs)),
            batch_format="pyarrow",
            num_cpus=LIGHT_STAGE_CPUS,
            compute=_actors(),
        ).take_all()
    )
    by_task: dict[str, TaskCounts] = {}
    documents, n_chunks = job.inputs.rows(), 0  # one document per input row (count in = count out)
    for row in partials:
        n_chunks += row["chunks"]
        if row["task"]:
            t = by_task.setdefault(row["task"], TaskCounts())
            t.prompts += row["prompts"]
            t.prompt_tokens += row["prompt_tokens"]
    order = [t.value for t in cfg.extraction.tasks]
    return documents, n_chunks, {t: by_task[t] for t in sorted(by_task, key=lambda t: order.index(t) if t in order else 99)}


def _actors() -> Any:
    from ray.data import ActorPoolStrategy

    return ActorPoolStrategy(min_size=1, max_size=2)  # a tokenizer loaded once per actor
