"""Every status, kind and name the job writes into a table or a path, as enums.

The value of a member is what a table, a config or a file name says; code compares members,
never string literals. Pure module.
"""

from __future__ import annotations

import enum


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


class AnswerStatus(str, enum.Enum):
    """The `answers.status` of one model answer: how it parsed, or that the engine failed it."""

    OK = "ok"
    REPAIRED = "repaired"
    TRUNCATED = "truncated"
    EMPTY = "empty"
    INVALID = "invalid"
    ENGINE_ERROR = "engine_error"  # the engine returned an error for this prompt; no text

    @classmethod
    def of(cls, status: ParseStatus) -> AnswerStatus:
        return cls(status.value)


class DocStatus(str, enum.Enum):
    """The `documents.status` of one input document (PENDING only on staged chunk rows)."""

    OK = "ok"  # every answer parsed (ok, repaired, truncated or empty)
    PARTIAL = "partial"  # some answers failed or are missing
    FAILED = "failed"  # every answer failed
    EMPTY = "empty"  # no text: no prompt was sent
    INVALID = "invalid"  # unusable row (no id, or a duplicate id): kept under a synthetic id, with an errors row
    PENDING = "pending"  # chunked, answers not counted yet


class FinishReason(str, enum.Enum):
    """Why the engine stopped generating an answer."""

    STOP = "stop"
    LENGTH = "length"  # cut at max_tokens
    ERROR = "error"  # the engine failed this prompt


class ErrorStage(str, enum.Enum):
    """`errors.stage`: where in the job the problem showed."""

    READ = "read"
    CHUNK = "chunk"
    GENERATE = "generate"
    PARSE = "parse"


class ErrorKind(str, enum.Enum):
    """`errors.kind`: what went wrong."""

    REPAIRED = "repaired"  # parsed after repairs (kept for a look; records were written)
    TRUNCATED = "truncated"  # cut at max_tokens; the complete records before the cut were written
    INVALID = "invalid"  # nothing usable in the answer
    TOO_LONG = "too_long"  # cut again on half a chunk: more facts than max_tokens can hold
    ENGINE_ERROR = "engine_error"
    INVALID_DOCUMENT = "invalid_document"  # a row the job could not use (no id)
    MISSING_ANSWERS = "missing_answers"  # fewer answers than prompts for a document
    BAD_FILE = "bad_file"  # an unreadable input shard left out (input.on_bad_file: skip)
    DUPLICATE_ID = "duplicate_id"  # a later document with an id seen before (input.duplicate_ids: keep_first)

    @classmethod
    def of(cls, status: ParseStatus) -> ErrorKind:
        return cls(status.value)


class Pass(str, enum.Enum):
    """The passes of a run, in order; `_staging/{run_id}/_done/{pass}` marks one finished."""

    PREPARE = "prepare"
    EXTRACT = "extract"
    RETRY_PROMPTS = "retry_prompts"
    RETRY = "retry"
    FINALIZE = "finalize"
    VERIFY = "verify"
    PUBLISH = "publish"


class Table(str, enum.Enum):
    """The published tables: `{output}/{table}/date={run_date}/`."""

    ENTITIES = "entities"
    RELATIONS = "relations"
    EVENTS = "events"
    EVENT_ARGUMENTS = "event_arguments"
    ERRORS = "errors"
    DOCUMENTS = "documents"
    ANSWERS = "answers"
    LOW_CONFIDENCE = "low_confidence"  # rows below output.min_confidence, kept whole


class RunOutcome(str, enum.Enum):
    """What a run did."""

    PUBLISHED = "published"
    ALREADY_PUBLISHED = "already published"  # same run id published before: nothing computed
    NOTHING_NEW = "nothing new"  # nightly mode found no new shard
    NO_ROWS = "no rows"  # the input shards hold no rows: a published run with zero documents
