"""`configs/tune.yaml`: what `yayi-batch tune` trains, on what, for how long. Pure module."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yayi_batch.config import ExtractionConfig


class TuneConfigError(ValueError):
    """The tune config is invalid; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceSize(_Strict):
    train: int = Field(ge=0)
    heldout: int = Field(ge=0)


class DataConfig(_Strict):
    heldout_share: float = Field(0.05, gt=0, lt=1, description="share of each source never trained on")
    min_chars: int = 6
    max_chars: int = 200
    negative_share: float = Field(0.1, ge=0, le=1, description="generated passages with nothing to find")
    msra: SourceSize = SourceSize(train=2000, heldout=200)
    wnut: SourceSize = SourceSize(train=400, heldout=100)
    news_zh: SourceSize = SourceSize(train=600, heldout=40)
    news_en: SourceSize = SourceSize(train=600, heldout=40)


class LoraSettings(_Strict):
    r: int = Field(8, ge=1)
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] | Literal["all-linear"] = "all-linear"


class TrainSettings(_Strict):
    max_steps: int = Field(400, ge=1)
    batch_size: int = Field(8, ge=1, description="examples per step per worker")
    learning_rate: float = 3e-4
    warmup_steps: int = 20
    weight_decay: float = 0.0
    max_seq_tokens: int = Field(512, ge=16, description="longer examples are left out and counted")
    checkpoint_every: int = Field(50, ge=1)
    workers: int = Field(1, ge=1, description="Ray Train workers (data parallel)")
    cpus_per_worker: int = Field(2, ge=1)
    use_gpu: bool = False


class TuneConfig(_Strict):
    base_model: str = Field("embedded:smollm2-135m-instruct", description="what `model.source` takes")
    output: str = Field("tune-output", description="a local folder; on a cluster a mount every node shares")
    run_name: str = "yayi-ie-lora"
    seed: int = 20261130
    data: DataConfig = DataConfig()
    lora: LoraSettings = LoraSettings()
    train: TrainSettings = TrainSettings()
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig, description="the job's prompts and types")

    @field_validator("output")
    @classmethod
    def _local_output(cls, v: str) -> str:
        # The data files and Ray Train's checkpoints are written with local file APIs.
        if "://" in v:
            raise ValueError("tune writes to a local folder (on a cluster: a mount every node shares), not a URI")
        return v


def load_tune_config(path: str | None, overrides: list[str] | None = None) -> TuneConfig:
    """The YAML file (or the defaults) with `a.b=value` overrides (values parsed as YAML)."""
    raw: dict[str, Any] = {}
    if path:
        text = Path(path).read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        if not isinstance(raw, dict):
            raise TuneConfigError(f"{path}: the top level must be a mapping")
    for item in overrides or ():
        key, sep, value = item.partition("=")
        if not sep:
            raise TuneConfigError(f"override {item!r}: expected key.path=value")
        node = raw
        *parents, leaf = key.strip().split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = yaml.safe_load(value)
    try:
        return TuneConfig.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise TuneConfigError(f"{path or 'tune config'}: {where}: {first['msg']}") from None
