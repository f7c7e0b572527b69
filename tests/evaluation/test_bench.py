"""The quality benchmark: sets become documents, schema and gold; scores become one table.
The job itself is replaced here by a writer of known predictions (the real job runs in the
engine tier and in benchmarks/ie_quality.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import polars as pl
import pytest

from yayi_batch.evaluation import bench_cli
from yayi_batch.evaluation.bench import BenchSet, documents, prepare
from yayi_batch.labelled.records import LabelledText
from yayi_batch.parse.calibration import Calibration
from yayi_batch.schema import Lang, Task

FIXTURES = str(Path(__file__).parents[1] / "labelled" / "fixtures")


def test_prepare_asks_for_canonical_names_and_restricts_the_gold():
    s = BenchSet(
        name="c04",
        format="conll04",
        path="conll04.json",
        entities={"Peop": "person", "Org": "organization"},
        relations={"Work_For": "works for"},
        only_named=True,
    )
    p = prepare(s, FIXTURES)
    assert p.tasks == (Task.NER, Task.RE) and p.lang is Lang.EN
    assert p.schema["entity_types"] == ["person", "organization"] and p.schema["relation_types"] == ["works for"]
    (doc,) = p.documents
    assert [(m.type, m.text) for m in doc.entities] == [("person", "Ann Lee"), ("organization", "Acme Corp")]  # Loc has no name
    assert [r.relation for r in doc.relations] == ["works for"]  # OrgBased_In is not asked for
    assert p.overrides() == [
        "extraction.tasks=[ner, re]",
        "extraction.lang=en",
        'extraction.en.entity_types=["person", "organization"]',
        'extraction.en.relation_types=["works for"]',
    ]


def test_max_labels_keeps_the_most_frequent_and_reports_the_share():
    p = prepare(BenchSet(name="duie", format="duie", path="duie.json", max_labels=1), FIXTURES)
    assert p.schema["relation_types"] in (["作者"], ["主演"], ["上映时间"])
    kept = p.schema["relation_types"][0]
    assert all(r.relation == kept for d in p.documents for r in d.relations)
    assert p.gold_share["relations"] == pytest.approx(1 / 3)


def test_documents_join_sentences_within_a_group():
    texts = [LabelledText(f"t:{i}", "t", Lang.EN, f"S{i}.", (), group=f"g{i // 3}") for i in range(7)]
    assert [d.text for d in documents(texts, 2)] == ["S0. S1.", "S2.", "S3. S4.", "S5.", "S6."]
    assert [d.text for d in documents(texts, 0)] == ["S0. S1. S2.", "S3. S4. S5.", "S6."]
    assert [d.text for d in documents(texts, 1)] == [t.text for t in texts]


def _fake_job(drop_every: int):
    """A job that publishes the gold (every `drop_every`-th mention left out) as its tables."""

    def run(config, corpus, out, overrides):
        gold = pl.read_ndjson(Path(corpus).parent / "gold.jsonl")
        ner = gold.filter((pl.col("task") == "ner") & pl.col("type").is_not_null())
        ner = ner.with_row_index().filter(pl.col("index") % drop_every != drop_every - 1) if drop_every else ner
        root = Path(out)
        for name, df in {
            "entities": ner.select("doc_id", "type", "text", "start", "end").with_columns(match=pl.lit("exact")),
            "documents": gold.select("doc_id").unique(),
            "answers": gold.select("doc_id", "task").unique().with_columns(status=pl.lit("ok"), tokens_out=pl.lit(10)),
        }.items():
            (root / name / "date=2026-01-01").mkdir(parents=True, exist_ok=True)
            df.write_parquet(root / name / "date=2026-01-01" / "part-0.parquet")
        return 2.0

    return run


# 3 gold mentions; every 2nd left out: P 1, R 2/3, F1 0.8
@pytest.mark.parametrize(("drop_every", "f1"), [(0, 1.0), (2, 0.8)])
def test_bench_scores_what_the_job_published(tmp_path, monkeypatch, drop_every, f1):
    sets = tmp_path / "sets.yaml"
    sets.write_text(
        f"data_root: {FIXTURES}\nsets:\n  - {{name: ner-zh, format: conll-chars, path: chars.bmes,"
        f" entities: {{PER: 人物, ORG: 机构, LOC: 地点}}}}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(bench_cli, "run_job", _fake_job(drop_every))
    assert bench_cli.main(["--sets", str(sets), "--work", str(tmp_path / "work")]) == 0
    (row,) = json.loads((tmp_path / "work" / "results.json").read_text())["rows"]
    assert row["set"] == "ner-zh" and row["task"] == "ner" and row["docs"] == 2
    assert row["F1"] == pytest.approx(f1) and row["P"] == 1.0
    assert row["parse"] == 1.0 and row["exact_ground"] == 1.0 and row["docs_per_s"] == 1.0 and row["tokens_out"] == 20


def test_a_bad_sets_file_is_one_line(tmp_path, capsys):
    sets = tmp_path / "sets.yaml"
    sets.write_text("sets:\n  - {name: x, format: csv}\n", encoding="utf-8")
    assert bench_cli.main(["--sets", str(sets)]) == 2
    assert "sets.0.format" in capsys.readouterr().out


def test_bench_fits_one_calibration_over_its_sets_and_keeps_each_sets_eval(tmp_path, monkeypatch):
    sets = tmp_path / "sets.yaml"
    sets.write_text(
        f"data_root: {FIXTURES}\nsets:\n  - {{name: ner-zh, format: conll-chars, path: chars.bmes,"
        f" entities: {{PER: 人物, ORG: 机构, LOC: 地点}}}}\n",
        encoding="utf-8",
    )

    def run(config, corpus, out, overrides):  # the gold at confidence 0.9, and one wrong mention per document at 0.2
        _fake_job(0)(config, corpus, out, overrides)
        part = Path(out) / "entities" / "date=2026-01-01" / "part-0.parquet"
        right = pl.read_parquet(part).with_columns(confidence=pl.lit(0.9))
        wrong = right.unique("doc_id").with_columns(type=pl.lit("人物"), text=pl.lit("不在"), start=None, end=None, confidence=pl.lit(0.2))
        pl.concat([right, wrong]).write_parquet(part)
        return 2.0

    monkeypatch.setattr(bench_cli, "run_job", run)
    fitted = tmp_path / "calibration.json"
    assert bench_cli.main(["--sets", str(sets), "--work", str(tmp_path / "work"), "--fit-calibration", str(fitted)]) == 0
    calibration = Calibration.load(fitted)
    assert calibration.knots["ner"] == ((0.2, 0.9), (0.0, 1.0))  # one knot per confidence: what it was right at
    saved = json.loads((tmp_path / "work" / "ner-zh" / "output" / "_eval" / "eval.json").read_text())
    assert saved["confidence"]["ner"]["thresholds"][0]["kept"] == 5  # 3 right + 2 wrong at threshold 0.1


def test_a_set_whose_job_fails_stops_the_bench_in_one_line(tmp_path, monkeypatch, capsys):
    sets = tmp_path / "sets.yaml"
    sets.write_text(
        f"data_root: {FIXTURES}\nsets:\n  - {{name: ner-zh, format: conll-chars, path: chars.bmes, entities: {{PER: 人物}}}}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(bench_cli.subprocess, "run", lambda cmd: subprocess.CompletedProcess(cmd, 2))
    assert bench_cli.main(["--sets", str(sets), "--work", str(tmp_path / "work")]) == 3
    out = capsys.readouterr().out
    assert "yayi-batch bench: set ner-zh: the job on " in out and "exit code 2" in out and "Traceback" not in out
