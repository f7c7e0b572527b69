"""The one tag decoder: every scheme (BIO, BIOES, BMES, BILOU), tolerant decoding, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yayi_batch.labelled.tags import SCHEMES, guess_scheme, spans_to_tags, tags_to_spans, token_offsets

CASES = [
    # (tags, spans): one table for every scheme the corpora use
    (["B-PER", "I-PER", "O", "B-LOC"], [(0, 2, "PER"), (3, 4, "LOC")]),  # BIO
    (["B-ORG", "M-ORG", "E-ORG", "S-LOC"], [(0, 3, "ORG"), (3, 4, "LOC")]),  # BMES
    (["B-ORG", "I-ORG", "E-ORG", "O", "S-LOC"], [(0, 3, "ORG"), (4, 5, "LOC")]),  # BIOES
    (["U-Loc", "B-Org", "I-Org", "L-Org", "O"], [(0, 1, "Loc"), (1, 4, "Org")]),  # BILOU (CoNLL04)
    (["B-PER", "B-PER"], [(0, 1, "PER"), (1, 2, "PER")]),  # two adjacent mentions of one type
    (["B-geo-loc", "I-geo-loc"], [(0, 2, "geo-loc")]),  # a type with a hyphen (WNUT)
    (["PER.NAM"], None),  # no prefix: not a tag
]


@pytest.mark.parametrize(("tags", "spans"), CASES)
def test_decode_every_scheme(tags, spans):
    if spans is None:
        with pytest.raises(ValueError, match="unknown tag"):
            tags_to_spans(tags)
    else:
        assert tags_to_spans(tags) == spans


def test_tolerant_decoding():
    # I after O starts an entity (conlleval); I of another type starts a new one; a lone E is one token
    assert tags_to_spans(["I-PER", "I-PER", "I-LOC", "O", "E-ORG", "B-X", "S-Y"]) == [
        (0, 2, "PER"), (2, 3, "LOC"), (4, 5, "ORG"), (5, 6, "X"), (6, 7, "Y"),
    ]  # fmt: skip
    assert tags_to_spans([]) == []
    with pytest.raises(ValueError, match="unknown tag"):
        tags_to_spans(["X-PER"])


def test_encoding_per_scheme_and_nested_spans_dropped():
    spans = [(0, 1, "A"), (2, 5, "B"), (3, 4, "C")]  # C is nested in B: flat tags cannot hold it
    assert spans_to_tags(6, spans, "bio") == ["B-A", "O", "B-B", "I-B", "I-B", "O"]
    assert spans_to_tags(6, spans, "bioes") == ["S-A", "O", "B-B", "I-B", "E-B", "O"]
    assert spans_to_tags(6, spans, "bmes") == ["S-A", "O", "B-B", "M-B", "E-B", "O"]
    with pytest.raises(ValueError):
        spans_to_tags(1, [], "iob1")


@st.composite
def tagged(draw):
    """Random non-overlapping spans over n tokens."""
    n = draw(st.integers(0, 30))
    spans, i = [], 0
    while i < n:
        if draw(st.booleans()):
            length = draw(st.integers(1, min(4, n - i)))
            spans.append((i, i + length, draw(st.sampled_from(["PER", "LOC", "机构", "B-X"]))))
            i += length + draw(st.integers(0, 1))
        else:
            i += 1
    return n, spans


@given(tagged(), st.sampled_from(SCHEMES))
def test_property_spans_tags_spans(case, scheme):
    n, spans = case
    tags = spans_to_tags(n, spans, scheme)
    assert tags_to_spans(tags) == spans
    assert spans_to_tags(n, tags_to_spans(tags), scheme) == tags


def test_guess_scheme_and_offsets():
    assert guess_scheme(["B-A", "I-A"]) == "bio"
    assert guess_scheme(["B-A", "M-A", "E-A"]) == "bmes"
    assert guess_scheme(["U-A", "B-A", "L-A"]) == "bioes"
    assert token_offsets(["Ann", "Lee"], " ") == [(0, 3), (4, 7)]
    assert token_offsets(["中", "国"], "") == [(0, 1), (1, 2)]
