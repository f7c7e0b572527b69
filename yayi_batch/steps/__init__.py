"""Per-batch steps of the pipeline: pure functions over pyarrow tables, each declaring the
columns it needs and adds, so a pipeline is checked once before it runs (NeMo Curator style).
No ray, no vllm: Ray calls them, tests call them directly."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Columns:
    needs: tuple[str, ...]
    adds: tuple[str, ...]


class StepChainError(ValueError):
    """A step needs a column that no earlier step provides."""


def check_chain(start: tuple[str, ...], steps: list[tuple[str, Columns]]) -> None:
    have = set(start)
    for name, cols in steps:
        missing = [c for c in cols.needs if c not in have]
        if missing:
            raise StepChainError(f"step {name} needs {missing}, which no earlier step provides (have {sorted(have)})")
        have.update(cols.adds)
