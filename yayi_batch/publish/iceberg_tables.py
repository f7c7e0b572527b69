"""The job's tables as Apache Iceberg tables: catalog properties from the config, table creation
from the job's Arrow schemas partitioned by run date, schema evolution. Pure: pyiceberg.

Every table gets a `run_date` column (date) that is its identity partition, so a run replaces
exactly its date's rows in one commit per table, and a nightly run adds a date. Which catalog and
namespace an output uses is written next to it as `{output}/_iceberg.json` (no credentials), so
`yayi-batch eval`, `report` and `kg` find the tables from the output path alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from yayi_batch.fs import filesystem, is_local, join
from yayi_batch.schema import TABLES

RUN_DATE = "run_date"
POINTER = "_iceberg.json"
# Small tables, committed nightly: merge manifests early and keep the metadata history bounded.
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": "zstd",
    "commit.manifest-merge.enabled": "true",
    "commit.manifest.min-count-to-merge": "8",
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "50",
    "commit.retry.num-retries": "8",
}
_SECRET = ("secret", "key", "token", "password", "credential")


def table_schema(table: str, extra: pa.Schema | None = None) -> pa.Schema:
    """The Arrow schema of a table in Iceberg: its published columns, then `run_date`."""
    fields = list(TABLES[table]) + [f for f in (extra or []) if f.name not in TABLES[table].names]
    return pa.schema([*fields, pa.field(RUN_DATE, pa.date32(), nullable=False)])


def catalog_properties(output: str, catalog: dict[str, Any], storage_options: dict[str, Any]) -> dict[str, Any]:
    """pyiceberg catalog properties: the config's, with the embedded default filled in (a SQL
    catalog in a SQLite file beside a local output, the output as warehouse) and the output's S3
    endpoint and credentials as the `s3.*` properties when the config does not give them."""
    props = {k: v for k, v in catalog.items()}
    props.setdefault("type", "sql")
    if props["type"] == "sql" and "uri" not in props:
        if not is_local(output):
            raise ValueError(
                "output.iceberg.catalog.uri is needed for an object-store output: a SQL catalog "
                "(sqlite:////path/catalog.db, postgresql://...) or another catalog type (rest, glue, hive)"
            )
        props["uri"] = f"sqlite:///{Path(output.removeprefix('file://')).resolve() / '_iceberg' / 'catalog.db'}"
    if "warehouse" not in props:
        props["warehouse"] = output if not is_local(output) else Path(output.removeprefix("file://")).resolve().as_uri()
    client = storage_options.get("client_kwargs") or {}
    for key, value in (
        ("s3.endpoint", client.get("endpoint_url") or storage_options.get("endpoint_url")),
        ("s3.access-key-id", storage_options.get("key")),
        ("s3.secret-access-key", storage_options.get("secret")),
        ("s3.session-token", storage_options.get("token")),
        ("s3.region", client.get("region_name")),
    ):
        if value and key not in props:
            props[key] = value
    if str(props.get("warehouse", "")).startswith("s3") and "s3.region" not in props:
        props["s3.region"] = "us-east-1"  # without it pyarrow asks AWS where the bucket is
    return props


def shown(props: dict[str, Any]) -> dict[str, Any]:
    """Catalog properties as a file or a log may show them: nothing credential-like."""
    return {k: v for k, v in props.items() if not any(w in k.lower() for w in _SECRET)}


def load_catalog(name: str, props: dict[str, Any]) -> Any:
    from pyiceberg.catalog import load_catalog as _load

    if props.get("type") == "sql" and str(props.get("uri", "")).startswith("sqlite:///"):
        Path(str(props["uri"]).removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return _load(name, **props)


def ensure_table(catalog: Any, identifier: str, schema: pa.Schema) -> Any:
    """The table, created with `schema` and an identity partition on run_date when missing; a
    column the table lacks (a passthrough column added later) is added, never failing the write."""
    from pyiceberg.exceptions import NoSuchTableError

    namespace = identifier.rsplit(".", 1)[0]
    catalog.create_namespace_if_not_exists(namespace)
    try:
        table = catalog.load_table(identifier)
    except NoSuchTableError:
        try:
            with catalog.create_table_transaction(identifier, schema=schema, properties=TABLE_PROPERTIES) as tx:
                with tx.update_spec() as spec:
                    spec.add_identity(RUN_DATE)
        except Exception:  # another writer created it first: use theirs
            pass
        return catalog.load_table(identifier)
    have = {f.name for f in table.schema().fields}
    new = [f for f in schema if f.name not in have]
    if new:
        with table.update_schema() as update:
            # Only the new fields: a union with the whole schema would turn required columns optional.
            update.union_by_name(pa.schema([f.with_nullable(True) for f in new]))
        table = catalog.load_table(identifier)
    return table


def write_pointer(fs: Any, output_root: str, catalog_name: str, props: dict[str, Any], namespace: str, tables: dict[str, str]) -> None:
    with fs.open(join(output_root, POINTER), "w") as fh:
        json.dump({"catalog_name": catalog_name, "catalog": shown(props), "namespace": namespace, "tables": tables}, fh, indent=2)


def read_pointer(output: str, storage_options: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The `_iceberg.json` of an output, or None for a Parquet output."""
    fs, root = filesystem(output, storage_options)
    path = join(root.rstrip("/"), POINTER)
    fs.invalidate_cache()
    if not fs.exists(path):
        return None
    with fs.open(path, "r") as fh:
        return json.load(fh)
