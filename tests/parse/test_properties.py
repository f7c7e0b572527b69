"""Properties of parse_output: it never raises, and never returns a string the answer lacks.

Generated answers contain no JSON escapes (no ``"``, ``\\`` or control characters inside
values), so "occurs in the answer" is a plain substring test. Escaped answers are covered by
table cases; records.py also accepts the escaped spelling of a string.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yayi_batch.parse import parse_output
from yayi_batch.parse.lenient import is_empty_sentinel
from yayi_batch.schema import EntityRecord, ParseResult, ParseStatus, RelationRecord

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TASKS = ["ner", "re", "ee", "ee_args"]

# Content characters: ASCII, CJK, full-width punctuation, brackets and quotes, so content
# looks like syntax; but nothing JSON would escape.
ALPHABET = st.sampled_from(
    list("abcxyz ABC019-_.'/")
    + list("宁高宁北京中国机构人物地点时间论坛出席会见，：“”‘’【】（）。、《》")
    + list("{}[],:")
    + ["\u00e9", "\U0001f600"]
)
CONTENT = st.text(ALPHABET, min_size=0, max_size=12)
TYPE_NAMES = st.sampled_from(["人物", "机构", "地点", "时间", "person", "location", "会见主体"])


def strings_of(rec) -> list[str]:
    if isinstance(rec, EntityRecord):
        return [rec.type, rec.text]
    if isinstance(rec, RelationRecord):
        return [rec.relation, rec.head, rec.tail]
    out = [s for s in (rec.event_type, rec.trigger) if s is not None]
    return out + [s for a in rec.arguments for s in (a.role, a.argument)]


def check_result(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert isinstance(result.status, ParseStatus)
    assert result.records == list(dict.fromkeys(result.records)), "duplicates returned"
    if result.status in (ParseStatus.OK, ParseStatus.REPAIRED):
        assert result.records
    if result.status in (ParseStatus.EMPTY, ParseStatus.INVALID):
        assert not result.records and result.reason
    if result.status is not ParseStatus.OK:
        assert result.reason


@SETTINGS
@given(text=st.text(), task=st.sampled_from(TASKS))
def test_never_raises_on_arbitrary_text(text, task):
    check_result(parse_output(task, text, types=["人物"], roles=["时间"]))


@SETTINGS
@given(
    text=st.lists(st.sampled_from(list("{}[]\"',:：，“”【】 \\\n") + ["None", "json", "答案：", "a"]), max_size=120).map("".join),
    task=st.sampled_from(TASKS),
)
def test_never_raises_on_syntax_soup(text, task):
    check_result(parse_output(task, text))


# --- generated answers in the model's shapes and quirk styles ---------------------------------

ner_value = st.dictionaries(TYPE_NAMES, st.one_of(CONTENT, st.lists(CONTENT, max_size=4)), max_size=4)
re_value = st.lists(
    st.fixed_dictionaries({"relation": CONTENT, "head": CONTENT, "tail": CONTENT})
    | st.fixed_dictionaries({"关系": CONTENT, "头实体": CONTENT, "尾实体": CONTENT}),
    max_size=4,
)
args_value = st.dictionaries(TYPE_NAMES, st.one_of(CONTENT, st.lists(CONTENT, max_size=3)), max_size=3)
ee_value = st.lists(st.fixed_dictionaries({"trigger": CONTENT, "type": CONTENT, "arguments": args_value}), max_size=3)
SHAPES = {"ner": ner_value, "re": re_value, "ee": ee_value, "ee_args": args_value | st.lists(args_value, max_size=3)}


def render(value, style: str) -> str:
    if style == "json":
        return json.dumps(value, ensure_ascii=False)
    if style == "indent":
        return json.dumps(value, ensure_ascii=False, indent=2)
    if style == "python":  # single quotes; content has no '"', so repr never escapes
        return repr(value)
    if style == "fullwidth":
        return json.dumps(value, ensure_ascii=False, separators=("，", "："))
    if style == "trailing_commas":  # Python-literal style with a comma after every item
        return trailing_commas(value)
    if style == "fence":
        return "```json\n" + json.dumps(value, ensure_ascii=False) + "\n```"
    if style == "prefixed":
        return "答案：json" + json.dumps(value, ensure_ascii=False) + "\n以上为抽取结果。"
    raise AssertionError(style)


def trailing_commas(value) -> str:
    if isinstance(value, dict):
        return "{" + "".join(f"{k!r}: {trailing_commas(v)}, " for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + "".join(f"{trailing_commas(v)}, " for v in value) + "]"
    return repr(value)


STYLES = st.sampled_from(["json", "indent", "python", "trailing_commas", "fullwidth", "fence", "prefixed"])


@st.composite
def answers(draw):
    task = draw(st.sampled_from(TASKS))
    value = draw(SHAPES[task])
    text = render(value, draw(STYLES))
    cut = draw(st.none() | st.integers(0, len(text)))
    return task, value, text if cut is None else text[:cut], cut is not None


@SETTINGS
@given(answers())
def test_records_occur_in_answer(case):
    task, _value, text, _cut = case
    result = parse_output(task, text)
    check_result(result)
    for rec in result.records:
        for s in strings_of(rec):
            assert s and s == s.strip() and s in text, (s, text)


@SETTINGS
@given(answers())
def test_truncation_never_invents_records(case):
    task, value, text, cut = case
    full = parse_output(task, render(value, "json"))
    result = parse_output(task, text)
    if task == "ee_args":  # a cut argument dict keeps its complete arguments
        full_args = {a for rec in full.records for a in rec.arguments}
        assert {a for rec in result.records for a in rec.arguments} <= full_args
    else:
        assert set(result.records) <= set(full.records), (text, result, full)
    if not cut:  # cut is False when the answer was not cut
        assert result.records == full.records


@SETTINGS
@given(value=ner_value)
def test_strict_ner_round_trip(value):
    expected = []
    for etype, texts in value.items():
        for t in [texts] if isinstance(texts, str) else texts:
            rec = EntityRecord(etype, t.strip())
            if not is_empty_sentinel(t.strip()) and rec not in expected:
                expected.append(rec)
    result = parse_output("ner", json.dumps(value, ensure_ascii=False))
    assert result.status == (ParseStatus.OK if expected else ParseStatus.EMPTY)
    assert [(r.type, r.text) for r in result.records] == [(r.type, r.text) for r in expected]
