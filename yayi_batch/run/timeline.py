"""Where a run's time goes: each pass's window and, inside it, each Ray Data operator's.

The operators' figures are Ray Data's own execution stats (`Dataset.get_stats_summary()`): when
the operator's first block started and its last ended, and the summed wall time of its tasks (more
than the window when tasks ran side by side, less when the operator waited for input). Ray Data
times blocks with `time.perf_counter()` in the worker, a clock shared by the processes of one
machine (not across machines): the windows line up on a single node, which is where
`benchmarks/job_vs_engine.py` prints them as offsets from the run's start.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)


def operators(ds: Any) -> list[dict[str, Any]]:
    """The executed dataset's operators, upstream first (an empty list when Ray has no stats)."""
    try:
        summary = ds.get_stats_summary()
    except Exception as exc:  # stats are a diagnostic: never what fails a run
        log.debug("no operator stats: %s", exc)
        return []
    rows: list[dict[str, Any]] = []

    def walk(s: Any) -> None:
        for parent in s.parents:
            walk(parent)
        for op in s.operators_stats:
            if op.is_sub_operator or op.earliest_start_time is None:
                continue
            rows.append(
                {
                    "operator": op.operator_name,
                    "start": op.earliest_start_time,
                    "end": op.latest_end_time,
                    "task_wall_s": round(op.wall_time.sum, 2) if op.wall_time else None,
                    "rows_out": int(op.output_num_rows.sum) if op.output_num_rows else None,
                }
            )

    walk(summary)
    return rows


class Timeline:
    """The windows of one run's passes and of their operators (`time.perf_counter()` seconds)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.entries: list[dict[str, Any]] = []

    def add_pass(self, name: str, start: float, end: float, ops: list[dict[str, Any]]) -> None:
        self.entries.append({"pass": name, "operator": None, "start": start, "end": end, "task_wall_s": None, "rows_out": None})
        self.entries += [{"pass": name, **op} for op in ops]

    def relative(self) -> list[dict[str, Any]]:
        """Every window as seconds from the run's start (what the summary and the benchmark show)."""
        return [
            {**e, "start": round(e["start"] - self.started, 2), "end": round((e["end"] or e["start"]) - self.started, 2)}
            for e in self.entries
        ]
