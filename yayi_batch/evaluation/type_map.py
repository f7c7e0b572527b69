"""`yayi-batch eval --type-map`: rename gold types to the prompt's type names before scoring.

Gold corpora name their types their own way (``PER``, ``geo-loc``) while the predictions carry
the prompt's names (``人物``, ``location``); a map avoids rewriting the gold file. The map is
flat, gold name -> prompt name, and applies to every type-bearing gold column. A gold type
mapped to ``-`` is dropped from scoring. Pure module: no ray, no vllm.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import yaml

DROP = "-"
# The gold columns that hold a type name (see gold.py): NER type, RE relation and the entity
# types of its ends, EE event type and argument role.
TYPE_COLUMNS = ("type", "relation", "head_type", "tail_type", "event_type", "role")
_FULL_WIDTH = str.maketrans({"，": ",", "＝": "="})  # Chinese input methods type these


class TypeMapError(ValueError):
    """A type map that cannot be used; the message names the entry or the file."""


def _add(mapping: dict[str, str], key: str, value: str, where: str) -> None:
    key, value = key.strip(), value.strip()
    if not key or not value:
        raise TypeMapError(f"{where}: empty {'gold type' if not key else 'prompt type'} (map a type to '-' to drop it)")
    if mapping.get(key, value) != value:
        raise TypeMapError(f"{where}: {key!r} is mapped twice, to {mapping[key]!r} and to {value!r}")
    mapping[key] = value


def parse_type_map(spec: str) -> dict[str, str]:
    """gold type -> prompt type, from a file (JSON, YAML, two-column CSV/TSV) or inline ``PER=人物,LOC=地点``."""
    if not spec or not spec.strip():
        raise TypeMapError("empty type map")
    path = Path(spec)
    try:
        is_file = path.is_file()
    except OSError:  # a long inline map is too long a file name
        is_file = False
    mapping = _read_file(path) if is_file else _parse_inline(spec)
    if not mapping:
        raise TypeMapError(f"type map {spec!r} has no entries")
    return mapping


def _parse_inline(spec: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for entry in spec.translate(_FULL_WIDTH).split(","):
        if not entry.strip():  # a trailing comma
            continue
        key, eq, value = entry.partition("=")
        if not eq:  # a mistyped file name lands here too, hence the hint
            raise TypeMapError(f"type map entry {entry.strip()!r} has no '=' (expected GOLD=PROMPT, or an existing file)")
        _add(mapping, key, value, f"type map entry {entry.strip()!r}")
    return mapping


def _read_file(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    mapping: dict[str, str] = {}
    if suffix in (".csv", ".tsv"):
        rows = csv.reader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
        for lineno, row in enumerate(rows, 1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#") or (lineno == 1 and [c.lower() for c in cells] == ["gold", "prompt"]):
                continue
            if len(cells) != 2:
                raise TypeMapError(f"{path}:{lineno}: expected two columns gold,prompt, got {len(cells)}")
            _add(mapping, *cells, f"{path}:{lineno}")
        return mapping
    if suffix == ".json":
        # objects as tuples of pairs, not dicts: a key given twice must be caught, not overwritten;
        # a JSON array stays a list, so only an object passes the check below
        try:
            pairs = json.loads(text, object_pairs_hook=tuple)
        except json.JSONDecodeError as exc:
            raise TypeMapError(f"{path}: not JSON ({exc})") from None
        if not isinstance(pairs, tuple) or not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs):
            raise TypeMapError(f"{path}: not a JSON object of strings to strings")
    else:
        # compose, not safe_load: safe_load merges a duplicate key silently and reads NO, ON, Y
        # as booleans; the composed scalars keep the text as written.
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise TypeMapError(f'{path}: not YAML ({" ".join(str(exc).split())}); to drop a type write other: "-" (quoted)') from None
        ok = isinstance(node, yaml.MappingNode) and all(
            isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) for k, v in node.value
        )
        if not ok:
            raise TypeMapError(f"{path}: not a mapping of strings to strings")
        # a null value (`PER:` or `PER: ~`) is empty, not the string "null"
        pairs = [(k.value, "" if v.tag == "tag:yaml.org,2002:null" else v.value) for k, v in node.value]
    for key, value in pairs:
        _add(mapping, key, value, f"{path}: entry {key!r}")
    return mapping


def apply_type_map(gold: pl.DataFrame, mapping: dict[str, str]) -> tuple[pl.DataFrame, dict]:
    """Gold long rows with the types renamed, and a report for the eval JSON.

    A row carrying a dropped type in any type column is removed (an event type takes its
    arguments with it). A document that loses all its rows of a task keeps one empty row of
    that task, so it is still scored: predictions there stay false positives.
    """
    cols = [c for c in TYPE_COLUMNS if c in gold.columns]
    seen = {t for c in cols for t in gold[c].drop_nulls().unique().to_list()}
    drop = [k for k, v in mapping.items() if v == DROP]
    is_dropped = pl.any_horizontal(pl.col(c).is_in(drop).fill_null(False) for c in cols) if cols else pl.lit(False)
    kept, dropped = gold.filter(~is_dropped), gold.filter(is_dropped)
    emptied = dropped.unique(subset=["doc_id", "task"], keep="first", maintain_order=True).join(
        kept.select("doc_id", "task").unique(), on=["doc_id", "task"], how="anti"
    )
    markers = emptied.select(
        pl.col(c) if c in ("doc_id", "task", "dataset") else pl.lit(None, dtype).alias(c) for c, dtype in gold.schema.items()
    )
    renames = {k: v for k, v in mapping.items() if v != DROP}
    kept = kept.with_columns(pl.col(c).replace(renames) for c in cols)
    report = {
        "mapping": dict(mapping),
        "dropped_gold_rows": dropped.height,
        "unmapped_gold_types": sorted(seen - mapping.keys()),
        "map_entries_unused": sorted(mapping.keys() - seen),
    }
    return pl.concat([kept, markers]), report
