"""The Arrow schemas of every output table: the contract of the written files.

The whole-run tests check written files against them (tests/integration/test_pipeline_fake_engine.py), and
the pass declarations are checked against them (tests/run/test_passes.py). Pure.
"""

from __future__ import annotations

import pyarrow as pa

from yayi_batch.schema.enums import Table

# ---------------------------------------------------------------------------------------------
# Arrow schemas of the output tables. Every row carries run_id and doc_id.

_KEY = [pa.field("run_id", pa.string(), nullable=False), pa.field("doc_id", pa.string(), nullable=False)]


# In [0, 1], from the log-probabilities of the answer tokens that spelled the row (parse/confidence.py,
# calibrated when the model ships a calibration); null when the engine gave none.
_CONFIDENCE = pa.field("confidence", pa.float64())


def _span(prefix: str) -> list[pa.Field]:
    p = f"{prefix}_" if prefix else ""
    return [
        pa.field(f"{p}start", pa.int64()),
        pa.field(f"{p}end", pa.int64()),
        pa.field(f"{p}match", pa.string()),
    ]


ENTITIES = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("type", pa.string()),
        pa.field("text", pa.string()),
        *_span(""),
        pa.field("mention_index", pa.int32()),
        pa.field("in_schema", pa.bool_()),
        pa.field("lang", pa.string()),
        _CONFIDENCE,
    ]
)

RELATIONS = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("relation_id", pa.string(), nullable=False),
        pa.field("relation", pa.string()),
        pa.field("head", pa.string()),
        *_span("head"),
        pa.field("tail", pa.string()),
        *_span("tail"),
        pa.field("in_schema", pa.bool_()),
        pa.field("lang", pa.string()),
        _CONFIDENCE,
    ]
)

EVENTS = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("task", pa.string()),
        pa.field("event_type", pa.string()),
        pa.field("trigger", pa.string()),
        *_span("trigger"),
        pa.field("in_schema", pa.bool_()),
        pa.field("lang", pa.string()),
        _CONFIDENCE,
    ]
)

EVENT_ARGUMENTS = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("argument_id", pa.string(), nullable=False),
        pa.field("role", pa.string()),
        pa.field("argument", pa.string()),
        *_span(""),
        pa.field("in_schema", pa.bool_()),
        _CONFIDENCE,
    ]
)

ERRORS = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("task", pa.string()),
        pa.field("stage", pa.string()),  # an ErrorStage value
        pa.field("kind", pa.string()),  # an ErrorKind value
        pa.field("message", pa.string()),
        pa.field("raw_output", pa.string()),  # capped at RAW_OUTPUT_CAP characters
    ]
)

# answers: one row per model answer (prompt); the source of the documents' counts, the run
# summary and the report. Published beside the six tables of DESIGN.md.
ANSWERS = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("task", pa.string()),
        pa.field("attempt", pa.int32()),  # 2: the same task again on half of a chunk cut at max_tokens
        pa.field("status", pa.string()),  # an AnswerStatus value
        pa.field("reason", pa.string()),
        pa.field("finish_reason", pa.string()),
        pa.field("tokens_in", pa.int64()),
        pa.field("tokens_out", pa.int64()),
        pa.field("n_records", pa.int64()),
        pa.field("finished_at", pa.timestamp("ms", tz="UTC")),
    ]
)

# documents: fixed columns, then the passthrough columns named in the config (types as read).
DOCUMENTS = pa.schema(
    _KEY
    + [
        pa.field("status", pa.string(), nullable=False),  # a DocStatus value
        pa.field("lang", pa.string()),
        pa.field("n_chars", pa.int64()),
        pa.field("n_chunks", pa.int64()),
        pa.field("n_prompts", pa.int64()),
        pa.field("n_entities", pa.int64()),
        pa.field("n_relations", pa.int64()),
        pa.field("n_events", pa.int64()),
        pa.field("n_event_arguments", pa.int64()),
        pa.field("n_errors", pa.int64()),
        pa.field("tokens_in", pa.int64()),
        pa.field("tokens_out", pa.int64()),
    ]
)

# low_confidence: rows of the record tables below `output.min_confidence` (an event with its
# arguments), moved out of their table but never dropped; `row` is the whole row as JSON.
LOW_CONFIDENCE = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("table", pa.string()),  # entities | relations | events | event_arguments
        pa.field("row_id", pa.string()),  # its entity_id, relation_id, event_id or argument_id
        pa.field("confidence", pa.float64()),
        pa.field("row", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    Table.ENTITIES.value: ENTITIES,
    Table.RELATIONS.value: RELATIONS,
    Table.EVENTS.value: EVENTS,
    Table.EVENT_ARGUMENTS.value: EVENT_ARGUMENTS,
    Table.ERRORS.value: ERRORS,
    Table.DOCUMENTS.value: DOCUMENTS,
    Table.ANSWERS.value: ANSWERS,
    Table.LOW_CONFIDENCE.value: LOW_CONFIDENCE,
}

RAW_OUTPUT_CAP = 4000

# The tables whose rows come out of model answers: an answer row carries them as list columns
# (parse/rows.py) and the sink explodes them (write/tables.py).
ANSWER_RECORD_TABLES: dict[str, pa.Schema] = {
    Table.ENTITIES.value: ENTITIES,
    Table.RELATIONS.value: RELATIONS,
    Table.EVENTS.value: EVENTS,
    Table.EVENT_ARGUMENTS.value: EVENT_ARGUMENTS,
    Table.ERRORS.value: ERRORS,
    Table.LOW_CONFIDENCE.value: LOW_CONFIDENCE,
}

# The id column of each record table: it hashes content and document offsets, so one mention
# found by two overlapping chunks (or a chunk and its retry) has one id.
ID_COLUMNS = {
    Table.ENTITIES.value: "entity_id",
    Table.RELATIONS.value: "relation_id",
    Table.EVENTS.value: "event_id",
    Table.EVENT_ARGUMENTS.value: "argument_id",
}
