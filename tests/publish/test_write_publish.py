"""The sink, the documents table and publishing, on a local folder.

The sink and publish need no Ray cluster; building `documents` and merging mentions found twice
are Ray Data operations (finalize/ray_ops.py), run on a local Ray (`local_ray`)."""

import json
from types import SimpleNamespace

import fsspec
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.chunk.rows import PrepareChunks
from yayi_batch.finalize.documents import DOCUMENT_ERRORS
from yayi_batch.finalize.ray_ops import build_documents as stage_documents
from yayi_batch.parse.rows import ParseAnswers
from yayi_batch.publish.commit import publish
from yayi_batch.read import InputError, list_parquet_files
from yayi_batch.schema import TABLES
from yayi_batch.write.paths import partition_dir, safe_partition_value
from yayi_batch.write.sink import TablesSink
from yayi_batch.write.staged import PUBLISH_STARTED, StagedRun
from yayi_batch.write.tables import staged_counts

TEXT = "Acme Corp hired John Smith in Paris."


def build_documents(run, n_tasks, passthrough):
    """Stage the documents (Ray Data), then read back what was staged: (documents, document error rows)."""
    stage_documents(run, n_tasks, passthrough)
    docs = pl.read_parquet(f"{run.table_dir('documents')}/*.parquet")
    errors = [p for p in run.fs.find(run.table_dir("errors")) if DOCUMENT_ERRORS in p.rsplit("/", 1)[-1]]
    extra = pl.concat([pl.read_parquet(p) for p in errors]) if errors else pl.from_arrow(TABLES["errors"].empty_table())
    return docs.sort("doc_id"), extra


def staged_run(tmp_path, run_id="r1", date="2026-11-25"):
    """Stage a run of 3 documents by hand: chunks, answers through the sink."""
    fs = fsspec.filesystem("file")
    out = str(tmp_path / "out")
    run = StagedRun(fs, out, run_id, date)
    stage = run.path
    docs = pa.table({"doc_id": ["a", "b", "c"], "text": [TEXT, "", TEXT], "source_path": ["s0"] * 3, "title": ["A", "B", "C"]})
    chunks = PrepareChunks(max_chunk_tokens=500, overlap_tokens=0, lang="auto", passthrough=["title"], count_tokens=len)(docs)
    fs.makedirs(f"{stage}/chunks", exist_ok=True)
    pq.write_table(chunks, f"{stage}/chunks/part-0.parquet")
    base = {
        "chunk_start": 0,
        "chunk_text": TEXT,
        "lang": "en",
        "types": ["person"],
        "roles": [],
        "tokens_in": 40,
        "tokens_out": 10,
        "finish_reason": "stop",
        "engine_error": "",
    }
    rows = [
        {**base, "doc_id": "a", "chunk_id": "a0", "task": "ner", "generated_text": '{"person": ["John Smith"]}'},
        {
            **base,
            "doc_id": "a",
            "chunk_id": "a0",
            "task": "re",
            "generated_text": '[{"relation": "hired", "head": "Acme Corp", "tail": "John Smith"}]',
        },
        {**base, "doc_id": "c", "chunk_id": "c0", "task": "ner", "generated_text": "garbage"},
        {**base, "doc_id": "c", "chunk_id": "c0", "task": "re", "generated_text": "more garbage"},
    ]
    block = ParseAnswers(run_id)(pa.Table.from_pylist(rows))
    sink = TablesSink(run)
    sink.write([block.slice(0, 2), block.slice(2)], ctx=SimpleNamespace(kwargs={"write_uuid": "w1"}, task_idx=7))
    files = sorted(p for p in fs.find(stage) if "/chunks/" not in p)
    return run, files


def test_sink_explodes_answer_rows_into_typed_tables(tmp_path):
    run, files = staged_run(tmp_path)
    counts = {path.split("/_staging/r1/")[1].split("/")[0]: pq.read_metadata(path).num_rows for path in files}
    assert counts == {"answers": 4, "entities": 1, "relations": 1, "errors": 2}
    for path in files:
        table_name = path.split("/_staging/r1/")[1].split("/")[0]
        assert pq.read_schema(path).equals(TABLES[table_name], check_metadata=False)
    # One write task, one file name in every table folder: Ray Data's checkpoint can undo it as a unit.
    assert {path.rsplit("/", 1)[1] for path in files} == {"part-r1-w1_000007.parquet"}


