"""Role names that collide with structural keys, hostile sizes and depths, and a
10,000-example fuzz of parse_output. Model output is data: it is never evaluated."""

from __future__ import annotations

import pathlib
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yayi_batch.parse import parse_output
from yayi_batch.schema import ArgumentRecord, ParseResult, ParseStatus

A = ArgumentRecord
PKG = pathlib.Path(__file__).resolve().parents[2] / "yayi_batch"


def args_of(result: ParseResult) -> list[tuple[str, str]]:
    return [(a.role, a.argument) for rec in result.records for a in rec.arguments]


@pytest.mark.parametrize(
    "task,answer,roles,expected",
    [
        # a role literally called "role": the other roles used to be lost
        ("ee_args", '{"role": "CEO", "time": "2020"}', ["role", "time"], [("role", "CEO"), ("time", "2020")]),
        ("ee_args", '{"role": "CEO"}', ["role"], [("role", "CEO")]),
        ("ee_args", '{"角色": "主持人", "时间": "17日"}', ["角色", "时间"], [("角色", "主持人"), ("时间", "17日")]),
        ("ee_args", '{"argument": "CEO", "time": "2020"}', ["argument", "time"], [("argument", "CEO"), ("time", "2020")]),
        ("ee_args", '{"type": "merger", "time": "2020"}', ["type", "time"], [("type", "merger"), ("time", "2020")]),
        ("ee_args", '{"trigger": "bought", "time": "2020"}', ["trigger", "time"], [("trigger", "bought"), ("time", "2020")]),
        ("ee_args", '{"arguments": "Acme", "time": "2020"}', ["arguments", "time"], [("arguments", "Acme"), ("time", "2020")]),
        (
            "ee_args",
            '{"arguments": ["Acme", "Beta"], "time": "2020"}',
            ["arguments", "time"],
            [("arguments", "Acme"), ("arguments", "Beta"), ("time", "2020")],
        ),
        # every key a schema role, though it looks like {role, argument}: a role map
        ("ee_args", '{"role": "chair", "argument": "quorum"}', ["role", "argument"], [("role", "chair"), ("argument", "quorum")]),
        # the pair form still works, including a pair whose role is "role"
        (
            "ee_args",
            '[{"role": "time", "argument": "2020"}, {"role": "role", "argument": "CEO"}]',
            ["role", "time"],
            [("time", "2020"), ("role", "CEO")],
        ),
        ("ee_args", '{"role": "time", "argument": "2020"}', ["time"], [("time", "2020")]),
        # inside an event's arguments
        (
            "ee",
            '[{"trigger": "met", "type": "meeting", "arguments": {"role": "CEO", "time": "2020"}}]',
            ["role", "time"],
            [("role", "CEO"), ("time", "2020")],
        ),
        (
            "ee",
            '[{"trigger": "met", "type": "meeting", "arguments": {"type": "CEO", "trigger": "x", "time": "2020"}}]',
            ["type", "trigger", "time"],
            [("type", "CEO"), ("trigger", "x"), ("time", "2020")],
        ),
        ("ee", '[{"trigger": "met", "type": "meeting", "arguments": [{"role": "role", "argument": "CEO"}]}]', ["role"], [("role", "CEO")]),
        # events-shaped ee_args answers keep their trigger and type
        ("ee_args", '{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日"}}', ["时间"], [("时间", "17日")]),
    ],
)
def test_role_names_that_collide_with_structural_keys(task, answer, roles, expected):
    result = parse_output(task, answer, roles=roles)
    assert result.status in (ParseStatus.OK, ParseStatus.REPAIRED), result
    assert args_of(result) == expected


def test_nothing_in_the_package_evaluates_model_output():
    pattern = re.compile(r"\b(eval|exec|literal_eval|compile)\s*\(|pickle\.loads|yaml\.load\(|yaml\.unsafe_load")
    hits = [
        f"{p.relative_to(PKG)}:{i}"
        for p in PKG.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and "re.compile" not in line
    ]
    assert hits == []


@pytest.mark.parametrize(
    "answer",
    [
        "[" * 100_000,
        "{" * 100_000,
        '{"a":' * 30_000,
        "[" * 60_000 + "]" * 60_000,
        "[" * 30_000 + "]" * 30_000,  # within MAX_CHARS: strict JSON's recursion is caught
        "[" * 25 + '"x"' + "]" * 25,  # deeper than MAX_DEPTH but valid JSON
        '"' + "a" * 10_000_000 + '"',  # a 10 MB string answer
        "a" * 10_000_000,
        '{"人物": ["' + "宁" * 5_000_000 + '"]}',
        "【" * 50_000,
        "答案：" * 20_000,
    ],
    ids=[
        "100k[",
        "100k{",
        "30k-keys",
        "60k-balanced",
        "30k-balanced",
        "25-deep",
        "10MB-string",
        "10MB-text",
        "5M-cjk-in-json",
        "50k-fullwidth",
        "20k-answer-marks",
    ],
)
@pytest.mark.parametrize("task", ["ner", "re", "ee", "ee_args"])
def test_huge_and_deep_answers_get_a_status_quickly(answer, task):
    t0 = time.perf_counter()
    result = parse_output(task, answer, types=["人物"], roles=["时间"])
    assert isinstance(result.status, ParseStatus)
    assert time.perf_counter() - t0 < 5.0
    if len(answer) > 65_536:
        assert result.status is ParseStatus.INVALID and result.reason.startswith("too_large")


# --- 10,000 generated answers ---------------------------------------------------------------

_TOKENS = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        '"',
        "'",
        ",",
        ":",
        "：",
        "，",
        "“",
        "”",
        "【",
        "】",
        "\\",
        "\n",
        " ",
        "```",
        "json",
        "答案：",
        "None",
        "null",
        "true",
        "无",
        "人物",
        "时间",
        "role",
        "argument",
        "type",
        "trigger",
        "arguments",
        "relation",
        "head",
        "tail",
        "<reserved_14>",
        "</s>",
        "\x00",
        "\ud800",
        "\u202e",
        "😀",
        "Ω",
        "1e999",
        "-0",
        "NaN",
    ]
)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(["role", "argument", "type", "trigger", "arguments", "text", "人物", "时间", "head", "tail", "relation", ""])
            | st.text(max_size=4),
            kids,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_ANSWERS = st.one_of(
    st.text(max_size=200),
    st.lists(_TOKENS, max_size=40).map("".join),
    _JSONISH.map(repr),
    _JSONISH.map(lambda v: __import__("json").dumps(v, ensure_ascii=False)),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(answer=_ANSWERS, task=st.sampled_from(["ner", "re", "ee", "ee_args"]), schema=st.sampled_from([None, ["人物", "role", "type"]]))
def test_fuzz_parse_output_10k(answer, task, schema):
    result = parse_output(task, answer, types=schema, roles=schema)  # YAYI_BATCH_PARSE_RAISE=1: bugs raise
    assert isinstance(result.status, ParseStatus)
    if result.status in (ParseStatus.EMPTY, ParseStatus.INVALID):
        assert not result.records and result.reason
