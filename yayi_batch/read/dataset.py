"""read, in Ray: the listed shards -> a Ray Dataset of documents (doc_id, text, source_path, passthrough)."""

from __future__ import annotations

from typing import Any

import ray.data

from yayi_batch.config import InputConfig
from yayi_batch.fs import arrow_filesystem


def read_documents(fs: Any, files: list[dict[str, Any]], cfg: InputConfig) -> ray.data.Dataset:
    """The documents of exactly these files; columns renamed to doc_id / text / source_path."""
    columns = list(dict.fromkeys([cfg.id_column, cfg.text_column, *cfg.passthrough_columns]))
    ds = ray.data.read_parquet(
        [f["fs_path"] for f in files],
        filesystem=arrow_filesystem(fs),
        columns=columns,
        include_paths=True,
        partitioning=None,
    )
    rename = {cfg.id_column: "doc_id", cfg.text_column: "text", "path": "source_path"}
    return ds.rename_columns({k: v for k, v in rename.items() if k != v})
