"""`output.format: iceberg` through whole runs (real in-process Ray, fake engine, a real SQL
catalog): the same rows as Parquet, a rerun that replaces its date, a new night that adds one, a
passthrough column added later, a publish cut between tables finished by the next attempt, and
a warehouse on moto's S3 read back by DuckDB's own Iceberg reader."""

from __future__ import annotations

import errno
import json
import pathlib

import polars as pl
import pytest

from yayi_batch.config import load_config
from yayi_batch.failures import RunFailed
from yayi_batch.publish import iceberg as iceberg_publish
from yayi_batch.publish.reader import PublishedOutput, read_table
from yayi_batch.run import run
from yayi_batch.schema import TABLES
from yayi_batch.testing.corpus import base_overrides, write_corpus
from yayi_batch.testing.fake_engine import fake_generate
from yayi_batch.testing.s3 import moto_s3

# Every test here takes 5-100 s (moto, retries and their backoff, several runs): out of the development tier.
pytestmark = pytest.mark.slow

pytest.importorskip("pyiceberg")


def iceberg(corpus, out, *extra):
    return load_config(None, base_overrides(corpus, out) + ["output.report=false", "output.format=iceberg", *extra])


def rows(table: pl.DataFrame) -> list[tuple]:
    keep = [c for c in table.columns if c not in ("date", "finished_at")]
    return sorted(table.select(keep).rows(), key=str)


def test_iceberg_has_the_parquet_rows_a_rerun_replaces_its_date_a_night_adds_one(local_ray, corpus, tmp_path):
    parquet = run(load_config(None, base_overrides(corpus, tmp_path / "pq") + ["output.report=false"]), generate_fn=fake_generate)
    out = tmp_path / "ice"
    first = run(iceberg(corpus, out), generate_fn=fake_generate)
    pointer = json.loads((out / "_iceberg.json").read_text())
    assert pointer["namespace"] == "yayi" and set(pointer["tables"]) == set(TABLES)
    manifest = json.loads((out / "_manifest" / f"{first.run_id}.json").read_text())
    snapshots = manifest["iceberg"]["snapshots"]
    assert set(snapshots) == set(TABLES)  # a table that never had a row has no snapshot yet (None)
    assert all(snapshots[t] for t in ("entities", "answers", "documents", "errors"))
    assert (out / "_SUCCESS").read_text().strip() == first.run_id and not (out / "_staging").exists()
    for table in TABLES:  # what eval, report and kg read: the Parquet run's rows, the run date as `date`
        ice, pq_rows = read_table(str(out), table), read_table(str(tmp_path / "pq"), table)
        assert rows(ice.drop("run_id")) == rows(pq_rows.drop("run_id")), table
        assert set(ice["date"]) <= {"2026-11-25"}

    again = run(iceberg(corpus, out, "output.force=true"), generate_fn=fake_generate)  # the same date again: replaced
    assert again.run_id == first.run_id
    assert read_table(str(out), "entities").height == read_table(str(tmp_path / "pq"), "entities").height
    run(iceberg(corpus, out, "output.run_date=2026-11-26"), generate_fn=fake_generate)  # the next night: added
    docs = read_table(str(out), "documents")
    assert docs.group_by("date").len().sort("date").rows() == [("2026-11-25", parquet.documents), ("2026-11-26", parquet.documents)]
    assert PublishedOutput.open(str(out)).dates(["entities"]) == ["2026-11-25", "2026-11-26"]


def test_a_passthrough_column_added_later_evolves_the_documents_table(local_ray, corpus, tmp_path):
    out = tmp_path / "ice"
    run(iceberg(corpus, out, "input.passthrough_columns=[]"), generate_fn=fake_generate)
    run(iceberg(corpus, out, "output.run_date=2026-11-26", "input.passthrough_columns=[title]"), generate_fn=fake_generate)
    docs = read_table(str(out), "documents").sort("date", "doc_id")
    assert docs.filter(pl.col("date") == "2026-11-25")["title"].null_count() == docs.filter(pl.col("date") == "2026-11-25").height
    assert docs.filter(pl.col("date") == "2026-11-26")["title"].drop_nulls().to_list()[:1] == ["title blank-1"]


