"""retry: answers cut at max_tokens -> the same task again on each half of their chunk.

A chunk with more facts than `max_tokens` can hold gets a second chance on two smaller texts;
what the first attempt parsed is kept (both attempts are recorded in `answers`). A half that is
cut again becomes an `errors` row of kind `too_long` (see parse/rows.py).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from yayi_batch.chunk import split_sentences
from yayi_batch.schema import FinishReason, stable_id
from yayi_batch.schema.columns import RETRY_CHUNK_ROWS, Columns

COLUMNS = Columns(
    needs=("doc_id", "chunk_id", "chunk_start", "chunk_text", "lang", "task"),
    adds=("only_task",),
)


def split_in_two(text: str) -> list[tuple[int, int]]:
    """(start, end) of two halves, cut at the sentence boundary nearest the middle (else the middle)."""
    middle = len(text) // 2
    bounds = [end for _, end in split_sentences(text)[:-1]]
    cut = min(bounds, key=lambda b: abs(b - middle)) if bounds else middle
    if cut <= 0 or cut >= len(text):
        cut = middle
    return [(0, cut), (cut, len(text))] if 0 < cut < len(text) else [(0, len(text))]


def half_chunks(chunks: pa.Table, truncated: pa.Table) -> pa.Table:
    """Chunk rows (as staged by `prepare`) for each (chunk_id, task) whose answer was cut.

    The output keeps the chunk-row columns the prompt step needs plus `only_task`, the one task
    to ask again.
    """
    by_id = {row["chunk_id"]: row for row in chunks.select(["doc_id", "chunk_id", "chunk_start", "chunk_text", "lang"]).to_pylist()}
    rows = []
    for key in truncated.select(["chunk_id", "task"]).to_pylist():
        chunk = by_id.get(key["chunk_id"])
        if chunk is None or not chunk["chunk_text"]:
            continue
        for start, end in split_in_two(chunk["chunk_text"]):
            rows.append(
                {
                    "doc_id": chunk["doc_id"],
                    "chunk_id": stable_id(chunk["doc_id"], chunk["chunk_start"] + start, chunk["chunk_start"] + end),
                    "chunk_start": chunk["chunk_start"] + start,
                    "chunk_text": chunk["chunk_text"][start:end],
                    "lang": chunk["lang"],
                    "only_task": key["task"],
                }
            )
    return pa.Table.from_pylist(rows, schema=RETRY_CHUNK_ROWS)


# --- the retry prompts as a map/shuffle/reduce over the staged tables (finalize/ray_ops.py) -----
# Truncated (chunk_id, task) keys and chunk rows are mapped to one shape, hash-partitioned by
# chunk_id (a key meets its chunk in one block), and each block is cut into half chunks.

CHUNK_COLUMNS = ["doc_id", "chunk_id", "chunk_start", "chunk_text", "lang"]
RETRY_SIDES = pa.schema(
    [
        ("chunk_id", pa.string()),
        ("task", pa.string()),
        ("doc_id", pa.string()),
        ("chunk_start", pa.int64()),
        ("chunk_text", pa.string()),
        ("lang", pa.string()),
    ]
)


def truncated_keys(answers: pa.Table) -> pa.Table:
    """A block of `answers` -> the (chunk_id, task) of the answers cut at max_tokens, as RETRY_SIDES rows."""
    cut = answers.filter(pc.equal(answers.column("finish_reason"), FinishReason.LENGTH.value))
    n = cut.num_rows
    return pa.table(
        {
            "chunk_id": cut.column("chunk_id").cast(pa.string()),
            "task": cut.column("task").cast(pa.string()),
            **{f.name: pa.nulls(n, f.type) for f in RETRY_SIDES if f.name not in ("chunk_id", "task")},
        },
        schema=RETRY_SIDES,
    )


def chunk_side(chunks: pa.Table) -> pa.Table:
    """A block of staged chunk rows -> RETRY_SIDES rows (task null); placeholders (no chunk) dropped."""
    rows = chunks.filter(pc.is_valid(chunks.column("chunk_id")))
    return pa.table(
        {**{c: rows.column(c).cast(RETRY_SIDES.field(c).type) for c in CHUNK_COLUMNS}, "task": pa.nulls(rows.num_rows, pa.string())}
    ).select(RETRY_SIDES.names)


def half_chunks_of_partition(block: pa.Table) -> pa.Table:
    """reduce: one shuffle partition (every row of its chunk_ids) -> the half-chunk rows of its keys."""
    is_key = pc.is_valid(block.column("task"))
    keys = block.filter(is_key).select(["chunk_id", "task"]).group_by(["chunk_id", "task"]).aggregate([])
    keys = keys.sort_by([("chunk_id", "ascending"), ("task", "ascending")])
    return half_chunks(block.filter(pc.invert(is_key)).select(CHUNK_COLUMNS), keys)
