"""prompt rows: chunk rows -> one row per (chunk, task), the tasks of a chunk adjacent.

Adjacent rows land in the same engine batch, where their shared text prefix is reused by
vLLM's prefix cache. Each row gets a `prompt_id` (a hash of chunk and task) that stays one to
one through the engine and the parser: Ray Data's checkpointing keys on it, so a resumed run
skips exactly the prompts whose answers are already written.
"""

from __future__ import annotations

import pyarrow as pa

from yayi_batch.config import ExtractionConfig
from yayi_batch.prompts.build import build_prompts
from yayi_batch.schema import Lang, stable_id
from yayi_batch.schema.columns import PROMPT_ROWS, Columns

COLUMNS = Columns(
    needs=("doc_id", "chunk_id", "chunk_start", "chunk_text", "lang"),
    adds=("prompt_id", "task", "types", "roles", "prompt"),
)


def prompt_id(chunk_id: str, task: str) -> str:
    return stable_id("prompt", chunk_id, task)


class BuildPromptRows:
    def __init__(self, extraction: ExtractionConfig):
        self.extraction = extraction

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = []
        # `only_task`: a retry asks one task again (chunk/retry.py); otherwise every task.
        only = batch.column("only_task").to_pylist() if "only_task" in batch.column_names else [None] * batch.num_rows
        for chunk, task in zip(batch.select(list(COLUMNS.needs)).to_pylist(), only):
            if chunk["chunk_text"] is None:  # placeholder rows of empty/invalid documents
                continue
            for p in build_prompts(chunk["chunk_text"], Lang(chunk["lang"]), self.extraction):
                if task is not None and p.task.value != task:
                    continue
                rows.append(
                    {
                        **chunk,
                        "prompt_id": prompt_id(chunk["chunk_id"], p.task.value),
                        "task": p.task.value,
                        "types": list(p.types),
                        "roles": list(p.roles),
                        "prompt": p.prompt,
                    }
                )
        return pa.Table.from_pylist(rows, schema=PROMPT_ROWS)
