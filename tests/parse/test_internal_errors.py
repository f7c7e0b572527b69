"""A parser bug is visible: it raises under tests, and in production it is an invalid answer
whose reason starts with `internal_error` (counted in the run summary)."""

import pytest

import yayi_batch.parse as parse
from yayi_batch.parse import INTERNAL_ERROR, parse_output, raise_internal_errors
from yayi_batch.schema import ParseStatus


def _broken(*args, **kwargs):
    raise KeyError("bug")


def test_internal_error_raises_under_tests(monkeypatch):
    monkeypatch.setattr(parse.records, "build", _broken)
    with pytest.raises(KeyError):
        parse_output("ner", '{"人物": ["宁高宁"]}')


def test_internal_error_becomes_an_invalid_answer_in_production(monkeypatch):
    monkeypatch.setattr(parse.records, "build", _broken)
    raise_internal_errors(False)
    try:
        result = parse_output("ner", '{"人物": ["宁高宁"]}')
    finally:
        raise_internal_errors(True)
    assert result.status is ParseStatus.INVALID and result.reason.startswith(INTERNAL_ERROR)