def test_a_publish_cut_between_tables_is_finished_by_the_next_attempt(local_ray, corpus, tmp_path, monkeypatch):
    out = tmp_path / "ice"
    real = iceberg_publish._commit_table
    committed: list[str] = []

    def dies_after_three(run_, catalog, props, name, identifier, table, run_date, *, incremental):
        if len(committed) == 3:
            raise OSError(errno.EIO, "connection to the catalog lost")
        committed.append(table)
        return real(run_, catalog, props, name, identifier, table, run_date, incremental=incremental)

    monkeypatch.setattr(iceberg_publish, "_commit_table", dies_after_three)
    with pytest.raises(RunFailed, match="failed while publishing"):
        run(iceberg(corpus, out), generate_fn=fake_generate)
    assert not (out / "_SUCCESS").exists()
    monkeypatch.setattr(iceberg_publish, "_commit_table", real)
    calls: list[str] = []

    def counted(run_, catalog, props, name, identifier, table, run_date, *, incremental):
        calls.append(table)
        return real(run_, catalog, props, name, identifier, table, run_date, incremental=incremental)

    monkeypatch.setattr(iceberg_publish, "_commit_table", counted)
    summary = run(iceberg(corpus, out), generate_fn=fake_generate)
    assert calls == [t for t in iceberg_publish.ORDER if t not in committed]  # the committed ones are not committed twice
    assert calls[-1] == "documents"
    manifest = json.loads((out / "_manifest" / f"{summary.run_id}.json").read_text())
    assert all(manifest["iceberg"]["snapshots"][t] for t in ("entities", "answers", "documents", "errors"))
    assert read_table(str(out), "documents").height == summary.documents


def _duckdb_offline():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for name in ("httpfs", "avro", "iceberg"):  # avro before iceberg; httpfs for s3://
        module = pytest.importorskip(f"duckdb_extension_{name}")
        con.execute(f"LOAD '{pathlib.Path(module.__file__).parent / 'extensions' / f'v{duckdb.__version__}' / f'{name}.duckdb_extension'}'")
    return con


def test_a_warehouse_on_s3_is_read_back_by_duckdb(local_ray, tmp_path):
    with moto_s3("lake-in", "lake-out") as (fs, options):
        corpus = write_corpus(tmp_path / "corpus")
        fs.put(str(corpus) + "/", "lake-in/corpus/", recursive=True)
        catalog = {"type": "sql", "uri": f"sqlite:///{tmp_path / 'catalog.db'}"}
        overrides = base_overrides("s3://lake-in/corpus", "s3://lake-out/ice") + [
            "output.report=false",
            "output.format=iceberg",
            f"output.iceberg.catalog={json.dumps(catalog)}",
            f"input.storage_options={json.dumps(options)}",
            f"output.storage_options={json.dumps(options)}",
        ]
        summary = run(load_config(None, overrides), generate_fn=fake_generate)
        published = PublishedOutput.open("s3://lake-out/ice", options)
        entities = published.scan_table("entities").collect()
        assert entities.height == summary.rows["entities"] > 0

        con = _duckdb_offline()
        endpoint = options["client_kwargs"]["endpoint_url"].removeprefix("http://")
        con.execute(
            f"CREATE SECRET moto (TYPE S3, KEY_ID '{options['key']}', SECRET '{options['secret']}', REGION 'us-east-1', "
            f"ENDPOINT '{endpoint}', URL_STYLE 'path', USE_SSL false)"
        )
        for table in ("entities", "documents"):
            location = published._table(table).metadata_location
            n = con.execute(f"SELECT count(*) FROM iceberg_scan('{location}') WHERE run_date = DATE '2026-11-25'").fetchone()[0]
            assert n == summary.rows[table], table
        texts = {r[0] for r in con.execute(f"SELECT text FROM iceberg_scan('{published._table('entities').metadata_location}')").fetchall()}
        assert texts == set(entities["text"])
