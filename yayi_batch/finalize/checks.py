"""The checks that end every run before it publishes, and the engine-error check of `fail_on_error`.

Count in = count out, from what is staged, without loading a table into the driver's memory:

- documents in (input rows, from the input files' Parquet footers) = rows of `documents`;
- answers = prompts sent (staged prompt rows + retry prompt rows), from footers;
- every row of every table references a document of the run: the doc_id of every row of every
  table and of every documents row are hash-partitioned by doc_id (finalize/ray_ops.py), and each
  partition counts the rows whose doc_id has no documents row (`orphans_of_partition`). The
  driver takes one small row per (partition, table) with a count and up to MAX_NAMED ids.

A mismatch raises RunFailed before anything is published. Pure: pyarrow and fsspec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from yayi_batch.failures import RunFailed
from yayi_batch.fs import arrow_filesystem, display_uri
from yayi_batch.schema import AnswerStatus, ErrorKind, Table
from yayi_batch.write.staged import StagedRun
from yayi_batch.write.tables import count_rows

MAX_NAMED = 10  # ids named in a message


@dataclass
class CountReport:
    input_rows: int = 0
    documents: int = 0
    prompts: int = 0
    answers: int = 0
    orphans: dict[str, int] = field(default_factory=dict)  # table -> rows whose doc_id is not a document
    orphan_ids: dict[str, list[str]] = field(default_factory=dict)

    def problems(self) -> list[str]:
        out = []
        if self.input_rows != self.documents:
            out.append(f"{self.input_rows} input rows but {self.documents} documents rows")
        if self.prompts != self.answers:
            out.append(f"{self.prompts} prompts sent but {self.answers} answers rows")
        for table, n in self.orphans.items():
            out.append(f"{n} {table} rows reference no document of the run (doc_id {', '.join(self.orphan_ids[table])})")
        return out


def input_rows(files: list[tuple[Any, str]]) -> int:
    """Rows of the input files (fs, path), from their footers."""
    total = 0
    for fs, path in files:
        with fs.open(path, "rb") as fh:
            total += pq.ParquetFile(fh).metadata.num_rows
    return total


# --- orphans: rows whose doc_id is no document of the run (map / shuffle by doc_id / reduce) ------

DOC_ID_SIDES = pa.schema([("doc_id", pa.string()), ("table", pa.string())])  # table: documents or the referencing table
ORPHANS = pa.schema([("table", pa.string()), ("n", pa.int64()), ("named", pa.list_(pa.string()))])


def orphan_columns(table: str) -> list[str]:
    """The columns `doc_id_side` reads from a staged table."""
    return ["doc_id", "kind"] if table == Table.ERRORS.value else ["doc_id"]


def doc_id_side(block: pa.Table, table: str) -> pa.Table:
    """map: a block of a staged table -> (doc_id, table) rows. In `errors`, the rows about a whole
    input file (`bad_file`: a shard left out by `input.on_bad_file: skip`) reference no document by
    design and are left out here."""
    if table == Table.ERRORS.value:
        kind = block.column("kind")
        block = block.filter(pc.fill_null(pc.not_equal(kind, ErrorKind.BAD_FILE.value), True))
    return pa.table(
        {"doc_id": block.column("doc_id").cast(pa.string()), "table": pa.array([table] * block.num_rows, pa.string())}, schema=DOC_ID_SIDES
    )


def orphans_of_partition(block: pa.Table) -> pa.Table:
    """reduce: one partition (all rows of its doc_ids) -> ORPHANS rows, one per table with orphans."""
    is_doc = pc.equal(block.column("table"), Table.DOCUMENTS.value)
    ids = block.filter(is_doc).column("doc_id")
    refs = block.filter(pc.invert(is_doc))
    bad = refs.filter(pc.invert(pc.fill_null(pc.is_in(refs.column("doc_id"), value_set=ids), False)))
    rows = []
    for table in sorted(set(bad.column("table").to_pylist())):
        of_table = bad.filter(pc.equal(bad.column("table"), table)).column("doc_id")
        named = sorted({"<null>" if v is None else v for v in of_table.to_pylist()})[:MAX_NAMED]
        rows.append({"table": table, "n": len(of_table), "named": named})
    return pa.Table.from_pylist(rows, schema=ORPHANS)


def count_check(run: StagedRun, inputs: list[tuple[Any, str]], prompt_folders: list[str], orphans: list[dict[str, Any]]) -> CountReport:
    """The counts of a finished staging folder (see the module doc); `orphans`: ORPHANS rows."""
    report = CountReport(
        input_rows=input_rows(inputs),
        documents=count_rows(run.fs, run.table_dir(Table.DOCUMENTS.value)),
        prompts=sum(count_rows(run.fs, run.folder(f)) for f in prompt_folders),
        answers=count_rows(run.fs, run.table_dir(Table.ANSWERS.value)),
    )
    for row in orphans:
        table = row["table"]
        report.orphans[table] = report.orphans.get(table, 0) + int(row["n"])
        report.orphan_ids[table] = sorted({*report.orphan_ids.get(table, []), *row["named"]})[:MAX_NAMED]
    return report


def verify_counts(report: CountReport, run: StagedRun) -> None:
    problems = report.problems()
    if problems:
        raise RunFailed(
            f"run {run.run_id}: count check failed, nothing published ({'; '.join(problems)}); "
            f"staging kept for inspection at {display_uri(run.fs, run.path)}"
        )


@dataclass
class EngineFailures:
    """What the engine failed in one attempt, bounded: a count, the first few named."""

    n: int = 0
    reasons: set[str] = field(default_factory=set)  # at most MAX_NAMED
    docs: set[str] = field(default_factory=set)  # at most MAX_NAMED
    prompts: list[str] = field(default_factory=list)  # chunk/task, at most MAX_NAMED
    more_docs: bool = False


def engine_failures(run: StagedRun, attempt: int) -> EngineFailures:
    """The answers of `attempt` the engine failed (`engine_error`), streamed in record batches."""
    out = EngineFailures()
    fs = run.fs
    answers_dir = run.table_dir(Table.ANSWERS.value)
    fs.invalidate_cache()
    if not fs.exists(answers_dir):
        return out
    ds = pads.dataset(answers_dir, filesystem=arrow_filesystem(fs), format="parquet")
    wanted = (pc.field("status") == AnswerStatus.ENGINE_ERROR.value) & (pc.field("attempt") == attempt)
    for batch in ds.to_batches(columns=["doc_id", "chunk_id", "task", "reason"], filter=wanted, batch_size=65_536):
        for r in batch.to_pylist():
            out.n += 1
            if len(out.reasons) < MAX_NAMED:
                out.reasons.add(r["reason"] or "")
            if r["doc_id"] not in out.docs:
                if len(out.docs) < MAX_NAMED:
                    out.docs.add(r["doc_id"])
                else:
                    out.more_docs = True
            if len(out.prompts) < MAX_NAMED:
                out.prompts.append(f"{r['chunk_id']}/{r['task']}")
    return out


def verify_no_engine_errors(failed: EngineFailures, run: StagedRun, step: str) -> None:
    """`engine.fail_on_error`: stop the run, naming what failed."""
    if not failed.n:
        return
    raise RunFailed(
        f"run {run.run_id}: the engine failed {failed.n} prompt(s) in pass {step} and engine.fail_on_error is set; "
        f"nothing published. Error: {'; '.join(sorted(failed.reasons)[:3])}. Documents: {', '.join(sorted(failed.docs))}"
        f"{' …' if failed.more_docs else ''}. Prompts (chunk/task): {', '.join(failed.prompts)}"
        f"{' …' if failed.n > len(failed.prompts) else ''}. Staging kept at {display_uri(run.fs, run.path)}"
    )
