"""The graph target's own per-date stage: what makes loading incremental and idempotent.

Layout under ``TARGET/_stage/``::

    state.json                         per date: source fingerprint, run ids, left-out counts
    mentions/date=D/{typed,untyped}.parquet   entity mentions grouped per (node, alias, doc),
                                       sorted by bucket = hash(node_id) % 64
    edges/date=D/part-0.parquet        RELATION and ARGUMENT edges of that date
    events/date=D/part-0.parquet       Event nodes of that date

A date is (re)staged when its published files or the build options changed (fingerprint),
and its three folders are replaced as a whole: a rerun of a date under a new run_id replaces
that date's edges and events and no other date's; loading the same output again finds every
fingerprint unchanged and stages nothing. The date leaves ``state.json`` before its folders
are replaced and comes back after, so an interrupted load restages it next time.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from yayi_batch.kg.build import BuildOptions, DateStage, untyped_mentions
from yayi_batch.schema.graph import EDGES, NODES, STAGED_MENTIONS

STAGE_VERSION = 2
# Mentions are written sorted by bucket in small row groups, whose statistics let a pass over
# a range of buckets skip the rest.
MENTION_ROW_GROUP = 16_384
_PARTS = ("mentions", "edges", "events")
_EMPTY = {"mentions": STAGED_MENTIONS, "edges": EDGES, "events": NODES}


@dataclass
class DateRecord:
    fingerprint: str
    run_ids: list[str]
    left_out: dict[str, int]


class StageStore:
    def __init__(self, target: str | Path):
        self.root = Path(target) / "_stage"
        self.state_path = self.root / "state.json"
        self.state = self._read_state()

    def _read_state(self) -> dict:
        if self.state_path.exists():
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            if state.get("version") == STAGE_VERSION and state.get("polars") == pl.__version__:
                return state
        # A new stage format (or polars, whose sinks we read back) restages every date.
        return {"version": STAGE_VERSION, "polars": pl.__version__, "dates": {}}

    def _save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.state_path)

    @staticmethod
    def fingerprint(source_fingerprint: str, options: BuildOptions) -> str:
        blob = f"{STAGE_VERSION}|{source_fingerprint}|{options.fingerprint()}"
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def dates(self) -> list[str]:
        return sorted(self.state["dates"])

    def record(self, date: str) -> DateRecord | None:
        found = self.state["dates"].get(date)
        return DateRecord(**found) if found else None

    def is_current(self, date: str, fingerprint: str) -> bool:
        found = self.record(date)
        return (
            found is not None and found.fingerprint == fingerprint and all((self.root / part / f"date={date}").is_dir() for part in _PARTS)
        )

    def write_date(self, date: str, stage: DateStage, fingerprint: str, run_ids: list[str]) -> DateRecord:
        tmp = self.root / "_tmp" / f"date={date}"
        shutil.rmtree(tmp, ignore_errors=True)
        for part in _PARTS:
            (tmp / part).mkdir(parents=True)
        stage.typed_mentions.sort("bucket").sink_parquet(tmp / "mentions" / "typed.parquet", row_group_size=MENTION_ROW_GROUP)
        pl.concat([stage.relation_edges, stage.argument_edges]).sink_parquet(tmp / "edges" / "part-0.parquet")
        stage.events.sink_parquet(tmp / "events" / "part-0.parquet")
        # Untyped nodes come from the edges just written, read back instead of recomputed.
        untyped_mentions(pl.scan_parquet(tmp / "edges" / "part-0.parquet")).sort("bucket").sink_parquet(
            tmp / "mentions" / "untyped.parquet", row_group_size=MENTION_ROW_GROUP
        )
        names = list(stage.left_out)
        counts = pl.collect_all([stage.left_out[n] for n in names])
        left_out = {n: int(c["n"][0] or 0) for n, c in zip(names, counts)}

        self.state["dates"].pop(date, None)
        self._save()
        for part in _PARTS:
            final = self.root / part / f"date={date}"
            shutil.rmtree(final, ignore_errors=True)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / part, final)
        shutil.rmtree(tmp, ignore_errors=True)
        record = DateRecord(fingerprint=fingerprint, run_ids=sorted(run_ids), left_out=left_out)
        self.state["dates"][date] = record.__dict__
        self._save()
        return record

    def files(self, part: str) -> list[str]:
        return sorted(str(p) for d in self.dates() for p in (self.root / part / f"date={d}").glob("*.parquet"))

    def rows(self, part: str) -> int:
        """Staged rows of one part, from the Parquet footers."""
        return sum(pq.read_metadata(f).num_rows for f in self.files(part))

    def scan(self, part: str) -> pl.LazyFrame:
        """Every staged date of one part (mentions, edges or events)."""
        files = self.files(part)
        if not files:
            return pl.from_arrow(_EMPTY[part].empty_table()).lazy()
        return pl.scan_parquet(files, hive_partitioning=False)

    def left_out_total(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for rec in self.state["dates"].values():
            for name, n in rec["left_out"].items():
                total[name] = total.get(name, 0) + n
        return total

    def version(self) -> str:
        """What the staged graph is: changes whenever any date is (re)staged."""
        items = sorted((d, r["fingerprint"]) for d, r in self.state["dates"].items())
        return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]
