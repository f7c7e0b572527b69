"""The HTML run report, from fake output folders; and rendered in headless Chromium when present."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from datetime import timedelta
from html import escape
from pathlib import Path

import polars as pl
import pytest

from yayi_batch.evaluation.cli import evaluate, load_predictions
from yayi_batch.evaluation.gold import normalize
from yayi_batch.report import main, write_report
from yayi_batch.report.charts import column_chart, display_width, hbar_chart, shorten
from yayi_batch.report.data import choose_bucket
from yayi_batch.report.viewer import OWN_SCRIPT_TAGS
from yayi_batch.schema import TABLES
from yayi_batch.testing.fake_output import SCRIPT, T0, build_fake_output, default_rows

CHROMIUM = "/usr/bin/chromium"


def section(html: str, sid: str) -> str:
    found = re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S)
    assert found, f"no section {sid}"
    return found.group(1)


def without_own_scripts(html: str) -> str:
    """The page without the opening tags of its own two scripts (the viewer's data and code): any
    other ``<script`` left is injected."""
    for tag in OWN_SCRIPT_TAGS:
        assert html.count(tag) <= 1, tag
        html = html.replace(tag, "")
    return html


def bars_per_chart(fragment: str) -> list[int]:
    return [svg.count('<rect class="bar') for svg in re.findall(r"<svg.*?</svg>", fragment, re.S)]


@pytest.fixture
def report(tmp_path) -> tuple[Path, str]:
    out = build_fake_output(tmp_path / "out")
    path = write_report(str(out))
    return Path(path), Path(path).read_text(encoding="utf-8")


def test_charts_and_counts(report):
    path, html = report
    assert path.name == "index.html" and path.parent.name == "_report"
    assert "run-20240501" in html and "wenge-research/yayi-uie" in html and "120.0 s" in html
    assert bars_per_chart(section(html, "tables")) == [len(TABLES)]  # one bar per table
    assert bars_per_chart(section(html, "types")) == [6, 2, 1]  # 6 entity types, 2 relations, 1 event type
    assert bars_per_chart(section(html, "answers")) == [6]  # ok empty repaired truncated invalid engine_error
    assert bars_per_chart(section(html, "matches")) == [4]  # exact normalized fuzzy none
    assert bars_per_chart(section(html, "documents")) == [3]  # ok partial failed
    # 12 answers 10 s apart: span 110 s -> 5 s buckets (110/2 = 55 > 40 buckets) -> 110/5 + 1 = 23 buckets
    assert bars_per_chart(section(html, "throughput")) == [23]
    assert bars_per_chart(section(html, "errors")) == [3]
    # the shares: 7 of 12 answers ok = 58.3%; exact 11 of 15 grounded strings
    # (8 entities + 2 x 2 relation ends + 1 trigger + 2 arguments = 15) = 73.3%
    assert "7 (58.3%)" in section(html, "answers") and "11 (73.3%)" in section(html, "matches")
    assert "人物" in section(html, "types")  # Chinese labels kept as text


def test_everything_from_model_output_is_escaped(tmp_path):
    rows = default_rows()
    rows["entities"][0]["type"] = '<img src=x onerror="alert(1)">'
    rows["relations"][0]["relation"] = "</svg><script>alert(2)</script>"
    rows["errors"][0]["message"] = "<b>bold</b> & more"
    out = build_fake_output(tmp_path / "out", rows, run_id="run<x>")
    html = Path(write_report(str(out), "run<x>")).read_text(encoding="utf-8")
    assert "<script" not in without_own_scripts(html).lower() and "<img" not in html and "<b>bold" not in html
    assert escape(SCRIPT) in html  # the raw answer, shown as text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "default-src 'none'" in html and "script-src 'sha256-" in html  # and a CSP that allows the viewer's script only
    assert not re.search(r'(src|href)\s*=\s*"?(https?:)?//', html)  # nothing fetched from the network


def test_run_id_file_name_is_safe(tmp_path):
    out = build_fake_output(tmp_path / "out", run_id="../../evil run")
    path = Path(write_report(str(out), "../../evil run"))
    assert path == out / "_report" / "report-.._.._evil_run.html" and path.is_file()


def test_top_20_types_and_latest_run_by_default(tmp_path):
    out = tmp_path / "out"
    build_fake_output(out, run_id="a-old", run_date="2024-05-01")
    many = [{"doc_id": "d1", "type": f"type{i:02d}", "text": f"x{i}", "match": "exact"} for i in range(25)]
    build_fake_output(out, {"entities": many}, run_id="b-new", run_date="2024-05-02", t0=T0 + timedelta(days=1))
    html = Path(write_report(str(out))).read_text(encoding="utf-8")
    assert "b-new" in section(html, "runs") and "a-old" in section(html, "runs")
    assert "top 20 of 25" in html and bars_per_chart(section(html, "types"))[0] == 20
    assert "type24" not in section(html, "types")  # ties broken by name: type00..type19 shown
    older = Path(write_report(str(out), "a-old")).read_text(encoding="utf-8")
    assert bars_per_chart(section(older, "types")) == [6, 2, 1]


def test_rerun_replacing_a_partition_is_noted(tmp_path):
    out = tmp_path / "out"
    build_fake_output(out, run_id="first")
    build_fake_output(out, run_id="second", t0=T0 + timedelta(hours=1))  # same date: same files, replaced
    html = Path(write_report(str(out), "first")).read_text(encoding="utf-8")
    assert "entities: 0 rows in the folder, 8 in the manifest" in html
    assert bars_per_chart(section(html, "types")) == []  # nothing to show, without failing


def test_without_manifest_and_with_empty_tables(tmp_path):
    out = build_fake_output(tmp_path / "out", manifest=False)
    html = Path(write_report(str(out))).read_text(encoding="utf-8")
    assert "no manifest found" in html and "(all runs)" in html
    assert "110.0 s" in html  # wall time from the answers: first at T0, last at T0 + 110 s
    empty = build_fake_output(tmp_path / "empty", {})
    html = Path(write_report(str(empty))).read_text(encoding="utf-8")
    assert bars_per_chart(section(html, "tables")) == [len(TABLES)] and "nothing to show" in section(html, "throughput")


def test_main(tmp_path, capsys):
    out = build_fake_output(tmp_path / "out")
    assert main([str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith("_report/index.html")
    assert main([str(out), "--run-id", "run-20240501"]) == 0
    assert (out / "_report" / "report-run-20240501.html").is_file()
    assert main([str(tmp_path / "missing")]) == 2
    assert main([]) == 2


def test_chart_helpers():
    assert display_width("北京ab") == 6 and shorten("中华人民共和国", 8) == "中华人…"
    svg = hbar_chart([("a", 3), ("<b>", 1)], title="t", total=4)
    assert svg.count('<rect class="bar') == 2 and "3 (75.0%)" in svg and "&lt;b&gt;" in svg
    assert "nothing to show" in hbar_chart([], title="t") and "nothing to show" in column_chart([], title="t")
    assert column_chart([("00:00", 0), ("00:05", 0)], title="t").count('<rect class="bar') == 2  # all zero: no crash
    assert choose_bucket(0) == 1 and choose_bucket(110) == 5 and choose_bucket(3600) == 120 and choose_bucket(1e9) == 86400


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.s3
def test_report_and_eval_read_s3(tmp_path, monkeypatch):
    moto_server = pytest.importorskip("moto.server", reason="moto not installed: pip install 'moto[server]'")
    s3fs = pytest.importorskip("s3fs")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # not in client_kwargs: s3fs would send it as a location
        opts = {"key": "test", "secret": "test", "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}"}}
        fs = s3fs.S3FileSystem(**opts)
        fs.mkdir("bucket")
        local = build_fake_output(tmp_path / "out")
        fs.put(str(local), "bucket/out", recursive=True)
        path = write_report("s3://bucket/out", storage_options=opts)
        assert path == "s3://bucket/out/_report/index.html"
        html = fs.cat(path).decode("utf-8")
        assert bars_per_chart(section(html, "tables")) == [len(TABLES)] and bars_per_chart(section(html, "types")) == [6, 2, 1]
        gold = normalize(pl.DataFrame([{"doc_id": "d1", "task": "ner", "type": "人物", "text": "宁高宁"}]))
        scores = evaluate(gold, load_predictions("s3://bucket/out", storage_options=opts))
        # d1 predicted 4 distinct entities, one of them the gold one: TP 1, FP 3, FN 0
        assert scores["metrics"]["ner"]["micro"]["tp"] == 1 and scores["metrics"]["ner"]["micro"]["fp"] == 3
    finally:
        server.stop()


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def test_renders_in_headless_chromium(report, tmp_path):
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        pytest.skip("chromium not installed: apt-get install chromium")
    path, html = report
    dom = _chromium("--dump-dom", path.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the browser parsed every chart and every bar, and made no element out of the raw answer
    assert dom.stdout.count("<svg") == html.count("<svg") >= 9
    assert dom.stdout.count('<rect class="bar') == html.count('<rect class="bar')
    assert "<script" not in without_own_scripts(dom.stdout).lower() and "&lt;script&gt;alert(" in dom.stdout
    shot = tmp_path / "report.png"
    result = _chromium(f"--screenshot={shot}", "--window-size=1100,2900", "--hide-scrollbars", path.as_uri(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page with charts, not a blank image


# --- every string from the documents, the model or the manifest stays inert ----------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(2)>',
    "</title><script>x()</script>",
    "<!--",
    "]]><iframe src=javascript:alert(3)>",
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_string_column_and_the_manifest_are_escaped(tmp_path, payload):
    rows = default_rows()
    for table_rows in rows.values():  # every string of every row: doc ids, types, texts, messages, raw outputs
        for row in table_rows:
            for key, value in list(row.items()):
                if isinstance(value, str) and key not in ("status", "match", "task", "kind", "stage"):
                    row[key] = value + payload
    out = build_fake_output(tmp_path / "out", rows, model="m" + payload)  # run ids: test above
    html = Path(write_report(str(out))).read_text(encoding="utf-8")
    lowered = without_own_scripts(html).lower()
    for tag in ("<script", "<svg onload", "<iframe", "<style>body", '" onload', "<!--"):
        assert tag not in lowered.replace("<svg class", "").replace("<svg xmlns", ""), tag
    assert lowered.count("<style>") == 1  # the report's own stylesheet only
    assert escape(payload) in html
