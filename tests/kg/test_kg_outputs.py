"""Neo4j CSVs, the CLI end to end, the report section, and the no-engine-imports rule."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from kg_rows import date1_rows, date2_rows

from yayi_batch.kg.cli import main
from yayi_batch.kg.ladybug_load import db_path
from yayi_batch.kg.neo4j_csv import ARRAY_DELIMITER, FILES
from yayi_batch.kg.report_section import graph_summary
from yayi_batch.report.graph_section import render_graph_section
from yayi_batch.testing.fake_output import build_fake_output

REPO = Path(__file__).resolve().parents[2]
D1, D2 = "2024-05-01", "2024-05-02"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    root = build_fake_output(tmp_path / "out", date1_rows(), run_id="run-1", run_date=D1)
    return build_fake_output(root, date2_rows(), run_id="run-2", run_date=D2)


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_neo4j_csv_references_existing_nodes(out: Path, tmp_path: Path, capsys) -> None:
    csv_dir = tmp_path / "csv"
    assert main([str(out), "--graph", str(tmp_path / "g"), "--csv", str(csv_dir), "--no-db"]) == 0
    entities, events = _rows(csv_dir / FILES["entities"]), _rows(csv_dir / FILES["events"])
    relations, arguments = _rows(csv_dir / FILES["relations"]), _rows(csv_dir / FILES["arguments"])
    assert list(entities[0])[:2] == ["node_id:ID", ":LABEL"] and "aliases:string[]" in entities[0]
    assert list(relations[0])[:3] == [":START_ID", ":END_ID", ":TYPE"]
    ids = [r["node_id:ID"] for r in entities + events]
    assert len(ids) == len(set(ids)) == 7 + 1
    assert {r[":LABEL"] for r in entities} == {"Entity"} and {r[":LABEL"] for r in events} == {"Event"}
    for edge in relations + arguments:
        assert edge[":START_ID"] in ids and edge[":END_ID"] in ids
    assert len(relations) == 4 and len(arguments) == 2
    assert sorted(r[":TYPE"] for r in relations) == ["located in", "works for", "works for", "works for"]
    ning = next(r for r in entities if r["node_id:ID"] == "E|person|ning gaoning")
    assert sorted(ning["aliases:string[]"].split(ARRAY_DELIMITER)) == ["Ning  Gaoning", "Ning Gaoning", "ＮＩＮＧ\u3000GAONING"]
    assert ning["mention_count:long"] == "3" and ning["doc_count:long"] == "2"
    command = (csv_dir / "import.sh").read_text(encoding="utf-8")
    assert "neo4j-admin database import full neo4j" in command
    assert f"--relationships={csv_dir.resolve() / 'relations.csv'}" in command
    assert "--array-delimiter=U+001F" in command
    assert "neo4j-admin database import full" in capsys.readouterr().out


def test_cli_end_to_end(out: Path, tmp_path: Path, capsys) -> None:
    g = tmp_path / "g"
    config = REPO / "configs" / "local.yaml"
    assert main([str(out), "--graph", str(g), "--config", str(config), "--dates", f"{D1},"]) == 0
    printed = capsys.readouterr().out
    assert "nodes: 8" in printed and "Entity:person: 2" in printed
    assert "left out (ungrounded, match none): 4" in printed
    assert db_path(g).exists() and (g / "parquet" / "nodes" / "part-0.parquet").exists()
    assert main([str(out), "--graph", str(g), "--config", str(config)]) == 0
    printed = capsys.readouterr().out
    assert f"dates staged {D2}; unchanged {D1}" in printed
    assert "RELATION:works for: 3" in printed
    # a type map on the command line: the relation "works for" read as "employed by"
    assert main([str(out), "--graph", str(g), "--type-map", "works for=employed by,任职于=employed by"]) == 0
    printed = capsys.readouterr().out
    assert "RELATION:employed by: 3" in printed and "works for" not in printed
    # the same from a YAML file of kinds
    tm = tmp_path / "types.yaml"
    tm.write_text("relation:\n  works for: employed by\n  任职于: employed by\n", encoding="utf-8")
    assert main([str(out), "--graph", str(tmp_path / "g2"), "--type-map", str(tm)]) == 0
    assert "RELATION:employed by: 3" in capsys.readouterr().out


def test_cli_errors_exit_2(out: Path, tmp_path: Path, capsys) -> None:
    assert main([str(out), "--graph", str(tmp_path / "g"), "--dates", "2030-01-01"]) == 2
    assert "2030-01-01" in capsys.readouterr().err
    assert main([str(tmp_path / "nothing"), "--graph", str(tmp_path / "g")]) == 2
    assert main([str(out), "--graph", str(tmp_path / "g"), "--type-map", "no-equals-sign"]) == 2


def test_report_section_escapes(tmp_path: Path) -> None:
    out = build_fake_output(tmp_path / "out")  # default rows: a person named <b>Bold</b>
    g = tmp_path / "g"
    assert main([str(out), "--graph", str(g)]) == 0
    summary = graph_summary(g)
    assert summary["n_nodes"] == 8 and summary["n_edges"] == 3
    assert summary["nodes"]["Entity"] == {"person": 3, "location": 2, "organization": 2}
    assert summary["edges"]["RELATION"] == {"attend": 1}
    assert len(summary["top_entities"]) == 4 and all(t["degree"] == 1 for t in summary["top_entities"])
    summary["top_entities"].append(
        {"name": "<script>x</script>", "display": "<script>x</script>", "type": "t&t", "degree": 0, "mentions": 0}
    )
    html = render_graph_section(summary)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html and "t&amp;t" in html
    assert html.startswith("<section") and "会见主体" in html


def test_no_engine_imports() -> None:
    code = (
        "import sys\n"
        "import yayi_batch.kg.cli, yayi_batch.kg.report_section, yayi_batch.kg.graph, yayi_batch.kg.neo4j_csv\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ray', 'vllm', 'torch', 'transformers'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_yayi_batch_kg_command_adds_a_graph_section_to_the_run_report(out: Path, tmp_path: Path, capsys) -> None:
    """`yayi-batch kg` (through the package CLI): the summary saved beside the output, the report rewritten."""
    import json

    from yayi_batch.cli import main as yayi_batch

    assert yayi_batch(["kg", str(out), "--graph", str(tmp_path / "g")]) == 0
    summary = json.loads((out / "_graph" / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_nodes"] > 0 and summary["n_edges"] > 0 and summary["top_entities"]
    page = (out / "_report" / "index.html").read_text(encoding="utf-8")
    assert "Knowledge graph" in page and f"{summary['n_nodes']} nodes" in page
    assert "report:" in capsys.readouterr().out
