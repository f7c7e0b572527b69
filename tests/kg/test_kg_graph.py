"""The graph built from fake published outputs: LadybugDB contents, merging dates, idempotence,
reruns, grounding. Expected values are worked out by hand from ``kg_rows.py``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from kg_rows import date1_rows, date2_rows

from yayi_batch.config import ExtractionConfig
from yayi_batch.kg.build import BuildOptions
from yayi_batch.kg.canonical import TypeMap
from yayi_batch.kg.graph import GraphError, build_graph
from yayi_batch.kg.ladybug_load import connect, db_path, query_rows
from yayi_batch.testing.fake_output import build_fake_output

D1, D2 = "2024-05-01", "2024-05-02"


def default_options(**kwargs) -> BuildOptions:
    ex = ExtractionConfig()
    return BuildOptions(type_map=TypeMap.from_schemas({"zh": ex.zh.model_dump(), "en": ex.en.model_dump()}), **kwargs)


def q(target: Path, cypher: str) -> list[list]:
    db, conn = connect(target)
    try:
        return query_rows(conn, cypher)
    finally:
        conn.close()
        db.close()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_fake_output(tmp_path / "out", date1_rows(), run_id="run-1", run_date=D1)


def test_small_output_in_ladybug(out: Path, tmp_path: Path) -> None:
    g = tmp_path / "g"
    result = build_graph(str(out), g, options=default_options())
    assert result.dates_staged == [D1]
    entities = q(g, "MATCH (e:Entity) RETURN e.node_id, e.type, e.mention_count, e.doc_count ORDER BY e.node_id")
    assert entities == [
        ["E|(untyped)|北京市", "(untyped)", 1, 1],
        ["E|location|sinochem", "location", 1, 1],
        ["E|location|北京", "location", 1, 1],
        ["E|organization|sinochem", "organization", 2, 1],
        ["E|organization|中化集团", "organization", 1, 1],
        ["E|person|ning gaoning", "person", 2, 1],
        ["E|person|宁高宁", "person", 1, 1],
    ]
    works_for = q(g, "MATCH (a:Entity)-[r:RELATION]->(b:Entity) WHERE r.type = 'works for' "
                     "RETURN a.node_id, b.node_id, r.raw_type, r.doc_id, r.run_id, r.date ORDER BY r.doc_id")  # fmt: skip
    assert works_for == [
        ["E|person|ning gaoning", "E|organization|sinochem", "works for", "e1", "run-1", D1],
        ["E|person|宁高宁", "E|organization|中化集团", "任职于", "z1", "run-1", D1],
    ]
    # the tail 北京市 has no entity mention in z1: the untyped node; the head 中化集团 has one
    located = q(g, "MATCH (a)-[r:RELATION]->(b) WHERE r.type = 'located in' RETURN a.node_id, b.node_id, r.src_attach, r.dst_attach")
    assert located == [["E|organization|中化集团", "E|(untyped)|北京市", "typed", "untyped"]]
    args = q(g, "MATCH (v:Event)-[r:ARGUMENT]->(e:Entity) RETURN v.type, v.name, r.type, e.node_id ORDER BY r.type")
    assert args == [["appointment", "任命", "agent", "E|organization|中化集团"], ["appointment", "任命", "target", "E|person|宁高宁"]]
    assert q(g, "MATCH (v:Event) RETURN count(*)") == [[1]]
    assert result.left_out == {"entities": 1, "relations": 1, "events": 1, "event_arguments": 1}
    aliases = q(g, "MATCH (e:Entity) WHERE e.node_id = 'E|person|ning gaoning' RETURN e.aliases")[0][0]
    assert sorted(aliases) == ["Ning Gaoning", "ＮＩＮＧ\u3000GAONING"]


def test_second_date_merges(out: Path, tmp_path: Path) -> None:
    g = tmp_path / "g"
    build_graph(str(out), g, options=default_options())
    build_fake_output(out, date2_rows(), run_id="run-2", run_date=D2)
    result = build_graph(str(out), g, options=default_options())
    assert result.dates_staged == [D2] and result.dates_unchanged == [D1]
    node = q(g, "MATCH (e:Entity) WHERE e.node_id = 'E|person|ning gaoning' "
                "RETURN e.mention_count, e.doc_count, e.first_seen, e.last_seen, e.aliases")[0]  # fmt: skip
    assert node[:4] == [3, 2, D1, D2]
    assert sorted(node[4]) == ["Ning  Gaoning", "Ning Gaoning", "ＮＩＮＧ\u3000GAONING"]
    assert q(g, "MATCH (e:Entity) WHERE e.node_id = 'E|person|宁高宁' RETURN e.first_seen, e.last_seen") == [[D1, D1]]
    provenance = q(g, "MATCH (a:Entity)-[r:RELATION]->(b:Entity) WHERE a.node_id = 'E|person|ning gaoning' "
                      "AND b.node_id = 'E|organization|sinochem' RETURN r.date, r.run_id, r.doc_id ORDER BY r.date")  # fmt: skip
    assert provenance == [[D1, "run-1", "e1"], [D2, "run-2", "e2"]]
    assert q(g, "MATCH (e:Entity) RETURN count(*)") == [[7]]  # no new node: both texts were known


def _snapshot(g: Path) -> dict:
    return {
        "entities": q(g, "MATCH (e:Entity) RETURN e.node_id, e.mention_count, e.doc_count, e.first_seen, e.last_seen ORDER BY e.node_id"),
        "edges": q(g, "MATCH ()-[r]->() RETURN r.edge_id, r.date ORDER BY r.edge_id"),
        "events": q(g, "MATCH (v:Event) RETURN v.node_id ORDER BY v.node_id"),
    }


def test_loading_twice_changes_nothing(out: Path, tmp_path: Path) -> None:
    build_fake_output(out, date2_rows(), run_id="run-2", run_date=D2)
    g = tmp_path / "g"
    build_graph(str(out), g, options=default_options())
    before, mtime = _snapshot(g), db_path(g).stat().st_mtime_ns
    again = build_graph(str(out), g, options=default_options())
    assert again.dates_staged == [] and not again.rebuilt
    assert db_path(g).stat().st_mtime_ns == mtime and _snapshot(g) == before
    # a forced rebuild from the stage (outputs deleted) gives the same graph as well
    (g / "_built.json").unlink()
    forced = build_graph(str(out), g, options=default_options())
    assert forced.rebuilt and _snapshot(g) == before
    # and so does loading date by date into a fresh target
    g2 = tmp_path / "g2"
    build_graph(str(out), g2, dates=[D2], options=default_options())
    build_graph(str(out), g2, dates=[D1], options=default_options())
    assert _snapshot(g2) == before


def test_rerun_of_a_date_replaces_only_its_edges(out: Path, tmp_path: Path) -> None:
    g = tmp_path / "g"
    build_fake_output(out, date2_rows(), run_id="run-2", run_date=D2)
    build_graph(str(out), g, options=default_options())
    d1_edges = q(g, f"MATCH ()-[r]->() WHERE r.date = '{D1}' RETURN r.edge_id, r.run_id ORDER BY r.edge_id")
    # the same date published again by another run, with another config: a different relation
    for table in ("entities", "relations", "events", "event_arguments", "errors", "documents", "answers"):
        for f in (out / table / f"date={D2}").glob("*.parquet"):
            f.unlink()
    build_fake_output(out, date2_rows(relation="founded"), run_id="run-2b", run_date=D2)
    result = build_graph(str(out), g, options=default_options())
    assert result.dates_staged == [D2]
    assert q(g, f"MATCH ()-[r]->() WHERE r.date = '{D2}' RETURN r.run_id, r.type") == [["run-2b", "founded"]]
    assert q(g, f"MATCH ()-[r]->() WHERE r.date = '{D1}' RETURN r.edge_id, r.run_id ORDER BY r.edge_id") == d1_edges
    assert q(g, "MATCH ()-[r]->() WHERE r.run_id = 'run-2' RETURN count(*)") == [[0]]
    # node counts follow: the rerun has the same mentions, so they are unchanged
    assert q(g, "MATCH (e:Entity) WHERE e.node_id = 'E|person|ning gaoning' RETURN e.mention_count, e.last_seen") == [[3, D2]]


def test_ungrounded_left_out_then_included(out: Path, tmp_path: Path) -> None:
    g = tmp_path / "g"
    default = build_graph(str(out), g, options=default_options())
    assert q(g, "MATCH (e:Entity) WHERE e.name = '王五' RETURN count(*)") == [[0]]
    assert sum(default.left_out.values()) == 4
    result = build_graph(str(out), g, options=default_options(include_ungrounded=True))
    assert result.dates_staged == [D1]  # other options: the date is staged again
    assert result.left_out == {"entities": 0, "relations": 0, "events": 0, "event_arguments": 0}
    assert q(g, "MATCH (e:Entity) WHERE e.name = '王五' RETURN e.node_id, e.mention_count") == [["E|person|王五", 1]]
    assert q(g, "MATCH ()-[r:RELATION]->() RETURN count(*)") == [[4]]
    assert q(g, "MATCH (v:Event) RETURN count(*)") == [[2]]
    # 昨天 is not an entity of z1: the argument attaches to an untyped node
    assert q(g, "MATCH (:Event)-[r:ARGUMENT]->(e) WHERE r.type = 'time' RETURN e.node_id") == [["E|(untyped)|昨天"]]


def test_parquet_tables_match_the_schemas(out: Path, tmp_path: Path) -> None:
    from yayi_batch.schema.graph import EDGES, NODES

    parquet = tmp_path / "pq"
    build_graph(str(out), tmp_path / "g", options=default_options(), parquet_dir=parquet, load_db=False)
    import pyarrow.parquet as pq

    nodes, edges = pq.read_table(parquet / "nodes"), pq.read_table(parquet / "edges")
    assert nodes.schema.names == NODES.names and edges.schema.names == EDGES.names
    assert nodes.num_rows == 8 and edges.num_rows == 5
    assert pl.from_arrow(nodes)["node_id"].is_unique().all()
    assert not db_path(tmp_path / "g").exists()


def test_unknown_date_is_an_error(out: Path, tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="2030-01-01"):
        build_graph(str(out), tmp_path / "g", dates=["2030-01-01"])


def test_node_aggregation_in_passes_gives_the_same_nodes(out: Path, tmp_path: Path, monkeypatch) -> None:
    import yayi_batch.kg.graph as graph

    build_fake_output(out, date2_rows(), run_id="run-2", run_date=D2)
    build_graph(str(out), tmp_path / "one", options=default_options(), load_db=False)
    monkeypatch.setattr(graph, "ROWS_PER_PASS", 2)  # ~8 passes over 64 buckets
    build_graph(str(out), tmp_path / "many", options=default_options(), load_db=False)
    one = pl.read_parquet(tmp_path / "one" / "parquet" / "nodes").sort("node_id")
    many = pl.read_parquet(tmp_path / "many" / "parquet" / "nodes").sort("node_id")
    assert one.height == 8 and one.equals(many)


def test_min_confidence_leaves_out_the_rows_below_it(tmp_path: Path) -> None:
    rows = date1_rows()
    for row in rows["entities"]:  # the English mentions are unsure, the Chinese ones sure
        row["confidence"] = 0.2 if row["doc_id"] == "e1" else 0.9
    for row in rows["relations"]:
        row["confidence"] = 0.3 if row["doc_id"] == "e1" else None  # None: an older output, kept
    out = build_fake_output(tmp_path / "out", rows, run_id="run-1", run_date=D1)
    everything = build_graph(str(out), tmp_path / "all", options=default_options(), load_db=False)
    sure = build_graph(str(out), tmp_path / "sure", options=default_options(min_confidence=0.5), load_db=False)
    nodes = pl.read_parquet(tmp_path / "sure" / "parquet" / "nodes")
    assert not nodes.filter(pl.col("node_id").str.contains("sinochem|ning gaoning")).height  # only English mentions had them
    assert nodes.filter(pl.col("node_id") == "E|person|宁高宁").height == 1
    edges = pl.read_parquet(tmp_path / "sure" / "parquet" / "edges")
    assert set(edges.filter(pl.col("kind") == "RELATION")["doc_id"]) == {"z1"}  # the unsure English relation left out
    assert sum(sure.nodes_by_type.values()) < sum(everything.nodes_by_type.values())
