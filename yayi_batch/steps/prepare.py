"""prepare: documents -> chunk rows (one per chunk; one placeholder row per document without any).

Every document leaves at least one row, so the documents table can account for all of them:
empty and invalid documents carry their status and no chunk text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from yayi_batch.chunk import chunk_text
from yayi_batch.prompts.build import detect_lang
from yayi_batch.schema import Lang, stable_id
from yayi_batch.steps import Columns

COLUMNS = Columns(
    needs=("doc_id", "text", "source_path"),
    adds=("doc_status", "doc_error", "lang", "n_chars", "n_chunks", "chunk_id", "chunk_index", "chunk_start", "chunk_text"),
)

DOC_COLUMNS = ("doc_id", "source_path", "doc_status", "doc_error", "lang", "n_chars", "n_chunks")


def _chunk_schema(passthrough: pa.Schema) -> pa.Schema:
    fields = [
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
    return pa.schema(fields + [f for f in passthrough if f.name not in {x.name for x in fields}])


class PrepareChunks:
    """Chunk every document of a batch; `count_tokens` is the model's tokenizer."""

    def __init__(
        self,
        *,
        max_chunk_tokens: int,
        overlap_tokens: int,
        lang: str,
        passthrough: list[str],
        count_tokens: Callable[[str], int] | None = None,
        counter_factory: Callable[[], Callable[[str], int]] | None = None,
    ):
        self.max_chunk_tokens = max_chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.lang = lang
        self.passthrough = passthrough
        self._count = count_tokens
        self._factory = counter_factory  # loaded lazily in the worker, not pickled from the driver

    @property
    def count_tokens(self) -> Callable[[str], int]:
        if self._count is None:
            self._count = self._factory() if self._factory else len
        return self._count

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows: list[dict[str, Any]] = []
        passthrough = batch.select(self.passthrough) if self.passthrough else None
        pt_rows = passthrough.to_pylist() if passthrough is not None else [{}] * batch.num_rows
        source = batch.column("source_path").to_pylist()
        for i, (doc_id, text) in enumerate(zip(batch.column("doc_id").to_pylist(), batch.column("text").to_pylist())):
            base = {"doc_id": None, "source_path": source[i], **pt_rows[i]}
            rows.extend(self._document_rows(doc_id, text, base, i))
        schema = _chunk_schema(passthrough.schema if passthrough is not None else pa.schema([]))
        return pa.Table.from_pylist(rows, schema=schema)

    def _document_rows(self, doc_id: Any, text: Any, base: dict[str, Any], row: int) -> list[dict[str, Any]]:
        if doc_id is None or str(doc_id).strip() == "":
            # No id: keep the document visible under a synthetic id that names file and row.
            synthetic = f"__missing_id__:{base['source_path']}:{stable_id(base['source_path'], row, text)}"
            return [self._placeholder(base, synthetic, "invalid", "missing document id", text)]
        doc_id = str(doc_id)
        if text is None or not str(text).strip():
            return [self._placeholder(base, doc_id, "empty", None, text)]
        text = str(text)
        lang = detect_lang(text).value if self.lang == "auto" else Lang(self.lang).value
        chunks = chunk_text(text, self.max_chunk_tokens, self.count_tokens, overlap_tokens=self.overlap_tokens)
        return [
            {
                **base,
                "doc_id": doc_id,
                "doc_status": "pending",
                "doc_error": None,
                "lang": lang,
                "n_chars": len(text),
                "n_chunks": len(chunks),
                "chunk_id": stable_id(doc_id, c.start, c.end),
                "chunk_index": c.index,
                "chunk_start": c.start,
                "chunk_text": c.text,
            }
            for c in chunks
        ]

    @staticmethod
    def _placeholder(base: dict[str, Any], doc_id: str, status: str, error: str | None, text: Any) -> dict[str, Any]:
        return {
            **base,
            "doc_id": doc_id,
            "doc_status": status,
            "doc_error": error,
            "lang": None,
            "n_chars": len(text) if isinstance(text, str) else 0,
            "n_chunks": 0,
            "chunk_id": None,
            "chunk_index": None,
            "chunk_start": None,
            "chunk_text": None,
        }
