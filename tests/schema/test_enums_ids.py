"""schema: enums carry the values the tables say; the run id formats and parses."""

import datetime as dt

import pytest

from yayi_batch.schema import TABLES, AnswerStatus, ErrorKind, ParseStatus, RunId, RunIdError, Table, stable_id


def test_every_parse_status_is_an_answer_status_and_errors_kind_where_it_is_an_error():
    for status in ParseStatus:
        assert AnswerStatus.of(status).value == status.value
    for status in (ParseStatus.REPAIRED, ParseStatus.TRUNCATED, ParseStatus.INVALID):
        assert ErrorKind.of(status).value == status.value


def test_table_enum_names_every_published_table():
    assert [t.value for t in Table] == list(TABLES)


def test_run_id_round_trip_and_fingerprint():
    run_id = RunId.make(dt.date(2026, 11, 25), "96747015aaaa", [("s3://b/x.parquet", 10, "etag")])
    text = str(run_id)
    assert text.startswith("2026-11-25-96747015-") and len(text) == 28
    assert RunId.parse(text) == run_id
    assert RunId.fingerprint_of(text) == "96747015"
    assert RunId.fingerprint_of("part-0") is None


@pytest.mark.parametrize("bad", ["", "2026-11-25", "2026-11-25-xyz-12345678", "../2026-11-25-96747015-12345678"])
def test_run_id_parse_refuses_what_is_not_one(bad):
    with pytest.raises(RunIdError):
        RunId.parse(bad)


def test_stable_id_is_deterministic_and_order_sensitive():
    assert stable_id("a", 1) == stable_id("a", 1) != stable_id(1, "a")
    assert len(stable_id()) == 16
