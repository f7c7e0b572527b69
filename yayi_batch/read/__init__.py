"""read: input shards -> documents. `listing` is pure (driver); `dataset` builds the Ray Dataset."""

from yayi_batch.read.listing import InputError, check_schemas, list_inputs, list_parquet_files

__all__ = ["InputError", "check_schemas", "list_inputs", "list_parquet_files"]
