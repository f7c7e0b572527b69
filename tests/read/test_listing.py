"""Bad inputs found on the driver before the model loads: every error names the file."""

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.config import InputConfig
from yayi_batch.finalize.documents import BAD_FILE_PREFIX, bad_file_errors
from yayi_batch.read import InputError, list_inputs, list_parquet_files
from yayi_batch.schema import ERRORS, ErrorKind, ErrorStage


def shard(path, ids=("a", "b"), texts=("x", "y"), **extra):
    pq.write_table(pa.table({"id": list(ids), "text": list(texts), **extra}), path)
    return path


def cfg(*paths, **kw):
    return InputConfig(paths=[str(p) for p in paths], **kw)


def test_a_glob_matching_nothing_says_so(tmp_path):
    with pytest.raises(InputError, match=r"nothing matches this pattern"):
        list_parquet_files([str(tmp_path / "*.parquet")])


def test_a_glob_matching_only_other_files_names_them(tmp_path):
    (tmp_path / "a.csv").write_text("id,text\n")
    (tmp_path / "b.json").write_text("{}")
    with pytest.raises(InputError, match=r"no \.parquet files there; found only .*a\.csv, .*b\.json"):
        list_parquet_files([str(tmp_path / "*")])


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_corrupt_shard_among_good_ones_fails_naming_it(tmp_path, damage):
    shard(tmp_path / "a.parquet")
    bad = shard(tmp_path / "b.parquet")
    data = bad.read_bytes()
    bad.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"PAR1 not parquet at all", "empty": b""}[damage])
    with pytest.raises(InputError, match=r"b\.parquet: not a readable Parquet file.*on_bad_file=skip"):
        list_inputs(cfg(tmp_path))


def test_on_bad_file_skip_leaves_it_out_and_returns_it(tmp_path):
    shard(tmp_path / "a.parquet")
    (tmp_path / "b.parquet").write_bytes(b"junk")
    fs, good, bad = list_inputs(cfg(tmp_path, on_bad_file="skip"))
    assert [f["path"].rsplit("/", 1)[1] for f in good] == ["a.parquet"]
    assert len(bad) == 1 and bad[0]["path"].endswith("b.parquet") and "not a readable Parquet" in bad[0]["error"]
    rows = bad_file_errors("r1", bad)
    assert rows.to_arrow().cast(ERRORS).num_rows == 1  # fits the errors table
    row = rows.row(0, named=True)
    assert row["doc_id"] == BAD_FILE_PREFIX + bad[0]["path"]
    assert (row["stage"], row["kind"]) == (ErrorStage.READ.value, ErrorKind.BAD_FILE.value)


def test_skip_with_no_readable_file_left_is_an_error(tmp_path):
    (tmp_path / "b.parquet").write_bytes(b"junk")
    with pytest.raises(InputError, match="no readable Parquet file"):
        list_inputs(cfg(tmp_path, on_bad_file="skip"))


def test_config_rejects_an_unknown_bad_file_policy():
    with pytest.raises(ValueError, match="on_bad_file"):
        InputConfig(paths=["x"], on_bad_file="ignore")


def test_missing_id_or_text_column_names_file_and_column(tmp_path):
    pq.write_table(pa.table({"doc": ["a"], "text": ["x"]}), tmp_path / "noid.parquet")
    pq.write_table(pa.table({"id": ["a"], "body": ["x"]}), tmp_path / "notext.parquet")
    with pytest.raises(InputError) as exc:
        list_inputs(cfg(tmp_path))
    msg = str(exc.value)
    assert "noid.parquet: no id column 'id'" in msg
    assert "notext.parquet: no text column 'text'" in msg


@pytest.mark.parametrize("values,typename", [([1, 2], "int64"), ([b"x", b"y"], "binary"), ([1.5, 2.0], "double")])
def test_a_text_column_of_the_wrong_type_names_file_and_type(tmp_path, values, typename):
    shard(tmp_path / "a.parquet", texts=values)
    with pytest.raises(InputError, match=rf"a\.parquet: text column 'text' has type {typename}, expected string"):
        list_inputs(cfg(tmp_path))


def test_ids_int_in_one_shard_and_string_in_another_are_accepted(tmp_path):
    shard(tmp_path / "a.parquet", ids=[1, 2])
    shard(tmp_path / "b.parquet", ids=["3", "4"])
    _, good, bad = list_inputs(cfg(tmp_path))
    assert len(good) == 2 and bad == []


def test_a_float_id_column_is_refused(tmp_path):
    shard(tmp_path / "a.parquet", ids=[1.0, 2.0])
    with pytest.raises(InputError, match="id column 'id' has type double, expected string or integer"):
        list_inputs(cfg(tmp_path))


def test_a_passthrough_column_with_two_types_names_both_files_and_types(tmp_path):
    shard(tmp_path / "a.parquet", year=[2020, 2021])
    shard(tmp_path / "b.parquet", year=["2020", "2021"])
    with pytest.raises(InputError, match=r"'year' has type int64 in .*a\.parquet but string in .*b\.parquet"):
        list_inputs(cfg(tmp_path, passthrough_columns=["year"]))


def test_string_layouts_of_a_passthrough_column_are_one_type(tmp_path):
    shard(tmp_path / "a.parquet", title=pa.array(["t", "u"], pa.string()))
    shard(tmp_path / "b.parquet", title=pa.array(["t", "u"], pa.large_string()))
    _, good, _ = list_inputs(cfg(tmp_path, passthrough_columns=["title"]))
    assert len(good) == 2


def test_bad_file_rows_join_the_document_error_rows():
    extra = pl.DataFrame(
        {
            "run_id": ["r"],
            "doc_id": ["d"],
            "chunk_id": [None],
            "task": [None],
            "stage": ["read"],
            "kind": ["invalid_document"],
            "message": ["m"],
            "raw_output": [None],
        },
        schema=bad_file_errors("r", []).schema,
    )
    both = pl.concat([extra, bad_file_errors("r", [{"path": "/x/b.parquet", "error": "e"}])], how="vertical_relaxed")
    assert both["kind"].to_list() == ["invalid_document", "bad_file"]
