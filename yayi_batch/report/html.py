"""`yayi-batch report`: one self-contained HTML page about a run of an output folder.

The page needs no network: inline CSS, inline SVG charts made in Python (``report_charts.py``)
and one script, the document viewer's (``viewer.py``). Its Content-Security-Policy allows that
script alone, by its hash, so even a model answer that slipped past escaping could not execute.
Every string that can come from model output or data (types, messages, raw answers, ids) is
HTML-escaped; the viewer's data is JSON with ``<`` escaped, shown with ``textContent``.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape

from yayi_batch import __version__
from yayi_batch.fs import filesystem
from yayi_batch.publish.reader import write_text
from yayi_batch.report.charts import column_chart, hbar_chart
from yayi_batch.report.data import ReportData, collect
from yayi_batch.report.graph_section import render_graph_section
from yayi_batch.report.viewer import SCRIPT_HASH, render_viewer

RAW_SHOWN = 1200  # characters of a raw answer shown per example
_CLASSES = {
    "ok": "good", "empty": "good", "exact": "good", "repaired": "warn", "truncated": "warn", "partial": "warn",
    "normalized": "warn", "fuzzy": "warn", "invalid": "bad", "engine_error": "bad", "failed": "bad", "none": "bad",
}  # fmt: skip

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;
 margin:0 auto;max-width:980px;padding:16px 24px;color:#1f2933;background:#fff}
h1{font-size:1.5em;margin:.2em 0} h2{font-size:1.15em;border-bottom:1px solid #d9e2ec;padding-bottom:4px;margin-top:1.6em}
h3{font-size:1em;color:#486581;margin:1em 0 .3em} code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.meta dt{color:#627d98} dl.meta dd{margin:0;word-break:break-all}
svg.chart{max-width:100%;height:auto;display:block} svg text{font-size:12px;fill:#334e68}
svg .bar{fill:#4c78a8} svg .bar.good{fill:#54a24b} svg .bar.warn{fill:#eeca3b} svg .bar.bad{fill:#e45756}
svg .grid{stroke:#e4e7eb} svg .axis{font-size:11px;fill:#627d98}
p.empty,p.note{color:#829ab1;font-style:italic} table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #d9e2ec;padding:3px 8px;text-align:left;vertical-align:top}
pre{background:#f5f7fa;border:1px solid #e4e7eb;padding:8px;white-space:pre-wrap;word-break:break-all;max-height:16em;overflow:auto}
details{margin:6px 0} summary{cursor:pointer;font-weight:600}
footer{margin-top:2em;color:#9fb3c8;font-size:.8em}
"""


def _fmt(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _wall(seconds: object) -> str:
    if not isinstance(seconds, (int, float)):
        return "–"
    return f"{seconds:,.1f} s" + (f" ({seconds / 60:,.1f} min)" if seconds >= 120 else "")


def _header(data: ReportData) -> str:
    h = data.header
    rows = [
        ("run id", h.get("run_id")), ("run date", h.get("run_date")), ("model", h.get("model")),
        ("config fingerprint", h.get("config_fingerprint")), ("started", h.get("started_at")),
        ("finished", h.get("finished_at")), ("wall time", _wall(h.get("wall_s"))), ("tokens/s (out)", h.get("tokens_per_s")),
        ("documents", h.get("documents")), ("tokens in / out", f"{_fmt(h.get('tokens_in'))} / {_fmt(h.get('tokens_out'))}"),
        ("input files", h.get("inputs")),
    ]  # fmt: skip
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(_fmt(v))}</dd>" for k, v in rows)
    return f'<h1>Run report <code>{escape(_fmt(h.get("run_id")))}</code></h1><dl class="meta">{items}</dl>'


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{escape(title)}</h2>{body}</section>'


def _shares(counts: list[tuple[str, int]], title: str) -> str:
    return hbar_chart(counts, title=title, total=sum(n for _, n in counts) or None, classes=_CLASSES)


def _types(data: ReportData) -> str:
    parts = []
    for table, label in (("entities", "Entity types"), ("relations", "Relations"), ("events", "Event types")):
        top, distinct = data.types[table]
        parts.append(f"<h3>{label} (top {len(top)} of {distinct})</h3>" + hbar_chart(top, title=f"{label}: rows per type"))
    return "".join(parts)


def _errors(data: ReportData) -> str:
    parts = [hbar_chart(data.errors_by_kind, title="errors by kind", classes=_CLASSES)]
    for kind, n in data.errors_by_kind:
        examples = []
        for ex in data.error_examples.get(kind, []):
            raw = ex.get("raw_output")
            shown = "(no raw output)" if raw is None else raw[:RAW_SHOWN]
            more = f"\n… ({len(raw) - RAW_SHOWN} more characters)" if raw and len(raw) > RAW_SHOWN else ""
            where = " · ".join(f"{k} {_fmt(ex.get(k))}" for k in ("doc_id", "chunk_id", "task", "stage"))
            examples.append(f"<p>{escape(where)}<br>{escape(_fmt(ex.get('message')))}</p><pre>{escape(shown + more)}</pre>")
        opened = " open" if len(data.errors_by_kind) <= 4 else ""  # few kinds: show the examples at once
        parts.append(f"<details{opened}><summary>{escape(kind)} ({n:,})</summary>{''.join(examples)}</details>")
    return "".join(parts)


