"""`configs/tune.yaml`: what `yayi-batch tune` trains, on what, for how long. Pure module.

Corpora are named by format and path (`labelled/formats.py`), each with its sample sizes and
the names its labels may take in a prompt; a user adds a labelled set the same way. Only train
splits belong here: the held-out share of each is cut from it by a seeded hash, and the public
dev and test splits are for the quality benchmark alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from yayi_batch.config import ConfigError, Strict, load_model
from yayi_batch.labelled.spec import CorpusSpec
from yayi_batch.tune.prompt_schema import SchemaSampling

TuneConfigError = ConfigError


class TuneCorpus(CorpusSpec):
    train: int = Field(ge=0, description="passages to train on")
    heldout: int = Field(0, ge=0, description="passages held out, scored by the benchmark, never trained on")


class PassageSettings(Strict):
    min_chars: int = Field(6, ge=1)
    max_chars: int = Field(400, ge=1, description="passages join sentences up to this length")
    max_sentences: int = Field(4, ge=1)
    single_share: float = Field(0.4, ge=0, le=1, description="passages of one sentence")


class DataConfig(Strict):
    corpora_root: str = Field("../shared/corpora", description="where relative corpus paths start")
    heldout_share: float = Field(0.05, gt=0, lt=1, description="share of each source's sentences never trained on")
    negative_share: float = Field(0.1, ge=0, le=1, description="generated passages with nothing to find")
    answer_cue: bool = True
    passages: PassageSettings = PassageSettings()
    schema_sampling: SchemaSampling = SchemaSampling()


class LoraSettings(Strict):
    r: int = Field(8, ge=1)
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] | Literal["all-linear"] = "all-linear"


class TrainSettings(Strict):
    method: Literal["lora", "full"] = Field("lora", description="full: every weight but the embeddings")
    max_steps: int = Field(400, ge=1)
    max_minutes: float | None = Field(None, gt=0, description="stop (with a checkpoint) after this much training time")
    batch_size: int = Field(8, ge=1, description="examples per step per worker")
    learning_rate: float = 3e-4
    warmup_steps: int = 20
    weight_decay: float = 0.0
    max_seq_tokens: int = Field(512, ge=16, description="longer examples are left out and counted")
    checkpoint_every: int = Field(50, ge=1)
    eval_every: int = Field(0, ge=0, description="held-out answer loss every N steps (0: at the end only)")
    eval_pairs: int = Field(200, ge=0, description="held-out pairs the loss is measured on")
    workers: int = Field(1, ge=1, description="Ray Train workers (data parallel)")
    cpus_per_worker: int = Field(2, ge=1)
    use_gpu: bool = False


class TuneConfig(Strict):
    base_model: str = Field("embedded:gemma3-270m", description="what `model.source` takes")
    output: str = Field("tune-output", description="a local folder; on a cluster a mount every node shares")
    run_name: str = "yayi-ie-lora"
    seed: int = 20261130
    data: DataConfig = DataConfig()
    corpora: list[TuneCorpus] = Field(default_factory=list, min_length=1)
    lora: LoraSettings = LoraSettings()
    train: TrainSettings = TrainSettings()

    @field_validator("output")
    @classmethod
    def _local_output(cls, v: str) -> str:
        # The data files and Ray Train's checkpoints are written with local file APIs.
        if "://" in v:
            raise ValueError("tune writes to a local folder (on a cluster: a mount every node shares), not a URI")
        return v

    @model_validator(mode="after")
    def _unique_names(self) -> TuneConfig:
        names = [c.name for c in self.corpora]
        if len(set(names)) != len(names):
            raise ValueError(f"corpora: names repeat: {sorted({n for n in names if names.count(n) > 1})}")
        return self


def load_tune_config(path: str | Path | None, overrides: list[str] | None = None) -> TuneConfig:
    """The YAML file with `a.b=value` overrides; errors name the file and every field."""
    return load_model(TuneConfig, path, overrides or ())
