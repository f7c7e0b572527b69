"""Scores against hand-computed expectations (the arithmetic is in the comments)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from yayi_batch.evaluation.cli import evaluate, load_predictions, main
from yayi_batch.evaluation.gold import normalize
from yayi_batch.evaluation.metrics import prf
from yayi_batch.testing.fake_output import build_fake_output


def ent(doc, typ, text, start=None, end=None, **kw):
    return {"doc_id": doc, "type": typ, "text": text, "start": start, "end": end, **kw}


def gner(doc, typ=None, text=None, start=None, end=None, dataset=None):
    return {"doc_id": doc, "task": "ner", "type": typ, "text": text, "start": start, "end": end, "dataset": dataset}


def run(tmp_path, gold_rows, tables, tasks=None, **kw):
    out = build_fake_output(tmp_path / "out", tables, **kw)
    return evaluate(normalize(pl.DataFrame(gold_rows, infer_schema_length=None)), load_predictions(str(out)), tasks)


def micro(result, name):
    m = result["metrics"][name]["micro"]
    return m["tp"], m["fp"], m["fn"], m["precision"], m["recall"], m["f1"]


def test_prf_no_division_by_zero():
    assert prf(0, 0, 0) == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert prf(0, 3, 0)["f1"] == 0.0 and prf(0, 0, 3)["f1"] == 0.0
    # 2 TP, 1 FP, 2 FN: P = 2/3, R = 2/4 = 1/2, F1 = 2 * (2/3) * (1/2) / (2/3 + 1/2) = (2/3) / (7/6) = 4/7
    assert prf(2, 1, 2)["f1"] == pytest.approx(4 / 7)


def test_ner_duplicates_one_sided_types_and_chinese(tmp_path):
    gold = [gner("d1", "人物", "宁高宁"), gner("d1", "地点", "北京"), gner("d1", "时间", "17日"),
            gner("d2", "person", "Gao"), gner("d2", "organization", "APEC")]  # fmt: skip
    pred = [ent("d1", "人物", "宁高宁", mention_index=0), ent("d1", "人物", "宁高宁", chunk_id="c1", mention_index=1),
            ent("d1", "地点", "北京"), ent("d1", "机构", "APEC中国工商理事会"),
            ent("d2", "person", "Gao"), ent("d2", "location", "Beijing")]  # fmt: skip
    r = run(tmp_path, gold, {"entities": pred})
    # distinct predictions: d1 {人物 宁高宁 (twice -> once), 地点 北京, 机构 APEC...}, d2 {person Gao, location Beijing} = 5
    # TP = 人物 宁高宁, 地点 北京, person Gao = 3; FP = 5 - 3 = 2; FN = 5 gold - 3 = 2
    # P = 3/5, R = 3/5, F1 = 0.6
    assert micro(r, "ner") == (3, 2, 2, 0.6, 0.6, pytest.approx(0.6))
    per = {row["type"]: (row["tp"], row["fp"], row["fn"], row["f1"]) for row in r["metrics"]["ner"]["per_type"]}
    assert per == {
        "人物": (1, 0, 0, 1.0), "地点": (1, 0, 0, 1.0), "person": (1, 0, 0, 1.0),
        "时间": (0, 0, 1, 0.0), "organization": (0, 0, 1, 0.0),  # gold only: R = 0, P = 0/0 := 0
        "机构": (0, 1, 0, 0.0), "location": (0, 1, 0, 0.0),  # predicted only: P = 0, R = 0/0 := 0
    }  # fmt: skip
    # no offsets in this gold: the span metric is not scored, and says why
    assert "ner_span" not in r["metrics"] and any("ner_span" in n for n in r["notes"])


def test_same_item_in_another_doc_does_not_match(tmp_path):
    r = run(tmp_path, [gner("d1", "PER", "Li"), gner("d2")], {"entities": [ent("d2", "PER", "Li")]})
    # d2 is a gold doc with nothing to find: its prediction is a FP; d1's gold is a FN
    assert micro(r, "ner")[:3] == (0, 1, 1)


def test_offsets_versus_text(tmp_path):
    gold = [gner("d1", "地点", "北京", 20, 22), gner("d1", "地点", "北京", 40, 42), gner("d1", "人物", "宁高宁", 0, 3)]
    pred = [ent("d1", "地点", "北京", 20, 22, match="exact"), ent("d1", "人物", "宁高宁", None, None, match="none")]
    r = run(tmp_path, gold, {"entities": pred})
    # text: gold {地点 北京, 人物 宁高宁} (the two 北京 mentions are one item), pred the same -> TP 2, P = R = F1 = 1
    assert micro(r, "ner") == (2, 0, 0, 1.0, 1.0, 1.0)
    # spans: gold {(地点,20,22), (地点,40,42), (人物,0,3)}; pred {(地点,20,22), (人物,null,null)}
    # TP 1, FP 1 (the ungrounded mention), FN 2; P = 1/2, R = 1/3, F1 = 2 * (1/6) / (5/6) = 0.4
    tp, fp, fn, p, rec, f1 = micro(r, "ner_span")
    assert (tp, fp, fn) == (1, 1, 2) and p == 0.5 and rec == pytest.approx(1 / 3) and f1 == pytest.approx(0.4)


def test_empty_predictions_and_empty_gold(tmp_path):
    r = run(tmp_path / "a", [gner("d1", "PER", "Li"), gner("d2", "LOC", "Rome")], {})
    assert micro(r, "ner") == (0, 0, 2, 0.0, 0.0, 0.0)  # nothing predicted: R = 0/2, P = 0/0 := 0, F1 0
    assert r["docs"]["gold_not_in_pred"] == 2  # no documents rows at all
    r = run(tmp_path / "b", [gner("d1")], {"entities": [ent("d1", "PER", "Li"), ent("d1", "LOC", "Rome")]})
    assert micro(r, "ner") == (0, 2, 0, 0.0, 0.0, 0.0)  # empty gold: P = 0/2, R = 0/0 := 0
    r = run(tmp_path / "c", [gner("d1")], {})
    assert micro(r, "ner") == (0, 0, 0, 0.0, 0.0, 0.0)  # nothing on either side: 0, not a ZeroDivisionError


def test_only_gold_docs_are_scored_and_others_reported(tmp_path):
    docs = [{"doc_id": d, "status": "ok"} for d in ("d1", "d9")]
    pred = [ent("d1", "PER", "Li"), ent("d9", "PER", "Wang"), ent("d9", "LOC", "Rome")]
    r = run(tmp_path, [gner("d1", "PER", "Li"), gner("d5", "PER", "Zhang")], {"entities": pred, "documents": docs})
    # d9 is not in the gold: its 2 rows are ignored (no FP); d5 has no output: its entity is a FN
    assert micro(r, "ner")[:3] == (1, 0, 1)
    assert r["docs"] | {} == {"gold": 2, "pred": 2, "gold_not_in_pred": 1, "gold_not_in_pred_examples": ["d5"],
                              "pred_not_in_gold": 1, "pred_not_in_gold_examples": ["d9"]}  # fmt: skip


def test_macro_over_datasets_differs_from_micro(tmp_path):
    gold = [gner("a1", "PER", x, dataset="A") for x in ("p", "q", "r", "s")] + [gner("b1", "LOC", "x", dataset="B")]
    pred = [ent("a1", "PER", x) for x in ("p", "q", "r", "s")] + [ent("b1", "LOC", "y")]
    r = run(tmp_path, gold, {"entities": pred})
    # A: TP 4, FP 0, FN 0 -> F1 1.  B: TP 0, FP 1, FN 1 -> F1 0.
    # micro: TP 4, FP 1, FN 1 -> P = R = 4/5 = 0.8, F1 0.8;  macro: (1 + 0) / 2 = 0.5 for P, R and F1
    assert micro(r, "ner") == (4, 1, 1, 0.8, 0.8, pytest.approx(0.8))
    macro = r["metrics"]["ner"]["macro"]
    assert macro == {"datasets": 2, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert [(d["dataset"], d["f1"]) for d in r["metrics"]["ner"]["per_dataset"]] == [("A", 1.0), ("B", 0.0)]


def test_relations_strict_and_boundary(tmp_path):
    gold = [
        {"doc_id": "d1", "task": "re", "relation": "出席", "head": "宁高宁", "tail": "APEC论坛", "head_type": "人物", "tail_type": "会议"},
        {"doc_id": "d1", "task": "re", "relation": "位于", "head": "APEC论坛", "tail": "北京", "head_type": "会议", "tail_type": "地点"},
    ]  # fmt: skip
    pred = [{"doc_id": "d1", "relation": "出席", "head": "宁高宁", "tail": "APEC论坛"},
            {"doc_id": "d1", "relation": "出席", "head": "北京", "tail": "宁高宁"}]  # fmt: skip
    r = run(tmp_path, gold, {"relations": pred})
    # TP 1 (出席 宁高宁 APEC论坛), FP 1 (出席 北京 宁高宁), FN 1 (位于 ...): P = R = F1 = 0.5
    assert micro(r, "re_boundary") == (1, 1, 1, 0.5, 0.5, 0.5)
    # the relations table carries no entity types: strict cannot compare them and equals boundary
    assert micro(r, "re_strict") == micro(r, "re_boundary") and r["metrics"]["re_strict"]["types_compared"] == []


def test_relations_strict_compares_types_when_both_sides_know_them():
    gold = normalize(pl.DataFrame([{"doc_id": "d", "task": "re", "relation": "r", "head": "h", "tail": "t",
                                    "head_type": "PER", "tail_type": "ORG"}]))  # fmt: skip
    rel = pl.DataFrame({"doc_id": ["d"], "relation": ["r"], "head": ["h"], "tail": ["t"], "head_type": ["PER"], "tail_type": ["LOC"]})
    tables = load_predictions("/nonexistent-output") | {"relations": rel}
    r = evaluate(gold, tables)
    assert r["metrics"]["re_strict"]["types_compared"] == ["head_type", "tail_type"]
    assert micro(r, "re_strict")[:3] == (0, 1, 1)  # tail type ORG != LOC
    assert micro(r, "re_boundary")[:3] == (1, 0, 0)


def test_events_triggers_and_arguments(tmp_path):
    gold = [
        {"doc_id": "d1", "task": "ee", "event_type": "会见", "trigger": "会见"},
        {"doc_id": "d1", "task": "ee", "event_type": "会见", "trigger": "会见", "role": "会见主体", "argument": "宁高宁"},
        {"doc_id": "d1", "task": "ee", "event_type": "会见", "trigger": "会见", "role": "地点", "argument": "北京"},
        {"doc_id": "d1", "task": "ee", "event_type": "出席", "trigger": "出席"},
    ]  # fmt: skip
    events = [{"doc_id": "d1", "event_id": "e1", "task": "ee", "event_type": "会见", "trigger": "会见"},
              {"doc_id": "d1", "event_id": "e2", "task": "ee_args", "event_type": None, "trigger": None}]  # fmt: skip
    args = [{"doc_id": "d1", "event_id": "e1", "role": "会见主体", "argument": "宁高宁"},
            {"doc_id": "d1", "event_id": "e1", "role": "时间", "argument": "17日"},
            {"doc_id": "d1", "event_id": "e2", "role": "地点", "argument": "北京"}]  # fmt: skip
    r = run(tmp_path, gold, {"events": events, "event_arguments": args})
    # triggers: gold {(会见,会见), (出席,出席)}, pred {(会见,会见)} (the ee_args event has no trigger)
    # TP 1, FP 0, FN 1: P = 1, R = 1/2, F1 = 2/3
    assert micro(r, "ee_trigger") == (1, 0, 1, 1.0, 0.5, pytest.approx(2 / 3))
    # arguments: gold {(会见,会见主体,宁高宁), (会见,地点,北京)}; pred {(会见,会见主体,宁高宁), (会见,时间,17日),
    # (null,地点,北京)}: TP 1, FP 2, FN 1; P = 1/3, R = 1/2, F1 = 2 * (1/6) / (5/6) = 0.4
    tp, fp, fn, p, rec, f1 = micro(r, "ee_argument")
    assert (tp, fp, fn) == (1, 2, 1) and p == pytest.approx(1 / 3) and rec == 0.5 and f1 == pytest.approx(0.4)
    assert {row["type"] for row in r["metrics"]["ee_argument"]["per_type"]} == {"会见主体", "地点", "时间"}


def test_invalid_answer_rate_from_answers(tmp_path):
    answers = [{"doc_id": "d1", "task": t, "status": s} for t, s in (("ner", "ok"), ("ner", "invalid"), ("re", "ok"))]
    answers += [{"doc_id": "d1", "task": "ee_args", "status": "repaired"}, {"doc_id": "zz", "task": "ner", "status": "invalid"}]
    r = run(tmp_path, [gner("d1", "PER", "Li"), {"doc_id": "d1", "task": "re"}, {"doc_id": "d1", "task": "ee"}],
            {"answers": answers})  # fmt: skip
    # answers of gold doc d1: 4 (zz is not gold), 1 invalid -> 1/4; the invalid answer predicted nothing: FN
    assert r["parse"]["invalid_rate"] == 0.25 and r["parse"]["answers"] == 4
    assert r["parse"]["by_task"]["ner"] == {"answers": 2, "invalid": 1, "invalid_rate": 0.5}
    assert r["parse"]["by_status"] == {"invalid": 1, "ok": 2, "repaired": 1}
    assert micro(r, "ner")[:3] == (0, 0, 1)
    assert evaluate(normalize(pl.DataFrame([gner("d1", "PER", "Li")])), load_predictions("/nonexistent"))["parse"] is None


def test_task_selection_and_run_filter(tmp_path):
    out = tmp_path / "out"
    build_fake_output(out, {"entities": [ent("d1", "PER", "Li")]}, run_id="old", run_date="2024-05-01")
    build_fake_output(out, {"entities": [ent("d1", "PER", "Wang")]}, run_id="new", run_date="2024-05-02")
    gold = normalize(pl.DataFrame([gner("d1", "PER", "Li"), {"doc_id": "d1", "task": "re"}]))
    # both dates are read: Li is a TP, Wang a FP
    assert micro(evaluate(gold, load_predictions(str(out)), ["ner"]), "ner")[:3] == (1, 1, 0)
    only_new = evaluate(gold, load_predictions(str(out), "new"), ["ner"])
    assert micro(only_new, "ner")[:3] == (0, 1, 1) and set(only_new["metrics"]) == {"ner"}
    with pytest.raises(ValueError, match="no 'ee' rows"):
        evaluate(gold, load_predictions(str(out)), ["ee"])


def test_main_writes_json_and_prints(tmp_path, capsys):
    out = build_fake_output(tmp_path / "out")  # the default fake run
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        gner("d1", "人物", "宁高宁", 0, 3), gner("d1", "[bold]x[/bold]", "y", 5, 6),
        {"doc_id": "d1", "task": "re", "relation": "出席", "head": "宁高宁", "tail": "APEC论坛"},
    ]), encoding="utf-8")  # fmt: skip
    assert main(["--gold", str(gold), "--pred", str(out)]) == 0
    result = json.loads((out / "_eval" / "eval.json").read_text(encoding="utf-8"))
    # d1 predicted {人物 宁高宁, 机构 APEC.., 地点 北京, 地点 中国}: TP 1, FP 3, FN 1 -> P 1/4, R 1/2, F1 1/3
    assert result["metrics"]["ner"]["micro"]["f1"] == pytest.approx(1 / 3)
    assert result["metrics"]["re_boundary"]["micro"]["f1"] == 1.0
    printed = capsys.readouterr().out
    assert "ner_span" in printed and "0.3333" in printed and "[bold]x[/bold]" in printed  # no rich markup from data
    custom = tmp_path / "scores.json"
    assert main(["--gold", str(gold), "--pred", str(out), "--task", "re", "--json", str(custom)]) == 0
    assert set(json.loads(custom.read_text(encoding="utf-8"))["metrics"]) == {"re_strict", "re_boundary"}


def test_main_errors_return_2(tmp_path, capsys):
    out = build_fake_output(tmp_path / "out")
    assert main(["--gold", str(tmp_path / "none.jsonl"), "--pred", str(out)]) == 2
    gold = tmp_path / "g.txt"
    gold.write_text("北\tB-LOC\n京\tE-LOC\n", encoding="utf-8")
    assert main(["--gold", str(gold), "--pred", str(out), "--task", "ee", "--format", "conll-bmes"]) == 2
    assert "no 'ee' rows" in capsys.readouterr().err
    assert main(["--gold", str(gold), "--pred", str(out), "--format", "conll-bmes"]) == 0
    assert "no gold doc_id is in the output" in capsys.readouterr().out  # gold "g-0" vs output d1..d4
    assert main(["--pred", str(out)]) == 2  # usage error: argparse says what is missing
    assert main(["--help"]) == 0


def test_documents_with_other_passthrough_columns_on_another_date(tmp_path):
    out = tmp_path / "out"
    build_fake_output(out, {"entities": [ent("d1", "PER", "Li")], "documents": [{"doc_id": "d1", "status": "ok"}]},
                      run_id="r1", run_date="2024-05-01")  # fmt: skip
    # a later run whose documents table carries a passthrough column the first one lacks
    extra = tmp_path / "extra.parquet"
    pl.DataFrame({"run_id": ["r2"], "doc_id": ["d2"], "status": ["ok"], "source_url": ["http://x"]}).write_parquet(extra)
    (out / "documents" / "date=2024-05-02").mkdir()
    extra.rename(out / "documents" / "date=2024-05-02" / "part-0.parquet")
    tables = load_predictions(str(out))
    assert sorted(tables["documents"]["doc_id"].to_list()) == ["d1", "d2"]
    assert set(tables["documents"]["date"].to_list()) == {"2024-05-01", "2024-05-02"}


# --- bad input ----------------------------------------------------------------------------------


def test_gold_without_task_column_is_taken_as_the_one_task_given(tmp_path, capsys):
    out = build_fake_output(tmp_path / "out")
    gold = tmp_path / "ner_only.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"doc_id": "d1", "type": "人物", "text": "宁高宁", "start": 0, "end": 3},
        {"doc_id": "d1", "type": "地点", "text": "北京", "start": 20, "end": 22},
    ]), encoding="utf-8")  # fmt: skip
    assert main(["--gold", str(gold), "--pred", str(out)]) == 2  # no task column, no --task
    err = capsys.readouterr().err
    assert "ner_only.jsonl: gold rows need a task" in err and "pass exactly one --task" in err
    assert main(["--gold", str(gold), "--pred", str(out), "--task", "ner"]) == 0
    result = json.loads((out / "_eval" / "eval.json").read_text(encoding="utf-8"))
    assert result["tasks"] == ["ner"] and result["metrics"]["ner"]["micro"]["tp"] == 2
    parquet = tmp_path / "ner_only.parquet"
    pl.DataFrame({"doc_id": ["d1"], "type": ["人物"], "text": ["宁高宁"]}).write_parquet(parquet)
    assert main(["--gold", str(parquet), "--pred", str(out), "--task", "ner"]) == 0


def test_gold_documents_absent_from_the_output_are_counted_and_shown(tmp_path, capsys):
    out = build_fake_output(tmp_path / "out")  # documents d1..d4
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        gner("d1", "人物", "宁高宁", 0, 3), gner("ghost-1", "人物", "张三", 0, 2), gner("ghost-2", "人物", "李四", 0, 2),
    ]), encoding="utf-8")  # fmt: skip
    assert main(["--gold", str(gold), "--pred", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "gold docs without output 2" in printed
    assert "2 gold document(s) are not in the output" in printed and "ghost-1, ghost-2" in printed
    result = json.loads((out / "_eval" / "eval.json").read_text(encoding="utf-8"))
    assert result["docs"]["gold_not_in_pred"] == 2 and result["docs"]["gold_not_in_pred_examples"] == ["ghost-1", "ghost-2"]


# --- type map ----------------------------------------------------------------------------------


def test_type_map_renames_gold_types_before_scoring(tmp_path, capsys):
    out = build_fake_output(tmp_path / "out", {"entities": [
        ent("d1", "人物", "宁高宁"), ent("d1", "地点", "北京"), ent("d1", "机构", "APEC"), ent("d1", "地点", "上海"),
    ]})  # fmt: skip
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        gner("d1", "PER", "宁高宁"), gner("d1", "LOC", "北京"), gner("d1", "ORG", "APEC"), gner("d1", "ORG", "中信"),
        gner("d1", "MISC", "APEC论坛"),
    ]), encoding="utf-8")  # fmt: skip
    plain, mapped = tmp_path / "plain.json", tmp_path / "mapped.json"
    assert main(["--gold", str(gold), "--pred", str(out), "--json", str(plain)]) == 0
    result = json.loads(plain.read_text(encoding="utf-8"))
    # no gold type equals a predicted one: TP 0, FP 4, FN 5 -> F1 0
    assert result["metrics"]["ner"]["micro"]["tp"] == 0 and result["metrics"]["ner"]["micro"]["f1"] == 0.0
    assert "type_map" not in result and "type map:" not in capsys.readouterr().out

    assert main(["--gold", str(gold), "--pred", str(out), "--json", str(mapped), "--type-map", "PER=人物,LOC=地点,ORG=机构"]) == 0
    result = json.loads(mapped.read_text(encoding="utf-8"))
    # gold {人物 宁高宁, 地点 北京, 机构 APEC, 机构 中信, MISC APEC论坛}; pred {人物 宁高宁, 地点 北京, 机构 APEC, 地点 上海}
    # TP 3, FP 1 (地点 上海), FN 2 (机构 中信, MISC: unmapped); P = 3/4, R = 3/5, F1 = 2 * (9/20) / (27/20) = 2/3
    m = result["metrics"]["ner"]["micro"]
    assert (m["tp"], m["fp"], m["fn"]) == (3, 1, 2) and m["f1"] == pytest.approx(2 / 3)
    assert result["type_map"] == {"mapping": {"PER": "人物", "LOC": "地点", "ORG": "机构"}, "dropped_gold_rows": 0,
                                  "unmapped_gold_types": ["MISC"], "map_entries_unused": []}  # fmt: skip
    printed = capsys.readouterr().out
    assert "type map: PER->人物, LOC->地点, ORG->机构; dropped gold rows 0; unmapped gold types: MISC; map entries unused: none" in printed
    assert "0.6667" in printed

    # a bad map is a usage error (exit 2) naming the entry, before anything is scored
    assert main(["--gold", str(gold), "--pred", str(out), "--type-map", "PER=人物,LOC"]) == 2
    assert "type map entry 'LOC' has no '='" in capsys.readouterr().err
