"""retry: answers cut at max_tokens -> the same task again on each half of their chunk.

A chunk with more facts than `max_tokens` can hold gets a second chance on two smaller texts;
what the first attempt parsed is kept (both attempts are recorded in `answers`). A half that is
cut again becomes an `errors` row of kind `too_long` (see steps/answers.py).
"""

from __future__ import annotations

import pyarrow as pa

from yayi_batch.chunk import split_sentences
from yayi_batch.schema import stable_id
from yayi_batch.steps import Columns

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
            rows.append({
                "doc_id": chunk["doc_id"],
                "chunk_id": stable_id(chunk["doc_id"], chunk["chunk_start"] + start, chunk["chunk_start"] + end),
                "chunk_start": chunk["chunk_start"] + start,
                "chunk_text": chunk["chunk_text"][start:end],
                "lang": chunk["lang"],
                "only_task": key["task"],
            })
    schema = pa.schema([("doc_id", pa.string()), ("chunk_id", pa.string()), ("chunk_start", pa.int64()),
                        ("chunk_text", pa.string()), ("lang", pa.string()), ("only_task", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)
