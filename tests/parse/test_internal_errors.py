"""A parser bug is visible: it raises under tests (the production behaviour, an invalid answer whose
reason starts with `internal_error`, is tested in test_records.py and counted in the run summary)."""

import pytest

import yayi_batch.parse as parse
from yayi_batch.parse import parse_output


def _broken(*args, **kwargs):
    raise KeyError("bug")


def test_internal_error_raises_under_tests(monkeypatch):
    monkeypatch.setattr(parse.records, "build", _broken)
    with pytest.raises(KeyError):
        parse_output("ner", '{"人物": ["宁高宁"]}')
