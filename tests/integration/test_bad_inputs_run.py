"""Bad input through a whole run (real in-process Ray, fake engine): duplicate ids,
ids of mixed types, an unreadable shard skipped, text that is not valid UTF-8. Count in = count out."""

import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.config import load_config
from yayi_batch.read import InputError
from yayi_batch.run import run
from yayi_batch.testing.fake_engine import fake_generate

EN = "Acme Corp hired John Smith as chief executive in Paris."


def invalid_utf8(values: list[bytes]) -> pa.Array:
    b = pa.array(values, pa.binary())
    return pa.Array.from_buffers(pa.string(), len(b), b.buffers())  # a writer that does not validate


def corpus(folder):
    folder.mkdir()
    pq.write_table(pa.table({"id": [1, 2, 3], "text": [EN] * 3, "title": ["a1", "a2", "a3"]}), folder / "a.parquet")
    pq.write_table(
        pa.table(
            {
                "id": ["3", "dup", "dup", "4"],
                "text": [EN, EN, "A second text.", EN],
                "title": pa.array(["b1", "b2", "b3", "b4"], pa.large_string()),
            }
        ),
        folder / "b.parquet",
    )
    (folder / "c.parquet").write_bytes(b"PAR1 this is not parquet")
    pq.write_table(
        pa.table({"id": ["bad-utf8", "ok-5"], "text": invalid_utf8([b"caf\xe9 \xed\xa0\x80", EN.encode()]), "title": ["d1", "d2"]}),
        folder / "d.parquet",
    )
    return folder


def overrides(folder, out, *extra):
    return [
        f"input.paths=[{folder}]",
        f"output.path={out}",
        "output.run_date=2026-11-25",
        "extraction.tasks=[ner]",
        "input.passthrough_columns=[title]",
        "output.report=false",
        "sampling.retry_truncated=false",
        *extra,
    ]


@pytest.mark.slow
def test_keep_first_skip_bad_file_mixed_ids_and_bad_utf8(local_ray, tmp_path):
    folder, out = corpus(tmp_path / "in"), tmp_path / "out"
    summary = run(
        load_config(None, overrides(folder, out, "input.duplicate_ids=keep_first", "input.on_bad_file=skip")), generate_fn=fake_generate
    )
    docs = pl.read_parquet(f"{out}/documents/**/*.parquet")
    assert docs.height == 3 + 4 + 2  # every row of every readable shard: count in = count out
    status = {(r["title"]): (r["doc_id"], r["status"]) for r in docs.iter_rows(named=True)}
    assert status["a3"] == ("3", "ok")  # int 3 of the first file is kept; "3" of b.parquet is the later one
    assert status["b1"][1] == "invalid" and status["b1"][0].startswith("__duplicate_id__:3:")
    assert status["b2"] == ("dup", "ok") and status["b3"][1] == "invalid"  # first row of the file kept
    assert status["d1"] == ("bad-utf8", "invalid") and status["d2"] == ("ok-5", "ok")
    assert docs["doc_id"].n_unique() == docs.height

    errors = pl.read_parquet(f"{out}/errors/**/*.parquet")
    kinds = errors.group_by("kind").len().sort("kind")
    assert dict(kinds.iter_rows()) == {"bad_file": 1, "duplicate_id": 2, "invalid_document": 1}
    bad = errors.filter(pl.col("kind") == "bad_file").row(0, named=True)
    assert bad["doc_id"].startswith("__bad_file__:") and bad["doc_id"].endswith("c.parquet") and bad["stage"] == "read"
    assert "not valid UTF-8" in errors.filter(pl.col("kind") == "invalid_document")["message"].item()

    manifest = json.loads(next((out / "_manifest").glob("*.json")).read_text())
    assert [s["path"].rsplit("/", 1)[1] for s in manifest["skipped_inputs"]] == ["c.parquet"]
    assert summary.documents_by_status["invalid"] == 3 and summary.bad_inputs == 1
    assert summary.errors_by_kind["duplicate_id"] == 2


@pytest.mark.slow
def test_duplicate_ids_fail_by_default_naming_ids_and_files(local_ray, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.table({"id": [1, 2, 7], "text": [EN] * 3}), folder / "a.parquet")
    pq.write_table(pa.table({"id": ["1", "x", "x", "y"], "text": [EN] * 4}), folder / "b.parquet")
    with pytest.raises(InputError) as exc:
        run(load_config(None, overrides(folder, tmp_path / "out", "input.passthrough_columns=[]")), generate_fn=fake_generate)
    msg = str(exc.value)
    assert msg.startswith("2 document id(s) occur more than once")
    assert f"'1' in {folder}/a.parquet, {folder}/b.parquet" in msg
    assert f"'x' in {folder}/b.parquet (x2)" in msg and "input.duplicate_ids=keep_first" in msg


def empty_shard(path, passthrough=True):
    cols = {"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}
    if passthrough:
        cols["title"] = pa.array([], pa.string())
    pq.write_table(pa.table(cols), path)


def test_shards_with_zero_rows_publish_a_run_with_zero_documents(local_ray, tmp_path):
    from yayi_batch.failures import ExitCode, exit_code

    folder = tmp_path / "in"
    folder.mkdir()
    empty_shard(folder / "night-1.parquet")
    empty_shard(folder / "night-2.parquet")
    out = tmp_path / "out"
    summary = run(load_config(None, overrides(folder, out)), generate_fn=fake_generate)
    assert summary.outcome == "no rows" and summary.documents == 0 and summary.n_inputs == 2
    assert exit_code(summary.documents_by_status) is ExitCode.OK
    assert (out / "_SUCCESS").read_text().strip() == summary.run_id
    manifest = json.loads((out / "_manifest" / f"{summary.run_id}.json").read_text())
    assert [i["path"].rsplit("/", 1)[1] for i in manifest["inputs"]] == ["night-1.parquet", "night-2.parquet"]
    for table in ("documents", "entities", "answers", "errors"):  # every table exists, with its schema and no rows
        assert pl.read_parquet(out / table / "date=2026-11-25").height == 0


def test_zero_row_shards_beside_full_ones_keep_count_in_equal_count_out(local_ray, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    empty_shard(folder / "a-empty.parquet")
    pq.write_table(pa.table({"id": ["x1", "x2"], "text": [EN, EN], "title": ["t1", "t2"]}), folder / "b.parquet")
    empty_shard(folder / "c-empty.parquet")
    pq.write_table(pa.table({"id": ["y1"], "text": [EN], "title": ["t3"]}), folder / "d.parquet")
    out = tmp_path / "out"
    summary = run(load_config(None, overrides(folder, out)), generate_fn=fake_generate)
    docs = pl.read_parquet(out / "documents" / "date=2026-11-25")
    assert sorted(docs["doc_id"]) == ["x1", "x2", "y1"] and summary.documents == 3 and summary.n_inputs == 4
