"""Job: everything the passes of one run read, built once on the driver and never written by a pass.

A run is a config, the input files it lists (fixed at the start), its staged run (the output's
filesystem, the staging folder, a deterministic run id and the run date), and, once the run is
known to have work, the model every node resolved and the chunk size it allows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from yayi_batch.chunk.token_count import CHAT_TEMPLATE_MARGIN, chunk_budget
from yayi_batch.config import ConfigError, JobConfig
from yayi_batch.finalize.checks import input_rows
from yayi_batch.fs import filesystem
from yayi_batch.model.embedded import TUNED_MODELS
from yayi_batch.model.node import ModelSpec, prepare_on_every_node
from yayi_batch.model.profiles import PROFILES, PromptStyle
from yayi_batch.model.resolve import ResolvedModel
from yayi_batch.parse.calibration import CALIBRATION_FILE, Calibration
from yayi_batch.prompts.build import longest_template
from yayi_batch.publish.commit import published_inputs, published_manifest
from yayi_batch.read import list_inputs
from yayi_batch.run.cluster import alive_nodes
from yayi_batch.schema import RunId
from yayi_batch.write.staged import StagedRun

log = logging.getLogger(__name__)

# The smallest chunk worth sending: below it the template and the answer leave no room for text.
MIN_CHUNK_TOKENS = 32


@dataclass(frozen=True)
class Inputs:
    """The input shards of a run: listed once, checked, fixed for the whole run."""

    fs: Any
    files: tuple[dict[str, Any], ...]  # path, fs_path, size, version
    skipped: tuple[str, ...] = ()  # nightly mode: shards a published manifest with this config covers
    bad_files: tuple[dict[str, Any], ...] = ()  # unreadable shards left out (input.on_bad_file: skip)

    def rows(self) -> int:
        """Rows of every shard, from the Parquet footers."""
        return input_rows([(self.fs, f["fs_path"]) for f in self.files])

    def fs_paths(self) -> list[tuple[Any, str]]:
        return [(self.fs, f["fs_path"]) for f in self.files]


@dataclass(frozen=True)
class Job:
    cfg: JobConfig
    inputs: Inputs
    staged: StagedRun
    generate_fn: Callable[..., Any]  # the engine step: generate/engine.py's `generate`, or a test's fake
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    t0: float = field(default_factory=time.perf_counter)
    model: ResolvedModel | None = None  # the paths every node resolved the model to (the same on each)
    model_spec: ModelSpec | None = None  # the model as named: what a node resolves on its own
    max_chunk_tokens: int = 0
    calibration: Calibration | None = None  # raw confidence -> observed precision (parse/calibration.py)

    @classmethod
    def open(cls, cfg: JobConfig, generate_fn: Callable[..., Any]) -> Job:
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
        staged = StagedRun(fs_out, out_base, str(run_id), run_id.run_date.isoformat())
        return cls(
            cfg=cfg,
            inputs=Inputs(fs_in, tuple(files), tuple(skipped), tuple(bad_files)),
            staged=staged,
            generate_fn=generate_fn,
            started=started,
            t0=t0,
        )

    @property
    def id(self) -> str:
        """The run id as it appears in tables, file names and the manifest."""
        return self.staged.run_id

    @property
    def run_date(self) -> str:
        return self.staged.run_date

    def published_manifest(self) -> dict[str, Any] | None:
        return published_manifest(self.staged.fs, self.staged.output, self.id)

    def with_model(self) -> Job:
        """The job with its model resolved on every node of the cluster (never on the driver's disk
        alone) and its chunk size from the model's tokenizer. Only for a run that has work; needs Ray."""
        cfg = self.cfg
        spec = ModelSpec.from_config(cfg.model)
        if spec.is_local_path and len(alive_nodes()) > 1:
            log.info("model %s is a local path: it must exist on every node (checked on each now)", cfg.model.source)
        nodes = prepare_on_every_node(spec, longest_template(cfg.extraction))
        first = nodes[0]
        log.info("model ready on %d node(s): %s", len(nodes), ", ".join(f"{n.node} {n.seconds:.1f} s" for n in nodes))
        render = first.chat_render if all(n.chat_render == first.chat_render for n in nodes) else None
        model = ResolvedModel(first.path, first.tokenizer, PROFILES[cfg.model.profile], first.chat_template_kwargs, render)
        return replace(
            self,
            model=model,
            model_spec=spec,
            max_chunk_tokens=chunk_tokens(cfg, model, first.template_tokens),
            calibration=calibration_for(cfg),
        )


def calibration_for(cfg: JobConfig) -> Calibration | None:
    """The config's calibration file, or the one an embedded tuned model ships beside its adapter
    (`off`: raw confidences, what a calibration is fit on)."""
    if cfg.model.calibration == "off":
        return None
    path = Path(cfg.model.calibration).expanduser() if cfg.model.calibration else None
    if path is None and cfg.model.source in TUNED_MODELS:
        shipped = TUNED_MODELS[cfg.model.source].adapter_dir() / CALIBRATION_FILE
        path = shipped if shipped.is_file() else None
    if path is None:
        return None
    if not path.is_file():
        raise ConfigError(f"model.calibration: no file {path}")
    return Calibration.load(path)


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
