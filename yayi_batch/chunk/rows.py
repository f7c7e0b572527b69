"""chunk rows: documents -> chunk rows (one per chunk; one placeholder row per document without any).

Every document leaves at least one row, so the documents table can account for all of them:
empty and invalid documents carry their status and no chunk text.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import pyarrow as pa

from yayi_batch.chunk import chunk_text
from yayi_batch.prompts.build import detect_lang
from yayi_batch.schema import DocStatus, Lang, stable_id
from yayi_batch.schema.columns import CHUNK_ROWS, Columns

COLUMNS = Columns(
    needs=("doc_id", "text", "source_path"),
    adds=("doc_status", "doc_error", "lang", "n_chars", "n_chunks", "chunk_id", "chunk_index", "chunk_start", "chunk_text"),
)

DOC_COLUMNS = ("doc_id", "source_path", "doc_status", "doc_error", "lang", "n_chars", "n_chunks")

MISSING_ID_PREFIX = "__missing_id__:"
DUPLICATE_ID_PREFIX = "__duplicate_id__:"  # a later occurrence of an id (input.duplicate_ids: keep_first)


class _BadText:
    """A text value that is not valid UTF-8 (Parquet writers that do not validate can store it)."""

    def __init__(self, message: str):
        self.message = message


def safe_pylist(column: pa.ChunkedArray | pa.Array, errors: str | None = None) -> list[Any]:
    """Values of a column; string values that are not valid UTF-8 become `_BadText` (or, with
    `errors`, are decoded with that codec error handler), not a crash."""
    try:
        return column.to_pylist()
    except UnicodeDecodeError:
        pass
    raw = (
        column.cast(pa.large_binary())
        if not pa.types.is_string_view(column.type)
        else column.cast(pa.large_string()).cast(pa.large_binary())
    )
    out: list[Any] = []
    for value in raw.to_pylist():
        if value is None:
            out.append(None)
            continue
        try:
            out.append(value.decode("utf-8", errors) if errors else value.decode("utf-8"))
        except UnicodeDecodeError as exc:
            out.append(_BadText(f"not valid UTF-8 at byte {exc.start}"))
    return out


def _plain(value: Any) -> Any:
    """A passthrough value that is not valid UTF-8 is kept readable (U+FFFD) rather than crash."""
    return value.message if isinstance(value, _BadText) else value


def _safe_rows(table: pa.Table) -> list[dict[str, Any]]:
    try:
        return table.to_pylist()
    except UnicodeDecodeError:
        cols = {name: [_plain(v) for v in safe_pylist(table.column(name))] for name in table.column_names}
        return [dict(zip(cols, vals)) for vals in zip(*cols.values())] if cols else [{}] * table.num_rows


def _chunk_schema(passthrough: pa.Schema) -> pa.Schema:
    return pa.schema(list(CHUNK_ROWS) + [f for f in passthrough if f.name not in CHUNK_ROWS.names])


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
        later_duplicates: Collection[int] = (),
    ):
        self.max_chunk_tokens = max_chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.lang = lang
        self.passthrough = passthrough
        self._count = count_tokens
        self._factory = counter_factory  # loaded lazily in the worker, not pickled from the driver
        # row_hash of every occurrence of a duplicated id after the kept one (read/dataset.py)
        self.later_duplicates = frozenset(later_duplicates)

    @property
    def count_tokens(self) -> Callable[[str], int]:
        if self._count is None:
            self._count = self._factory() if self._factory else len
        return self._count

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows: list[dict[str, Any]] = []
        passthrough = batch.select(self.passthrough) if self.passthrough else None
        pt_rows = _safe_rows(passthrough) if passthrough is not None else [{}] * batch.num_rows
        source = safe_pylist(batch.column("source_path"), errors="backslashreplace")
        hashes = (
            batch.column("row_hash").to_pylist() if self.later_duplicates and "row_hash" in batch.column_names else [None] * batch.num_rows
        )
        ids = safe_pylist(batch.column("doc_id"), errors="backslashreplace")
        for i, (doc_id, text) in enumerate(zip(ids, safe_pylist(batch.column("text")))):
            base = {"doc_id": None, "source_path": source[i], **pt_rows[i]}
            if hashes[i] is not None and hashes[i] in self.later_duplicates:
                synthetic = f"{DUPLICATE_ID_PREFIX}{doc_id}:{base['source_path']}:{hashes[i]}"
                error = f"duplicate document id {str(doc_id)[:200]!r} (input.duplicate_ids=keep_first kept an earlier one)"
                rows.append(self._placeholder(base, synthetic, DocStatus.INVALID.value, error, text))
                continue
            rows.extend(self._document_rows(doc_id, text, base, i))
        schema = _chunk_schema(passthrough.schema if passthrough is not None else pa.schema([]))
        return pa.Table.from_pylist(rows, schema=schema)

    def _document_rows(self, doc_id: Any, text: Any, base: dict[str, Any], row: int) -> list[dict[str, Any]]:
        if doc_id is None or str(doc_id).strip() == "":
            # No id: keep the document visible under a synthetic id that names file and row.
            synthetic = f"{MISSING_ID_PREFIX}{base['source_path']}:{stable_id(base['source_path'], row, str(_plain(text)))}"
            return [self._placeholder(base, synthetic, DocStatus.INVALID.value, "missing document id", text)]
        doc_id = str(doc_id)
        if isinstance(text, _BadText):
            return [self._placeholder(base, doc_id, DocStatus.INVALID.value, f"text {text.message}", None)]
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
