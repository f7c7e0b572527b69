"""The run summary: what a run did, in numbers, printed at the end and kept in the manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import polars as pl
import pyarrow as pa

from yayi_batch.parse import INTERNAL_ERROR
from yayi_batch.schema import TABLES, AnswerStatus, RunOutcome, Table

_PARSED = {AnswerStatus.OK.value, AnswerStatus.REPAIRED.value, AnswerStatus.TRUNCATED.value, AnswerStatus.EMPTY.value}


@dataclass
class RunSummary:
    run_id: str
    output: str
    n_inputs: int
    documents: int
    documents_by_status: dict[str, int]
    rows: dict[str, int]
    answer_status: dict[str, int]
    match_kinds: dict[str, int]
    errors_by_kind: dict[str, int]
    tokens_in: int
    tokens_out: int
    wall_s: float
    generate_s: float
    report_path: str | None = field(default=None)
    skipped_inputs: int = 0  # nightly mode: shards already published with this config
    bad_inputs: int = 0  # unreadable shards left out (input.on_bad_file: skip)
    outcome: str = RunOutcome.PUBLISHED.value
    resumed_passes: list[str] = field(default_factory=list)  # passes an earlier attempt finished
    # Answers the parser could not handle because of a bug in it (kept as invalid, never raised
    # in production): anything above 0 is a parser bug to report.
    parser_internal_errors: int = 0
    # Per attempt ("1": the prompts of the chunks, "2": retries on half chunks): what `plan`
    # predicted is compared with attempt 1.
    answers_by_attempt: dict[str, int] = field(default_factory=dict)
    tokens_in_by_attempt: dict[str, int] = field(default_factory=dict)
    tokens_out_by_attempt: dict[str, int] = field(default_factory=dict)
    # Seconds from the run's start: each pass this attempt ran and its Ray Data operators
    # (run/timeline.py). Returned by run(), not kept in the manifest (written before publishing).
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens per second of the extract pass (model load included)."""
        return self.tokens_out / self.generate_s if self.generate_s > 0 else 0.0

    @property
    def parsed_share(self) -> float:
        """Share of answers that gave records or a valid empty answer."""
        total = sum(self.answer_status.values())
        good = sum(n for s, n in self.answer_status.items() if s in _PARSED)
        return good / total if total else 0.0

    @classmethod
    def nothing_to_do(cls, output: str, n_skipped: int) -> RunSummary:
        """Nightly mode found no new shard: nothing ran, nothing was published."""
        return cls(
            run_id="(nothing new)",
            output=output,
            n_inputs=0,
            documents=0,
            documents_by_status={},
            rows={},
            answer_status={},
            match_kinds={},
            errors_by_kind={},
            tokens_in=0,
            tokens_out=0,
            wall_s=0.0,
            generate_s=0.0,
            skipped_inputs=n_skipped,
            outcome=RunOutcome.NOTHING_NEW.value,
        )

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], **changes: Any) -> RunSummary:
        """The summary a manifest keeps (derived values like tokens_per_s are recomputed)."""
        known = {f.name for f in fields(cls)}
        saved = {k: v for k, v in manifest.get("summary", {}).items() if k in known}
        return cls(**{**saved, **changes})

    @classmethod
    def already_published(cls, manifest: dict[str, Any]) -> RunSummary:
        """The run's manifest is published: its summary, marked as not run again."""
        return cls.from_manifest(manifest, outcome=RunOutcome.ALREADY_PUBLISHED.value, report_path=None)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("timeline")  # the manifest is written before the last passes: run() returns it whole
        d["tokens_per_s"] = round(self.tokens_per_s, 2)
        d["parsed_share"] = round(self.parsed_share, 4)
        return d