def _runs(data: ReportData) -> str:
    if not data.runs:
        return '<p class="empty">no manifests in this folder</p>'
    head = "".join(f"<th>{c}</th>" for c in ("run id", "date", "finished", "model", "documents"))
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt(r.get(k)))}</td>" for k in ("run_id", "run_date", "finished_at", "model", "documents")) + "</tr>"
        for r in reversed(data.runs)
    )  # fmt: skip
    return f"<table><tr>{head}</tr>{body}</table>"


def _plan(data: ReportData) -> str:
    if not data.plan:
        return ""

    def error(v: dict) -> str:
        return "-" if v["error"] is None else f"{v['error']:+.1%}"

    head = "<tr><th></th><th>plan</th><th>actual</th><th>error</th></tr>"
    body = "".join(
        f"<tr><th>{escape(k.replace('_', ' '))}</th><td>{escape(_fmt(v['plan']))}</td><td>{escape(_fmt(v['actual']))}</td>"
        f"<td>{error(v)}</td></tr>"
        for k, v in data.plan.items()
    )
    note = "<p>the plan (<code>yayi-batch plan</code>) counts the prompts of the chunks: the first attempt; retries come on top</p>"
    return _section("plan", "Plan and actual", f"{note}<table>{head}{body}</table>")


def _confidence(data: ReportData) -> str:
    if not data.confidence:
        return ""
    parts = ["<p>from <code>yayi-batch eval</code> on this output: is a row's confidence the precision observed at it?</p>"]
    for name, rep in data.confidence.items():
        points = [(b["bucket"], round(100 * b["precision"])) for b in rep["buckets"] if b["precision"] is not None]
        parts.append(
            f"<h3>{escape(name)} (ECE {rep['ece']:.3f})</h3>"
            + column_chart(points, title=f"{name}: observed precision (%) by confidence", y_label="precision %")
        )
        rows = "".join(
            f"<tr><td>{t['threshold']:.1f}</td><td>{t['kept']}</td><td>{t['precision']:.3f}</td><td>{t['recall']:.3f}</td>"
            f"<td>{t['f1']:.3f}</td></tr>"
            for t in rep["thresholds"]
        )
        parts.append(f"<table><tr><th>min confidence</th><th>kept</th><th>P</th><th>R</th><th>F1</th></tr>{rows}</table>")
    return _section("confidence", "Confidence", "".join(parts))


def render(data: ReportData) -> str:
    """The whole page as a string."""
    bucket = f"{data.bucket_s} s" if data.bucket_s < 60 else f"{data.bucket_s // 60} min"
    throughput = f"<p>answers finished per {bucket} bucket (UTC)</p>" if data.throughput else ""
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in data.notes)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    viewer, viewer_css = render_viewer(data.viewer) if data.viewer else ("", "")
    scripts = f"; script-src '{SCRIPT_HASH}'" if viewer_css else ""
    body = "".join([
        f"<header>{_header(data)}{notes}</header>",
        _section("tables", "Rows per table", hbar_chart(data.table_rows, title="rows per table")),
        _section("types", "Rows per type", _types(data)),
        _section("answers", "Answer status", _shares(data.answer_status, "answers by parse status")),
        _section("matches", "Grounding match kinds", _shares(data.match_kinds, "grounded strings by match kind")),
        _section("documents", "Documents by status", _shares(data.documents_by_status, "documents by status")),
        viewer,
        _section("throughput", "Throughput over the run", throughput + column_chart(data.throughput, title="answers finished per bucket", y_label="answers")),
        _section("errors", "Errors", _errors(data)),
        _plan(data),
        _confidence(data),
        _section("runs", "Runs in this folder", _runs(data)),
        render_graph_section(data.graph) if data.graph else "",
    ])  # fmt: skip
    title = escape(f"yayi-batch run {_fmt(data.header.get('run_id'))}")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'{scripts}\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}{viewer_css}</style></head><body>{body}"
        f"<footer>generated {generated} by yayi-batch {escape(__version__)}</footer></body></html>\n"
    )


def report_path(output_dir: str, run_id: str | None = None) -> str:
    # run ids reach a file name: keep them to a safe alphabet
    name = "index.html" if run_id is None else f"report-{re.sub(r'[^A-Za-z0-9._-]', '_', run_id)}.html"
    return f"{output_dir.rstrip('/')}/_report/{name}"


def write_report(output_dir: str, run_id: str | None = None, storage_options: dict | None = None, doc_ids: Sequence[str] = ()) -> str:
    """Write the report of ``run_id`` (default: the latest published run) and return its path.
    ``doc_ids``: documents the viewer embeds besides its sample (picked by a hash of the id)."""
    fs, root = filesystem(output_dir, storage_options)
    if not fs.exists(root):
        raise FileNotFoundError(f"output folder not found: {output_dir}")
    html = render(collect(output_dir, run_id, storage_options, doc_ids))
    return write_text(report_path(output_dir, run_id), html, storage_options)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yayi-batch report", description="Write the HTML report of a run.")
    parser.add_argument("output_dir", help="output folder of the job (local or fsspec URL)")
    parser.add_argument("--run-id", help="report this run (default: the latest manifest's)")
    parser.add_argument(
        "--doc",
        action="append",
        default=[],
        metavar="ID",
        help="also embed this document in the viewer (repeatable; by default 20 documents picked by a hash of the id)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse already printed why
        return int(exc.code or 0)
    try:
        path = write_report(args.output_dir, args.run_id, doc_ids=args.doc)
    except (FileNotFoundError, ValueError) as exc:
        print(f"yayi-batch report: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