def test_documents_account_for_every_input_with_a_status(local_ray, tmp_path):
    run, _ = staged_run(tmp_path)
    docs, extra = build_documents(run, n_tasks=2, passthrough=["title"])
    by_id = {r["doc_id"]: r for r in docs.to_dicts()}
    assert set(by_id) == {"a", "b", "c"}
    assert by_id["a"]["status"] == "ok" and by_id["a"]["n_entities"] == 1 and by_id["a"]["n_relations"] == 1
    assert by_id["a"]["tokens_in"] == 80 and by_id["a"]["n_prompts"] == 2
    assert by_id["b"]["status"] == "empty" and by_id["b"]["n_prompts"] == 0
    assert by_id["c"]["status"] == "failed" and by_id["c"]["n_errors"] == 2
    assert by_id["c"]["title"] == "C"
    assert extra.height == 0


def test_lost_answers_make_a_document_partial_with_an_error_row(local_ray, tmp_path):
    run, _ = staged_run(tmp_path)
    docs, extra = build_documents(run, n_tasks=3, passthrough=[])
    assert docs.filter(pl.col("doc_id") == "a")["status"].item() == "partial"
    assert set(extra["kind"]) == {"missing_answers"}
    assert "expected 3 answers, got 2" in extra.filter(pl.col("doc_id") == "a")["message"].item()


def test_publish_moves_the_run_into_date_partitions_then_marks_success(local_ray, tmp_path):
    run, _ = staged_run(tmp_path)
    fs, out, stage = run.fs, run.output, run.path
    build_documents(run, n_tasks=2, passthrough=["title"])
    fs.rm(f"{stage}/chunks", recursive=True)
    counts = staged_counts(run)
    # An older file in the same date partition must be replaced, not mixed in.
    old = partition_dir(out, "entities", "2026-11-25")
    fs.makedirs(old, exist_ok=True)
    pq.write_table(TABLES["entities"].empty_table(), f"{old}/part-old.parquet")
    publish(run, {"run_id": "r1", "counts": counts})
    assert not fs.exists(stage)
    assert fs.cat(f"{out}/_SUCCESS").decode().strip() == "r1"
    manifest = json.loads(fs.cat(f"{out}/_manifest/r1.json"))
    assert manifest["counts"]["documents"] == 3
    assert not fs.exists(f"{old}/part-old.parquet")
    for table in TABLES:
        df = pl.read_parquet(f"{out}/{table}/**/*.parquet", hive_partitioning=True) if counts[table] else None
        if df is not None:
            assert df.height == counts[table]
            assert df["date"].cast(pl.String).unique().to_list() == ["2026-11-25"]
    documents = pq.read_table(f"{out}/documents/date=2026-11-25")
    assert documents.schema.field("status").type == pa.string()


@pytest.mark.parametrize("value", ["../../x", "a=b/c", "..", "x\x00y", "/etc/passwd", "日期"])
def test_partition_values_cannot_escape_the_table_folder(tmp_path, value):
    cleaned = safe_partition_value(value)
    assert "/" not in cleaned and "=" not in cleaned and ".." not in cleaned and "\x00" not in cleaned
    assert cleaned
    folder = partition_dir(str(tmp_path / "out"), "entities", value)
    assert folder.startswith(str(tmp_path / "out" / "entities") + "/date=")


def test_input_listing_names_missing_paths(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        list_parquet_files([str(tmp_path / "nope")])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="no .parquet files"):
        list_parquet_files([str(tmp_path)])


def test_mentions_found_twice_in_chunk_overlaps_become_one_row(local_ray, tmp_path):
    from yayi_batch.finalize.ray_ops import merge_found_twice

    run, _ = staged_run(tmp_path)
    fs, stage = run.fs, run.path
    folder = partition_dir(stage, "entities", "2026-11-25")
    first = pq.read_table(fs.find(folder)[0])
    # The same mention from the next chunk, whose id sorts first: that copy is the one kept.
    copy = first.set_column(first.schema.get_field_index("chunk_id"), "chunk_id", pa.array(["a-next"] * first.num_rows))
    pq.write_table(copy, f"{folder}/part-r1-copy.parquet")
    assert merge_found_twice(run) == {"entities": first.num_rows}
    again = pl.read_parquet(f"{folder}/*.parquet")
    assert again.height == first.num_rows and again["entity_id"].n_unique() == again.height
    assert set(again["chunk_id"]) == {"a-next"}  # the smallest chunk_id, not the first file read
    assert all(p.rsplit("/", 1)[1].startswith("part-r1-") for p in fs.find(folder))  # publish's prefix
    from yayi_batch.finalize.overlaps import merge_dir

    assert not fs.exists(merge_dir(stage, "entities"))
    assert merge_found_twice(run) == {}  # nothing left to merge: files kept


