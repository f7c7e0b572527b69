"""Arrow schemas of the knowledge graph's tables: ``nodes``, ``edges`` and the per-date stage.

Beside the tables' schemas (tables.py), as the graph's contract.
Dates are the ``date=`` partition labels of the published output (``YYYY-MM-DD`` strings),
not arithmetic. Pure module: no ray, no vllm.
"""

from __future__ import annotations

import pyarrow as pa

# One row per node. Entity nodes fill the aggregate columns; event nodes the provenance ones.
NODES = pa.schema(
    [
        pa.field("node_id", pa.string(), nullable=False),  # E|type|normalized text, or V|run_id|event_id
        pa.field("label", pa.string(), nullable=False),  # a NodeLabel value: Entity | Event
        pa.field("type", pa.string()),  # canonical entity type ("(untyped)" too), or event type
        pa.field("name", pa.string()),  # entity: the normalized text; event: the trigger as written
        pa.field("aliases", pa.list_(pa.string())),  # entity: surface forms, most frequent first
        pa.field("mention_count", pa.int64()),
        pa.field("doc_count", pa.int64()),
        pa.field("first_seen", pa.string()),
        pa.field("last_seen", pa.string()),
        # event provenance (null on entities)
        pa.field("task", pa.string()),
        pa.field("run_id", pa.string()),
        pa.field("date", pa.string()),
        pa.field("doc_id", pa.string()),
        pa.field("chunk_id", pa.string()),
        pa.field("trigger_start", pa.int64()),
        pa.field("trigger_end", pa.int64()),
        pa.field("trigger_match", pa.string()),
        pa.field("lang", pa.string()),
    ]
)

# One row per relation mention (RELATION) or event argument (ARGUMENT): provenance on every edge.
EDGES = pa.schema(
    [
        pa.field("edge_id", pa.string(), nullable=False),  # R|run_id|relation_id or A|run_id|argument_id
        pa.field("kind", pa.string(), nullable=False),  # an EdgeKind value: RELATION | ARGUMENT
        pa.field("type", pa.string()),  # canonical relation type, or canonical role
        pa.field("raw_type", pa.string()),  # the relation / role as the model wrote it
        pa.field("src_id", pa.string(), nullable=False),  # entity (RELATION) or event (ARGUMENT)
        pa.field("dst_id", pa.string(), nullable=False),  # always an entity
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("date", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("chunk_id", pa.string()),
        pa.field("src_text", pa.string()),  # head as written (RELATION); null for ARGUMENT
        pa.field("src_start", pa.int64()),
        pa.field("src_end", pa.int64()),
        pa.field("src_match", pa.string()),
        pa.field("src_attach", pa.string()),  # an Attach value: typed | untyped
        pa.field("dst_text", pa.string()),  # tail / argument as written
        pa.field("dst_start", pa.int64()),
        pa.field("dst_end", pa.int64()),
        pa.field("dst_match", pa.string()),
        pa.field("dst_attach", pa.string()),
        pa.field("in_schema", pa.bool_()),
        pa.field("lang", pa.string()),
    ]
)

# Stage, per date: entity mentions grouped per (node, surface form, document). The node
# aggregates (counts, aliases, first/last seen) are recomputed from these over all dates.
STAGED_MENTIONS = pa.schema(
    [
        pa.field("node_id", pa.string(), nullable=False),
        pa.field("type", pa.string()),
        pa.field("name", pa.string()),
        pa.field("alias", pa.string()),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("date", pa.string(), nullable=False),
        pa.field("n", pa.int64(), nullable=False),
        # hash(node_id) % N_BUCKETS: files are sorted by it, so the node aggregation can read a
        # range of buckets at a time (row groups skipped by their statistics).
        pa.field("bucket", pa.uint16(), nullable=False),
    ]
)

# The property columns of each LadybugDB table, in COPY order (after the key / FROM, TO).
LADYBUG_ENTITY = ["node_id", "type", "name", "aliases", "mention_count", "doc_count", "first_seen", "last_seen"]
LADYBUG_EVENT = ["node_id", "type", "name", "task", "run_id", "date", "doc_id", "chunk_id",
                 "trigger_start", "trigger_end", "trigger_match", "lang"]  # fmt: skip
LADYBUG_EDGE = ["src_id", "dst_id", "edge_id", "type", "raw_type", "run_id", "date", "doc_id", "chunk_id",
                "src_text", "src_start", "src_end", "src_attach", "dst_text", "dst_start", "dst_end",
                "dst_attach", "in_schema"]  # fmt: skip

_LADYBUG_TYPES = {pa.string(): "STRING", pa.int64(): "INT64", pa.bool_(): "BOOLEAN", pa.list_(pa.string()): "STRING[]"}


def ladybug_columns(schema: pa.Schema, names: list[str]) -> str:
    """``name TYPE, ...`` of a LadybugDB table definition, from the Arrow types."""
    return ", ".join(f"{n} {_LADYBUG_TYPES[schema.field(n).type]}" for n in names)
