"""keep_first's choice of the kept occurrence and the fail message (pure; the Ray side is in
tests/integration/test_bad_inputs_run.py)."""

import pyarrow as pa
import pytest

from yayi_batch.read.duplicates import DuplicateIds, describe_duplicates, duplicated_rows, later_occurrences, row_position

FILES = [{"path": "/in/a.parquet", "fs_path": "/in/a.parquet"}, {"path": "/in/b.parquet", "fs_path": "/in/b.parquet"}]


def ray_hashes(path, start, n):
    sc = pytest.importorskip("ray.data._internal.datasource_v2.common.synthesized_columns")
    return [int(h) for h in sc._compute_row_hashes(path, start, n)]


@pytest.mark.parametrize("path", ["/in/a.parquet", "s3-bucket/key with space.parquet", "/日本/x.parquet"])
def test_row_positions_are_recovered_from_ray_row_hashes(path):
    hashes = ray_hashes(path, 0, 50) + ray_hashes(path, 1_000_000, 3)
    assert [row_position(path, h) for h in hashes] == [*range(50), 1_000_000, 1_000_001, 1_000_002]
    assert row_position("/other.parquet", hashes[0]) is None  # another file's hash: no position


def test_keep_first_keeps_the_first_file_then_the_first_row():
    a, b = ray_hashes("/in/a.parquet", 0, 10), ray_hashes("/in/b.parquet", 0, 10)
    rows = [
        {"doc_id": "x", "source_path": "/in/b.parquet", "row_hash": b[1]},
        {"doc_id": "x", "source_path": "/in/a.parquet", "row_hash": a[7]},
        {"doc_id": "y", "source_path": "/in/b.parquet", "row_hash": b[9]},
        {"doc_id": "y", "source_path": "/in/b.parquet", "row_hash": b[2]},
        {"doc_id": "y", "source_path": "/in/b.parquet", "row_hash": b[5]},
    ]
    assert later_occurrences(rows, FILES) == {b[1], b[9], b[5]}


def test_unknown_hashes_fall_back_to_a_deterministic_choice():
    rows = [{"doc_id": "x", "source_path": "/in/a.parquet", "row_hash": h} for h in (99, 7, 12345)]
    assert later_occurrences(rows, FILES) == later_occurrences(list(reversed(rows)), FILES)
    assert len(later_occurrences(rows, FILES)) == 2


def test_fail_message_names_ids_files_and_the_rest():
    named = describe_duplicates(
        [
            {"doc_id": "1", "source_path": "/in/b.parquet"},
            {"doc_id": "1", "source_path": "/in/a.parquet"},
            {"doc_id": "x", "source_path": "/in/b.parquet"},
            {"doc_id": "x", "source_path": "/in/b.parquet"},
        ],
        FILES,
    )
    msg = DuplicateIds(25, 0, named, frozenset()).message()
    assert msg.startswith("25 document id(s) occur more than once: '1' in /in/a.parquet, /in/b.parquet; ")
    assert "'x' in /in/b.parquet (x2)" in msg and "(+23 more ids)" in msg and "input.duplicate_ids=keep_first" in msg


@pytest.mark.parametrize(
    ("ids", "rows", "first"),
    [
        (["a", "b", "c"], [], []),
        (["a", "b", "a"], ["a", "a"], [True, False]),
        (["b", "a", "b", "a", "b", None], ["a", "a", "b", "b", "b"], [True, False, True, False, False]),
        ([], [], []),
    ],
    ids=["none", "one-id-twice", "two-ids", "empty"],
)
def test_duplicated_rows_keeps_the_rows_of_ids_seen_twice_and_marks_one_per_id(ids, rows, first):
    block = pa.table({"doc_id": pa.array(ids, pa.string()), "source_path": ["f"] * len(ids), "row_hash": list(range(len(ids)))})
    out = duplicated_rows(block)
    assert out.column("doc_id").to_pylist() == rows
    assert out.column("first_of_id").to_pylist() == first
    assert sum(first) == len(set(rows))  # what n_ids counts
