"""Typed records and the Arrow schemas of every output table, in one place.

Two layers of records:
- parse records (``EntityRecord``, ``RelationRecord``, ``EventRecord``) are what a model answer
  says, before anyone knows where in the document it is;
- ``CharInterval`` is where a string was found in the document, with how well it matched.

The Arrow schemas are the contract of the written tables; ``tests/test_schema.py`` checks
written files against them. Pure module: no ray, no vllm.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

import pyarrow as pa


class Task(str, enum.Enum):
    """An extraction task; the value is what configs and tables say."""

    NER = "ner"
    RE = "re"
    EE = "ee"  # events: trigger, type, arguments
    EE_ARGS = "ee_args"  # arguments only, for one event type


class Lang(str, enum.Enum):
    ZH = "zh"
    EN = "en"


class ParseStatus(str, enum.Enum):
    """How a model answer turned into records."""

    OK = "ok"  # strict JSON of an expected shape
    REPAIRED = "repaired"  # parsed after lenient repairs (quotes, punctuation, fences, ...)
    TRUNCATED = "truncated"  # cut at max_tokens; the complete records before the cut are kept
    EMPTY = "empty"  # a valid "nothing found" answer ({}, [], 无, null, blank)
    INVALID = "invalid"  # nothing usable; the raw text goes to the errors table


class MatchKind(str, enum.Enum):
    """How an extracted string was pinned to the document text."""

    EXACT = "exact"  # doc_text[start:end] == mention
    NORMALIZED = "normalized"  # equal after width/case/whitespace/punctuation folding
    FUZZY = "fuzzy"  # best approximate alignment above a threshold
    NONE = "none"  # not found: offsets are null


@dataclass(frozen=True)
class CharInterval:
    """Character offsets (Python ``str`` indices) into the original document text."""

    start: int | None
    end: int | None
    match: MatchKind = MatchKind.NONE

    @classmethod
    def missing(cls) -> "CharInterval":
        return cls(None, None, MatchKind.NONE)


@dataclass(frozen=True)
class EntityRecord:
    type: str
    text: str
    in_schema: bool = True


@dataclass(frozen=True)
class RelationRecord:
    relation: str
    head: str
    tail: str
    in_schema: bool = True


@dataclass(frozen=True)
class ArgumentRecord:
    role: str
    argument: str
    in_schema: bool = True


@dataclass(frozen=True)
class EventRecord:
    """An event; ``trigger``/``event_type`` are None for arguments-only answers (``ee_args``)."""

    event_type: str | None
    trigger: str | None
    arguments: tuple[ArgumentRecord, ...] = ()
    in_schema: bool = True


Record = EntityRecord | RelationRecord | EventRecord


@dataclass
class ParseResult:
    """One answer, parsed. ``reason`` says why when status is not ``ok``."""

    status: ParseStatus
    records: list[Record] = field(default_factory=list)
    reason: str | None = None


def stable_id(*parts: object) -> str:
    """Deterministic 16-hex id of its parts: the same content gives the same id on every run."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Arrow schemas of the output tables. Every row carries run_id and doc_id.

_KEY = [pa.field("run_id", pa.string(), nullable=False), pa.field("doc_id", pa.string(), nullable=False)]


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
    ]
)

ERRORS = pa.schema(
    _KEY
    + [
        pa.field("chunk_id", pa.string()),
        pa.field("task", pa.string()),
        pa.field("stage", pa.string()),  # read | chunk | generate | parse
        pa.field("kind", pa.string()),  # parse status (repaired/truncated/invalid) or engine error kind
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
        pa.field("status", pa.string()),  # a ParseStatus value, or "engine_error"
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
        pa.field("status", pa.string(), nullable=False),  # ok | partial | failed | empty
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

TABLES: dict[str, pa.Schema] = {
    "entities": ENTITIES,
    "relations": RELATIONS,
    "events": EVENTS,
    "event_arguments": EVENT_ARGUMENTS,
    "errors": ERRORS,
    "documents": DOCUMENTS,
    "answers": ANSWERS,
}

RAW_OUTPUT_CAP = 4000
