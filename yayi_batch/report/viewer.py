"""The run report's document viewer: a few documents with their extractions, to judge by eye.

What it embeds (`collect_viewer`, polars): `SAMPLE_DOCS` documents of the run picked by a hash of
the doc_id (a fixed spread over languages and sources),
plus any id asked for (`yayi-batch report OUT --doc ID`), each with
- its text cut into non-overlapping segments (`segments`): every grounded entity mention (offsets
  in ``entities.start``/``end``, ``match`` not ``none``) is highlighted by type;
- its ungrounded mentions (``match`` ``none`` or no offsets) apart, its relations and its events
  with their arguments.

The published tables hold no document text. It is taken from a ``text`` column of the documents
table if the run carried one (``input.passthrough_columns=[text]``), else from the input shard the
run recorded in ``documents.source_path`` (columns ``id``/``text``, the input defaults); else the
viewer says the text is not available and still lists the extractions.

`render_viewer` gives the section: the data as one JSON blob in ``<script type="application/json">``
(every ``<``, ``>`` and ``&`` escaped, so a document with ``</script>`` or ``<!--`` stays data)
and a small inline script that builds the selected document with DOM APIs and ``textContent``
only. The page's Content-Security-Policy allows exactly that script, by its hash.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from yayi_batch.config import InputConfig
from yayi_batch.fs import filesystem
from yayi_batch.publish.reader import scan_table

SAMPLE_DOCS = 20  # documents embedded by default: a fixed pick by a hash of the doc_id
MAX_TEXT_CHARS = 20_000  # characters of a document's text embedded
MAX_ITEMS = 500  # rows per list (mentions, relations, events) and document
TEXT_COLUMN = "text"  # a documents column holding the text, when the run carried it through
SOURCE_ID_COLUMN = InputConfig.model_fields["id_column"].default
SOURCE_TEXT_COLUMN = InputConfig.model_fields["text_column"].default
DATA_ID, SCRIPT_ID = "viewer-data", "viewer-js"
# The report's own script elements (tests strip exactly these before looking for injected ones).
OWN_SCRIPT_TAGS = (f'<script type="application/json" id="{DATA_ID}">', f'<script id="{SCRIPT_ID}">')

Segment = tuple[int, int, tuple[int, ...]]  # [start, end) and the mentions covering it, primary first


# --- segments ----------------------------------------------------------------------------------


def segments(length: int, spans: Sequence[tuple[int, int]]) -> list[Segment]:
    """Cut ``[0, length)`` at every mention boundary into non-overlapping segments.

    Each segment lists the indices of the spans covering it, longest first (then earliest start,
    then input order): the first one gives the segment its type. Spans that are empty or outside
    ``[0, length]`` are ignored (the caller lists them apart). Segments cover the whole range.
    """
    valid = [(s, e, i) for i, (s, e) in enumerate(spans) if 0 <= s < e <= length]
    cuts = sorted({0, length, *(s for s, _, _ in valid), *(e for _, e, _ in valid)})
    starts: dict[int, list[int]] = {}
    for s, _, i in valid:
        starts.setdefault(s, []).append(i)
    active: set[int] = set()
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        active = {i for i in active if spans[i][1] > a} | set(starts.get(a, ()))
        cover = tuple(sorted(active, key=lambda i: (spans[i][0] - spans[i][1], spans[i][0], i)))
        out.append((a, b, cover))
    return out


# --- data --------------------------------------------------------------------------------------


def _ids(docs: pl.LazyFrame, n: int, extra: Sequence[str]) -> list[str]:
    # A spread, not the first ids: ids sort by language or source ("en-…" before "zh-…"). The
    # smallest hashes are a fixed pseudo-random pick, in bounded memory (top-k), shown by id.
    pick = docs.select("doc_id").unique().select(pl.col("doc_id"), pl.col("doc_id").hash(seed=20261130).alias("h"))
    sample = sorted(pick.bottom_k(n, by="h").collect()["doc_id"].to_list())
    return sample + [d for d in dict.fromkeys(extra) if d not in sample]


def _source_url(path: str, manifest: dict | None) -> str:
    """The input URL of a recorded shard path (the manifest's inputs carry the protocol)."""
    for item in (manifest or {}).get("inputs") or []:
        url = str(item.get("path") or "")
        if url == path or url.endswith("://" + path.lstrip("/")):
            return url
    return path


def _read_source_texts(url: str, ids: set[str], storage_options: dict | None) -> dict[str, str]:
    """Texts of ``ids`` in one input shard: the id column of every row group, the text column only
    of the row groups that hold one of them."""
    fs, path = filesystem(url, storage_options)
    found: dict[str, str] = {}
    wanted = pa.array(sorted(ids), pa.string())
    with fs.open(path, "rb") as fh:
        pf = pq.ParquetFile(fh)
        for rg in range(pf.num_row_groups):
            keys = pf.read_row_group(rg, columns=[SOURCE_ID_COLUMN]).column(0).cast(pa.string())
            hit = pc.is_in(keys, value_set=wanted)
            if not pc.any(hit).as_py():
                continue
            texts = pf.read_row_group(rg, columns=[SOURCE_TEXT_COLUMN]).column(0)
            for key, text in zip(keys.filter(hit).to_pylist(), texts.filter(hit).to_pylist()):
                found.setdefault(key, text)
            if len(found) == len(ids):
                break
    return found


def _texts(docs: pl.DataFrame, manifest: dict | None, storage_options: dict | None) -> tuple[dict[str, str | None], dict[str, str]]:
    """(doc_id -> text, doc_id -> why there is none)."""
    if TEXT_COLUMN in docs.columns:
        texts = dict(zip(docs["doc_id"].to_list(), docs[TEXT_COLUMN].cast(pl.String).to_list()))
        return texts, {d: f"no {TEXT_COLUMN} in the documents table" for d, t in texts.items() if t is None}
    texts: dict[str, str | None] = {}
    why: dict[str, str] = {}
    if "source_path" not in docs.columns:
        return texts, dict.fromkeys(docs["doc_id"].to_list(), "the documents table has no text and no source_path column")
    by_path: dict[str, set[str]] = {}
    for doc_id, path in docs.select("doc_id", "source_path").iter_rows():
        if path is None:
            why[doc_id] = "no source_path recorded"
        else:
            by_path.setdefault(path, set()).add(doc_id)
    for path, ids in sorted(by_path.items()):
        try:
            texts.update(_read_source_texts(_source_url(path, manifest), ids, storage_options))
        except Exception as exc:  # a moved, unreadable or differently named input: show the extractions anyway
            why.update(
                dict.fromkeys(
                    ids,
                    f"input shard {path} not readable ({type(exc).__name__}; id/text columns {SOURCE_ID_COLUMN!r}/{SOURCE_TEXT_COLUMN!r})",
                )
            )
            continue
        why.update({d: f"doc_id not found in {path}" for d in ids if d not in texts})
    return texts, why


def _rows(output_dir: str, table: str, run_id: str | None, ids: list[str], so: dict | None, unique: str, order: list[str]) -> pl.DataFrame:
    lf = scan_table(output_dir, table, run_id=run_id, storage_options=so).filter(pl.col("doc_id").is_in(ids))
    return lf.unique(subset=["doc_id", unique], keep="first").sort(["doc_id", *order], nulls_last=True).collect()


def _doc(
    row: dict,
    text: str | None,
    why: str | None,
    ents: list[dict],
    rels: list[dict],
    evs: list[dict],
    args: dict[str, list[dict]],
    type_index: dict[str, int],
) -> dict[str, Any]:
    shown = None if text is None else text[:MAX_TEXT_CHARS]
    note = why
    if text is not None and len(text) > MAX_TEXT_CHARS:
        note = f"text cut at {MAX_TEXT_CHARS:,} of {len(text):,} characters"
    grounded, ungrounded, unplaced = [], [], []
    for e in ents:
        item = {
            "t": type_index[str(e["type"])],
            "x": e["text"],
            "s": e["start"],
            "e": e["end"],
            "q": e["match"],
            "c": None if e.get("confidence") is None else round(float(e["confidence"]), 3),
        }
        if e["match"] == "none" or e["start"] is None or e["end"] is None:
            ungrounded.append(item)
        elif shown is not None and not 0 <= e["start"] < e["end"] <= len(shown):
            item["why"] = "after the shown text" if text is not None and e["end"] <= len(text) else "offsets outside the text"
            unplaced.append(item)
        else:
            grounded.append(item)
    n_grounded, grounded = len(grounded), grounded[:MAX_ITEMS]
    segs = []
    if shown is not None:
        for a, b, cover in segments(len(shown), [(m["s"], m["e"]) for m in grounded]):
            segs.append([shown[a:b], list(cover)])
    events = [{"type": ev["event_type"], "trigger": ev["trigger"], "q": ev["trigger_match"],
               "args": [[a["role"], a["argument"], a["match"]] for a in args.get(ev["event_id"], [])[:MAX_ITEMS]]}
              for ev in evs[:MAX_ITEMS]]  # fmt: skip
    return {
        "id": row["doc_id"], "status": row.get("status"), "lang": row.get("lang"), "n_chars": row.get("n_chars"),
        "has_text": shown is not None, "note": note, "segments": segs, "mentions": grounded,
        "ungrounded": ungrounded[:MAX_ITEMS], "unplaced": unplaced[:MAX_ITEMS],
        "relations": [[r["head"], r["relation"], r["tail"], r["head_match"], r["tail_match"]] for r in rels[:MAX_ITEMS]],
        "events": events,
        "cut": {k: max(0, n - MAX_ITEMS) for k, n in (("mentions", n_grounded), ("relations", len(rels)), ("events", len(evs)))},
    }  # fmt: skip


def collect_viewer(
    output_dir: str,
    run_id: str | None,
    manifest: dict | None = None,
    doc_ids: Sequence[str] = (),
    storage_options: dict | None = None,
    n: int = SAMPLE_DOCS,
) -> dict[str, Any]:
    """The viewer's data (JSON-ready): ``n`` documents picked by a hash of the id, plus ``doc_ids``."""
    so = storage_options
    docs_lf = scan_table(output_dir, "documents", run_id=run_id, storage_options=so)
    ids = _ids(docs_lf, n, [str(d) for d in doc_ids])
    names = docs_lf.collect_schema().names()
    cols = [c for c in ("doc_id", "status", "lang", "n_chars", "source_path", TEXT_COLUMN) if c in names]
    docs = docs_lf.filter(pl.col("doc_id").is_in(ids)).select(cols).unique(subset=["doc_id"], keep="first").collect()
    texts, why = _texts(docs, manifest, so)
    ents = _rows(output_dir, "entities", run_id, ids, so, "entity_id", ["start", "end", "type", "text"])
    rels = _rows(output_dir, "relations", run_id, ids, so, "relation_id", ["head_start", "relation", "head", "tail"])
    evs = _rows(output_dir, "events", run_id, ids, so, "event_id", ["trigger_start", "event_type", "trigger"])
    args = _rows(output_dir, "event_arguments", run_id, ids, so, "argument_id", ["start", "role", "argument"])
    freq = ents.group_by(pl.col("type").cast(pl.String).fill_null("(null)")).len().sort(["len", "type"], descending=[True, False])
    types = freq["type"].to_list()
    type_index = {t: i for i, t in enumerate(types)}
    ents = ents.with_columns(pl.col("type").cast(pl.String).fill_null("(null)"))
    per = {name: df.partition_by("doc_id", as_dict=True) for name, df in (("e", ents), ("r", rels), ("v", evs), ("a", args))}

    def rows_of(name: str, doc_id: str) -> list[dict]:
        df = per[name].get((doc_id,))
        return [] if df is None else df.to_dicts()

    by_doc = {r["doc_id"]: r for r in docs.to_dicts()}
    out = []
    for doc_id in ids:
        if doc_id not in by_doc:
            continue
        arg_rows: dict[str, list[dict]] = {}
        for a in rows_of("a", doc_id):
            arg_rows.setdefault(a["event_id"], []).append(a)
        out.append(
            _doc(
                by_doc[doc_id],
                texts.get(doc_id),
                why.get(doc_id),
                rows_of("e", doc_id),
                rows_of("r", doc_id),
                rows_of("v", doc_id),
                arg_rows,
                type_index,
            )
        )
    sampled = [d for d in ids[: min(n, len(ids))] if d in by_doc]
    return {"types": types, "docs": out, "limit": n, "n_sample": len(sampled), "asked": [d for d in ids[len(sampled):] if d in by_doc],
            "missing": [d for d in ids if d not in by_doc]}  # fmt: skip


# --- rendering ---------------------------------------------------------------------------------


def json_for_script(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<`` (so no ``</script>``, ``<!--``), ``>``, ``&``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


CSS = """
#viewer .ids a{margin-right:.6em} #viewer .ids a.current{font-weight:700}
.vw .doc{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}
.vw .vtext{white-space:pre-wrap;word-break:break-word;line-height:1.7;border:1px solid #d9e2ec;padding:8px;max-height:40em;overflow:auto}
.vw .m{border-radius:3px;padding:0 1px} .vw .m.multi{outline:1px dashed #334e68}
.vw .m.cf-0{opacity:.35} .vw .m.cf-1{opacity:.55} .vw .m.cf-2{opacity:.75} .vw .m.cf-3{opacity:.9}
.vw .legend span{display:inline-block;margin:0 .8em .3em 0} .vw .sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-1px}
.vw ul{padding-left:1.2em;margin:.3em 0} .vw li{margin:.15em 0} .vw .q{color:#829ab1;font-size:.85em}
"""

JS = r"""(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("viewer-data").textContent);
  var out = document.getElementById("viewer-doc"), input = document.getElementById("viewer-id");
  var byId = {};
  data.docs.forEach(function (d) { byId[d.id] = d; });
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function typeName(i) { return data.types[i]; }
  function label(m) {
    return typeName(m.t) + ": " + m.x + (m.s === null ? "" : " [" + m.s + "\u2013" + m.e + "]") +
      (m.c === null || m.c === undefined ? "" : " confidence " + m.c.toFixed(2));
  }
  function shade(m) { return m.c === null || m.c === undefined ? "" : " cf-" + Math.min(4, Math.floor(m.c * 5)); }
  function list(parent, title, items, line, cut) {
    add(parent, el("h4", null, title + " (" + items.length + (cut ? " shown, " + cut + " more" : "") + ")"));
    var ul = add(parent, el("ul"));
    items.forEach(function (it) { line(add(ul, el("li")), it); });
    if (!items.length) { add(ul, el("li", "q", "none")); }
  }
  function mentionLine(li, m) {
    add(li, el("span", "sw ty-" + m.t));
    li.appendChild(document.createTextNode(label(m) + " "));
    add(li, el("span", "q", m.q + (m.why ? ", " + m.why : "")));
  }
  function render(d) {
    var doc = add(out, el("div", "doc")), left = add(doc, el("div")), right = add(doc, el("div"));
    add(left, el("h3", null, d.id));
    add(left, el("p", "q", "status " + d.status + " \u00b7 lang " + d.lang + " \u00b7 " + d.n_chars + " characters"));
    if (d.note) { add(left, el("p", "note", d.note)); }
    var seen = {}, legend = add(left, el("div", "legend"));
    d.mentions.concat(d.ungrounded, d.unplaced).forEach(function (m) {
      if (seen[m.t]) { return; }
      seen[m.t] = true;
      var item = add(legend, el("span"));
      add(item, el("span", "sw ty-" + m.t));
      item.appendChild(document.createTextNode(typeName(m.t)));
    });
    if (d.has_text) {
      var box = add(left, el("div", "vtext"));
      d.segments.forEach(function (seg) {
        if (!seg[1].length) { box.appendChild(document.createTextNode(seg[0])); return; }
        var first = d.mentions[seg[1][0]];
        var span = add(box, el("span", "m ty-" + first.t + shade(first) + (seg[1].length > 1 ? " multi" : ""), seg[0]));
        span.setAttribute("data-type", typeName(first.t));
        span.setAttribute("title", seg[1].map(function (i) { return label(d.mentions[i]); }).join("\n"));
      });
    } else {
      list(left, "Grounded mentions", d.mentions, mentionLine, d.cut.mentions);
    }
    list(left, "Ungrounded mentions (match none or no offsets)", d.ungrounded, mentionLine, 0);
    if (d.unplaced.length) { list(left, "Grounded, not highlighted", d.unplaced, mentionLine, 0); }
    list(right, "Relations", d.relations, function (li, r) {
      li.appendChild(document.createTextNode(r[0] + " \u2014" + r[1] + "\u2192 " + r[2] + " "));
      add(li, el("span", "q", (r[3] || "-") + " / " + (r[4] || "-")));
    }, d.cut.relations);
    list(right, "Events", d.events, function (li, ev) {
      add(li, el("strong", null, ev.type));
      li.appendChild(document.createTextNode(" trigger " + ev.trigger + " "));
      add(li, el("span", "q", ev.q || "-"));
      var ul = add(li, el("ul"));
      ev.args.forEach(function (a) {
        var ai = add(ul, el("li", null, a[0] + ": " + a[1] + " "));
        add(ai, el("span", "q", a[2] || "-"));
      });
    }, d.cut.events);
  }
  function show(id) {
    while (out.firstChild) { out.removeChild(out.firstChild); }
    input.value = id === null ? "" : id;
    Array.prototype.forEach.call(document.querySelectorAll("#viewer .ids a"), function (a) {
      a.className = a.getAttribute("data-doc") === id ? "current" : "";
    });
    if (id === null) { add(out, el("p", "empty", "no documents in this run")); return; }
    if (!byId.hasOwnProperty(id)) {
      add(out, el("p", "note", "document " + id + " is not embedded in this report: write it with " +
        "yayi-batch report OUTPUT --doc " + id));
      return;
    }
    render(byId[id]);
  }
  function fromHash() {
    var m = window.location.hash.match(/^#doc=(.*)$/), id = data.docs.length ? data.docs[0].id : null;
    if (m) {
      try { id = decodeURIComponent(m[1]); } catch (e) { id = m[1]; }
    }
    show(id);
  }
  document.getElementById("viewer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    window.location.hash = "doc=" + encodeURIComponent(input.value);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii")


def type_css(n_types: int) -> str:
    """One background colour per type index (golden-angle hues: neighbours differ)."""
    return "".join(f".vw .ty-{i}{{background:hsl({i * 137.508 % 360:.0f},75%,{80 if i % 2 else 86}%)}}" for i in range(n_types))


def render_viewer(viewer: dict[str, Any]) -> tuple[str, str]:
    """(the section's HTML, its CSS). The section carries the data blob and the viewer script."""
    docs = viewer["docs"]
    n_sample, asked, missing = viewer["n_sample"], viewer["asked"], viewer["missing"]
    what = f"{n_sample} picked by a hash of the doc_id, at most {viewer['limit']}" + (
        f"; {len(asked)} asked for with --doc" if asked else ""
    )
    parts = [
        f"<p>{len(docs)} document{'s' if len(docs) != 1 else ''} embedded ({escape(what)}). Other ids are not in this "
        "report: <code>yayi-batch report OUTPUT --doc ID</code> (repeatable) embeds them too. Grounded mentions are "
        "highlighted by type (hover for all mentions of a stretch); ungrounded ones are listed apart.</p>",
    ]
    if missing:
        parts.append(f'<p class="note">not in this run\'s documents: {escape(", ".join(missing))}</p>')
    if not docs:
        return '<section id="viewer"><h2>Document viewer</h2>' + "".join(
            parts
        ) + '<p class="empty">no documents in this run</p></section>', ""
    links = "".join(f'<a href="#doc={escape(quote(d["id"], safe=""))}" data-doc="{escape(d["id"])}">{escape(d["id"])}</a>' for d in docs)
    parts += [
        '<form id="viewer-form"><label>doc id <input id="viewer-id" type="text" size="40"></label> <button type="submit">show</button></form>',
        f'<p class="ids">{links}</p>',
        '<div id="viewer-doc" class="vw"><p class="note">the viewer needs JavaScript</p></div>',
        f"{OWN_SCRIPT_TAGS[0]}{json_for_script(viewer)}</script>",
        f"{OWN_SCRIPT_TAGS[1]}{JS}</script>",
    ]
    return '<section id="viewer"><h2>Document viewer</h2>' + "".join(parts) + "</section>", CSS + type_css(len(viewer["types"]))
