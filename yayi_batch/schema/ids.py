"""Deterministic ids: content hashes for rows, and the run id. Pure module."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass


def stable_id(*parts: object) -> str:
    """Deterministic 16-hex id of its parts: the same content gives the same id on every run."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


_RUN_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})-([0-9a-f]{8})-([0-9a-f]{8})$")


class RunIdError(ValueError):
    """A string that is not a run id of the form {YYYY-MM-DD}-{fingerprint8}-{inputs8}."""


@dataclass(frozen=True)
class RunId:
    """`{run_date}-{config fingerprint[:8]}-{hash of the input listing[:8]}`.

    Same date, config and input files -> same run id: a rerun or a resume finds its own
    staging folder, and file names (`part-{run_id}-...`) say which run and config wrote them.
    """

    run_date: dt.date
    fingerprint: str  # first 8 hex of the config fingerprint
    inputs: str  # first 8 hex of the hash of the input files' (path, size, version)

    @classmethod
    def make(cls, run_date: dt.date, fingerprint: str, inputs: list[tuple[str, int, str]]) -> RunId:
        return cls(run_date, fingerprint[:8], stable_id(inputs)[:8])

    @classmethod
    def parse(cls, text: str) -> RunId:
        match = _RUN_ID.match(text)
        if match is None:
            raise RunIdError(f"not a run id: {text!r} (expected YYYY-MM-DD-xxxxxxxx-xxxxxxxx)")
        return cls(dt.date.fromisoformat(match.group(1)), match.group(2), match.group(3))

    @classmethod
    def fingerprint_of(cls, text: str) -> str | None:
        """The fingerprint part of a run id, or None for a string that is not one."""
        try:
            return cls.parse(text).fingerprint
        except RunIdError:
            return None

    def __str__(self) -> str:
        return f"{self.run_date.isoformat()}-{self.fingerprint}-{self.inputs}"
