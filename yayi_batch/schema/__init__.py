"""The job's vocabulary, in one place: enums of statuses and kinds, typed records, ids, and the
Arrow schemas of the output tables. Pure package: no ray, no vllm."""

from yayi_batch.schema.enums import (
    AnswerStatus,
    DocStatus,
    ErrorKind,
    ErrorStage,
    FinishReason,
    Lang,
    MatchKind,
    ParseStatus,
    Pass,
    RunOutcome,
    Table,
    Task,
)
from yayi_batch.schema.ids import RunId, RunIdError, stable_id
from yayi_batch.schema.records import (
    ArgumentRecord,
    CharInterval,
    EntityRecord,
    EventRecord,
    ParseResult,
    Record,
    RelationRecord,
)
from yayi_batch.schema.tables import (
    ANSWER_RECORD_TABLES,
    ANSWERS,
    DOCUMENTS,
    ENTITIES,
    ERRORS,
    EVENT_ARGUMENTS,
    EVENTS,
    ID_COLUMNS,
    RAW_OUTPUT_CAP,
    RELATIONS,
    TABLES,
)

__all__ = [
    "ANSWER_RECORD_TABLES", "ANSWERS", "DOCUMENTS", "ID_COLUMNS", "ENTITIES", "ERRORS", "EVENTS", "EVENT_ARGUMENTS", "RAW_OUTPUT_CAP", "RELATIONS", "TABLES",
    "AnswerStatus", "ArgumentRecord", "CharInterval", "DocStatus", "EntityRecord", "ErrorKind", "ErrorStage",
    "EventRecord", "FinishReason", "Lang", "MatchKind", "ParseResult", "ParseStatus", "Pass", "Record",
    "RelationRecord", "RunId", "RunOutcome", "RunIdError", "Table", "Task", "stable_id",
]
