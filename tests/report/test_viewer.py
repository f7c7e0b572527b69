"""The report's document viewer: segments, the embedded data, and the page in headless Chromium."""

from __future__ import annotations

import colorsys
import json
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.report import main, viewer, write_report
from yayi_batch.report.viewer import OWN_SCRIPT_TAGS, SAMPLE_DOCS, segments
from yayi_batch.testing.fake_output import build_fake_output

CHROMIUM = "/usr/bin/chromium"  # as in test_report.py

# --- segments: table-driven ---------------------------------------------------------------------

CJK = "宁高宁出席APEC中国工商理事会"
SEGMENT_CASES = {
    "none": ("ABC", [], [("ABC", ())]),
    "empty text": ("", [], []),
    "nested": ("ABCDEFG", [(0, 7), (2, 4)], [("AB", (0,)), ("CD", (0, 1)), ("EFG", (0,))]),
    "nested, inner given first": ("ABCDEFG", [(2, 4), (0, 7)], [("AB", (1,)), ("CD", (1, 0)), ("EFG", (1,))]),
    "overlap, same length: earlier first": ("ABCDEFG", [(0, 4), (2, 6)], [("AB", (0,)), ("CD", (0, 1)), ("EF", (1,)), ("G", ())]),
    "overlap, longer wins": ("ABCDEFG", [(0, 3), (1, 6)], [("A", (0,)), ("BC", (1, 0)), ("DEF", (1,)), ("G", ())]),
    "adjacent": ("ABCDEFG", [(0, 2), (2, 4)], [("AB", (0,)), ("CD", (1,)), ("EFG", ())]),
    "identical": ("ABCD", [(1, 3), (1, 3)], [("A", ()), ("BC", (0, 1)), ("D", ())]),
    "at text end": ("ABC", [(1, 3)], [("A", ()), ("BC", (0,))]),
    "whole text": ("ABC", [(0, 3)], [("ABC", (0,))]),
    "three deep": ("ABCDE", [(0, 5), (1, 4), (2, 3)], [("A", (0,)), ("B", (0, 1)), ("C", (0, 1, 2)), ("D", (0, 1)), ("E", (0,))]),
    "invalid spans ignored": ("ABC", [(2, 5), (2, 2), (-1, 1), (3, 1)], [("ABC", ())]),
    "CJK nested": (CJK, [(0, 3), (5, 16), (9, 11)],
                   [("宁高宁", (0,)), ("出席", ()), ("APEC", (1,)), ("中国", (1, 2)), ("工商理事会", (1,))]),
    "CJK at text end": (CJK, [(11, 16)], [(CJK[:11], ()), ("工商理事会", (0,))]),
    "astral character before a mention": ("😀ab", [(1, 3)], [("😀", ()), ("ab", (0,))]),
}  # fmt: skip


@pytest.mark.parametrize("text,spans,expected", SEGMENT_CASES.values(), ids=SEGMENT_CASES.keys())
def test_segments(text, spans, expected):
    got = segments(len(text), spans)
    assert [(text[a:b], cover) for a, b, cover in got] == expected
    assert "".join(text[a:b] for a, b, _ in got) == text  # the whole text, once, in order
    assert all(a < b for a, b, _ in got) and all(x[1] == y[0] for x, y in zip(got, got[1:]))


# --- a small output with document texts --------------------------------------------------------

D1 = "宁高宁出席APEC中国工商理事会会议，在北京会见记者。"
D2 = "😀 Gaoning Gao met APEC </script><script>alert(1)</script><!--<script> in Beijing."


def _at(text: str, mention: str) -> tuple[int, int]:
    start = text.index(mention)
    return start, start + len(mention)


def _entity(doc: str, typ: str, text: str, span: tuple[int, int] | None, match: str = "exact") -> dict:
    start, end = span or (None, None)
    return {"doc_id": doc, "chunk_id": f"{doc}-c0", "type": typ, "text": text, "start": start, "end": end, "match": match}