# The value counts of the summary: (metric, column(s) of a table). Each staged block becomes
# (metric, value, n) rows (`count_values`); summed over the run they are a few dozen rows at most.
VALUE_COUNTS: dict[str, list[tuple[str, str]]] = {
    Table.ANSWERS.value: [("answer_status", "status")],
    Table.ENTITIES.value: [("match_kinds", "match")],
    Table.RELATIONS.value: [("match_kinds", "head_match"), ("match_kinds", "tail_match")],
    Table.EVENTS.value: [("match_kinds", "trigger_match")],
    Table.EVENT_ARGUMENTS.value: [("match_kinds", "match")],
    Table.DOCUMENTS.value: [("documents_by_status", "status")],
    Table.ERRORS.value: [("errors_by_kind", "kind")],
}
DROP_NULLS = {"trigger_match"}  # an event without a trigger has no match kind to count
SUMS = {Table.ANSWERS.value: ["tokens_in", "tokens_out"]}
COUNT_SCHEMA = pa.schema([("metric", pa.string()), ("value", pa.string()), ("n", pa.int64())])


def summary_columns(table: str) -> list[str]:
    """The columns `count_values` reads from a staged table."""
    cols = [c for _, c in VALUE_COUNTS.get(table, [])] + SUMS.get(table, [])
    return cols + (["reason", "attempt"] if table == Table.ANSWERS.value else [])


def count_values(block: pa.Table, table: str) -> pa.Table:
    """One block of a staged table -> (metric, value, n): its value counts, token sums and parser bugs."""
    df = pl.from_arrow(block)
    assert isinstance(df, pl.DataFrame)
    parts = []
    for metric, column in VALUE_COUNTS.get(table, []):
        col = df.select(pl.col(column).cast(pl.String).alias("value"))
        col = col.drop_nulls() if column in DROP_NULLS else col.with_columns(pl.col("value").fill_null("None"))
        parts.append(col.group_by("value").agg(pl.len().cast(pl.Int64).alias("n")).with_columns(pl.lit(metric).alias("metric")))
    for column in SUMS.get(table, []):
        parts.append(pl.DataFrame({"metric": [column], "value": [""], "n": [int(df[column].sum() or 0)]}))
    if table == Table.ANSWERS.value:
        bugs = int(df["reason"].str.starts_with(INTERNAL_ERROR).sum() or 0)
        parts.append(pl.DataFrame({"metric": ["parser_internal_errors"], "value": [""], "n": [bugs]}))
        per = df.group_by(pl.col("attempt").cast(pl.String).alias("value")).agg(
            pl.len().cast(pl.Int64).alias("answers_by_attempt"),
            pl.col("tokens_in").sum().cast(pl.Int64).alias("tokens_in_by_attempt"),
            pl.col("tokens_out").sum().cast(pl.Int64).alias("tokens_out_by_attempt"),
        )
        parts.append(per.unpivot(index="value", variable_name="metric", value_name="n"))
    if not parts:
        return COUNT_SCHEMA.empty_table()
    out = pl.concat(
        [p.select(pl.col("metric").cast(pl.String), pl.col("value").cast(pl.String), pl.col("n").cast(pl.Int64)) for p in parts]
    )
    return out.to_arrow().cast(COUNT_SCHEMA)


def sum_counts(block: pa.Table) -> pa.Table:
    """The (metric, value, n) rows of many blocks, summed per (metric, value)."""
    if block.num_rows == 0:
        return COUNT_SCHEMA.empty_table()
    summed = block.group_by(["metric", "value"]).aggregate([("n", "sum")]).rename_columns(["metric", "value", "n"])
    return summed.cast(COUNT_SCHEMA)


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    """Most frequent first (ties by value): the same order on every run."""
    return {k: n for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n > 0}


