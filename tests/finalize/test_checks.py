"""The count check's pure parts: orphans per shuffle partition, the report, bounded engine failures."""

from __future__ import annotations

import fsspec
import pyarrow as pa
import pytest

from yayi_batch.failures import RunFailed
from yayi_batch.finalize import checks
from yayi_batch.schema import ANSWERS
from yayi_batch.write.staged import StagedRun
from yayi_batch.write.tables import write_table


def sides(rows):
    return pa.Table.from_pylist([{"doc_id": d, "table": t} for d, t in rows], schema=checks.DOC_ID_SIDES)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("a", "documents"), ("a", "entities"), ("a", "errors")], []),
        ([("a", "documents"), ("b", "entities")], [{"table": "entities", "n": 1, "named": ["b"]}]),
        (
            [("b", "entities"), ("b", "entities"), ("c", "relations")],
            [{"table": "entities", "n": 2, "named": ["b"]}, {"table": "relations", "n": 1, "named": ["c"]}],
        ),
        ([("a", "documents"), (None, "answers")], [{"table": "answers", "n": 1, "named": ["<null>"]}]),
        ([(f"x{i:02}", "events") for i in range(15)], [{"table": "events", "n": 15, "named": [f"x{i:02}" for i in range(10)]}]),
        ([], []),
    ],
    ids=["all-referenced", "one-orphan", "two-tables", "null-doc-id", "names-capped", "empty"],
)
def test_orphans_of_partition(rows, expected):
    assert checks.orphans_of_partition(sides(rows)).to_pylist() == expected


def test_bad_file_errors_rows_are_no_orphans():
    block = pa.table({"doc_id": ["__bad_file__:/x.parquet", "d1", "d2"], "kind": ["bad_file", "invalid_document", None]})
    assert checks.doc_id_side(block, "errors").column("doc_id").to_pylist() == ["d1", "d2"]
    assert checks.doc_id_side(block.select(["doc_id"]), "entities").num_rows == 3


def test_count_report_sums_partitions_and_names_the_problems():
    orphans = [{"table": "entities", "n": 2, "named": ["b"]}, {"table": "entities", "n": 1, "named": ["a"]}]
    report = checks.CountReport(input_rows=3, documents=2, prompts=4, answers=4)
    for row in orphans:  # what count_check does with the partitions' rows
        report.orphans[row["table"]] = report.orphans.get(row["table"], 0) + row["n"]
        report.orphan_ids[row["table"]] = sorted({*report.orphan_ids.get(row["table"], []), *row["named"]})
    problems = report.problems()
    assert problems == ["3 input rows but 2 documents rows", "3 entities rows reference no document of the run (doc_id a, b)"]
    with pytest.raises(RunFailed, match="count check failed, nothing published"):
        checks.verify_counts(report, StagedRun(fsspec.filesystem("file"), "/out", "run-1", "2026-11-30"))


def test_engine_failures_are_counted_in_full_and_named_in_part(tmp_path):
    fs = fsspec.filesystem("file")
    rows = [
        {f.name: None for f in ANSWERS}
        | {
            "run_id": "r",
            "doc_id": f"d{i // 2}",
            "chunk_id": f"c{i}",
            "task": "ner",
            "status": "engine_error",
            "attempt": 1 if i < 25 else 2,
            "reason": "boom",
        }
        for i in range(30)
    ]
    rows.append(
        {f.name: None for f in ANSWERS} | {"run_id": "r", "doc_id": "ok", "chunk_id": "c", "task": "ner", "status": "ok", "attempt": 1}
    )
    run = StagedRun(fs, str(tmp_path), "r", "2026-11-30")
    write_table(fs, run.table_dir("answers"), pa.Table.from_pylist(rows, schema=ANSWERS), "r")
    failed = checks.engine_failures(run, attempt=1)
    assert failed.n == 25 and len(failed.prompts) == checks.MAX_NAMED and len(failed.docs) == checks.MAX_NAMED and failed.more_docs
    assert checks.engine_failures(run, attempt=2).n == 5
    with pytest.raises(RunFailed, match=r"failed 25 prompt\(s\) in pass extract.*Error: boom"):
        checks.verify_no_engine_errors(failed, run, "extract")
    checks.verify_no_engine_errors(checks.EngineFailures(), run, "extract")  # nothing failed: no error
