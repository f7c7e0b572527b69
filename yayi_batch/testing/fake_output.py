"""Build a small fake output folder of a run, with the schema/tables.py schemas, without the pipeline.

`build_fake_output(root)` writes `{root}/{table}/date={run_date}/part-0.parquet` for the seven
tables, `_SUCCESS` and `_manifest/{run_id}.json`, so eval and report are tested on the
published layout alone. Rows are dicts; columns left out are filled (run_id, ids) or null.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from yayi_batch.schema import TABLES, stable_id

T0 = datetime(2024, 5, 1, 2, 0, 0, tzinfo=timezone.utc)
SCRIPT = "<script>alert('pwned')</script>"

_ID_COLUMNS = {"entity_id", "relation_id", "event_id", "argument_id"}


def _fill(table: str, row: dict, run_id: str) -> dict:
    out = {}
    for field in TABLES[table]:
        value = row.get(field.name)
        if field.name == "run_id":
            value = run_id
        elif field.name in _ID_COLUMNS and value is None:
            value = stable_id(table, field.name, *sorted(row.items(), key=str))
        out[field.name] = value
    return out


def default_rows() -> dict[str, list[dict]]:
    """A run over 4 documents: Chinese and English, every task, every status and match kind."""
    ent = [
        ("d1", "人物", "宁高宁", 0, 3, "exact"), ("d1", "机构", "APEC中国工商理事会", 5, 17, "exact"),
        ("d1", "地点", "北京", 20, 22, "exact"), ("d1", "地点", "中国", 30, 32, "normalized"),
        ("d2", "person", "Gaoning Gao", 0, 11, "exact"), ("d2", "organization", "APEC", 20, 24, "fuzzy"),
        ("d2", "location", "Beijing", None, None, "none"), ("d2", "person", "<b>Bold</b>", 40, 51, "exact"),
    ]  # fmt: skip
    entities = [
        {"doc_id": d, "chunk_id": f"{d}-c0", "type": t, "text": x, "start": s, "end": e, "match": m,
         "mention_index": 0, "in_schema": True, "lang": "zh" if d == "d1" else "en"}
        for d, t, x, s, e, m in ent
    ]  # fmt: skip
    relations = [
        {"doc_id": "d1", "chunk_id": "d1-c0", "relation": "出席", "head": "宁高宁", "head_start": 0, "head_end": 3,
         "head_match": "exact", "tail": "APEC论坛", "tail_match": "none", "in_schema": True, "lang": "zh"},
        {"doc_id": "d2", "chunk_id": "d2-c0", "relation": "Attend", "head": "Gaoning Gao", "head_start": 0,
         "head_end": 11, "head_match": "exact", "tail": "APEC", "tail_start": 20, "tail_end": 24,
         "tail_match": "exact", "in_schema": True, "lang": "en"},
    ]  # fmt: skip
    events = [
        {"doc_id": "d1", "chunk_id": "d1-c0", "event_id": "e1", "task": "ee", "event_type": "会见",
         "trigger": "会见", "trigger_start": 25, "trigger_end": 27, "trigger_match": "exact", "lang": "zh"},
    ]  # fmt: skip
    event_arguments = [
        {"doc_id": "d1", "chunk_id": "d1-c0", "event_id": "e1", "role": "会见主体", "argument": "宁高宁",
         "start": 0, "end": 3, "match": "exact"},
        {"doc_id": "d1", "chunk_id": "d1-c0", "event_id": "e1", "role": "地点", "argument": "北京",
         "start": 20, "end": 22, "match": "exact"},
    ]  # fmt: skip
    errors = [
        {"doc_id": "d3", "chunk_id": "d3-c0", "task": "ner", "stage": "parse", "kind": "invalid",
         "message": "not JSON", "raw_output": SCRIPT + '{"人物": ['},
        {"doc_id": "d3", "chunk_id": "d3-c1", "task": "re", "stage": "parse", "kind": "repaired",
         "message": "single quotes", "raw_output": "[{'relation': 'A & B'}]"},
        {"doc_id": "d4", "chunk_id": "d4-c0", "task": "ner", "stage": "generate", "kind": "engine_error",
         "message": "timeout <after 60 s>", "raw_output": None},
    ]  # fmt: skip
    statuses = ["ok"] * 6 + ["empty", "repaired", "truncated", "invalid", "engine_error", "ok"]
    answers = [
        {"doc_id": f"d{1 + i % 4}", "chunk_id": f"d{1 + i % 4}-c0", "task": ["ner", "re", "ee"][i % 3],
         "status": s, "finish_reason": "stop", "tokens_in": 100, "tokens_out": 20, "n_records": 1,
         "finished_at": T0 + timedelta(seconds=10 * i)}
        for i, s in enumerate(statuses)
    ]  # fmt: skip
    documents = [
        {"doc_id": "d1", "status": "ok", "lang": "zh", "n_chars": 40, "n_chunks": 1, "n_prompts": 3},
        {"doc_id": "d2", "status": "ok", "lang": "en", "n_chars": 60, "n_chunks": 1, "n_prompts": 3},
        {"doc_id": "d3", "status": "partial", "lang": "zh", "n_chars": 50, "n_chunks": 2, "n_prompts": 3},
        {"doc_id": "d4", "status": "failed", "lang": "en", "n_chars": 10, "n_chunks": 1, "n_prompts": 3},
    ]
    return {"entities": entities, "relations": relations, "events": events, "event_arguments": event_arguments,
            "errors": errors, "documents": documents, "answers": answers}  # fmt: skip


def build_fake_output(
    root: str | Path,
    tables: dict[str, list[dict]] | None = None,
    *,
    run_id: str = "run-20240501",
    run_date: str = "2024-05-01",
    model: str = "wenge-research/yayi-uie",
    manifest: bool = True,
    t0: datetime = T0,
) -> Path:
    """Write a fake published run under ``root``; tables default to ``default_rows()``.
    Tables not given are written empty. Call again with another run_id/run_date to add a run."""
    root = Path(root)
    tables = default_rows() if tables is None else tables
    counts = {}
    for name, schema in TABLES.items():
        rows = [_fill(name, r, run_id) for r in tables.get(name, [])]
        folder = root / name / f"date={run_date}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "part-0.parquet")
        counts[name] = len(rows)
    if not manifest:
        return root
    answers = tables.get("answers", [])
    tokens_in = sum(a.get("tokens_in") or 0 for a in answers)
    tokens_out = sum(a.get("tokens_out") or 0 for a in answers)
    matches = Counter(e.get("match") for e in tables.get("entities", []))
    body = {
        "run_id": run_id, "run_date": run_date, "model": model, "config_fingerprint": "fp-" + stable_id(run_id),
        "started_at": t0.isoformat(), "finished_at": (t0 + timedelta(seconds=120)).isoformat(), "counts": counts,
        "inputs": [{"path": "s3://corpus/shard-0.parquet", "size": 1234, "mtime_or_etag": "etag-1"}],
        "summary": {
            "documents": counts["documents"], "tokens_in": tokens_in, "tokens_out": tokens_out,
            "tokens_per_s": tokens_out / 120, "wall_s": 120.0,
            "answer_status": dict(Counter(a["status"] for a in answers)),
            "match_kinds": dict(matches), "errors_by_kind": dict(Counter(e["kind"] for e in tables.get("errors", []))),
        },
    }  # fmt: skip
    (root / "_manifest").mkdir(exist_ok=True)
    (root / "_manifest" / f"{run_id}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    (root / "_SUCCESS").write_text("", encoding="utf-8")
    return root
