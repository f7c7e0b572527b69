"""RunFailed: a run that stopped on purpose or on a fault it cannot get past, in one clear line.

The CLI prints the message and exits non-zero (no Ray traceback); nothing was published when it
is raised before publishing (the published tables are untouched, the staging folder is kept for
inspection and for a resume). `storage_cause` finds a storage fault (an OS error on a local
disk, an S3 error after botocore's retries) inside whatever Ray wrapped it in. Pure.
"""

from __future__ import annotations

import enum
import errno
from collections.abc import Iterator, Mapping


class ExitCode(enum.IntEnum):
    """What `yayi-batch run` (and `ray job submit -- python jobs/extract.py`) exits with: a nightly
    scheduler tells the outcomes apart by it."""

    OK = 0  # published (or nothing to do): every document ok or empty
    BAD_INPUT = 2  # refused before any work: the config, an input, the model source (one line names it)
    RUN_FAILED = 3  # stopped on a fault it could not get past: nothing published (one line says why)
    PUBLISHED_WITH_FAILURES = 4  # published, but some documents are failed, partial or invalid


NOT_OK_DOCUMENTS = ("failed", "partial", "invalid")  # DocStatus values that make a run exit 4


def exit_code(documents_by_status: Mapping[str, int]) -> ExitCode:
    """The exit code of a run that published, from its documents' statuses."""
    return ExitCode.PUBLISHED_WITH_FAILURES if any(documents_by_status.get(s, 0) for s in NOT_OK_DOCUMENTS) else ExitCode.OK


class RunFailed(RuntimeError):
    """The run stopped; the message says what failed, where, and what was (not) published."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """exc, then what it wraps: __cause__/__context__, Ray's `.cause`; each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (getattr(e, "cause", None), e.__cause__, e.__context__) if isinstance(x, BaseException)]


_BOTO_STORAGE_ERRORS = (
    "EndpointConnectionError",
    "ConnectionClosedError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ClientError",
    "NoCredentialsError",
    "ServerDisconnectedError",
    "ClientConnectorError",
)
_OS_ERRNOS = {
    errno.ENOSPC: "no space left on device",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.ENOTDIR: "a path component is a file, not a folder",
    errno.EDQUOT: "disk quota exceeded",
    errno.EPERM: "operation not permitted",
    errno.EIO: "storage I/O error",
}


def storage_cause(exc: BaseException) -> str | None:
    """A one-line description of the storage fault inside `exc`, or None when it is something else."""
    for e in _chain(exc):
        names = {c.__name__ for c in type(e).__mro__}
        if names & set(_BOTO_STORAGE_ERRORS):
            return f"{type(e).__name__}: {_first_line(e)}"
        if isinstance(e, OSError) and e.errno in _OS_ERRNOS:
            where = f" ({_first_line(e.filename)})" if e.filename else ""
            return f"{_OS_ERRNOS[e.errno]}{where}: {_first_line(e.strerror or e)}"
    return None


def _first_line(e: object) -> str:
    """One line of at most 300 characters: what a wrapped error says first."""
    text = str(e).strip().splitlines()
    line = text[0] if text else type(e).__name__
    return line if len(line) <= 300 else line[:297] + "..."