def summary_from_counts(
    rows: list[dict[str, Any]], table_rows: dict[str, int], *, wall_s: float, generate_s: float, output: str, run_id: str, n_inputs: int
) -> RunSummary:
    """The summary from the summed (metric, value, n) rows and the rows per table (Parquet footers)."""
    by_metric: dict[str, dict[str, int]] = {}
    for row in rows:
        metric_counts = by_metric.setdefault(row["metric"], {})
        metric_counts[row["value"]] = metric_counts.get(row["value"], 0) + int(row["n"])
    scalar = lambda m: int(by_metric.get(m, {}).get("", 0))  # noqa: E731
    return RunSummary(
        run_id=run_id,
        output=output,
        n_inputs=n_inputs,
        documents=int(table_rows.get(Table.DOCUMENTS.value, 0)),
        documents_by_status=_ranked(by_metric.get("documents_by_status", {})),
        rows={table: int(table_rows.get(table, 0)) for table in TABLES},
        answer_status=_ranked(by_metric.get("answer_status", {})),
        match_kinds=_ranked(by_metric.get("match_kinds", {})),
        errors_by_kind=_ranked(by_metric.get("errors_by_kind", {})),
        parser_internal_errors=scalar("parser_internal_errors"),
        tokens_in=scalar("tokens_in"),
        tokens_out=scalar("tokens_out"),
        answers_by_attempt=dict(sorted(by_metric.get("answers_by_attempt", {}).items())),
        tokens_in_by_attempt=dict(sorted(by_metric.get("tokens_in_by_attempt", {}).items())),
        tokens_out_by_attempt=dict(sorted(by_metric.get("tokens_out_by_attempt", {}).items())),
        wall_s=round(wall_s, 2),
        generate_s=round(generate_s, 2),
    )


def render(summary: RunSummary) -> None:
    """Print the summary as rich tables."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    head = RichTable(title=f"yayi-batch run {summary.run_id}", show_header=False)
    total_answers = sum(summary.answer_status.values()) or 1
    if summary.outcome != RunOutcome.PUBLISHED.value:
        head.add_row(
            "outcome",
            f"{summary.outcome}: nothing was computed or written"
            + (" (--set output.force=true computes it again)" if summary.outcome == RunOutcome.ALREADY_PUBLISHED.value else ""),
        )
    if summary.resumed_passes:
        head.add_row("resumed", "passes an earlier attempt finished: " + ", ".join(summary.resumed_passes))
    head.add_row("documents", f"{summary.documents}  " + ", ".join(f"{k}={v}" for k, v in summary.documents_by_status.items()))
    head.add_row(
        "input files",
        f"{summary.n_inputs}"
        + (f" (+{summary.skipped_inputs} already published, skipped)" if summary.skipped_inputs else "")
        + (f" ({summary.bad_inputs} unreadable, left out: see errors kind=bad_file)" if summary.bad_inputs else ""),
    )
    head.add_row("tokens in / out", f"{summary.tokens_in} / {summary.tokens_out}")
    head.add_row("tokens/s (generated)", f"{summary.tokens_per_s:.1f}")
    head.add_row("wall time", f"{summary.wall_s:.1f} s (extract pass {summary.generate_s:.1f} s)")
    head.add_row(
        "answers parsed",
        f"{summary.parsed_share:.1%}  " + ", ".join(f"{k}={v} ({v / total_answers:.0%})" for k, v in summary.answer_status.items()),
    )
    total_matches = sum(summary.match_kinds.values()) or 1
    head.add_row("mentions by match", ", ".join(f"{k}={v} ({v / total_matches:.0%})" for k, v in summary.match_kinds.items()) or "-")
    if summary.parser_internal_errors:
        head.add_row(
            "parser bugs", f"{summary.parser_internal_errors} answers hit an internal parser error (kept as invalid; please report)"
        )
    head.add_row("errors by kind", ", ".join(f"{k}={v}" for k, v in summary.errors_by_kind.items()) or "none")
    head.add_row("output", summary.output)
    if summary.report_path:
        head.add_row("report", summary.report_path)
    rows = RichTable(title="rows per table")
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for table, n in summary.rows.items():
        rows.add_row(table, str(n))
    console.print(head)
    console.print(rows)
