"""The graph as CSV files in Neo4j's bulk-import header convention, and the import command.

Files (one header line each, then rows; fields quoted when needed, quotes doubled):
- ``entities.csv``: ``node_id:ID``, ``:LABEL`` (Entity), properties, ``aliases:string[]``;
- ``events.csv``: ``node_id:ID``, ``:LABEL`` (Event), provenance properties;
- ``relations.csv``: ``:START_ID``, ``:END_ID``, ``:TYPE`` (the canonical relation), provenance;
- ``arguments.csv``: ``:START_ID`` (event), ``:END_ID`` (entity), ``:TYPE`` (the canonical role).

Node ids are global (``E|...`` entities, ``V|...`` events), so one ID space serves both files.
Arrays are joined with U+001F, which no surface form contains in practice and which the
command passes as ``--array-delimiter``. Written with polars' streaming CSV sink.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import polars as pl

from yayi_batch.kg.canonical import EdgeKind, NodeLabel

ARRAY_DELIMITER = "\x1f"
_ARRAY_DELIMITER_ARG = "U+001F"

_ENTITY_COLUMNS = {
    "node_id": "node_id:ID", "label": ":LABEL", "type": "type", "name": "name", "aliases": "aliases:string[]",
    "mention_count": "mention_count:long", "doc_count": "doc_count:long", "first_seen": "first_seen",
    "last_seen": "last_seen",
}  # fmt: skip
_EVENT_COLUMNS = {
    "node_id": "node_id:ID", "label": ":LABEL", "type": "type", "name": "trigger", "task": "task",
    "run_id": "run_id", "date": "date", "doc_id": "doc_id", "chunk_id": "chunk_id",
    "trigger_start": "trigger_start:long", "trigger_end": "trigger_end:long", "trigger_match": "trigger_match",
    "lang": "lang",
}  # fmt: skip
_EDGE_COLUMNS = {
    "src_id": ":START_ID", "dst_id": ":END_ID", "type": ":TYPE", "edge_id": "edge_id", "kind": "kind",
    "raw_type": "raw_type", "run_id": "run_id", "date": "date", "doc_id": "doc_id", "chunk_id": "chunk_id",
    "src_text": "src_text", "src_start": "src_start:long", "src_end": "src_end:long", "src_match": "src_match",
    "src_attach": "src_attach", "dst_text": "dst_text", "dst_start": "dst_start:long", "dst_end": "dst_end:long",
    "dst_match": "dst_match", "dst_attach": "dst_attach", "in_schema": "in_schema:boolean", "lang": "lang",
}  # fmt: skip

FILES = {"entities": "entities.csv", "events": "events.csv", "relations": "relations.csv", "arguments": "arguments.csv"}


def _select(frame: pl.LazyFrame, columns: dict[str, str]) -> pl.LazyFrame:
    exprs = []
    for name, header in columns.items():
        col = pl.col(name)
        if header.endswith("[]"):
            col = col.list.join(ARRAY_DELIMITER)
        exprs.append(col.alias(header))
    return frame.select(exprs)


def import_command(out_dir: str | Path, database: str = "neo4j") -> str:
    """The ``neo4j-admin`` command that imports the files of ``out_dir`` into a new database."""
    d = Path(out_dir).resolve()
    args = ["neo4j-admin", "database", "import", "full", database,
            f"--nodes={d / FILES['entities']}", f"--nodes={d / FILES['events']}",
            f"--relationships={d / FILES['relations']}", f"--relationships={d / FILES['arguments']}",
            f"--array-delimiter={_ARRAY_DELIMITER_ARG}", "--multiline-fields=true", "--overwrite-destination=true"]  # fmt: skip
    return shlex.join(args)


def write_neo4j_csv(nodes: pl.LazyFrame, edges: pl.LazyFrame, out_dir: str | Path) -> str:
    """Write the four CSV files into ``out_dir``; returns the import command."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    label = pl.col("label")
    _select(nodes.filter(label == NodeLabel.ENTITY.value), _ENTITY_COLUMNS).sink_csv(out / FILES["entities"])
    _select(nodes.filter(label == NodeLabel.EVENT.value), _EVENT_COLUMNS).sink_csv(out / FILES["events"])
    kind = pl.col("kind")
    _select(edges.filter(kind == EdgeKind.RELATION.value), _EDGE_COLUMNS).sink_csv(out / FILES["relations"])
    _select(edges.filter(kind == EdgeKind.ARGUMENT.value), _EDGE_COLUMNS).sink_csv(out / FILES["arguments"])
    command = import_command(out)
    (out / "import.sh").write_text("#!/bin/sh\n# Stop the database first; this replaces its contents.\n" + command + "\n", encoding="utf-8")
    return command
