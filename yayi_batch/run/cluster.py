"""Checks of a run against the cluster it runs on, before any work: what assumes one machine.

On a cluster of several nodes, a write task lands on any node and the driver finalizes and
publishes from its own: a local output path works only on a filesystem every node shares. The
same holds for local input paths, read by tasks on any node.
"""

from __future__ import annotations

from typing import Any

from yayi_batch.config import ConfigError, JobConfig
from yayi_batch.fs import is_local


def check_storage_for_cluster(cfg: JobConfig, n_nodes: int) -> None:
    """Refuse local paths on a multi-node cluster unless the config asserts a shared filesystem."""
    if n_nodes <= 1:
        return
    problems = []
    if is_local(cfg.output.path) and not cfg.output.shared_filesystem:
        problems.append(
            f"output.path {cfg.output.path} is a local path and this cluster has {n_nodes} nodes: workers would write "
            "staging files on whichever node ran them. Use s3://bucket/prefix, or a path on a filesystem every node "
            "mounts at the same place and set output.shared_filesystem: true"
        )
    local_inputs = [p for p in cfg.input.paths if is_local(p)]
    if local_inputs and not cfg.input.shared_filesystem:
        problems.append(
            f"input.paths {', '.join(local_inputs)} are local paths and this cluster has {n_nodes} nodes: read tasks "
            "run on any node. Use s3://..., or a shared filesystem and set input.shared_filesystem: true"
        )
    if problems:
        raise ConfigError("refused before any work:\n  " + "\n  ".join(problems))


def alive_nodes() -> list[dict[str, Any]]:
    import ray

    return [n for n in ray.nodes() if n.get("Alive")]
