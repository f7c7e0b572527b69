"""ground: one parsed answer of one chunk -> rows of entities, relations, events, event_arguments.

The one grounding path of the job (parse/rows.py calls it). Offsets are document offsets
(the chunk's start added); ids hash the document, the content and those offsets, never the
chunk, so a mention found by two overlapping chunks, or by a chunk and its retry, gets one id
(finalize keeps one row per id). Published ids depend on these recipes: change one and every
id of every table changes.

- Entities: one row per occurrence (`mention_index`), one `none` row if not found.
- Relations: the head and tail occurrences nearest each other.
- Events: the trigger's first occurrence; each argument's occurrence nearest the trigger (the
  first one when the trigger is not found).
Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yayi_batch.ground.find import find_mentions, nearest_pair, nearest_to
from yayi_batch.schema import (
    CharInterval,
    EntityRecord,
    EventRecord,
    Record,
    RelationRecord,
    Table,
    Task,
    stable_id,
)

GROUNDED_TABLES = (Table.ENTITIES.value, Table.RELATIONS.value, Table.EVENTS.value, Table.EVENT_ARGUMENTS.value)


def span_columns(iv: CharInterval, prefix: str = "") -> dict[str, Any]:
    """`{prefix}_start`, `{prefix}_end`, `{prefix}_match` (no prefix: start, end, match)."""
    p = f"{prefix}_" if prefix else ""
    return {f"{p}start": iv.start, f"{p}end": iv.end, f"{p}match": iv.match.value}


class _Chunk:
    """The text an answer was about, and where it starts in its document."""

    def __init__(self, text: str, offset: int, fuzzy_threshold: float):
        self.text, self.offset, self.fuzzy = text, offset, fuzzy_threshold

    def find(self, mention: str) -> list[CharInterval]:
        return find_mentions(self.text, mention, offset=self.offset, fuzzy_threshold=self.fuzzy)


def ground_records(
    records: Iterable[Record],
    *,
    text: str,
    offset: int,
    doc_id: str,
    task: Task | str,
    lang: str | None,
    key: dict[str, Any],
    fuzzy_threshold: float = 0.85,
) -> dict[str, list[dict[str, Any]]]:
    """Ground one answer's records in its chunk ``text`` (which starts at ``offset`` in the document).

    ``key`` (run_id, doc_id, chunk_id) is copied into every row. Returns {table: rows} for the
    four record tables.
    """
    chunk = _Chunk(text, offset, fuzzy_threshold)
    task = task.value if isinstance(task, Task) else str(task)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in GROUNDED_TABLES}
    for rec in records:
        if isinstance(rec, EntityRecord):
            out[Table.ENTITIES.value].extend(_entity_rows(rec, chunk, doc_id, lang, key))
        elif isinstance(rec, RelationRecord):
            out[Table.RELATIONS.value].append(_relation_row(rec, chunk, doc_id, lang, key))
        elif isinstance(rec, EventRecord):
            event, arguments = _event_rows(rec, chunk, doc_id, task, lang, key)
            out[Table.EVENTS.value].append(event)
            out[Table.EVENT_ARGUMENTS.value].extend(arguments)
    return out


def _entity_rows(rec: EntityRecord, chunk: _Chunk, doc_id: str, lang: str | None, key: dict[str, Any]) -> list[dict[str, Any]]:
    # Mention-level rows: a string found three times is three mentions.
    return [
        {
            **key,
            "entity_id": stable_id(doc_id, Task.NER.value, rec.type, rec.text, iv.start, iv.end),
            "type": rec.type,
            "text": rec.text,
            **span_columns(iv),
            "mention_index": i,
            "in_schema": rec.in_schema,
            "lang": lang,
            "confidence": rec.confidence,
        }
        for i, iv in enumerate(chunk.find(rec.text))
    ]


def _relation_row(rec: RelationRecord, chunk: _Chunk, doc_id: str, lang: str | None, key: dict[str, Any]) -> dict[str, Any]:
    head, tail = nearest_pair(chunk.find(rec.head), chunk.find(rec.tail))
    return {
        **key,
        "relation_id": stable_id(doc_id, Task.RE.value, rec.relation, rec.head, rec.tail, head.start, tail.start),
        "relation": rec.relation,
        "head": rec.head,
        **span_columns(head, "head"),
        "tail": rec.tail,
        **span_columns(tail, "tail"),
        "in_schema": rec.in_schema,
        "lang": lang,
        "confidence": rec.confidence,
    }


def _event_rows(
    rec: EventRecord, chunk: _Chunk, doc_id: str, task: str, lang: str | None, key: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    trigger = chunk.find(rec.trigger)[0] if rec.trigger else CharInterval.missing()
    arg_spans = []
    for arg in rec.arguments:
        found = chunk.find(arg.argument)
        arg_spans.append(nearest_to(trigger, found) if trigger.start is not None else found[0])
    signature = tuple((a.role, a.argument, s.start) for a, s in zip(rec.arguments, arg_spans))
    event_id = stable_id(doc_id, task, rec.event_type, rec.trigger, trigger.start, signature)
    event = {
        **key,
        "event_id": event_id,
        "task": task,
        "event_type": rec.event_type,
        "trigger": rec.trigger,
        **span_columns(trigger, "trigger"),
        "in_schema": rec.in_schema,
        "lang": lang,
        "confidence": rec.confidence,
    }
    arguments = [
        {
            **key,
            "event_id": event_id,
            "argument_id": stable_id(event_id, arg.role, arg.argument, span.start),
            "role": arg.role,
            "argument": arg.argument,
            **span_columns(span),
            "in_schema": arg.in_schema,
            "confidence": arg.confidence,
        }
        for arg, span in zip(rec.arguments, arg_spans)
    ]
    return event, arguments
