"""Iceberg catalog properties from the config, the tables' schema, and evolution (no Ray: a real
SQL catalog in a temporary SQLite file)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from yayi_batch.publish.iceberg_tables import RUN_DATE, catalog_properties, ensure_table, load_catalog, shown, table_schema
from yayi_batch.schema import TABLES

pytest.importorskip("pyiceberg")


def test_the_embedded_default_is_a_sqlite_catalog_beside_a_local_output(tmp_path):
    props = catalog_properties(str(tmp_path / "out"), {}, {})
    assert props["type"] == "sql" and props["uri"] == f"sqlite:///{tmp_path / 'out' / '_iceberg' / 'catalog.db'}"
    assert props["warehouse"] == (tmp_path / "out").as_uri()


def test_an_object_store_output_needs_a_catalog_and_takes_its_storage_options():
    with pytest.raises(ValueError, match="output.iceberg.catalog.uri is needed"):
        catalog_properties("s3://lake/out", {}, {})
    options = {"key": "AKIA-secret-id", "secret": "very-secret", "client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"}}
    props = catalog_properties("s3://lake/out", {"type": "sql", "uri": "sqlite:////tmp/c.db"}, options)
    assert props["warehouse"] == "s3://lake/out" and props["s3.endpoint"] == "http://127.0.0.1:9000"
    assert props["s3.access-key-id"] == "AKIA-secret-id" and props["s3.region"] == "us-east-1"
    rest = catalog_properties("s3://lake/out", {"type": "rest", "uri": "https://catalog", "s3.endpoint": "http://mine"}, options)
    assert rest["s3.endpoint"] == "http://mine"  # the config's own wins
    assert "very-secret" not in str(shown(props)) and "AKIA-secret-id" not in str(shown(props))


def test_tables_are_partitioned_by_run_date_and_gain_new_columns(tmp_path):
    props = catalog_properties(str(tmp_path / "out"), {}, {})
    catalog = load_catalog("yayi", props)
    table = ensure_table(catalog, "yayi.documents", table_schema("documents"))
    assert [f.name for f in table.spec().fields] == [RUN_DATE]
    assert table.schema().as_arrow().names == [*TABLES["documents"].names, RUN_DATE]
    assert table.schema().find_field("doc_id").required  # the job's non-null columns stay required
    extra = pa.schema([pa.field("title", pa.string())])
    table = ensure_table(catalog, "yayi.documents", table_schema("documents", extra))
    assert "title" in table.schema().as_arrow().names and table.schema().find_field("doc_id").required
    assert ensure_table(catalog, "yayi.documents", table_schema("documents")).schema() == table.schema()  # nothing to add
