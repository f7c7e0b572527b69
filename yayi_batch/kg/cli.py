"""``yayi-batch kg OUTPUT [--dates ...] --graph TARGET``: the knowledge-graph step's command line.

``main(argv)`` parses, builds (``graph.build_graph``) and prints a short summary; it returns
the exit code (0 ok, 2 bad arguments or input). Pure module: no ray, no vllm.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from yayi_batch.config import ConfigError, ExtractionConfig, apply_override
from yayi_batch.kg.build import BuildOptions
from yayi_batch.kg.canonical import TypeKind, TypeMap
from yayi_batch.kg.graph import BuildResult, GraphError, build_graph

GRAPH_SUMMARY = "_graph/summary.json"  # under the output prefix: the graph section of the run report

_KIND_NAMES = {**{k.value: k for k in TypeKind}, "entity": TypeKind.ENTITY, "relation": TypeKind.RELATION,
               "event": TypeKind.EVENT, "role": TypeKind.ROLE}  # fmt: skip


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yayi-batch kg", description="Build or update a knowledge graph from a published output.")
    p.add_argument("output", metavar="OUTPUT", help="published output prefix: a folder or s3://bucket/prefix")
    p.add_argument("--dates", nargs="+", metavar="DATE", help="date partitions to load, spaces or commas between (default: all)")
    p.add_argument("--graph", default="./graph", metavar="TARGET", help="graph folder: LadybugDB file, stage, Parquet (default ./graph)")
    p.add_argument("--include-ungrounded", action="store_true", help="keep mentions whose match is none")
    p.add_argument(
        "--min-confidence",
        type=float,
        default=0.0,
        metavar="P",
        help="leave out mentions, relations, events and arguments whose confidence is below P (0-1)",
    )
    p.add_argument("--type-map", metavar="FILE|A=B,...", help="type names read as others, added to the config's pairs")
    p.add_argument("--config", metavar="FILE", help="job config whose extraction schemas pair zh and en types")
    p.add_argument("--csv", metavar="DIR", help="also write Neo4j bulk-import CSVs here")
    p.add_argument("--parquet", metavar="DIR", help="nodes/edges Parquet folder (default TARGET/parquet)")
    p.add_argument("--no-db", action="store_true", help="stage and write Parquet/CSV only, no LadybugDB")
    p.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fsspec option for OUTPUT (repeatable; dotted keys nest, values are YAML)",
    )
    return p


def read_extraction(config_path: str | None) -> ExtractionConfig:
    """The extraction section of a job config (only it: the graph needs the type lists)."""
    if not config_path:
        return ExtractionConfig()
    try:
        data = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
        return ExtractionConfig.model_validate(data.get("extraction") or {})
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"{config_path}: {exc}") from None


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in text.replace("\n", ",").split(","):
        if not item.strip() or item.strip().startswith("#"):
            continue
        if "=" not in item:
            raise ConfigError(f"type map entry {item.strip()!r}: expected A=B")
        a, b = item.split("=", 1)
        pairs.append((a.strip(), b.strip()))
    return pairs


def type_map(extraction: ExtractionConfig, spec: str | None) -> TypeMap:
    """The config's zh/en pairs, then ``spec``: ``A=B,...``, or a file of such lines, or a YAML
    mapping ``{A: B}`` / per kind ``{entity: {A: B}, relation: {...}, event: ..., role: ...}``."""
    tm = TypeMap.from_schemas({"zh": extraction.zh.model_dump(), "en": extraction.en.model_dump()})
    if not spec:
        return tm
    path = Path(spec)
    if not path.is_file():
        tm.update_pairs(_pairs(spec))
        return tm
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        tm.update_pairs(_pairs(text))
        return tm
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in _KIND_NAMES:
                raise ConfigError(f"{spec}: unknown kind {key!r}; use one of {sorted(_KIND_NAMES)}")
            tm.update_pairs([(str(a), str(b)) for a, b in value.items()], [_KIND_NAMES[key]])
        else:
            tm.update_pairs([(str(key), str(value))])
    return tm


def storage_options(assignments: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for assignment in assignments:
        apply_override(options, assignment)
    return options


def render_summary(result: BuildResult) -> str:
    def block(title: str, counts: dict[str, int]) -> list[str]:
        lines = [f"{title}: {sum(counts.values())}"]
        lines += [f"  {name}: {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return lines

    lines = [
        f"graph {result.target}: dates staged {', '.join(result.dates_staged) or '-'}; "
        f"unchanged {', '.join(result.dates_unchanged) or '-'}" + ("" if result.rebuilt else " (nothing to rebuild)"),
        *block("nodes", result.nodes_by_type),
        *block("edges", result.edges_by_type),
        f"left out (ungrounded, match none): {sum(result.left_out.values())} "
        + "("
        + ", ".join(f"{k} {v}" for k, v in sorted(result.left_out.items()))
        + ")",
        f"parquet: {result.parquet_dir}",
    ]
    if result.neo4j_command:
        lines.append(f"neo4j import: {result.neo4j_command}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # --dates a b, or --dates a,b
    dates = [d for item in args.dates or [] for d in item.split(",") if d.strip()] or None
    try:
        if not 0.0 <= args.min_confidence <= 1.0:
            raise ConfigError(f"--min-confidence {args.min_confidence}: give a value between 0 and 1")
        options = BuildOptions(type_map=type_map(read_extraction(args.config), args.type_map),
                               include_ungrounded=args.include_ungrounded, min_confidence=args.min_confidence)  # fmt: skip
        result = build_graph(
            args.output, args.graph, dates=dates, options=options,
            storage_options=storage_options(args.storage_option), parquet_dir=args.parquet,
            csv_dir=args.csv, load_db=not args.no_db,
        )  # fmt: skip
    except (ConfigError, GraphError, FileNotFoundError) as exc:
        print(f"yayi-batch kg: {exc}", file=sys.stderr)
        return 2
    print(render_summary(result))
    if not args.no_db:
        report = save_graph_summary(args.output, args.graph, storage_options(args.storage_option))
        if report:
            print(f"report: {report}")
    return 0


def save_graph_summary(output: str, graph: str, options: dict[str, Any]) -> str | None:
    """`{output}/_graph/summary.json` (what the run report shows), then the report written again."""
    import json

    from yayi_batch.kg.report_section import graph_summary
    from yayi_batch.publish.reader import write_text
    from yayi_batch.report import write_report

    summary = {"graph": str(Path(graph).absolute()), **graph_summary(graph)}
    write_text(f"{output.rstrip('/')}/{GRAPH_SUMMARY}", json.dumps(summary, ensure_ascii=False, indent=1), options)
    try:
        return write_report(output, storage_options=options)
    except Exception as exc:  # the graph is built; a report problem must not fail the command
        print(f"yayi-batch kg: run report not rewritten: {exc}", file=sys.stderr)
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
