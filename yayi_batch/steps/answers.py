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

from yayi_batch.generate.rows import engine_failure_columns
from yayi_batch.ground import ground_records
from yayi_batch.parse import parse_output
from yayi_batch.schema import (
    ANSWER_RECORD_TABLES,
    ANSWERS,
    RAW_OUTPUT_CAP,
    AnswerStatus,
    ErrorKind,
    ErrorStage,
    FinishReason,
    ParseStatus,
    Table,
)
from yayi_batch.steps import Columns

COLUMNS = Columns(
    needs=("prompt_id", "doc_id", "chunk_id", "chunk_start", "chunk_text", "lang", "task", "types", "roles",
           "generated_text", "tokens_in", "tokens_out", "finish_reason", "engine_error"),
    adds=("answers", *ANSWER_RECORD_TABLES),
)

ANSWER_ROW_SCHEMA = pa.schema(
    # prompt_id: the key of Ray Data's checkpoint (written with the row, never published).
    [pa.field("prompt_id", pa.string())] + list(ANSWERS)
    + [pa.field(name, pa.list_(pa.struct(list(schema)))) for name, schema in ANSWER_RECORD_TABLES.items()]
)

# Parse statuses that need no errors row: the answer said what it found, or that it found nothing.
NOT_ERRORS = frozenset({ParseStatus.OK, ParseStatus.EMPTY})


def _as_list(value: Any) -> list[str] | None:
    """Types/roles as a list, or None for "nothing asked"; engine stages may hand back arrays."""
    if value is None:
        return None
    items = [str(v) for v in value]
    return items or None


class ParseAnswers:
    """Parse and ground every answer of a batch (attempt 2: answers of the retry on half chunks)."""

    def __init__(self, run_id: str, fuzzy_threshold: float = 0.85, attempt: int = 1):
        self.run_id = run_id
        self.fuzzy = fuzzy_threshold
        self.attempt = attempt

    def __call__(self, batch: pa.Table) -> pa.Table:
        now = dt.datetime.now(dt.timezone.utc)
        rows = [self._one({**row, **engine_failure_columns(row)}, now) for row in batch.to_pylist()]
        return pa.Table.from_pylist(rows, schema=ANSWER_ROW_SCHEMA)

    def _one(self, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        key = {"run_id": self.run_id, "doc_id": row["doc_id"], "chunk_id": row["chunk_id"]}
        out: dict[str, Any] = {name: [] for name in ANSWER_RECORD_TABLES}
        raw = row["generated_text"] or ""
        if row["engine_error"]:
            status, reason, records = AnswerStatus.ENGINE_ERROR, row["engine_error"], []
            out[Table.ERRORS.value].append({**key, "task": row["task"], "stage": ErrorStage.GENERATE.value,
                                            "kind": ErrorKind.ENGINE_ERROR.value,
                                            "message": row["engine_error"][:RAW_OUTPUT_CAP], "raw_output": None})
        else:
            result = parse_output(row["task"], raw, types=_as_list(row["types"]), roles=_as_list(row["roles"]))
            status, reason, records = AnswerStatus.of(result.status), result.reason, result.records
            if result.status not in NOT_ERRORS:
                out[Table.ERRORS.value].append({**key, "task": row["task"], "stage": ErrorStage.PARSE.value,
                                                "kind": self._error_kind(result.status, row).value,
                                                "message": reason, "raw_output": raw[:RAW_OUTPUT_CAP]})
        grounded = ground_records(records, text=row["chunk_text"], offset=row["chunk_start"], doc_id=row["doc_id"],
                                  task=row["task"], lang=row["lang"], key=key, fuzzy_threshold=self.fuzzy)
        for table, rows in grounded.items():
            out[table].extend(rows)
        out.update(
            {
                **key,
                "prompt_id": row.get("prompt_id"),
                "task": row["task"],
                "attempt": self.attempt,
                "status": status.value,
                "reason": reason,
                "finish_reason": row["finish_reason"],
                "tokens_in": row["tokens_in"],
                "tokens_out": row["tokens_out"],
                "n_records": len(records),
                "finished_at": now,
            }
        )
        return out

    def _error_kind(self, status: ParseStatus, row: dict[str, Any]) -> ErrorKind:
        # Cut again on half a chunk: the text holds more than max_tokens can answer.
        if self.attempt > 1 and row["finish_reason"] == FinishReason.LENGTH.value:
            return ErrorKind.TOO_LONG
        return ErrorKind.of(status)
