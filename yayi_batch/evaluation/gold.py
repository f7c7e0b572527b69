"""Gold annotations in one long format, and converters into it.

The long format has one row per gold item, ``doc_id`` and ``task`` (ner | re | ee) always set:
- ner: ``type``, ``text``, ``start``, ``end`` (offsets optional)
- re:  ``relation``, ``head``, ``tail`` (+ optional ``head_type``, ``tail_type``)
- ee:  ``event_type``, ``trigger``, and ``role``/``argument`` for arguments (one row per
  argument; a trigger-only row has role null)
- optional ``dataset`` for per-dataset macro averages.
A row whose task fields are all null marks a document with nothing to find: it is scored
(predictions on it are false positives) but contributes no gold item.

Readers: long Parquet, long JSONL, span-list JSONL (``entities`` / doccano ``label`` lists /
CLUENER ``label`` dicts, ``relations`` or DuIE ``spo_list``, ``events`` or DuEE
``event_list``), and CoNLL BIO/BIOES/BMES files (``conll.py``).
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from yayi_batch.evaluation.conll import read_conll_gold

GOLD_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String, "task": pl.String, "type": pl.String, "text": pl.String,
    "start": pl.Int64, "end": pl.Int64, "relation": pl.String, "head": pl.String, "tail": pl.String,
    "head_type": pl.String, "tail_type": pl.String, "event_type": pl.String, "trigger": pl.String,
    "role": pl.String, "argument": pl.String, "dataset": pl.String,
}  # fmt: skip
TASKS = ("ner", "re", "ee")
FORMATS = ("conll-bio", "conll-bioes", "conll-bmes", "jsonl", "parquet")
_EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
    ".bio": "conll-bio", ".iob": "conll-bio", ".iob2": "conll-bio", ".bioes": "conll-bioes",
    ".iobes": "conll-bioes", ".bmes": "conll-bmes", ".conll": "conll-bio", ".txt": "conll-bio",
    ".tsv": "conll-bio", ".char": "conll-bio",
}  # fmt: skip
# A long row without a task column still names its item (taken as the task of `--task`).
_LONG_ITEM_KEYS = ("type", "relation", "head", "tail", "trigger", "event_type", "role", "argument")
_SPAN_KEYS = ("entities", "label", "relations", "spo_list", "events", "event_list")


def normalize(df: pl.DataFrame, default_task: str | None = None) -> pl.DataFrame:
    """Every GOLD_SCHEMA column, in order and typed; tasks checked.

    `default_task` (one `--task` on the command line): rows without a task are that task, so
    a gold file for one task needs no task column."""
    unknown_cols = [c for c in df.columns if c not in GOLD_SCHEMA]
    df = df.drop(unknown_cols).with_columns([pl.lit(None, dtype).alias(c) for c, dtype in GOLD_SCHEMA.items() if c not in df.columns])
    df = df.select([pl.col(c).cast(dtype) for c, dtype in GOLD_SCHEMA.items()])
    df = df.with_columns(pl.col("task").str.to_lowercase())
    if default_task is not None:
        df = df.with_columns(pl.col("task").fill_null(default_task))
    if df["doc_id"].null_count():
        raise ValueError(f"gold rows need doc_id ({df['doc_id'].null_count()} of {df.height} rows have none)")
    if df["task"].null_count():
        raise ValueError(
            f"gold rows need a task ({df['task'].null_count()} of {df.height} rows have none): "
            "add a task column, or pass exactly one --task to take every row as that task"
        )
    bad = sorted(set(df["task"].unique().to_list()) - set(TASKS))
    if bad:
        raise ValueError(f"unknown gold task(s) {bad}; expected {list(TASKS)}")
    return df


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ValueError(f"cannot tell the gold format of {path}; pass --format {'|'.join(FORMATS)}")
    return _EXTENSIONS[suffix]


def load_gold(path: str | Path, fmt: str | None = None, default_task: str | None = None) -> pl.DataFrame:
    """Gold long rows from a file, or from every recognised file of a folder (then the
    ``dataset`` of rows that have none is the file stem, for per-dataset macro averages)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"gold not found: {path}")
    if path.is_dir():
        files = [p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith((".", "_"))]
        files = [p for p in files if fmt is not None or p.suffix.lower() in _EXTENSIONS]
        if not files:
            raise ValueError(f"no gold files in {path}")
        frames = [_load_file(p, fmt, default_task).with_columns(pl.col("dataset").fill_null(p.stem)) for p in files]
        return pl.concat(frames, how="vertical")
    return _load_file(path, fmt, default_task)


def _load_file(path: Path, fmt: str | None, default_task: str | None = None) -> pl.DataFrame:
    fmt = fmt or detect_format(path)
    try:
        if fmt == "parquet":
            return normalize(pl.read_parquet(path), default_task)
        if fmt == "jsonl":
            return normalize(pl.DataFrame(read_jsonl_rows(path), schema=GOLD_SCHEMA), default_task)
        if fmt.startswith("conll-"):
            return normalize(read_conll_gold(path), default_task)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    raise ValueError(f"unknown gold format {fmt!r}; expected one of {FORMATS}")