def test_a_merge_killed_during_its_swap_is_finished_by_the_next_attempt(local_ray, tmp_path):
    from yayi_batch.finalize import overlaps
    from yayi_batch.finalize.ray_ops import merge_found_twice

    run, _ = staged_run(tmp_path)
    fs, stage = run.fs, run.path
    folder = partition_dir(stage, "entities", "2026-11-25")
    first = pq.read_table(fs.find(folder)[0])
    pq.write_table(first, f"{folder}/part-r1-copy.parquet")
    # The killed attempt: merged files written and listed, one old file removed, nothing moved yet.
    tmp = overlaps.merge_dir(stage, "entities")
    fs.makedirs(tmp, exist_ok=True)
    pq.write_table(first, f"{tmp}/part-r1-mergedx_000000.parquet")
    overlaps.mark_ready(fs, stage, "entities")
    fs.rm(f"{folder}/part-r1-copy.parquet")
    merge_found_twice(run)
    names = sorted(p.rsplit("/", 1)[1] for p in fs.find(folder))
    assert names == ["part-r1-mergedx_000000.parquet"]
    assert pq.read_table(folder).num_rows == first.num_rows


def test_documents_built_again_after_a_kill_replace_the_first_ones(local_ray, tmp_path):
    run, _ = staged_run(tmp_path)
    fs, stage = run.fs, run.path
    built = []
    for _ in range(2):  # finalize killed after staging the documents, then run again
        docs, extra = build_documents(run, n_tasks=3, passthrough=[])
        built.append(docs)
    # A build killed while writing its temp folder leaves files there: the next build ignores them.
    stale = f"{stage}/_finalize/documents/documents/date=2026-11-25"
    fs.makedirs(stale, exist_ok=True)
    pq.write_table(pq.read_table(partition_dir(stage, "documents", "2026-11-25")), f"{stale}/part-r1-stale.parquet")
    docs, extra = build_documents(run, n_tasks=3, passthrough=[])
    built.append(docs)
    assert built[1].equals(built[0]) and built[2].equals(built[0])  # earlier attempts' rows not counted
    counts = staged_counts(run)
    assert counts["documents"] == 3
    assert counts["errors"] == 2 + 2  # two parse errors, a missing_answers row for a and c (not doubled)
    names = [p.rsplit("/", 1)[1] for p in fs.find(partition_dir(stage, "errors", "2026-11-25"))]
    assert all(n.startswith("part-r1-") for n in names) and sum(DOCUMENT_ERRORS in n for n in names) >= 1


def test_publish_killed_midway_resumes_without_losing_or_doubling_files(local_ray, tmp_path):
    run, _ = staged_run(tmp_path)
    fs, out, stage = run.fs, run.output, run.path
    build_documents(run, n_tasks=2, passthrough=["title"])
    counts = staged_counts(run)
    # The killed attempt: marked, cleared the old partition, moved the answers, then died.
    run.mark(PUBLISH_STARTED)
    src, dst = partition_dir(stage, "answers", "2026-11-25"), partition_dir(out, "answers", "2026-11-25")
    fs.makedirs(dst, exist_ok=True)
    for path in fs.find(src):
        fs.mv(path, f"{dst}/{path.rsplit('/', 1)[1]}")
    other = partition_dir(out, "entities", "2026-11-25")  # an older run's file, still there
    fs.makedirs(other, exist_ok=True)
    pq.write_table(TABLES["entities"].empty_table(), f"{other}/part-2026-11-24-aaaaaaaa-bbbbbbbb-x.parquet")

    publish(run, {"run_id": "r1", "counts": counts})
    assert fs.cat(f"{out}/_SUCCESS").decode().strip() == "r1"
    for table in ("answers", "entities", "documents", "errors"):
        assert pq.read_table(partition_dir(out, table, "2026-11-25")).num_rows == counts[table], table
    assert not fs.exists(f"{other}/part-2026-11-24-aaaaaaaa-bbbbbbbb-x.parquet")
    assert not fs.exists(stage)


def test_staged_prompt_rows_are_counted_from_parquet_footers(tmp_path):
    from yayi_batch.write.tables import count_rows

    fs = fsspec.filesystem("file")
    assert count_rows(fs, str(tmp_path / "missing")) == 0
    (tmp_path / "p").mkdir()
    pq.write_table(pa.table({"x": [1, 2, 3]}), tmp_path / "p" / "a.parquet")
    pq.write_table(pa.table({"x": [4]}), tmp_path / "p" / "b.parquet")
    assert count_rows(fs, str(tmp_path / "p")) == 4
