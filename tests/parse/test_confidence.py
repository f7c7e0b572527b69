"""Confidence from answer-token log-probabilities: hand-built answers with known probabilities."""

import math

import pytest

from yayi_batch.parse import parse_output
from yayi_batch.parse.confidence import TokenSpans, with_confidence
from yayi_batch.schema import EntityRecord


def tokens(*pairs):
    """(text, probability) pairs -> (token texts, log-probabilities)."""
    return [t for t, _ in pairs], [math.log(p) for _, p in pairs]


def test_an_entity_takes_the_geometric_mean_of_its_quoted_tokens():
    raw = '{"person": ["Ann", "Bob"]}'
    texts, lps = tokens(('{"', 1.0), ("person", 0.9), ('": ["', 1.0), ("Ann", 0.8), ('", "', 0.5), ("Bob", 0.2), ('"]}', 1.0))
    records = with_confidence(parse_output("ner", raw).records, raw, texts, lps)
    by_text = {r.text: r.confidence for r in records}
    # "Ann" with its quotes overlaps '": ["', 'Ann', '", "'; "Bob" overlaps '", "', 'Bob', '"]}'
    assert by_text["Ann"] == pytest.approx((1.0 * 0.8 * 0.5) ** (1 / 3), rel=1e-5)
    assert by_text["Bob"] == pytest.approx((0.5 * 0.2 * 1.0) ** (1 / 3), rel=1e-5)


def test_a_relation_counts_its_type_head_and_tail():
    raw = '[{"relation": "works for", "head": "Ann", "tail": "Acme"}]'
    pieces = [
        ('[{"relation": ', 1.0),
        ('"works for"', 0.5),
        (', "head": ', 1.0),
        ('"Ann"', 0.8),
        (', "tail": ', 1.0),
        ('"Acme"', 0.4),
        ("}]", 1.0),
    ]
    texts, lps = tokens(*pieces)
    (rel,) = with_confidence(parse_output("re", raw, types=["works for"]).records, raw, texts, lps)
    assert rel.confidence == pytest.approx((0.5 * 0.8 * 0.4) ** (1 / 3), rel=1e-5)


def test_events_and_arguments_each_get_theirs():
    raw = '[{"trigger": "met", "type": "meeting", "arguments": {"place": "Oslo"}}]'
    pieces = [
        ('[{"trigger": ', 1.0),
        ('"met"', 0.9),
        (', "type": ', 1.0),
        ('"meeting"', 0.6),
        (', "arguments": {', 1.0),
        ('"place"', 0.7),
        (": ", 1.0),
        ('"Oslo"', 0.3),
        ("}}]", 1.0),
    ]
    texts, lps = tokens(*pieces)
    (event,) = with_confidence(parse_output("ee", raw, types=["meeting"], roles=["place"]).records, raw, texts, lps)
    assert event.confidence == pytest.approx((0.9 * 0.6) ** 0.5, rel=1e-5)
    assert event.arguments[0].confidence == pytest.approx((0.7 * 0.3) ** 0.5, rel=1e-5)


@pytest.mark.parametrize(
    ("raw", "texts", "lps"),
    [
        ('{"person": ["Ann"]}', None, None),  # no log-probabilities (a fake engine, an endpoint without them)
        ('{"person": ["Ann"]}', ['{"person": ', '["Ann"]'], [0.0]),  # tokens and probabilities disagree
        ('{"person": ["Ann"]}', ['{"person": ', '["Anna"]}'], [0.0, 0.0]),  # the tokens do not spell the answer
    ],
)
def test_no_usable_log_probabilities_give_no_confidence(raw, texts, lps):
    records = with_confidence(parse_output("ner", raw).records, raw, texts, lps)
    assert [r.confidence for r in records] == [None]


def test_a_string_missing_from_the_raw_answer_gets_none_and_the_rest_theirs():
    raw = "{'person': ['Ann'], 'location': ['Oslo']}"  # single quotes: repaired, the strings still found
    texts, lps = tokens(("{'person': ['", 1.0), ("Ann", 0.5), ("'], 'location': ['", 1.0), ("Oslo", 0.25), ("']}", 1.0))
    records = with_confidence(parse_output("ner", raw).records, raw, texts, lps)
    assert {r.text: round(r.confidence, 4) for r in records} == {
        "Ann": round((1 * 0.5 * 1) ** (1 / 3), 4),
        "Oslo": round((1 * 0.25 * 1) ** (1 / 3), 4),
    }


def test_token_spans_cover_the_text():
    spans = TokenSpans("abcdef", ["ab", "cd", "ef"], [-1.0, -2.0, -3.0])
    assert spans.ok and spans.logprobs_over(1, 3) == [-1.0, -2.0] and spans.logprobs_over(4, 6) == [-3.0]


# The engine's tokens as they come: an end-of-turn token the text does not hold, a character
# spelled in three byte tokens each decoded to U+FFFD.
@pytest.mark.parametrize(
    ("tokens", "logprobs", "want"),
    [
        (['{"', "人物", '":', ' ["', "张三", '"]}', "<end_of_turn>"], [0, 0, 0, 0, math.log(0.5), 0, -9.0], 0.5 ** (1 / 3)),
        (
            ['{"', "人物", '":', ' ["', "\ufffd", "\ufffd", "\ufffd", "三", '"]}', ""],
            [0, 0, 0, 0, math.log(0.5), 0, 0, 0, 0, 0],
            0.5 ** (1 / 6),
        ),
    ],
)
def test_confidence_survives_special_and_byte_tokens(tokens, logprobs, want):
    raw = '{"人物": ["张三"]}'
    (entity,) = with_confidence([EntityRecord(type="人物", text="张三")], raw, tokens, logprobs)
    assert entity.confidence == pytest.approx(want, abs=1e-6)
