"""Polars lazy builders: one date's published rows -> staged rows; all staged dates -> the graph.

Per date (``stage_*``), from the four extraction tables of that date partition:
- entity mentions -> typed entity nodes ``E|type|normalized text`` (grouped per surface form
  and document: the stage keeps counts, not rows);
- relations -> RELATION edges, events -> Event nodes, event arguments -> ARGUMENT edges.

**Attach rule.** A relation head/tail or an event argument attaches to the typed entity node of
the same normalized text *when its document (same run, same doc_id) has a kept entity mention of
that text*; if the document has several types for that text, the type with the most mentions
there wins (ties: the alphabetically first canonical type). Otherwise it attaches to the untyped
node ``E|(untyped)|normalized text``, which counts these endpoint references as its mentions.

**Grounding.** Only grounded strings (match exact, normalized or fuzzy) are kept by default: an
entity mention, a relation with either endpoint, an event with a trigger, or an argument whose
match is ``none`` (or null) is left out and counted. An event without a trigger (task ee_args) is
kept when at least one of its arguments is. ``include_ungrounded`` keeps them all.

Across dates (``entity_nodes``): mention count, document count, aliases (surface forms, most
frequent first), first and last seen date, recomputed from the staged mentions of every date.
Nothing here collects mentions into Python: frames are sunk to Parquet by the caller.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from yayi_batch.kg.canonical import (
    ENTITY_PREFIX,
    KEY_SEP,
    UNTYPED,
    Attach,
    EdgeKind,
    NodeLabel,
    TypeKind,
    TypeMap,
    entity_node_id_expr,
    event_node_id_expr,
    normalize_text_expr,
)
from yayi_batch.publish.reader import PublishedOutput
from yayi_batch.schema import MatchKind
from yayi_batch.schema.graph import EDGES, NODES, STAGED_MENTIONS

# Surface forms kept per entity node (most frequent first): a node's row stays small.
MAX_ALIASES = 50
# Staged mentions carry a bucket of their node id, so nodes are aggregated a range of buckets at
# a time. polars' hash is stable within one polars version only: the stage records the version
# and is rebuilt when it changes (stage.py).
N_BUCKETS = 64


def bucket_expr() -> pl.Expr:
    return (pl.col("node_id").hash(seed=0) % N_BUCKETS).cast(pl.UInt16).alias("bucket")


_UNTYPED_PREFIX_LEN = len(KEY_SEP.join((ENTITY_PREFIX, UNTYPED, "")))


@dataclass(frozen=True)
class BuildOptions:
    type_map: TypeMap = field(default_factory=TypeMap)
    include_ungrounded: bool = False
    min_confidence: float = 0.0  # mentions, edges and events below it stay out (a row without one stays in)

    def fingerprint(self) -> str:
        confident = f";min_confidence={self.min_confidence}" if self.min_confidence else ""
        return f"ungrounded={self.include_ungrounded};types={self.type_map.fingerprint()}{confident}"


def _confident(frame: pl.LazyFrame, threshold: float) -> pl.LazyFrame:
    """Rows at or above the threshold; rows without a confidence (older outputs) are kept."""
    if not threshold:
        return frame
    if "confidence" not in frame.collect_schema().names():
        return frame
    return frame.filter(pl.col("confidence").is_null() | (pl.col("confidence") >= threshold))


def _grounded(match_col: str) -> pl.Expr:
    return pl.col(match_col).fill_null(MatchKind.NONE.value) != MatchKind.NONE.value


def _cast(frame: pl.LazyFrame, schema) -> pl.LazyFrame:
    """Columns of an Arrow schema, in order, with its types (missing ones null)."""
    target = pl.from_arrow(schema.empty_table()).schema
    names = frame.collect_schema().names()
    return frame.select([(pl.col(n) if n in names else pl.lit(None)).cast(t).alias(n) for n, t in target.items()])


def _non_empty(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col) != "")


@dataclass
class DateStage:
    """The lazy frames of one date: what to stage, and the counts of what was left out."""

    typed_mentions: pl.LazyFrame
    relation_edges: pl.LazyFrame
    argument_edges: pl.LazyFrame
    events: pl.LazyFrame
    left_out: dict[str, pl.LazyFrame]


def stage_date(source: PublishedOutput, date: str, options: BuildOptions) -> DateStage:
    tm = options.type_map
    keep_all = options.include_ungrounded

    entities = _confident(source.scan("entities", date), options.min_confidence).select("run_id", "doc_id", "type", "text", "match")
    kept_entities = (
        entities.filter(pl.lit(True) if keep_all else _grounded("match"))
        .with_columns(
            ctype=tm.expr(TypeKind.ENTITY, pl.col("type")).fill_null(UNTYPED),
            name=normalize_text_expr(pl.col("text")),
        )
        .filter(_non_empty("name"))
        .with_columns(node_id=entity_node_id_expr(pl.col("ctype"), pl.col("name")))
    )
    typed_mentions = (
        kept_entities.group_by("node_id", "ctype", "name", "text", "doc_id")
        .agg(n=pl.len().cast(pl.Int64))
        .select("node_id", pl.col("ctype").alias("type"), "name", pl.col("text").alias("alias"), "doc_id",
                pl.lit(date).alias("date"), "n", bucket_expr())
    )  # fmt: skip
    # (run, document, normalized text) -> the type an endpoint of that text attaches to.
    doc_types = (
        kept_entities.group_by("run_id", "doc_id", "name", "ctype")
        .agg(n=pl.len())
        .group_by("run_id", "doc_id", "name")
        .agg(pl.col("ctype").sort_by(["n", "ctype"], descending=[True, False]).first().alias("attach_type"))
    )

    def attach(frame: pl.LazyFrame, text_col: str, prefix: str) -> pl.LazyFrame:
        name = f"{prefix}_name"
        frame = frame.with_columns(normalize_text_expr(pl.col(text_col)).alias(name)).filter(_non_empty(name))
        found = doc_types.rename({"name": name, "attach_type": f"{prefix}_type"})
        frame = frame.join(found, on=["run_id", "doc_id", name], how="left")
        typed = pl.col(f"{prefix}_type").is_not_null()
        return frame.with_columns(
            entity_node_id_expr(pl.col(f"{prefix}_type").fill_null(UNTYPED), pl.col(name)).alias(f"{prefix}_id"),
            pl.when(typed).then(pl.lit(Attach.TYPED.value)).otherwise(pl.lit(Attach.UNTYPED.value)).alias(f"{prefix}_attach"),
        )

    relations = _confident(source.scan("relations", date), options.min_confidence)
    rel_keep = pl.lit(True) if keep_all else (_grounded("head_match") & _grounded("tail_match"))
    rel = attach(attach(relations.filter(rel_keep), "head", "src"), "tail", "dst")
    relation_edges = _cast(
        rel.select(
            pl.concat_str([pl.lit("R"), "run_id", "relation_id"], separator=KEY_SEP).alias("edge_id"),
            pl.lit(EdgeKind.RELATION.value).alias("kind"),
            tm.expr(TypeKind.RELATION, pl.col("relation")).alias("type"),
            pl.col("relation").alias("raw_type"),
            "src_id", "dst_id", "run_id", pl.lit(date).alias("date"), "doc_id", "chunk_id",
            pl.col("head").alias("src_text"), pl.col("head_start").alias("src_start"),
            pl.col("head_end").alias("src_end"), pl.col("head_match").alias("src_match"), "src_attach",
            pl.col("tail").alias("dst_text"), pl.col("tail_start").alias("dst_start"),
            pl.col("tail_end").alias("dst_end"), pl.col("tail_match").alias("dst_match"), "dst_attach",
            "in_schema", "lang",
        ),
        EDGES,
    )  # fmt: skip

    events = _confident(source.scan("events", date), options.min_confidence)
    ev_keep = pl.lit(True) if keep_all else (pl.col("trigger").is_null() | _grounded("trigger_match"))
    kept_events = events.filter(ev_keep).with_columns(node_id=event_node_id_expr(pl.col("run_id"), pl.col("event_id")))
    arguments = _confident(source.scan("event_arguments", date), options.min_confidence)
    arg_keep = pl.lit(True) if keep_all else _grounded("match")
    args = attach(
        arguments.filter(arg_keep).join(
            kept_events.select("run_id", "event_id", pl.col("node_id").alias("src_id"), "lang"),
            on=["run_id", "event_id"], how="inner",
        ),
        "argument", "dst",
    )  # fmt: skip
    argument_edges = _cast(
        args.select(
            pl.concat_str([pl.lit("A"), "run_id", "argument_id"], separator=KEY_SEP).alias("edge_id"),
            pl.lit(EdgeKind.ARGUMENT.value).alias("kind"),
            tm.expr(TypeKind.ROLE, pl.col("role")).alias("type"),
            pl.col("role").alias("raw_type"),
            "src_id", "dst_id", "run_id", pl.lit(date).alias("date"), "doc_id", "chunk_id",
            pl.col("argument").alias("dst_text"), pl.col("start").alias("dst_start"),
            pl.col("end").alias("dst_end"), pl.col("match").alias("dst_match"), "dst_attach",
            "in_schema", "lang",
        ),
        EDGES,
    )  # fmt: skip
    with_args = args.select("run_id", "event_id").unique().with_columns(has_args=pl.lit(True))
    event_nodes = _cast(
        kept_events.join(with_args, on=["run_id", "event_id"], how="left")
        .filter(pl.col("trigger").is_not_null() | pl.col("has_args").fill_null(False))
        .select(
            "node_id", pl.lit(NodeLabel.EVENT.value).alias("label"),
            tm.expr(TypeKind.EVENT, pl.col("event_type")).alias("type"), pl.col("trigger").alias("name"),
            "task", "run_id", pl.lit(date).alias("date"), "doc_id", "chunk_id",
            "trigger_start", "trigger_end", "trigger_match", "lang",
        ),
        NODES,
    )  # fmt: skip

    def count_out(frame: pl.LazyFrame, keep: pl.Expr) -> pl.LazyFrame:
        return frame.select((~keep).sum().cast(pl.Int64).alias("n"))

    left_out = {
        "entities": count_out(entities, _grounded("match")),
        "relations": count_out(relations, _grounded("head_match") & _grounded("tail_match")),
        "events": count_out(events, pl.col("trigger").is_null() | _grounded("trigger_match")),
        "event_arguments": count_out(arguments, _grounded("match")),
    }
    if keep_all:
        left_out = {k: v.select(pl.lit(0, pl.Int64).alias("n")) for k, v in left_out.items()}
    return DateStage(typed_mentions, relation_edges, argument_edges, event_nodes, left_out)


def untyped_mentions(edges: pl.LazyFrame) -> pl.LazyFrame:
    """Mentions of untyped entity nodes: the relation endpoints and arguments attached to them."""
    untyped = Attach.UNTYPED.value
    refs = pl.concat(
        [
            edges.filter(pl.col("src_attach") == untyped).select(pl.col("src_id").alias("node_id"),
                                                                  pl.col("src_text").alias("alias"), "doc_id", "date"),
            edges.filter(pl.col("dst_attach") == untyped).select(pl.col("dst_id").alias("node_id"),
                                                                  pl.col("dst_text").alias("alias"), "doc_id", "date"),
        ]
    )  # fmt: skip
    return _cast(
        refs.group_by("node_id", "alias", "doc_id", "date")
        .agg(n=pl.len().cast(pl.Int64))
        .with_columns(type=pl.lit(UNTYPED), name=pl.col("node_id").str.slice(_UNTYPED_PREFIX_LEN), bucket=bucket_expr()),
        STAGED_MENTIONS,
    )


def entity_nodes(mentions: pl.LazyFrame) -> pl.LazyFrame:
    """One row per entity node, aggregated over the staged mentions of every date."""
    stats = mentions.group_by("node_id").agg(
        pl.col("type").first(),
        pl.col("name").first(),
        pl.col("n").sum().alias("mention_count"),
        pl.col("date").min().alias("first_seen"),
        pl.col("date").max().alias("last_seen"),
    )
    docs = mentions.select("node_id", "doc_id").unique().group_by("node_id").agg(doc_count=pl.len().cast(pl.Int64))
    aliases = (
        mentions.group_by("node_id", "alias")
        .agg(c=pl.col("n").sum())
        .group_by("node_id")
        .agg(pl.col("alias").sort_by(["c", "alias"], descending=[True, False]).head(MAX_ALIASES).alias("aliases"))
    )
    nodes = (
        stats.join(docs, on="node_id", how="left")
        .join(aliases, on="node_id", how="left")
        .with_columns(label=pl.lit(NodeLabel.ENTITY.value))
    )
    return _cast(nodes, NODES)


def bucket_ranges(n_rows: int, rows_per_pass: int) -> list[tuple[int, int]]:
    """[lo, hi) bucket ranges, as many as it takes for ~rows_per_pass staged rows each."""
    passes = min(N_BUCKETS, max(1, -(-n_rows // max(1, rows_per_pass))))
    bounds = [round(i * N_BUCKETS / passes) for i in range(passes + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def entity_nodes_in(mentions: pl.LazyFrame, lo: int, hi: int) -> pl.LazyFrame:
    """The entity nodes whose bucket is in [lo, hi): a node's mentions all share its bucket."""
    return entity_nodes(mentions.filter(pl.col("bucket").is_between(lo, hi - 1))).sort("node_id")


def event_nodes(events: pl.LazyFrame) -> pl.LazyFrame:
    return _cast(events, NODES)
