"""The knowledge-graph section of the run report, from a saved graph summary (see kg/report_section.py).

Every name in it comes from documents or model output, so every string is escaped. Pure.
"""

from __future__ import annotations

import html
from typing import Any


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _counts_table(title: str, by_group: dict[str, dict[str, int]]) -> str:
    rows = "".join(
        f'<tr><td>{_e(group)}</td><td>{_e(t)}</td><td class="num">{_e(n)}</td></tr>'
        for group, counts in by_group.items()
        for t, n in counts.items()
    )
    return f"<h3>{_e(title)}</h3><table><thead><tr><th>kind</th><th>type</th><th>count</th></tr></thead><tbody>{rows}</tbody></table>"


def render_graph_section(summary: dict[str, Any]) -> str:
    """An HTML fragment (a <section>) of a ``graph_summary``; every string escaped."""
    top = "".join(
        f'<tr><td>{_e(x.get("display", x["name"]))}</td><td>{_e(x["type"])}</td><td class="num">{_e(x["degree"])}</td>'
        f'<td class="num">{_e(x["mentions"])}</td></tr>'
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
