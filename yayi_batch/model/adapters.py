"""LoRA adapters shipped in the package, and the embedded models they make. Pure module.

An embedded tuned model is `base + adapter`: the base converted once from its GGUF, the adapter
(a few MB, in `yayi_batch/data/adapters/`) merged into it once, in the model cache, under a
folder named by the adapter's content hash, so a new adapter never reuses an old merge.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yayi_batch.model.profiles import EMBEDDED_MODEL

ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


@dataclass(frozen=True)
class TunedModel:
    folder: str  # the cache folder's name (plus the adapter's hash)
    base: str  # an embedded base source (model/resolve.py EMBEDDED_BASES)
    adapter: str  # folder under yayi_batch/data/adapters/

    def adapter_dir(self) -> Path:
        return Path(str(resources.files("yayi_batch") / "data" / "adapters" / self.adapter))


TUNED_MODELS = {
    EMBEDDED_MODEL: TunedModel("yayi-ie-gemma3-270m", "embedded:gemma3-270m", "yayi-ie-gemma3-270m"),
}


def adapter_digest(folder: Path) -> str:
    """A hash of the adapter's files: what names the merged folder in the cache."""
    digest = hashlib.sha256()
    for name in ADAPTER_FILES:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"adapter {folder}: {name} is missing")
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