def viewer_rows() -> dict[str, list[dict]]:
    entities = [
        _entity("d1", "人物", "宁高宁", _at(D1, "宁高宁")),
        _entity("d1", "机构", "APEC中国工商理事会", _at(D1, "APEC中国工商理事会")),
        _entity("d1", "地点", "中国", _at(D1, "中国")),  # nested in the organisation
        _entity("d1", "会议", "理事会会议", _at(D1, "理事会会议"), "fuzzy"),  # overlaps its end
        _entity("d1", "地点", "北京", _at(D1, "北京")),
        _entity("d1", "地点", "上海", None, "none"),  # ungrounded, no offsets
        _entity("d1", "人物", "记者们", _at(D1, "记者"), "none"),  # match none: apart, offsets or not
        _entity("d1", "人物", "out of range", (40, 45)),  # offsets past the text: not highlighted
        _entity("d2", "person", "Gaoning Gao", _at(D2, "Gaoning Gao")),
        _entity("d2", "</script><b>x", "APEC", _at(D2, "APEC")),
        _entity("d2", "location", "Beijing", _at(D2, "Beijing")),
    ]
    relations = [
        {
            "doc_id": "d1",
            "chunk_id": "d1-c0",
            "relation": "出席",
            "head": "宁高宁",
            "head_start": 0,
            "head_end": 3,
            "head_match": "exact",
            "tail": "APEC中国工商理事会会议",
            "tail_match": "fuzzy",
        }
    ]
    events = [
        {
            "doc_id": "d1",
            "chunk_id": "d1-c0",
            "event_id": "e1",
            "task": "ee",
            "event_type": "会见",
            "trigger": "会见",
            "trigger_start": D1.index("会见"),
            "trigger_end": D1.index("会见") + 2,
            "trigger_match": "exact",
        }
    ]
    arguments = [{"doc_id": "d1", "chunk_id": "d1-c0", "event_id": "e1", "role": "地点", "argument": "北京", "match": "exact"}]
    documents = [
        {"doc_id": d, "status": "ok", "lang": lang, "n_chars": len(t), "n_chunks": 1, "n_prompts": 3}
        for d, lang, t in (("d1", "zh", D1), ("d2", "en", D2))
    ]
    return {"entities": entities, "relations": relations, "events": events, "event_arguments": arguments, "documents": documents}


def add_document_columns(out: Path, columns: dict[str, dict[str, object]]) -> None:
    """Add columns (name -> doc_id -> value) to the fake documents table, as a run's passthrough would."""
    path = next((out / "documents").rglob("*.parquet"))
    table = pq.read_table(path)
    ids = table.column("doc_id").to_pylist()
    for name, values in columns.items():
        table = table.append_column(name, pa.array([values.get(i) for i in ids], pa.string()))
    pq.write_table(table, path)


@pytest.fixture
def viewer_output(tmp_path) -> Path:
    out = build_fake_output(tmp_path / "out", viewer_rows())
    add_document_columns(out, {"text": {"d1": D1, "d2": D2}})
    return out


def blob(html: str) -> dict:
    """The viewer's data, read back the way the browser does: up to the first ``</script>``."""
    start = html.index(OWN_SCRIPT_TAGS[0]) + len(OWN_SCRIPT_TAGS[0])
    return json.loads(html[start : html.index("</script>", start)])


def doc_of(data: dict, doc_id: str) -> dict:
    return next(d for d in data["docs"] if d["id"] == doc_id)


def test_script_text_in_a_document_cannot_break_out(viewer_output):
    html = Path(write_report(str(viewer_output))).read_text(encoding="utf-8")
    # only the report's own two scripts close: the document's </script> and <!-- stay in the JSON
    assert html.count("</script>") == 2 and html.lower().count("<script") == 2
    assert "<!--" not in html and "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    d2 = doc_of(blob(html), "d2")
    assert "".join(piece for piece, _ in d2["segments"]) == D2  # the whole text survives the round trip
    assert "</script><b>x" in blob(html)["types"]


def test_ungrounded_mentions_are_kept_apart(viewer_output):
    d1 = doc_of(blob(Path(write_report(str(viewer_output))).read_text(encoding="utf-8")), "d1")
    assert {m["x"] for m in d1["ungrounded"]} == {"上海", "记者们"}
    assert [m["x"] for m in d1["unplaced"]] == ["out of range"]
    assert {m["x"] for m in d1["mentions"]} == {"宁高宁", "APEC中国工商理事会", "中国", "理事会会议", "北京"}
    covered = "".join(piece for piece, cover in d1["segments"] if cover)
    assert "记者" not in covered and "宁高宁" in covered  # an ungrounded mention is never highlighted


def test_long_text_is_cut_and_mentions_past_the_cut_listed(viewer_output, monkeypatch):
    monkeypatch.setattr(viewer, "MAX_TEXT_CHARS", 20)  # 北京 starts at 20
    d1 = doc_of(blob(Path(write_report(str(viewer_output))).read_text(encoding="utf-8")), "d1")
    assert "".join(p for p, _ in d1["segments"]) == D1[:20] and d1["note"] == f"text cut at 20 of {len(D1)} characters"
    assert {(m["x"], m["why"]) for m in d1["unplaced"]} == {("北京", "after the shown text"), ("out of range", "offsets outside the text")}


