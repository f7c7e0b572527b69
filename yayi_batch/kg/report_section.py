"""The knowledge-graph summary for the run report: ``graph_summary(target)`` queries the LadybugDB
database of a graph target (nodes and edges by type, the most connected entities). The HTML is
``yayi_batch/report/graph_section.py``; `yayi-batch kg` saves the summary as
`{output}/_graph/summary.json`, which the report shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yayi_batch.kg.canonical import EdgeKind, NodeLabel
from yayi_batch.kg.ladybug_load import connect, query_rows

TOP_N = 10


def graph_summary(graph_target: str | Path) -> dict[str, Any]:
    """Nodes and edges by label/kind and type, and the most connected entities."""
    db, conn = connect(graph_target)
    try:
        nodes = {
            label.value: {t: n for t, n in query_rows(conn, f"MATCH (x:{label.value}) RETURN x.type, count(*) AS n ORDER BY n DESC, x.type")}
            for label in NodeLabel
        }  # fmt: skip
        edges = {
            kind.value: {t: n for t, n in query_rows(conn, f"MATCH ()-[r:{kind.value}]->() RETURN r.type, count(*) AS n ORDER BY n DESC, r.type")}
            for kind in EdgeKind
        }  # fmt: skip
        top = query_rows(
            conn,
            "MATCH (e:Entity)-[r]-() RETURN e.node_id, e.type, e.name, e.aliases, e.mention_count, count(r) AS degree "
            f"ORDER BY degree DESC, e.node_id LIMIT {TOP_N}",
        )
    finally:
        conn.close()
        db.close()
    return {
        "nodes": nodes,
        "edges": edges,
        "n_nodes": sum(sum(v.values()) for v in nodes.values()),
        "n_edges": sum(sum(v.values()) for v in edges.values()),
        "top_entities": [
            # shown by its most frequent surface form; ``name`` is the folded key text
            {"node_id": i, "type": t, "name": name, "display": (aliases or [name])[0], "mentions": m, "degree": d}
            for i, t, name, aliases, m, d in top
        ],
    }
