"""run: one run of the job, as the list of passes of `passes` over an immutable `Job` (Ray; the
driver's side).

`job.run` is the entry point; `context` holds what a run reads; `passes` is the list;
`checkpoint` makes an extract pass resumable; `manifest` says what a run did. `run` is imported
lazily so that the pure modules here (`manifest`) do not pull in Ray.
"""

from typing import Any

__all__ = ["run"]


def __getattr__(name: str) -> Any:
    if name == "run":
        from yayi_batch.run.job import run

        return run
    raise AttributeError(name)
