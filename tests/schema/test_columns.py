"""The column declarations and the chain check."""

import pytest

from yayi_batch.schema.columns import Columns, StepChainError, check_chain


def test_step_chain_check_names_the_missing_column():
    check_chain(("a",), [("one", Columns(("a",), ("b",))), ("two", Columns(("a", "b"), ()))])
    with pytest.raises(StepChainError, match=r"step two needs \['c'\]"):
        check_chain(("a",), [("one", Columns(("a",), ("b",))), ("two", Columns(("c",), ()))])
