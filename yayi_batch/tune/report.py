"""The tune report: loss curve, data counts, settings; self-contained HTML. Pure module."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from yayi_batch.report.charts import column_chart

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
    ".bar{fill:#4c78a8}.grid{stroke:#eee}.axis{font-size:11px;fill:#555}"
)


def smoothed_loss(history: list[dict], buckets: int = 60) -> list[tuple[str, float]]:
    """Mean loss per bucket of consecutive steps, labelled by its last step."""
    if not history:
        return []
    size = max(1, -(-len(history) // buckets))
    out = []
    for i in range(0, len(history), size):
        part = history[i : i + size]
        out.append((str(part[-1]["step"]), sum(h["loss"] for h in part) / len(part)))
    return out


def render_tune_report(summary: dict, history: list[dict]) -> str:
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{c['read']}</td><td>{c['train']}</td><td>{c['train_pairs']}</td>"
        f"<td>{c['heldout']}</td><td>{escape(json.dumps(c['dropped'], ensure_ascii=False))}</td></tr>"
        for name, c in summary["data"].items()
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>yayi-batch tune</title><style>{_STYLE}</style></head><body>"
        f"<h1>Tune: {escape(summary['base_model'])}</h1>"
        f"<p>{summary['steps']} steps, final loss {summary['final_loss']:.3f}, {summary['train_seconds']} s of training, "
        f"{summary['tokens_per_second']} tokens/s, adapter {summary['adapter_bytes'] / 1e6:.1f} MB.</p>"
        f"<h2>Loss</h2>{column_chart(smoothed_loss(history), title='training loss (mean per bucket of steps)', y_label='loss')}"
        f"<h2>Data</h2><table><tr><th>source</th><th>read</th><th>train</th><th>pairs</th><th>held out</th><th>left out</th></tr>{rows}</table>"
        f"<h2>Settings</h2><pre>{escape(json.dumps(summary['config'], ensure_ascii=False, indent=2))}</pre></body></html>"
    )


def write_tune_report(out: Path, summary: dict, history: list[dict]) -> Path:
    path = out / "report.html"
    path.write_text(render_tune_report(summary, history), encoding="utf-8")
    return path
