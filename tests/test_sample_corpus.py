"""The shipped sample corpus (yayi_batch/data/sample_corpus/) and its generator script."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import yayi_batch

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "make_sample_corpus.py"
CORPUS_DIR = Path(yayi_batch.__file__).resolve().parent / "data" / "sample_corpus"
SHARD_NAMES = ["shard-000.parquet", "shard-001.parquet", "shard-002.parquet"]

EXPECTED_TYPES = {
    "id": pa.string(),
    "text": pa.string(),
    "title": pa.string(),
    "source": pa.string(),
    "published": pa.date32(),
    "lang_hint": pa.string(),
}

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("make_sample_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shards() -> list[pa.Table]:
    return [pq.read_table(CORPUS_DIR / name) for name in SHARD_NAMES]


@pytest.fixture(scope="module")
def rows(shards) -> list[dict]:
    return pa.concat_tables(shards).to_pylist()


def test_exactly_three_shards_are_shipped():
    assert sorted(p.name for p in CORPUS_DIR.glob("*.parquet")) == SHARD_NAMES


def test_columns_and_types(shards):
    for table in shards:
        assert table.schema.names == list(EXPECTED_TYPES)
        for name, typ in EXPECTED_TYPES.items():
            assert table.schema.field(name).type == typ, name
            assert table[name].null_count == 0, name


def test_document_count_and_unique_ids(rows):
    assert len(rows) >= 60
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    for r in rows:
        assert re.fullmatch(r"(zh|en)-\d{4}", r["id"]), r["id"]
        assert r["id"].split("-")[0] == r["lang_hint"]


def test_languages_are_balanced_and_mixed_across_shards(shards, rows):
    langs = [r["lang_hint"] for r in rows]
    assert set(langs) == {"zh", "en"}
    assert 0.4 <= langs.count("zh") / len(langs) <= 0.6
    for table in shards:
        shard_langs = table["lang_hint"].to_pylist()
        assert table.num_rows >= 15
        assert 0.3 <= shard_langs.count("zh") / len(shard_langs) <= 0.7


def test_text_matches_language(rows):
    for r in rows:
        text = r["text"]
        cjk_share = len(CJK.findall(text)) / len(text)
        if r["lang_hint"] == "zh":
            assert cjk_share > 0.6, r["id"]
            assert CJK.search(r["title"]), r["id"]
        else:
            assert cjk_share == 0, r["id"]
            assert not CJK.search(r["title"]), r["id"]


def test_lengths(rows):
    lengths = {r["id"]: len(r["text"]) for r in rows}
    long_docs = [i for i, n in lengths.items() if n > 2000]
    assert len(long_docs) >= 4
    assert sum(i.startswith("zh-") for i in long_docs) >= 2
    assert sum(i.startswith("en-") for i in long_docs) >= 2
    short = [i for i, n in lengths.items() if 150 <= n <= 800]
    assert len(short) >= 0.8 * len(rows)
    assert min(lengths.values()) >= 150


def test_long_documents_have_paragraphs(rows):
    for r in rows:
        if len(r["text"]) > 2000:
            assert r["text"].count("\n\n") >= 4, r["id"]


def test_fields_are_clean_and_distinct(rows):
    texts = [r["text"] for r in rows]
    titles = [r["title"] for r in rows]
    assert len(set(texts)) == len(texts)
    assert len(set(titles)) == len(titles)
    for r in rows:
        for name in ("id", "text", "title", "source"):
            value = r[name]
            assert value and value == value.strip(), (r["id"], name)
        assert "lorem" not in r["text"].lower()
        assert "\n\n\n" not in r["text"]
        assert dt.date(2023, 1, 1) <= r["published"] <= dt.date(2024, 12, 31)
    assert len({r["source"] for r in rows}) >= 6


def test_rebuild_is_identical_to_shipped(script, shards):
    rebuilt = script.build_tables()
    assert len(rebuilt) == len(shards)
    for new, shipped in zip(rebuilt, shards):
        assert new.schema.names == shipped.schema.names
        assert new.to_pylist() == shipped.to_pylist()
        assert new.cast(shipped.schema).equals(shipped)
    again = script.build_tables()
    for a, b in zip(rebuilt, again):
        assert a.equals(b, check_metadata=True)


def test_write_corpus_round_trips(script, tmp_path):
    paths = script.write_corpus(tmp_path)
    assert [p.name for p in paths] == SHARD_NAMES
    for path, table in zip(paths, script.build_tables()):
        assert pq.read_table(path).to_pylist() == table.to_pylist()
