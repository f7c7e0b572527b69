"""ground/records.py: the job's grounding of one answer (the path parse/rows.py runs)."""

from __future__ import annotations

import pytest

from yayi_batch.ground import ground_records
from yayi_batch.schema import (
    ENTITIES,
    EVENT_ARGUMENTS,
    EVENTS,
    RELATIONS,
    ArgumentRecord,
    EntityRecord,
    EventRecord,
    RelationRecord,
    stable_id,
)

DOC = "新闻：华润集团董事长宁高宁在北京出席论坛。宁高宁表示，北京很美。"
CHUNK_START = 3  # the chunk is DOC[3:]
RECORDS = [
    EntityRecord("人物", "宁高宁"),
    EntityRecord("地点", "上海"),
    RelationRecord("任职于", "宁高宁", "华润集团"),
    EventRecord("出席", "出席", (ArgumentRecord("地点", "北京"), ArgumentRecord("人物", "宁高宁"))),
]
KEY = {"run_id": "r1", "doc_id": "d1", "chunk_id": "c1"}


def ground(text=DOC[CHUNK_START:], offset=CHUNK_START, records=RECORDS, task="ee", key=KEY):
    return ground_records(records, text=text, offset=offset, doc_id="d1", task=task, lang="zh", key=key)


def test_offsets_are_document_offsets_with_a_match_kind():
    rows = ground()
    assert [(r["text"], r["start"], r["end"], r["match"], r["mention_index"]) for r in rows["entities"]] == [
        ("宁高宁", 10, 13, "exact", 0),
        ("宁高宁", 21, 24, "exact", 1),
        ("上海", None, None, "none", 0),
    ]
    (rel,) = rows["relations"]
    assert (rel["head_start"], rel["head_end"], rel["tail_start"], rel["tail_end"]) == (10, 13, 3, 7)
    (ev,) = rows["events"]
    assert (ev["trigger_start"], ev["trigger_end"], ev["trigger_match"]) == (16, 18, "exact")
    args = {r["role"]: (r["start"], r["end"]) for r in rows["event_arguments"]}
    assert args == {"地点": (14, 16), "人物": (10, 13)}  # the occurrences nearest the trigger (tie: earliest)


def test_rows_have_exactly_the_table_columns():
    rows = ground()
    for name, schema in [("entities", ENTITIES), ("relations", RELATIONS), ("events", EVENTS), ("event_arguments", EVENT_ARGUMENTS)]:
        assert rows[name], name
        for row in rows[name]:
            assert set(row) == set(schema.names), name


def test_ids_follow_the_published_recipes():
    """Published ids depend on these recipes: a change here changes every id of every table."""
    rows = ground()
    assert [r["entity_id"] for r in rows["entities"]] == [
        stable_id("d1", "ner", "人物", "宁高宁", 10, 13),
        stable_id("d1", "ner", "人物", "宁高宁", 21, 24),
        stable_id("d1", "ner", "地点", "上海", None, None),
    ]
    assert rows["relations"][0]["relation_id"] == stable_id("d1", "re", "任职于", "宁高宁", "华润集团", 10, 3)
    event_id = stable_id("d1", "ee", "出席", "出席", 16, (("地点", "北京", 14), ("人物", "宁高宁", 10)))
    assert rows["events"][0]["event_id"] == event_id
    assert [r["argument_id"] for r in rows["event_arguments"]] == [
        stable_id(event_id, "地点", "北京", 14),
        stable_id(event_id, "人物", "宁高宁", 10),
    ]


def test_ids_do_not_depend_on_the_chunk():
    """The same mention found by two overlapping chunks gets one id (finalize keeps one row)."""
    first = ground()
    whole = ground(text=DOC, offset=0, key={**KEY, "chunk_id": "other"})
    for table, column in [
        ("entities", "entity_id"),
        ("relations", "relation_id"),
        ("events", "event_id"),
        ("event_arguments", "argument_id"),
    ]:
        assert [r[column] for r in whole[table]] == [r[column] for r in first[table]], table
    assert {r["chunk_id"] for r in whole["entities"]} == {"other"}


def test_event_trigger_is_its_first_occurrence_and_arguments_follow_it():
    text = "甲公司收购乙公司。随后丙公司收购丁公司。"
    rows = ground(text=text, offset=0, records=[EventRecord("收购", "收购", (ArgumentRecord("对象", "丁公司"),))])
    (ev,) = rows["events"]
    assert (ev["trigger_start"], ev["trigger_end"]) == (3, 5)
    assert [(a["start"], a["end"]) for a in rows["event_arguments"]] == [(16, 19)]


def test_missing_trigger_takes_each_argument_first_occurrence():
    rows = ground(text="北京和北京", offset=0, records=[EventRecord("会见", None, (ArgumentRecord("地点", "北京"),))], task="ee_args")
    (ev,) = rows["events"]
    assert ev["trigger_start"] is None and ev["trigger_match"] == "none" and ev["task"] == "ee_args"
    assert [(a["start"], a["match"]) for a in rows["event_arguments"]] == [(0, "exact")]


@pytest.mark.parametrize("task", ["ner", "re", "ee", "ee_args", "no_such_task"])
def test_no_records_no_rows(task):
    assert ground(records=[], task=task) == {"entities": [], "relations": [], "events": [], "event_arguments": []}
