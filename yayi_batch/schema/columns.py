"""The column vocabulary of the pipeline's rows between stages, with their Arrow schemas.

Each per-batch adapter (chunk rows, prompt rows, the engine, parse + ground) declares the columns
it needs and the columns it adds (NeMo Curator style); `check_stages` checks the declarations
once, against these schemas: a needed column must be in the rows the stage reads, an added one in
the rows it writes. The published tables are in `tables.py`. Pure module.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from yayi_batch.schema.tables import ANSWER_RECORD_TABLES, ANSWERS


@dataclass(frozen=True)
class Columns:
    needs: tuple[str, ...]
    adds: tuple[str, ...]


class StepChainError(ValueError):
    """A stage needs a column that the rows it reads do not have, or adds one its output lacks."""


def check_chain(start: tuple[str, ...], steps: list[tuple[str, Columns]]) -> None:
    """Each step's needed columns come from the start or an earlier step."""
    have = set(start)
    for name, cols in steps:
        missing = [c for c in cols.needs if c not in have]
        if missing:
            raise StepChainError(f"step {name} needs {missing}, which no earlier step provides (have {sorted(have)})")
        have.update(cols.adds)


def check_stage(name: str, cols: Columns, reads: pa.Schema, writes: pa.Schema) -> None:
    """A stage's declaration against the real schemas of the rows it reads and writes."""
    missing = [c for c in cols.needs if c not in reads.names]
    if missing:
        raise StepChainError(f"stage {name} needs {missing}, which its input rows do not have (they have {reads.names})")
    absent = [c for c in cols.adds if c not in writes.names]
    if absent:
        raise StepChainError(f"stage {name} declares it adds {absent}, which its output rows do not have ({writes.names})")


# Documents as read/dataset.py hands them on (then the passthrough columns, as read).
DOCUMENT_ROWS = pa.schema(
    [pa.field("doc_id", pa.string()), pa.field("text", pa.string()), pa.field("source_path", pa.string()), pa.field("row_hash", pa.int64())]
)

# Chunk rows (staged `chunks/`): one per chunk, or one placeholder per document without any;
# then the passthrough columns.
CHUNK_ROWS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source_path", pa.string()),
        pa.field("doc_status", pa.string()),  # pending | empty | invalid
        pa.field("doc_error", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("n_chars", pa.int64()),
        pa.field("n_chunks", pa.int64()),
        pa.field("chunk_id", pa.string()),
        pa.field("chunk_index", pa.int64()),
        pa.field("chunk_start", pa.int64()),
        pa.field("chunk_text", pa.string()),
    ]
)

# Half chunks of a retry (chunk/retry.py): chunk columns plus the one task to ask again.
RETRY_CHUNK_ROWS = pa.schema(
    [CHUNK_ROWS.field(c) for c in ("doc_id", "chunk_id", "chunk_start", "chunk_text", "lang")] + [pa.field("only_task", pa.string())]
)

# Prompt rows (staged `prompts/` and `retry_prompts/`): one per (chunk, task).
PROMPT_ROWS = pa.schema(
    [
        pa.field("prompt_id", pa.string()),  # the key of Ray Data's checkpoint
        pa.field("doc_id", pa.string()),
        pa.field("chunk_id", pa.string()),
        pa.field("chunk_start", pa.int64()),
        pa.field("chunk_text", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("task", pa.string()),
        pa.field("types", pa.list_(pa.string())),
        pa.field("roles", pa.list_(pa.string())),
        pa.field("prompt", pa.string()),
    ]
)

# What the engine stage adds to a prompt row (generate/rows.py Postprocess).
GENERATED_ROWS = pa.schema(
    [
        *PROMPT_ROWS,
        pa.field("generated_text", pa.string()),
        pa.field("tokens_in", pa.int64()),
        pa.field("tokens_out", pa.int64()),
        pa.field("finish_reason", pa.string()),
        pa.field("engine_error", pa.string()),
        pa.field("llm_seconds", pa.float64()),
        # the sampled tokens, as text, and their log-probabilities (null: not asked or not given)
        pa.field("token_texts", pa.list_(pa.string())),
        pa.field("token_logprobs", pa.list_(pa.float64())),
    ]
)

# One row per answer (parse/rows.py): the `answers` columns, and as list columns the rows it
# contributes to the record tables, which the sink explodes (write/tables.py).
ANSWER_ROWS = pa.schema(
    [pa.field("prompt_id", pa.string())]
    + list(ANSWERS)
    + [pa.field(name, pa.list_(pa.struct(list(schema)))) for name, schema in ANSWER_RECORD_TABLES.items()]
)
