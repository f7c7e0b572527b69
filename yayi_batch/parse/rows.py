"""answer rows: generated rows -> parsed, grounded records, one output row per model answer.

Each output row carries the answer's bookkeeping (the `answers` table) and, as list columns,
the rows it contributes to entities / relations / events / event_arguments / errors. The sink
explodes them. Every answer ends as records, as an `empty` answer, or as an error row: nothing
is dropped.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa

from yayi_batch.generate.rows import engine_failure_columns
from yayi_batch.ground import ground_records
from yayi_batch.parse import parse_output
from yayi_batch.parse.calibration import Calibration
from yayi_batch.parse.confidence import with_confidence
from yayi_batch.schema import (
    ANSWER_RECORD_TABLES,
    ID_COLUMNS,
    RAW_OUTPUT_CAP,
    AnswerStatus,
    ErrorKind,
    ErrorStage,
    FinishReason,
    ParseStatus,
    Record,
    Table,
)
from yayi_batch.schema.columns import ANSWER_ROWS, Columns

COLUMNS = Columns(
    needs=(
        "prompt_id",
        "doc_id",
        "chunk_id",
        "chunk_start",
        "chunk_text",
        "lang",
        "task",
        "types",
        "roles",
        "generated_text",
        "tokens_in",
        "tokens_out",
        "finish_reason",
        "engine_error",
    ),
    # the `answers` columns, and the record tables as list columns (exploded by the sink)
    adds=("run_id", "attempt", "status", "reason", "n_records", "finished_at", *ANSWER_RECORD_TABLES),
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

    def __init__(
        self,
        run_id: str,
        fuzzy_threshold: float = 0.85,
        attempt: int = 1,
        calibration: Calibration | None = None,
        min_confidence: float = 0.0,
    ):
        self.run_id = run_id
        self.fuzzy = fuzzy_threshold
        self.attempt = attempt
        self.calibration = calibration
        self.min_confidence = min_confidence

    def calibrate(self, task: str, records: list[Record]) -> list[Record]:
        return self.calibration.records(task, records) if self.calibration is not None else records

    def __call__(self, batch: pa.Table) -> pa.Table:
        now = dt.datetime.now(dt.timezone.utc)
        rows = [self._one({**row, **engine_failure_columns(row)}, now) for row in batch.to_pylist()]
        return pa.Table.from_pylist(rows, schema=ANSWER_ROWS)

    def _one(self, row: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        key = {"run_id": self.run_id, "doc_id": row["doc_id"], "chunk_id": row["chunk_id"]}
        out: dict[str, Any] = {name: [] for name in ANSWER_RECORD_TABLES}
        raw = row["generated_text"] or ""
        if row["engine_error"]:
            status, reason, records = AnswerStatus.ENGINE_ERROR, row["engine_error"], []
            out[Table.ERRORS.value].append(
                {
                    **key,
                    "task": row["task"],
                    "stage": ErrorStage.GENERATE.value,
                    "kind": ErrorKind.ENGINE_ERROR.value,
                    "message": row["engine_error"][:RAW_OUTPUT_CAP],
                    "raw_output": None,
                }
            )
        else:
            result = parse_output(row["task"], raw, types=_as_list(row["types"]), roles=_as_list(row["roles"]))
            status, reason = AnswerStatus.of(result.status), result.reason
            records = self.calibrate(row["task"], with_confidence(result.records, raw, row.get("token_texts"), row.get("token_logprobs")))
            if result.status not in NOT_ERRORS:
                out[Table.ERRORS.value].append(
                    {
                        **key,
                        "task": row["task"],
                        "stage": ErrorStage.PARSE.value,
                        "kind": self._error_kind(result.status, row).value,
                        "message": reason,
                        "raw_output": raw[:RAW_OUTPUT_CAP],
                    }
                )
        grounded = ground_records(
            records,
            text=row["chunk_text"],
            offset=row["chunk_start"],
            doc_id=row["doc_id"],
            task=row["task"],
            lang=row["lang"],
            key=key,
            fuzzy_threshold=self.fuzzy,
        )
        for table, rows in grounded.items():
            out[table].extend(rows)
        if self.min_confidence > 0:
            move_low_confidence(out, self.min_confidence)
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


def move_low_confidence(out: dict[str, list[dict[str, Any]]], threshold: float) -> None:
    """Rows with a confidence below `threshold` -> `low_confidence` rows (an event takes its
    arguments along); a row without a confidence stays where it is."""
    low = out[Table.LOW_CONFIDENCE.value]

    def moved(table: str, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "run_id": row["run_id"],
            "doc_id": row["doc_id"],
            "chunk_id": row["chunk_id"],
            "table": table,
            "row_id": row[ID_COLUMNS[table]],
            "confidence": row["confidence"],
            "row": json.dumps(row, ensure_ascii=False, default=str),
        }

    def below(row: dict[str, Any]) -> bool:
        return row.get("confidence") is not None and row["confidence"] < threshold

    gone_events = {r["event_id"] for r in out[Table.EVENTS.value] if below(r)}
    for table in (Table.ENTITIES.value, Table.RELATIONS.value, Table.EVENTS.value, Table.EVENT_ARGUMENTS.value):
        keep = []
        for row in out[table]:
            if below(row) or (table == Table.EVENT_ARGUMENTS.value and row["event_id"] in gone_events):
                low.append(moved(table, row))
            else:
                keep.append(row)
        out[table] = keep
