"""Per-node model resolution: every node prepares its own copy of what the engine and the chunker
read, once, in a per-node cache guarded by a file lock.

The driver never resolves a model: it names it (`ModelSpec`: an embedded name, an `s3://` URI or
a local path, plus the profile, tokenizer and cache folder) and asks every node of the cluster to
resolve it (`prepare_on_every_node`, one task pinned to each node). Each node converts the
embedded model from its own installed package, downloads an `s3://` model into its own cache, or
checks that a local path exists there, and rebuilds the YAYI tokenizer when the profile needs it.
The tasks that use the model (the chunker's token counter, the chat-template check and
the vLLM actor) then find it on the node they run on, under the same absolute path.

Concurrent tasks on one node convert or download once: `resolve_on_this_node` holds an exclusive
`flock` on `{cache}/locks/{key}.lock` while it resolves; the others wait and then find the
finished folder (every resolver writes to a temporary folder and renames it when complete).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from yayi_batch.model.profiles import PROFILES, PromptStyle
from yayi_batch.model.resolve import ResolvedModel, default_cache_dir, resolve_model
from yayi_batch.model.source import ModelSourceError, SourceKind, kind_of, local_path


@dataclass(frozen=True)
class ModelSpec:
    """A model as the config names it; `cache_dir` is absolute (the same path on every node)."""

    source: str
    profile: str
    tokenizer: str | None
    cache_dir: str
    storage_options: dict[str, Any]

    @classmethod
    def from_config(cls, model_cfg: Any) -> ModelSpec:
        cache = Path(model_cfg.cache_dir).expanduser() if model_cfg.cache_dir else default_cache_dir()
        return cls(model_cfg.source, model_cfg.profile, model_cfg.tokenizer, str(cache.absolute()), dict(model_cfg.storage_options))

    @property
    def is_local_path(self) -> bool:
        return kind_of(self.source) is SourceKind.LOCAL

    def key(self) -> str:
        return hashlib.sha256(repr((self.source, self.profile, self.tokenizer)).encode()).hexdigest()[:16]


def node_name() -> str:
    """How an error names this node: host name and, inside Ray, the node's IP."""
    try:
        import ray

        if ray.is_initialized():
            return f"{socket.gethostname()} ({ray.util.get_node_ip_address()}, node {ray.get_runtime_context().get_node_id()[:12]})"
    except Exception:  # naming the node must never hide the real error
        pass
    return socket.gethostname()


@contextlib.contextmanager
def _node_lock(spec: ModelSpec) -> Iterator[None]:
    locks = Path(spec.cache_dir) / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{spec.key()}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_folder(path: str, what: str) -> None:
    folder = Path(path)
    if not folder.is_dir():
        raise ModelSourceError(
            f"{what} {path} does not exist on node {node_name()}: a local model path must exist on every node "
            "of the cluster (same path); use an s3:// model source or a shared filesystem"
        )
    if what == "model folder" and not (folder / "config.json").is_file():
        raise ModelSourceError(f"model folder {path} on node {node_name()} has no config.json (is it a model folder?)")


def resolve_on_this_node(spec: ModelSpec) -> ResolvedModel:
    """The model's local folders on this node, prepared once per node (file-locked)."""
    if spec.is_local_path:
        _check_folder(str(local_path(spec.source)), "model folder")
    if spec.tokenizer and kind_of(spec.tokenizer) is SourceKind.LOCAL:
        _check_folder(str(local_path(spec.tokenizer)), "tokenizer folder")
    with _node_lock(spec):
        return resolve_model(spec.source, spec.profile, spec.tokenizer, spec.cache_dir, spec.storage_options)


def token_counter_on_this_node(spec: ModelSpec) -> Any:
    """The chunker's token counter, with the tokenizer resolved on the node the chunk task runs on."""
    from yayi_batch.chunk.token_count import token_counter

    return token_counter(resolve_on_this_node(spec).tokenizer_path)


@dataclass(frozen=True)
class NodeModel:
    """What one node resolved: the paths every stage there reads, and what it cost."""

    node: str
    path: str
    tokenizer: str | None
    seconds: float
    template_tokens: int
    chat_template_kwargs: dict
    chat_render: dict | None = None  # model/chat_render.py, when it renders as the tokenizer does


def _prepare(spec_dict: dict[str, Any], template: str) -> dict[str, Any]:
    from yayi_batch.chunk.token_count import load_tokenizer, token_counter
    from yayi_batch.model.chat_template import chat_render_for, chat_tokenization_kwargs

    spec = ModelSpec(**spec_dict)
    t0 = time.perf_counter()
    model = resolve_on_this_node(spec)
    tokens = token_counter(model.tokenizer_path)(template)
    chat = PROFILES[spec.profile].style is PromptStyle.CHAT
    kwargs, render = {}, None
    if chat:
        tokenizer = load_tokenizer(model.tokenizer_path)
        kwargs = chat_tokenization_kwargs(tokenizer)
        render = chat_render_for(tokenizer, kwargs)
    seconds = round(time.perf_counter() - t0, 2)
    return asdict(NodeModel(node_name(), model.path, model.tokenizer, seconds, tokens, kwargs, render.to_dict() if render else None))


def prepare_on_every_node(spec: ModelSpec, template: str) -> list[NodeModel]:
    """Resolve the model on every alive node (one task pinned to each); all must agree on paths.

    The tasks ask for no CPU, so a node whose CPUs are all taken still prepares its copy. Also
    returns the longest prompt template's length in the model's tokens (the chunk budget needs it).
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    prepare = ray.remote(num_cpus=0, max_retries=1)(_prepare)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    refs = [
        prepare.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(asdict(spec), template)
        for n in nodes
    ]
    try:
        results = [NodeModel(**r) for r in ray.get(refs)]
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause if isinstance(getattr(exc, "cause", None), Exception) else None
        if isinstance(cause, ModelSourceError):
            raise ModelSourceError(str(cause)) from None
        raise ModelSourceError(f"preparing model {spec.source} on the cluster's nodes failed: {exc}") from None
    paths = {(r.path, r.tokenizer) for r in results}
    if len(paths) > 1:
        raise ModelSourceError(
            f"the nodes resolved model {spec.source} to different paths {sorted(paths)}: set model.cache_dir to an "
            "absolute path that is the same on every node"
        )
    return results
