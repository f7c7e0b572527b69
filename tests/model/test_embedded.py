"""The shipped adapter and the embedded tuned model: merged once per adapter content."""

from __future__ import annotations

import json
import shutil

import pytest

from yayi_batch.model import embedded, resolve
from yayi_batch.model.embedded import ADAPTER_FILES, EMBEDDED_MODEL, TUNED_MODELS, TunedModel, adapter_digest


def test_the_default_is_a_shipped_adapter_on_an_embedded_base():
    tuned = TUNED_MODELS[EMBEDDED_MODEL]
    assert tuned.base in embedded.EMBEDDED_BASES
    folder = tuned.adapter_dir()
    assert {p.name for p in folder.iterdir()} >= {*ADAPTER_FILES, "README.md"}  # the model card too
    size = sum((folder / f).stat().st_size for f in ADAPTER_FILES)
    assert size < 16_000_000  # rank 32 on every linear layer in bf16 is ~15 MB: it lives in the repo
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] >= 1


def test_digest_follows_content(tmp_path):
    src = TUNED_MODELS[EMBEDDED_MODEL].adapter_dir()
    copy = tmp_path / "a"
    shutil.copytree(src, copy)
    assert adapter_digest(copy) == adapter_digest(src)
    (copy / "adapter_config.json").write_text((copy / "adapter_config.json").read_text() + " ")
    assert adapter_digest(copy) != adapter_digest(src)
    (copy / "adapter_model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="adapter_model.safetensors"):
        adapter_digest(copy)


def test_tuned_model_is_merged_once_per_adapter(tmp_path, monkeypatch):
    merges = []

    def fake_merge(base, adapter, out):  # the real merge is tested in tests/tune/test_tune_smoke.py
        merges.append(adapter_digest(adapter))
        (out / "config.json").write_text("{}")

    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    adapter = tmp_path / "adapter"
    shutil.copytree(TUNED_MODELS[EMBEDDED_MODEL].adapter_dir(), adapter)
    monkeypatch.setattr(resolve, "merge_adapter", fake_merge)
    monkeypatch.setattr(resolve, "ensure_embedded_model", lambda cache, source: base)
    monkeypatch.setitem(embedded.TUNED_MODELS, "embedded:test", TunedModel("test-ie", "embedded:gemma3-270m", "x"))
    monkeypatch.setattr(TunedModel, "adapter_dir", lambda self: adapter)

    first = resolve.resolve_model("embedded:test", "chat", None, str(tmp_path / "cache"))
    again = resolve.resolve_model("embedded:test", "chat", None, str(tmp_path / "cache"))
    assert first.path == again.path and len(merges) == 1
    assert first.path.endswith(f"test-ie-{adapter_digest(adapter)}")
    (adapter / "adapter_config.json").write_text((adapter / "adapter_config.json").read_text() + " ")
    changed = resolve.resolve_model("embedded:test", "chat", None, str(tmp_path / "cache"))
    assert changed.path != first.path and len(merges) == 2


def test_unknown_embedded_model_names_the_choices():
    with pytest.raises(resolve.ModelSourceError, match="embedded:gemma3-270m"):
        resolve.resolve_model("embedded:nope", "chat", None, None)
