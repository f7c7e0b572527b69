"""records.py: structure -> typed records; verification, schema flags, status choice."""

from __future__ import annotations

from yayi_batch.parse import lenient, parse_output, raise_internal_errors, records
from yayi_batch.parse.lenient import Loaded
from yayi_batch.schema import ArgumentRecord as A
from yayi_batch.schema import EntityRecord as E
from yayi_batch.schema import EventRecord as EV
from yayi_batch.schema import ParseStatus, Task
from yayi_batch.schema import RelationRecord as R


def build(task, value, text, *, types=None, roles=None, **loaded):
    as_set = lambda xs: None if xs is None else frozenset(xs)  # noqa: E731
    return records.build(task, Loaded(value, **loaded), text, as_set(types), as_set(roles))


def test_strings_not_in_answer_are_dropped():
    # a repairer that "invented" 李四 must not leak it
    res = build(Task.NER, {"人物": ["宁高宁", "李四"]}, '{"人物": ["宁高宁"]}')
    assert res.records == [E("人物", "宁高宁")]
    assert res.status is ParseStatus.REPAIRED and "dropped_not_in_text:1" in res.reason


def test_only_invented_strings_is_invalid():
    res = build(Task.NER, {"人物": ["李四"]}, "junk")
    assert res.status is ParseStatus.INVALID and res.reason.startswith("not_in_text")


def test_escaped_spellings_count_as_present():
    assert records._occurs("中", r'"\u4e2d"')
    assert records._occurs('a"b', r'"a\"b"')
    assert records._occurs("it's", r"'it\'s'")
    assert not records._occurs("中", "abc")


def test_event_arguments_verified_one_by_one():
    text = '[{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日"}}]'
    value = [{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日", "地点": "上海"}}]
    res = build(Task.EE, value, text)
    assert res.records == [EV("会见", "出席", (A("时间", "17日"),))]
    assert "dropped_not_in_text:1" in res.reason


def test_in_schema_flags_use_trimmed_names():
    text = '{"人物 ": ["宁高宁"], "职位": ["董事长"]}'
    res = build(Task.NER, {"人物 ": ["宁高宁"], "职位": ["董事长"]}, text, types=["人物"])
    assert res.records == [E("人物", "宁高宁", True), E("职位", "董事长", False)]


def test_event_without_type_is_out_of_schema_when_types_given():
    text = '[{"trigger": "出席", "arguments": {}}]'
    res = build(Task.EE, [{"trigger": "出席", "arguments": {}}], text, types=["会见"])
    assert res.records == [EV(None, "出席", (), False)]


def test_incomplete_ids_follow_last_elements():
    value = [{"a": "1"}, {"a": "2", "b": ["x"]}]
    ids = records._incomplete_ids(Loaded(value, truncated=True, open_depth=3))
    assert ids == {id(value), id(value[1]), id(value[1]["b"])}


def test_truncated_partial_relation_dropped_and_counted():
    text = '[{"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"}, {"关系": "会见", "头实体": "宁'
    value = [{"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"}, {"关系": "会见"}]
    res = build(Task.RE, value, text, truncated=True, open_depth=2, repairs=("truncated",))
    assert res.status is ParseStatus.TRUNCATED
    assert res.records == [R("出席", "宁高宁", "论坛")]
    assert res.reason == "truncated,dropped_partial:1"


def test_relation_product_is_bounded():
    heads = [f"h{i}" for i in range(40)]
    text = str(heads) + " r t"
    res = build(Task.RE, [{"relation": "r", "head": heads, "tail": ["t", "r"]}], text)
    assert len(res.records) == records.MAX_PRODUCT


def test_bools_and_dicts_as_values_are_malformed():
    res = build(Task.NER, {"人物": [True, "宁高宁", {"x": 1}]}, '{"人物": [true, "宁高宁", {"x": 1}]}')
    assert res.records == [E("人物", "宁高宁")] and "skipped_malformed:2" in res.reason


def test_nan_float_is_skipped_not_stringified():
    res = build(Task.NER, {"数值": [float("nan"), 1.5]}, '{"数值": [NaN, 1.5]}')
    assert res.records == [E("数值", "1.5")]


def test_ee_args_accepts_events_shaped_answer():
    text = '{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日"}}'
    res = build(Task.EE_ARGS, {"trigger": "出席", "type": "会见", "arguments": {"时间": "17日"}}, text)
    assert res.records == [EV("会见", "出席", (A("时间", "17日"),))]


def test_describe_shapes():
    assert records._describe(["a", 1]) == "list of int/str"
    assert records._describe([]) == "empty list"
    assert records._describe({"人物": 1}) == "dict with keys [人物]"
    assert records._describe(3) == "int"


def test_parse_output_never_raises_on_internal_error(monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("bug")

    monkeypatch.setattr(records, "build", boom)
    raise_internal_errors(False)  # production: tests re-raise parser bugs (tests/conftest.py)
    try:
        res = parse_output("ner", '{"人物": ["宁高宁"]}')
    finally:
        raise_internal_errors(True)
    assert res.status is ParseStatus.INVALID and res.reason.startswith("internal_error: RuntimeError")


def test_parse_output_prefers_a_candidate_with_records():
    text = "json[{'relation':'', 'head':'', 'tail':''}, ] [{'relation': 'r', 'head': 'h', 'tail': 't'}]"
    res = parse_output("re", text)
    assert res.records == [R("r", "h", "t")]


def test_empty_sentinel_words():
    assert lenient.is_empty_sentinel("NULL") and lenient.is_empty_sentinel("无。")
    assert not lenient.is_empty_sentinel("无锡")
