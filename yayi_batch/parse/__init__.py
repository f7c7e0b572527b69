"""Model answers -> typed records. Pure layer: no ray, no vllm; ``parse_output`` never raises.

``lenient`` turns raw text into candidate structures (strict JSON first, repairs only when
needed), ``records`` turns a structure into typed records for one task; ``parse_output`` keeps
the first candidate that yields records (an echoed prompt holds template brackets first).
"""

from __future__ import annotations

import os
from collections.abc import Collection

from yayi_batch.parse import lenient, records
from yayi_batch.schema import ParseResult, ParseStatus, Task

__all__ = ["INTERNAL_ERROR", "parse_output", "raise_internal_errors"]

# The reason prefix of an answer the parser failed on because of a bug in the parser itself.
INTERNAL_ERROR = "internal_error"
# Tests set YAYI_BATCH_PARSE_RAISE=1 (tests/conftest.py): a parser bug then raises instead of
# hiding as an invalid answer, so "never raises" properties cannot pass on a crash.
_RAISE = os.environ.get("YAYI_BATCH_PARSE_RAISE") == "1"


def raise_internal_errors(enabled: bool) -> None:
    """Re-raise parser bugs instead of turning them into `internal_error` invalid answers."""
    global _RAISE
    _RAISE = enabled


# Among candidates without records: a cut answer says more than an empty one, which says more
# than a malformed one.
_RANK = {ParseStatus.TRUNCATED: 0, ParseStatus.EMPTY: 1, ParseStatus.INVALID: 2}


def _schema_set(names: Collection[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(str(n).strip() for n in names)


def parse_output(
    task: Task | str, text: str | None, *, types: Collection[str] | None = None, roles: Collection[str] | None = None
) -> ParseResult:
    """Parse one model answer for ``task``. Never raises: every failure is a status + reason."""
    try:
        try:
            task = Task(task)
        except (ValueError, TypeError):
            return records.invalid(f"unknown_task: {str(task)[:40]}")
        best: ParseResult | None = None
        type_set, role_set = _schema_set(types), _schema_set(roles)
        try:
            for loaded in lenient.candidates(text):
                result = records.build(task, loaded, text or "", type_set, role_set)
                if result.records:
                    return result
                if best is None or _RANK[result.status] < _RANK[best.status]:
                    best = result
        except lenient.EmptyAnswer as exc:
            return ParseResult(ParseStatus.EMPTY, [], exc.reason())
        except lenient.ParseError as exc:
            return best or records.invalid(exc.reason())
        return best or records.invalid("not_json: no JSON object or array found")
    except Exception as exc:  # the contract is "never raises"; a bug here must not kill a batch
        if _RAISE:
            raise
        # Counted in the run summary (parser_internal_errors), so a bug is visible, not silent.
        return records.invalid(f"{INTERNAL_ERROR}: {type(exc).__name__}: {str(exc)[:200]}")
