"""Bucket to bucket through a real S3 API (moto's server on 127.0.0.1), read back with pyarrow
and polars. Fake engine: this is about storage, not the model."""

import json

import polars as pl
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pytest

from yayi_batch.config import load_config
from yayi_batch.run import run
from yayi_batch.testing.corpus import DOCS, write_corpus
from yayi_batch.testing.fake_engine import fake_generate
from yayi_batch.testing.s3 import moto_s3


@pytest.mark.slow
def test_bucket_to_bucket_run(local_ray, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    with moto_s3("corpus", "lake") as (fs, options):
        for f in corpus.iterdir():
            fs.put(str(f), f"corpus/news/{f.name}")
        cfg = load_config(
            None,
            [
                "input.paths=[s3://corpus/news/]",
                "output.path=s3://lake/yayi",
                "output.run_date=2026-11-25",
                "extraction.tasks=[ner, re]",
                "output.report=false",
            ],
        )
        cfg.input.storage_options = options
        cfg.output.storage_options = options
        summary = run(cfg, generate_fn=fake_generate)

        assert fs.exists("lake/yayi/_SUCCESS")
        manifest = json.loads(fs.cat(f"lake/yayi/_manifest/{summary.run_id}.json"))
        assert [i["path"] for i in manifest["inputs"]] == ["s3://corpus/news/shard-0.parquet", "s3://corpus/news/shard-1.parquet"]
        assert all(i["version"] for i in manifest["inputs"])  # the etag of each input object
        assert not fs.exists(f"lake/yayi/_staging/{summary.run_id}")
        assert "testing" not in json.dumps(manifest)  # credentials never reach the manifest

        storage = {
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "aws_endpoint_url": options["client_kwargs"]["endpoint_url"],
            "aws_region": "us-east-1",
        }
        docs = pl.read_parquet("s3://lake/yayi/documents/**/*.parquet", storage_options=storage, hive_partitioning=True)
        assert sorted(docs["doc_id"]) == sorted(d[0] for d in DOCS)
        s3 = pafs.PyFileSystem(pafs.FSSpecHandler(fs))
        entities = pads.dataset("lake/yayi/entities", filesystem=s3, format="parquet", partitioning="hive").to_table()
        assert entities.num_rows == manifest["counts"]["entities"] > 0
        assert set(entities.column("date").to_pylist()) == {"2026-11-25"}
