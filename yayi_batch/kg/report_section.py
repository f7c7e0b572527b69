"""The knowledge-graph section of the run report: a summary dict and its HTML fragment.

``graph_summary(target)`` queries the LadybugDB database of a graph target; every name in it
comes from documents or model output, so ``render_graph_section`` escapes every string.
"""

from __future__ import annotations

import html
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


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _counts_table(title: str, by_group: dict[str, dict[str, int]]) -> str:
    rows = "".join(
        f"<tr><td>{_e(group)}</td><td>{_e(t)}</td><td class=\"num\">{_e(n)}</td></tr>"
        for group, counts in by_group.items()
        for t, n in counts.items()
    )
    return f"<h3>{_e(title)}</h3><table><thead><tr><th>kind</th><th>type</th><th>count</th></tr></thead><tbody>{rows}</tbody></table>"


def render_graph_section(summary: dict[str, Any]) -> str:
    """An HTML fragment (a <section>) of a ``graph_summary``; every string escaped."""
    top = "".join(
        f"<tr><td>{_e(x.get('display', x['name']))}</td><td>{_e(x['type'])}</td><td class=\"num\">{_e(x['degree'])}</td>"
        f"<td class=\"num\">{_e(x['mentions'])}</td></tr>"
        for x in summary.get("top_entities", [])
    )
    return (
        '<section class="kg"><h2>Knowledge graph</h2>'
        f"<p>{_e(summary.get('n_nodes', 0))} nodes, {_e(summary.get('n_edges', 0))} edges.</p>"
        + _counts_table("Nodes", summary.get("nodes", {}))
        + _counts_table("Edges", summary.get("edges", {}))
        + "<h3>Most connected entities</h3><table><thead><tr><th>entity</th><th>type</th><th>edges</th>"
        + f"<th>mentions</th></tr></thead><tbody>{top}</tbody></table></section>"
    )