def read_jsonl_rows(path: Path) -> list[dict]:
    """Long rows of a JSONL file (or a JSON array); each object is a long row already or a
    span-list record, detected per object."""
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        objects = json.loads(text)
    else:
        objects = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    objects.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: not JSON ({exc})") from exc
    rows: list[dict] = []
    for index, obj in enumerate(objects):
        if not any(k in obj for k in _SPAN_KEYS) and ("task" in obj or any(k in obj for k in _LONG_ITEM_KEYS)):
            rows.append({k: obj.get(k) for k in GOLD_SCHEMA})
        else:
            rows.extend(span_record_rows(obj, default_id=f"{path.stem}-{index}"))
    return rows


def _value(v: Any) -> Any:
    """DuIE 2.0 wraps values as {"@value": ...}; other corpora use {"text"|"name"|"mention": ...}."""
    if isinstance(v, dict):
        for key in ("@value", "text", "name", "mention", "argument"):
            if key in v:
                return v[key]
    return v


def _first(obj: dict, *keys: str) -> Any:
    for key in keys:
        if obj.get(key) is not None:
            return _value(obj[key])
    return None


def _entities(obj: dict, text: str | None) -> list[dict]:
    """NER items as {type, text, start, end}; end is exclusive except in CLUENER (inclusive)."""
    items: list[dict] = []
    label = obj.get("label")
    if isinstance(label, dict):  # CLUENER: {type: {mention: [[start, end_inclusive], ...]}}
        for typ, mentions in label.items():
            for mention, positions in mentions.items():
                for start, end in positions or [[None, None]]:
                    items.append({"type": typ, "text": mention, "start": start, "end": None if end is None else end + 1})
    for ent in obj.get("entities") or (label if isinstance(label, list) else []):
        if isinstance(ent, (list, tuple)):  # doccano: [start, end, type]
            start, end, typ = ent[:3]
            ent = {"start": start, "end": end, "type": typ}
        start, end = _first(ent, "start", "start_offset"), _first(ent, "end", "end_offset")
        mention = _first(ent, "text", "mention", "name", "span")
        if mention is None and text is not None and start is not None and end is not None:
            mention = text[start:end]
        items.append({"type": _first(ent, "type", "label"), "text": mention, "start": start, "end": end})
    return items


def _type_of(v: Any) -> Any:
    return v.get("type") if isinstance(v, dict) else None


def span_record_rows(obj: dict, default_id: str) -> list[dict]:
    """Long rows of one span-list record (entities, relations, events of one document)."""
    doc_id = str(_first(obj, "id", "doc_id") or default_id)
    text = obj.get("text")
    base = {"doc_id": doc_id, "dataset": obj.get("dataset")}
    rows: list[dict] = []
    entities = _entities(obj, text)
    if "entities" in obj or "label" in obj:
        rows += [{**base, "task": "ner", **e} for e in entities] or [{**base, "task": "ner"}]
    if "relations" in obj or "spo_list" in obj:
        rels = obj.get("relations") or obj.get("spo_list") or []
        for rel in rels:
            head, tail = _first(rel, "head", "subject", "h"), _first(rel, "tail", "object", "t")
            head_type = _first(rel, "head_type", "subject_type") or _type_of(rel.get("head"))
            tail_type = _first(rel, "tail_type", "object_type") or _type_of(rel.get("tail"))
            if isinstance(head, int) and head < len(entities):  # DocRED-style index into entities
                head_type, head = head_type or entities[head]["type"], entities[head]["text"]
            if isinstance(tail, int) and tail < len(entities):
                tail_type, tail = tail_type or entities[tail]["type"], entities[tail]["text"]
            relation = _first(rel, "relation", "predicate", "type", "label")
            rows.append({**base, "task": "re", "relation": relation, "head": head, "tail": tail,
                         "head_type": head_type, "tail_type": tail_type})  # fmt: skip
        if not rels:
            rows.append({**base, "task": "re"})
    if "events" in obj or "event_list" in obj:
        events = obj.get("events") or obj.get("event_list") or []
        for ev in events:
            ev_base = {**base, "task": "ee", "event_type": _first(ev, "event_type", "type"),
                       "trigger": _first(ev, "trigger", "trigger_text")}  # fmt: skip
            rows.append(ev_base)  # the trigger row; one more row per argument
            args = ev.get("arguments") or []
            if isinstance(args, dict):  # {role: argument | [arguments]}
                args = [{"role": r, "argument": a} for r, v in args.items() for a in (v if isinstance(v, list) else [v])]
            for arg in args:
                rows.append({**ev_base, "role": _first(arg, "role", "type"), "argument": _first(arg, "argument", "text")})
        if not events:
            rows.append({**base, "task": "ee"})
    return rows


def write_gold(df: pl.DataFrame, path: str | Path) -> None:
    """Write gold long rows as Parquet or JSONL (by extension)."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        normalize(df).write_parquet(path)
    else:
        normalize(df).write_ndjson(path)
