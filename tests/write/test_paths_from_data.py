"""Security: nothing that comes from data or a config value can put a file outside
the output prefix (partition values, run ids, report names, doc ids, type names)."""

import datetime as dt
import posixpath
from types import SimpleNamespace

import fsspec
import pyarrow as pa
import pytest

from yayi_batch.parse.rows import ParseAnswers
from yayi_batch.report.html import report_path
from yayi_batch.schema import RunId
from yayi_batch.write.paths import part_prefix, partition_dir, safe_partition_value, staging_dir
from yayi_batch.write.sink import TablesSink
from yayi_batch.write.staged import StagedRun

HOSTILE = [
    "..",
    ".",
    "../..",
    "../../etc/passwd",
    "/etc/passwd",
    "a/../../b",
    "\\..\\..\\windows",
    "C:\\x",
    "x\x00y",
    "\x00",
    "a=b/c",
    "%2e%2e%2f",
    "．．／",
    "∕..∕",
    "..\u2215..",
    " ",
    "",
    "\n../\r",
    "date=2026-11-25/../../x",
    "日期/../../x",
    "a" * 300 + "/..",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_partition_value_is_one_plain_path_segment(value):
    cleaned = safe_partition_value(value)
    assert cleaned and cleaned not in (".", "..")
    assert not any(ch in cleaned for ch in "/\\\x00=\n\r")
    assert ".." not in cleaned and not cleaned.startswith(".")


@pytest.mark.parametrize("value", HOSTILE)
def test_paths_built_from_values_stay_under_their_base(value):
    base = "/data/out"
    for path in (
        staging_dir(base, value),
        partition_dir(base, "entities", value),
        posixpath.join(base, "entities", part_prefix(value) + "x.parquet"),
    ):
        assert posixpath.normpath(path).startswith(base + "/"), path
        assert "\x00" not in path


@pytest.mark.parametrize("value", HOSTILE)
def test_report_file_name_from_a_run_id_stays_in_the_report_folder(value):
    path = report_path("s3://lake/out", value)
    folder, name = path.rsplit("/", 1)
    assert folder == "s3://lake/out/_report" and name.startswith("report-") and name.endswith(".html")
    assert ".." not in name.removesuffix(".html").removeprefix("report-").replace("_", "") or "/" not in name


def test_run_ids_are_made_only_of_safe_characters():
    rid = str(RunId.make(dt.date(2026, 11, 25), "f" * 16, [("../../x\x00", 1, "v")]))
    assert safe_partition_value(rid) == rid


def test_doc_ids_and_type_names_from_data_never_become_paths(tmp_path):
    fs = fsspec.filesystem("file")
    out = str(tmp_path / "out")
    evil = "../../../evil"
    base = {
        "chunk_start": 0,
        "chunk_text": evil + " x",
        "lang": "en",
        "types": [evil],
        "roles": [],
        "tokens_in": 1,
        "tokens_out": 1,
        "finish_reason": "stop",
        "engine_error": "",
        "prompt_id": "p",
    }
    rows = [
        {**base, "doc_id": evil, "chunk_id": "/etc/passwd", "task": "ner", "generated_text": '{"../../../evil": ["x"]}'},
        {**base, "doc_id": "a/../../b\x00", "chunk_id": "c", "task": "re", "generated_text": "garbage"},
    ]
    block = ParseAnswers("2026-11-25-aaaaaaaa-bbbbbbbb")(pa.Table.from_pylist(rows))
    TablesSink(StagedRun(fs, out, "2026-11-25-aaaaaaaa-bbbbbbbb", "../../2026")).write(
        [block], ctx=SimpleNamespace(kwargs={"write_uuid": "../w"}, task_idx=0)
    )
    written = [p for p in fs.find(str(tmp_path))]
    assert written and all(p.startswith(out + "/_staging/") for p in written)
    assert not (tmp_path / "evil").exists()
