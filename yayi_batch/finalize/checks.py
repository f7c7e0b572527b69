"""The checks that end every run before it publishes, and the engine-error check of `fail_on_error`.

Count in = count out, from what is staged, without loading a table into the driver's memory:

- documents in (input rows, from the input files' Parquet footers) = rows of `documents`;
- answers = prompts sent (staged prompt rows + retry prompt rows), from footers;
- every row of every table references a document of the run: the `doc_id` column of each
  staged table is streamed in record batches against the set of the run's document ids.

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
from yayi_batch.fs import arrow_filesystem, join
from yayi_batch.schema import TABLES, AnswerStatus, ErrorKind, Table
from yayi_batch.write.paths import partition_dir
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


def _doc_id_batches(fs: Any, folder: str, file_level_errors: bool = False) -> Any:
    """The doc_id column in batches; for `errors`, without the rows about a whole input file
    (`bad_file`: a shard left out by `input.on_bad_file: skip` has no document of the run)."""
    fs.invalidate_cache()
    if not fs.exists(folder) or not [p for p in fs.find(folder) if p.endswith(".parquet")]:
        return iter(())
    ds = pads.dataset(folder, filesystem=arrow_filesystem(fs), format="parquet")
    if file_level_errors:
        return ds.to_batches(columns=["doc_id"], filter=(pc.field("kind") != ErrorKind.BAD_FILE.value) | pc.field("kind").is_null(), batch_size=65_536)
    return ds.to_batches(columns=["doc_id"], batch_size=65_536)


def count_check(fs: Any, stage: str, run_date: str, inputs: list[tuple[Any, str]], prompt_folders: list[str]) -> CountReport:
    """The counts of a finished staging folder (see the module doc)."""
    documents_dir = partition_dir(stage, Table.DOCUMENTS.value, run_date)
    report = CountReport(
        input_rows=input_rows(inputs),
        documents=count_rows(fs, documents_dir),
        prompts=sum(count_rows(fs, join(stage, f)) for f in prompt_folders),
        answers=count_rows(fs, partition_dir(stage, Table.ANSWERS.value, run_date)),
    )
    ids = pa.concat_arrays([b.column(0).cast(pa.string()) for b in _doc_id_batches(fs, documents_dir)] or [pa.array([], pa.string())])
    for table in TABLES:
        if table == Table.DOCUMENTS.value:
            continue
        n, named = 0, []
        for batch in _doc_id_batches(fs, partition_dir(stage, table, run_date), file_level_errors=table == Table.ERRORS.value):
            col = batch.column(0).cast(pa.string())
            missing = pc.invert(pc.fill_null(pc.is_in(col, value_set=ids), False))
            bad = col.filter(missing)
            n += len(bad)
            named += [str(v) for v in bad.to_pylist()[: MAX_NAMED - len(named)]]
        if n:
            report.orphans[table], report.orphan_ids[table] = n, sorted(set(named))
    return report


def verify_counts(report: CountReport, run_id: str, staging_path: str) -> None:
    problems = report.problems()
    if problems:
        raise RunFailed(f"run {run_id}: count check failed, nothing published ({'; '.join(problems)}); "
                        f"staging kept for inspection at {staging_path}")


def engine_failures(fs: Any, stage: str, run_date: str) -> list[dict[str, Any]]:
    """The answers the engine failed (`engine_error`), with their errors rows' messages."""
    answers_dir = partition_dir(stage, Table.ANSWERS.value, run_date)
    fs.invalidate_cache()
    if not fs.exists(answers_dir):
        return []
    ds = pads.dataset(answers_dir, filesystem=arrow_filesystem(fs), format="parquet")
    failed = ds.to_table(columns=["doc_id", "chunk_id", "task", "attempt", "reason"],
                         filter=pc.field("status") == AnswerStatus.ENGINE_ERROR.value)
    return sorted(failed.to_pylist(), key=lambda r: (r["doc_id"], r["chunk_id"], r["task"]))


def verify_no_engine_errors(failed: list[dict[str, Any]], run_id: str, step: str, staging_path: str) -> None:
    """`engine.fail_on_error`: stop the run, naming what failed."""
    if not failed:
        return
    reasons = sorted({r["reason"] or "" for r in failed})
    docs = sorted({r["doc_id"] for r in failed})
    prompts = [f"{r['chunk_id']}/{r['task']}" for r in failed[:MAX_NAMED]]
    raise RunFailed(
        f"run {run_id}: the engine failed {len(failed)} prompt(s) in pass {step} and engine.fail_on_error is set; "
        f"nothing published. Error: {'; '.join(reasons[:3])}. Documents: {', '.join(docs[:MAX_NAMED])}"
        f"{' …' if len(docs) > MAX_NAMED else ''}. Prompts (chunk/task): {', '.join(prompts)}"
        f"{' …' if len(failed) > MAX_NAMED else ''}. Staging kept at {staging_path}"
    )
