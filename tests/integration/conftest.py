"""Fixtures for whole runs: a small corpus in Parquet shards (yayi_batch/testing/corpus.py)."""

import pytest

from yayi_batch.testing.corpus import write_corpus


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus")
