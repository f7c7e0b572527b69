"""answers: generated rows -> parsed, grounded records, one output row per model answer.

Each output row carries the answer's bookkeeping (the `answers` table) and, as list columns,
the rows it contributes to entities / relations / events / event_arguments / errors. The sink
explodes them. Every answer ends as records, as an `empty` answer, or as an error row: nothing
is dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from yayi_batch.ground import find_mentions, nearest_pair, nearest_to
from yayi_batch.parse import parse_output
from yayi_batch.schema import (
    ANSWERS,
    ENTITIES,
    ERRORS,
    EVENT_ARGUMENTS,
    EVENTS,
    RAW_OUTPUT_CAP,
    RELATIONS,
    CharInterval,
    EntityRecord,
    EventRecord,
    ParseStatus,
    RelationRecord,
    stable_id,
)
from yayi_batch.steps import Columns

COLUMNS = Columns(
    needs=("prompt_id", "doc_id", "chunk_id", "chunk_start", "chunk_text", "lang", "task", "types", "roles",
           "generated_text", "tokens_in", "tokens_out", "finish_reason", "engine_error"),
    adds=("answers", "entities", "relations", "events", "event_arguments", "errors"),
)

NESTED = {"entities": ENTITIES, "relations": RELATIONS, "events": EVENTS, "event_arguments": EVENT_ARGUMENTS, "errors": ERRORS}

ANSWER_ROW_SCHEMA = pa.schema(
    # prompt_id: the key of Ray Data's checkpoint (written with the row, never published).
    [pa.field("prompt_id", pa.string())] + list(ANSWERS) + [pa.field(name, pa.list_(pa.struct(list(schema)))) for name, schema in NESTED.items()]
)

NOT_ERRORS = {ParseStatus.OK.value, ParseStatus.EMPTY.value}


def _span(iv: CharInterval, prefix: str = "") -> dict[str, Any]:
    p = f"{prefix}_" if prefix else ""
    return {f"{p}start": iv.start, f"{p}end": iv.end, f"{p}match": iv.match.value}


def _engine_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rows that failed in the engine skip ray.data.llm's postprocess: give them our columns."""
    error = row.get("engine_error") or row.get("__inference_error__") or ""
    return {
        **row,
        "generated_text": row.get("generated_text") or "",
        "tokens_in": int(row.get("tokens_in") or 0),
        "tokens_out": int(row.get("tokens_out") or 0),
        "finish_reason": row.get("finish_reason") or ("error" if error else "stop"),
        "engine_error": error,
    }


def _as_list(value: Any) -> list[str] | None:
    """Types/roles as a list, or None for "nothing asked"; engine stages may hand back arrays."""
    if value is None:
        return None
    items = [str(v) for v in value]
    return items or None


class ParseAnswers:
    def __init__(self, run_id: str, fuzzy_threshold: float = 0.85, attempt: int = 1):
        self.run_id = run_id
        self.fuzzy = fuzzy_threshold
        self.attempt = attempt

    def __call__(self, batch: pa.Table) -> pa.Table:
        now = dt.datetime.now(dt.timezone.utc)
        rows = [self._one(_engine_row(row), now) for row in batch.to_pylist()]
        return pa.Table.from_pylist(rows, schema=ANSWER_ROW_SCHEMA)

    def _one(self, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        key = {"run_id": self.run_id, "doc_id": row["doc_id"], "chunk_id": row["chunk_id"]}
        out: dict[str, Any] = {name: [] for name in NESTED}
        raw = row["generated_text"] or ""
        if row["engine_error"]:
            status, reason, records = "engine_error", row["engine_error"], []
            out["errors"].append({**key, "task": row["task"], "stage": "generate", "kind": "engine_error",
                                  "message": row["engine_error"][:RAW_OUTPUT_CAP], "raw_output": None})
        else:
            result = parse_output(row["task"], raw, types=_as_list(row["types"]), roles=_as_list(row["roles"]))
            status, reason, records = result.status.value, result.reason, result.records
            if status not in NOT_ERRORS:
                # Cut again on half a chunk: the text holds more than max_tokens can answer.
                too_long = self.attempt > 1 and row["finish_reason"] == "length"
                out["errors"].append({**key, "task": row["task"], "stage": "parse",
                                      "kind": "too_long" if too_long else status,
                                      "message": reason, "raw_output": raw[:RAW_OUTPUT_CAP]})
        for record in records:
            self._ground(record, row, key, out)
        out.update(
            {
                **key,
                "prompt_id": row.get("prompt_id"),
                "task": row["task"],
                "attempt": self.attempt,
                "status": status,
                "reason": reason,
                "finish_reason": row["finish_reason"],
                "tokens_in": row["tokens_in"],
                "tokens_out": row["tokens_out"],
                "n_records": len(records),
                "finished_at": now,
            }
        )
        return out

    def _find(self, row: dict[str, Any], text: str) -> list[CharInterval]:
        return find_mentions(row["chunk_text"], text, offset=row["chunk_start"], fuzzy_threshold=self.fuzzy)

    def _ground(self, rec: Any, row: dict[str, Any], key: dict[str, Any], out: dict[str, list]) -> None:
        doc, lang = row["doc_id"], row["lang"]
        if isinstance(rec, EntityRecord):
            # Mention-level rows: a string found three times is three mentions.
            for i, iv in enumerate(self._find(row, rec.text)):
                out["entities"].append({**key, "entity_id": stable_id(doc, "ner", rec.type, rec.text, iv.start, iv.end),
                                        "type": rec.type, "text": rec.text, **_span(iv), "mention_index": i,
                                        "in_schema": rec.in_schema, "lang": lang})
        elif isinstance(rec, RelationRecord):
            head, tail = nearest_pair(self._find(row, rec.head), self._find(row, rec.tail))
            out["relations"].append({**key, "relation_id": stable_id(doc, "re", rec.relation, rec.head, rec.tail, head.start, tail.start),
                                     "relation": rec.relation, "head": rec.head, **_span(head, "head"),
                                     "tail": rec.tail, **_span(tail, "tail"), "in_schema": rec.in_schema, "lang": lang})
        elif isinstance(rec, EventRecord):
            self._ground_event(rec, row, key, out)

    def _ground_event(self, rec: EventRecord, row: dict[str, Any], key: dict[str, Any], out: dict[str, list]) -> None:
        doc = row["doc_id"]
        trigger = self._find(row, rec.trigger)[0] if rec.trigger else CharInterval.missing()
        arg_spans = []
        for arg in rec.arguments:
            found = self._find(row, arg.argument)
            arg_spans.append(nearest_to(trigger, found) if trigger.start is not None else found[0])
        signature = tuple((a.role, a.argument, s.start) for a, s in zip(rec.arguments, arg_spans))
        event_id = stable_id(doc, row["task"], rec.event_type, rec.trigger, trigger.start, signature)
        out["events"].append({**key, "event_id": event_id, "task": row["task"], "event_type": rec.event_type,
                              "trigger": rec.trigger, **_span(trigger, "trigger"), "in_schema": rec.in_schema,
                              "lang": row["lang"]})
        for arg, span in zip(rec.arguments, arg_spans):
            out["event_arguments"].append({**key, "event_id": event_id,
                                           "argument_id": stable_id(event_id, arg.role, arg.argument, span.start),
                                           "role": arg.role, "argument": arg.argument, **_span(span),
                                           "in_schema": arg.in_schema})
