"""Load the graph's ``nodes`` and ``edges`` Parquet into a LadybugDB database (Kuzu's Cypher).

Tables: node tables ``Entity`` and ``Event`` (primary key ``node_id``), rel tables
``RELATION(FROM Entity TO Entity)`` and ``ARGUMENT(FROM Event TO Entity)``; the relation type or
the role is the ``type`` property, so one rel table holds every relation type, Chinese or not.

The database is rebuilt from the Parquet files with ``COPY ... FROM (LOAD FROM ... WHERE ...)``
into ``graph.lbug.building`` and then moved over ``graph.lbug``: readers never see half a
load, and the node aggregates are always those of the stage (see ``stage.py``). Loading goes
through Parquet files, not DataFrames (a ladybug bug, its tracker's #647: a false duplicate-key error on
``COPY FROM $df``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import ladybug

from yayi_batch.kg.canonical import EdgeKind, NodeLabel
from yayi_batch.schema.graph import EDGES, LADYBUG_EDGE, LADYBUG_ENTITY, LADYBUG_EVENT, NODES, ladybug_columns

DB_FILE = "graph.lbug"
# 0: ladybug's own default (a cap of ~80% of RAM, allocated as used). A bulk COPY of a rel
# table holds that whole table in the pool: a smaller cap fails with "buffer pool is full".
DEFAULT_BUFFER_POOL = 0
# One thread: with more, ladybug 0.22.0 here sometimes parks every thread in futex_wait during a
# COPY from Parquet and never returns (seen at 1.3M edges; like the hang in ladybug's tracker, #911).
DEFAULT_THREADS = 1


def db_path(target: str | Path) -> Path:
    return Path(target) / DB_FILE


def _literal(path: Path) -> str:
    return "'" + str(path.resolve()).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _remove_db(path: Path) -> None:
    for candidate in (path, Path(f"{path}.wal"), Path(f"{path}.shadow"), Path(f"{path}.tmp")):
        if candidate.is_dir():
            shutil.rmtree(candidate)
        elif candidate.exists():
            candidate.unlink()


def create_schema(conn: ladybug.Connection) -> None:
    entity_props = ladybug_columns(NODES, LADYBUG_ENTITY)
    event_props = ladybug_columns(NODES, LADYBUG_EVENT)
    edge_props = ladybug_columns(EDGES, LADYBUG_EDGE[2:])
    conn.execute(f"CREATE NODE TABLE {NodeLabel.ENTITY.value}({entity_props}, PRIMARY KEY(node_id))")
    conn.execute(f"CREATE NODE TABLE {NodeLabel.EVENT.value}({event_props}, PRIMARY KEY(node_id))")
    conn.execute(f"CREATE REL TABLE {EdgeKind.RELATION.value}(FROM {NodeLabel.ENTITY.value} TO {NodeLabel.ENTITY.value}, {edge_props})")
    conn.execute(f"CREATE REL TABLE {EdgeKind.ARGUMENT.value}(FROM {NodeLabel.EVENT.value} TO {NodeLabel.ENTITY.value}, {edge_props})")


def load_ladybug(
    nodes: Path, edges: Path, target: str | Path, *, buffer_pool_size: int = DEFAULT_BUFFER_POOL, threads: int = DEFAULT_THREADS
) -> Path:
    """Build ``TARGET/graph.lbug`` from the nodes and edges Parquet files (one file or a folder each)."""
    final = db_path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    building = final.with_name(final.name + ".building")
    _remove_db(building)
    db = ladybug.Database(str(building), buffer_pool_size=buffer_pool_size, max_num_threads=threads)
    conn = ladybug.Connection(db)
    try:
        create_schema(conn)
        for label, columns in ((NodeLabel.ENTITY, LADYBUG_ENTITY), (NodeLabel.EVENT, LADYBUG_EVENT)):
            conn.execute(f"COPY {label.value} FROM (LOAD FROM {_literal(nodes)} WHERE label = '{label.value}' RETURN {', '.join(columns)})")
        for kind in EdgeKind:
            conn.execute(
                f"COPY {kind.value} FROM (LOAD FROM {_literal(edges)} WHERE kind = '{kind.value}' RETURN {', '.join(LADYBUG_EDGE)})"
            )
    finally:
        conn.close()
        db.close()
    # The old database's WAL would be replayed into the new file: it goes first. os.replace
    # swaps the file itself atomically, so a reader opens either the old graph or the new one.
    for stale in (Path(f"{final}.wal"), Path(f"{final}.shadow")):
        stale.unlink(missing_ok=True)
    os.replace(building, final)
    _remove_db(building)  # a leftover .wal of the building copy (none after a clean close)
    return final


def connect(target: str | Path, *, read_only: bool = True) -> tuple[ladybug.Database, ladybug.Connection]:
    """(database, connection) of a built graph target."""
    path = db_path(target)
    if not path.exists():
        raise FileNotFoundError(f"no graph database at {path}; build it with `yayi-batch kg OUTPUT --graph {target}`")
    db = ladybug.Database(str(path), read_only=read_only)
    return db, ladybug.Connection(db)


def query_rows(conn: ladybug.Connection, cypher: str, parameters: dict | None = None) -> list[list]:
    """Every row of a query as a list of lists."""
    result = conn.execute(cypher, parameters or {})
    rows = []
    while result.has_next():
        rows.append(result.get_next())
    return rows
