"""RunContext: everything a pass of one run needs, built once on the driver.

A run is a config, the input files it lists (fixed at the start), a filesystem for the output,
a deterministic run id, that run's staging folder, and, once the run is known to have work, the
resolved model and the chunk size it allows. Passes are functions of this object.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yayi_batch.chunk.token_count import CHAT_TEMPLATE_MARGIN, chunk_budget
from yayi_batch.config import ConfigError, JobConfig
from yayi_batch.fs import filesystem
from yayi_batch.model.node import ModelSpec, NodeModel, prepare_on_every_node
from yayi_batch.model.profiles import PROFILES, PromptStyle
from yayi_batch.model.resolve import ResolvedModel
from yayi_batch.prompts.build import longest_template
from yayi_batch.publish.commit import published_inputs, published_manifest
from yayi_batch.read import list_inputs
from yayi_batch.run.cluster import alive_nodes
from yayi_batch.run.staging import Staging
from yayi_batch.schema import RunId
from yayi_batch.write.paths import staging_dir

log = logging.getLogger(__name__)

# The smallest chunk worth sending: below it the template and the answer leave no room for text.
MIN_CHUNK_TOKENS = 32


@dataclass
class RunContext:
    cfg: JobConfig
    generate_fn: Callable[..., Any]  # the engine step: generate/engine.py's `generate`, or a test's fake
    fs_in: Any
    files: list[dict[str, Any]]  # the input shards: path, fs_path, size, version
    skipped: list[str]  # nightly mode: shards a published manifest with this config covers
    fs_out: Any
    out_base: str  # the output path without its protocol
    run_id: RunId
    staging: Staging
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    t0: float = field(default_factory=time.perf_counter)
    generate_seconds: float = 0.0  # time in the extract passes (model load included)
    model: ResolvedModel | None = None  # the paths every node resolved the model to (the same on each)
    model_spec: ModelSpec | None = None  # the model as named: what a node resolves on its own
    model_nodes: list[NodeModel] = field(default_factory=list)
    max_chunk_tokens: int = 0
    resumed_passes: list[str] = field(default_factory=list)  # passes an earlier attempt finished
    # Unreadable shards left out (input.on_bad_file: skip): {"path", "error"}; errors rows + manifest.
    bad_files: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def open(cls, cfg: JobConfig, generate_fn: Callable[..., Any]) -> RunContext:
        """List the inputs (minus what a nightly run already published) and name the run."""
        started, t0 = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        fs_in, files, bad_files = list_inputs(cfg.input)
        fs_out, out_base = filesystem(cfg.output.path, cfg.output.storage_options)
        skipped: list[str] = []
        if cfg.input.since_manifest:
            done = published_inputs(fs_out, out_base, cfg.fingerprint())
            skipped = [f["path"] for f in files if (f["path"], f["version"]) in done]
            files = [f for f in files if (f["path"], f["version"]) not in done]
            log.info("nightly mode: %d shard(s) already published with this config, %d new", len(skipped), len(files))
        run_id = RunId.make(cfg.output.run_date, cfg.fingerprint(), [(f["path"], f["size"], f["version"]) for f in files])
        return cls(cfg=cfg, generate_fn=generate_fn, fs_in=fs_in, files=files, skipped=skipped, fs_out=fs_out,
                   out_base=out_base, run_id=run_id, staging=Staging(fs_out, staging_dir(out_base, str(run_id))),
                   started=started, t0=t0, bad_files=bad_files)

    @property
    def run_date(self) -> str:
        return self.run_id.run_date.isoformat()

    @property
    def id(self) -> str:
        """The run id as it appears in tables, file names and the manifest."""
        return str(self.run_id)

    def published_manifest(self) -> dict[str, Any] | None:
        return published_manifest(self.fs_out, self.out_base, self.id)

    def resolve_model(self) -> ResolvedModel:
        """Resolve the model on every node of the cluster (never on the driver's disk alone) and size
        chunks with its tokenizer. Only for a run that has work; needs Ray up."""
        cfg = self.cfg
        self.model_spec = ModelSpec.from_config(cfg.model)
        if self.model_spec.is_local_path and len(alive_nodes()) > 1:
            log.info("model %s is a local path: it must exist on every node (checked on each now)", cfg.model.source)
        self.model_nodes = prepare_on_every_node(self.model_spec, longest_template(cfg.extraction))
        first = self.model_nodes[0]
        log.info("model ready on %d node(s): %s", len(self.model_nodes),
                 ", ".join(f"{n.node} {n.seconds:.1f} s" for n in self.model_nodes))
        self.model = ResolvedModel(first.path, first.tokenizer, PROFILES[cfg.model.profile], first.chat_template_kwargs)
        self.max_chunk_tokens = chunk_tokens(cfg, self.model, first.template_tokens)
        return self.model


def chunk_tokens(cfg: JobConfig, model: ResolvedModel, template_tokens: int) -> int:
    """The largest chunk (in the model's tokens) whose longest prompt plus max_tokens fits the context."""
    margin = CHAT_TEMPLATE_MARGIN if model.profile.style is PromptStyle.CHAT else 8
    budget = chunk_budget(cfg.model.max_model_len, cfg.sampling.max_tokens, template_tokens, margin)
    if budget < MIN_CHUNK_TOKENS:
        raise ConfigError(
            f"model.max_model_len {cfg.model.max_model_len} leaves {budget} tokens for text after "
            f"sampling.max_tokens {cfg.sampling.max_tokens} and the prompt template: raise the one or lower the other"
        )
    if cfg.chunk.max_chunk_tokens:
        if cfg.chunk.max_chunk_tokens > budget:
            raise ConfigError(f"chunk.max_chunk_tokens {cfg.chunk.max_chunk_tokens} exceeds the {budget} tokens that fit the context")
        return cfg.chunk.max_chunk_tokens
    return budget