def test_sample_spreads_over_ids_and_doc_adds_more(tmp_path, capsys):
    ids = [f"en-{i:02d}" for i in range(SAMPLE_DOCS + 20)] + [f"zh-{i:02d}" for i in range(SAMPLE_DOCS + 20)]
    out = build_fake_output(tmp_path / "out", {"documents": [{"doc_id": d, "status": "ok"} for d in ids]})
    data = blob(Path(write_report(str(out))).read_text(encoding="utf-8"))
    sample = [d["id"] for d in data["docs"]]
    assert len(sample) == SAMPLE_DOCS and sample == sorted(sample)
    assert {s[:2] for s in sample} == {"en", "zh"}  # not just the first ids, which are all "en-"
    assert sample == [d["id"] for d in blob(Path(write_report(str(out))).read_text(encoding="utf-8"))["docs"]]  # fixed
    left_out = next(d for d in ids if d not in sample)
    assert main([str(out), "--doc", left_out, "--doc", sample[3], "--doc", "nope"]) == 0
    html = Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")
    data = blob(html)
    assert [d["id"] for d in data["docs"]][-1] == left_out and len(data["docs"]) == SAMPLE_DOCS + 1
    assert data["missing"] == ["nope"] and f"{SAMPLE_DOCS + 1} documents embedded" in html and "--doc ID" in html


def test_text_from_the_input_shard_named_in_source_path(tmp_path):
    shard = tmp_path / "corpus" / "shard-0.parquet"
    shard.parent.mkdir()
    pq.write_table(pa.table({"id": ["d0", "d1", "d2"], "text": ["other", D1, D2]}), shard, row_group_size=1)
    out = build_fake_output(tmp_path / "out", viewer_rows())
    add_document_columns(out, {"source_path": {"d1": str(shard), "d2": str(tmp_path / "gone.parquet")}})
    data = blob(Path(write_report(str(out))).read_text(encoding="utf-8"))
    d1, d2 = doc_of(data, "d1"), doc_of(data, "d2")
    assert d1["has_text"] and "".join(p for p, _ in d1["segments"]) == D1
    assert not d2["has_text"] and "not readable" in d2["note"] and len(d2["mentions"]) == 3  # extractions still listed


# --- the page in headless Chromium -------------------------------------------------------------


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def _rgb(type_index: int) -> tuple[int, int, int]:
    """The colour viewer.type_css gives a type index."""
    h, light = type_index * 137.508 % 360, 80 if type_index % 2 else 86
    r, g, b = colorsys.hls_to_rgb(round(h) / 360, light / 100, 0.75)
    return round(r * 255), round(g * 255), round(b * 255)


SPAN = re.compile(r'<span class="m ty-(\d+)( multi)?" data-type="([^"]*)" title="([^"]*)">([^<]*)</span>')


def test_viewer_renders_in_headless_chromium(viewer_output, tmp_path):
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        pytest.skip("chromium not installed: apt-get install chromium")
    path = Path(write_report(str(viewer_output)))
    types = blob(path.read_text(encoding="utf-8"))["types"]
    url = path.as_uri() + "#doc=d1"
    dom = _chromium("--dump-dom", url, tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    spans = SPAN.findall(dom.stdout)
    # every grounded stretch of d1, with the class of its (longest) type; nested/overlapped ones marked
    assert [(types[int(i)], t, text, bool(multi)) for i, multi, t, _, text in spans] == [
        ("人物", "人物", "宁高宁", False), ("机构", "机构", "APEC", False), ("机构", "机构", "中国", True),
        ("机构", "机构", "工商", False), ("机构", "机构", "理事会", True), ("会议", "会议", "会议", False),
        ("地点", "地点", "北京", False),
    ]  # fmt: skip
    titles = {text: title for _, _, _, title, text in spans}
    assert "机构: APEC中国工商理事会" in titles["中国"] and "地点: 中国" in titles["中国"]
    assert "会议: 理事会会议" in titles["理事会"]
    assert "上海" in dom.stdout and "记者们" in dom.stdout and "Ungrounded mentions" in dom.stdout
    assert "宁高宁 —出席→ APEC中国工商理事会会议" in dom.stdout and "地点: 北京" in dom.stdout
    # d2: its </script> is text in the DOM, its astral character does not shift the highlights
    dom2 = _chromium("--dump-dom", path.as_uri() + "#doc=d2", tmp_path=tmp_path)
    found = {(types[int(i)], text) for i, _, _, _, text in SPAN.findall(dom2.stdout)}
    assert found == {("person", "Gaoning Gao"), ("</script><b>x", "APEC"), ("location", "Beijing")}
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in dom2.stdout
    missing = _chromium("--dump-dom", path.as_uri() + "#doc=nope", tmp_path=tmp_path)
    assert "document nope is not embedded in this report" in missing.stdout
    shot = tmp_path / "viewer.png"  # tall enough for the viewer (headless Chromium shoots a scrolled page blank)
    result = _chromium(f"--screenshot={shot}", "--window-size=1100,3000", "--hide-scrollbars", url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    image = pytest.importorskip("PIL.Image").open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 16  # not one colour: text, highlights, borders
    present = {c for _, c in colours}
    for typ in ("人物", "机构", "地点"):  # the highlight colour of each type is on screen
        want = _rgb(types.index(typ))
        assert any(all(abs(a - b) <= 3 for a, b in zip(c, want)) for c in present), (typ, want)
