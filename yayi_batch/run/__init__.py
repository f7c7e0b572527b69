"""run: one run of the job, as a list of passes over a RunContext (Ray; the driver's side).

`job.run` is the entry point; `context` holds what a run needs; `passes` are its steps;
`staging` and `checkpoint` make it resumable; `manifest` says what it did. `run` is imported
lazily so that the pure modules here (`staging`, `manifest`) do not pull in Ray.
"""

from typing import Any

__all__ = ["run"]


def __getattr__(name: str) -> Any:
    if name == "run":
        from yayi_batch.run.job import run

        return run
    raise AttributeError(name)
