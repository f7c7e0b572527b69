"""Where a run's files go: staging folder, date partitions, file-name prefixes. Pure.

Values that come from data or config (a run date, a run id) are sanitized so that a path
built from them cannot reach outside its folder.
"""

from __future__ import annotations

from yayi_batch.fs import join


def safe_partition_value(value: str) -> str:
    """A partition value that cannot reach outside its folder: no /, \\, .., =, control chars."""
    cleaned = "".join(ch if (ch.isalnum() or ch in "-_.") else "_" for ch in str(value))
    cleaned = cleaned.replace("..", "_").strip(".")
    return cleaned or "_"


def staging_dir(output: str, run_id: str) -> str:
    """`{output}/_staging/{run_id}`: everything a run writes before it publishes."""
    return join(output, "_staging", safe_partition_value(run_id))


def partition_dir(base: str, table: str, run_date: str) -> str:
    return join(base, table, f"date={safe_partition_value(run_date)}")


def part_prefix(run_id: str) -> str:
    """File names carry their run: publish can tell this run's files from other runs' files."""
    return f"part-{safe_partition_value(run_id)}-"
