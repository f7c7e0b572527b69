"""lenient.py: raw text -> structure, repair tags, truncation cut, bounded work."""

from __future__ import annotations

import time

import pytest

from yayi_batch.parse import lenient
from yayi_batch.parse.lenient import EmptyAnswer, TooDeep, TooLarge, Unparseable, load_lenient


def test_strict_json_has_no_repairs():
    loaded = load_lenient(' {"人物": ["宁高宁"]} \n')
    assert loaded == lenient.Loaded({"人物": ["宁高宁"]}, (), False, 0)


@pytest.mark.parametrize("text", ["", "  ", "无", "NAN", "nan", "None", "null", '""', "''", "[]", "{}", "无。", "“无”"])
def test_nothing_found_answers_raise_empty(text):
    with pytest.raises(EmptyAnswer):
        load_lenient(text)


def test_none_is_empty():
    with pytest.raises(EmptyAnswer, match="no text"):
        load_lenient(None)


def test_error_hierarchy():
    assert issubclass(TooDeep, Unparseable) and issubclass(Unparseable, lenient.ParseError)
    assert issubclass(TooLarge, lenient.ParseError) and issubclass(EmptyAnswer, lenient.ParseError)
    assert Unparseable("x").reason() == "not_json: x"


def test_too_large_is_checked_before_any_parsing():
    with pytest.raises(TooLarge):
        load_lenient("[" + "1," * lenient.MAX_CHARS + "1]")


def test_too_deep():
    with pytest.raises(TooDeep):
        load_lenient("x[" + "[" * (lenient.MAX_DEPTH + 5))


def test_prose_is_unparseable():
    with pytest.raises(Unparseable):
        load_lenient("The text mentions no entities.")


def test_fullwidth_syntax_converted_but_content_kept():
    loaded = load_lenient("{“机构”：[“中信，集团”，'A：B']，}")
    assert loaded.value == {"机构": ["中信，集团", "A：B"]}
    assert set(loaded.repairs) == {"fullwidth_punct", "single_quotes", "trailing_comma"}


def test_python_literals_become_json():
    assert load_lenient("{'a': None, 'b': True, 'c': 'None'}").value == {"a": None, "b": True, "c": "None"}


def test_single_quote_escapes_and_embedded_double_quotes():
    assert load_lenient(r"""{'a': 'it\'s', 'b': 'say "hi"'}""").value == {"a": "it's", "b": 'say "hi"'}


def test_truncated_dict_cut_at_last_complete_value():
    loaded = load_lenient('{"人物": ["宁高宁", "张三"], "机构": ["APEC中')
    assert loaded.truncated and loaded.repairs[0] == "truncated"
    assert loaded.value == {"人物": ["宁高宁", "张三"], "机构": []}
    assert loaded.open_depth == 2  # the root and the 机构 list were open at the cut


def test_truncated_list_marks_open_containers():
    loaded = load_lenient('[{"a": "1"}, {"a": "2", "b": "3')
    assert loaded.value == [{"a": "1"}, {"a": "2"}]
    assert loaded.open_depth == 2


def test_truncated_after_trailing_commas_cuts_at_the_right_place():
    loaded = load_lenient("[{'a': '1',}, {'a': '2',}, {'a': '3',}, {'a': '4',}, {'a': '5', 'bc': 'xyz")
    assert loaded.value == [{"a": "1"}, {"a": "2"}, {"a": "3"}, {"a": "4"}, {"a": "5"}]
    assert "json_repair" not in loaded.repairs


def test_truncated_number_is_not_trusted():
    assert load_lenient('{"a": ["1", 12').value == {"a": ["1"]}


def test_trailing_text_and_prefix_tags():
    loaded = load_lenient('好的。json{"a": "b"} 以上。')
    assert loaded.value == {"a": "b"}
    assert loaded.repairs == ("leading_text", "json_prefix", "trailing_text")


def test_answer_marker_inside_content_is_not_a_cut():
    assert load_lenient('{"q": "Answer: 42", "x": [1,]}').value == {"q": "Answer: 42", "x": [1]}


def test_echoed_template_is_skipped_when_not_json_like():
    loaded = load_lenient('以json{人物/机构/地点：[实体]}格式输出。{"人物": ["宁高宁"]}')
    assert loaded.value == {"人物": ["宁高宁"]}


def test_candidates_yield_template_then_answer():
    found = [c.value for c in lenient.candidates("json[{'head':'', 'tail':''}, ] then [{'head': 'a', 'tail': 'b'}]")]
    assert found == [[{"head": "", "tail": ""}], [{"head": "a", "tail": "b"}]]


def test_mismatched_and_stray_brackets():
    assert load_lenient('{"a": [1, 2}').value == {"a": [1, 2]}
    assert load_lenient('[{"a": "1"}]]').value == [{"a": "1"}]


def test_json_repair_used_for_missing_commas():
    loaded = load_lenient('[{"a": "1"} {"a": "2"}]')
    assert loaded.value == [{"a": "1"}, {"a": "2"}] and "json_repair" in loaded.repairs


@pytest.mark.parametrize("text", ["\x00", "\ud800{", "{\ud800: [\x00", "[" * 10 + "]" * 30, "'" * 99, '"\\'])
def test_odd_input_raises_only_parse_errors(text):
    try:
        load_lenient(text)
    except lenient.ParseError:
        pass


def test_work_is_bounded_on_large_junk():
    junk = ("{'a': [\"x\", {b: 'c" * 3000)[: lenient.MAX_CHARS - 1]
    start = time.perf_counter()
    try:
        load_lenient(junk)
    except lenient.ParseError:
        pass
    assert time.perf_counter() - start < 3.0
