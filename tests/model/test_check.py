"""`check-model` on the stand-ins, and its blockers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sentencepiece")

from yayi_batch.model.check import check, main  # noqa: E402
from yayi_batch.testing.standin import corpus_texts, make_standin, train_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def standins(tmp_path_factory):
    root = tmp_path_factory.mktemp("standins")
    return {layout: make_standin(layout, root / layout) for layout in ("13b", "7b")}


@pytest.fixture
def copy13(standins, tmp_path):
    return Path(shutil.copytree(standins["13b"], tmp_path / "model"))


def _edit_config(model: Path, **changes) -> None:
    cfg = json.loads((model / "config.json").read_text())
    cfg.update(changes)
    (model / "config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize("layout, pos, fmt, shards", [("13b", "ALIBI", "safetensors", 2), ("7b", "ROPE", "bin", 1)])
def test_standins_pass(standins, tmp_path, layout, pos, fmt, shards):
    report = check(str(standins[layout]), cache_dir=str(tmp_path / "cache"))
    assert report.ok, report.render()
    assert report.architecture == "BaichuanForCausalLM"
    assert "plugin" in report.loader
    assert report.position_embedding == pos and report.norm_head is True
    assert report.vocab_size == report.tokenizer_vocab_size
    assert report.max_positions == report.effective_context == 4096
    assert report.weights_format == fmt
    assert report.shards_expected == report.shards_present == shards
    assert set(report.reserved_token_ids) == {"<reserved_13>", "<reserved_14>"}
    assert report.add_bos_token is False
    assert Path(report.tokenizer_dir).parent == tmp_path / "cache" / "tokenizers"


def test_main_prints_report(standins, tmp_path, capsys):
    assert main([str(standins["7b"]), "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "OK: the checkpoint should load" in out and "ROPE" in out
    assert main([str(standins["13b"]), "--cache-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_missing_shard(copy13, capsys):
    (copy13 / "model-00002-of-00002.safetensors").unlink()
    report = check(str(copy13))
    assert not report.ok
    assert report.shards_expected == 2 and report.shards_present == 1
    assert any("missing shard" in b and "model-00002-of-00002.safetensors" in b for b in report.blockers)
    assert main([str(copy13)]) == 1
    assert "BLOCKER: missing shard" in capsys.readouterr().out


def test_missing_tensor(copy13):
    index = json.loads((copy13 / "model.safetensors.index.json").read_text())
    del index["weight_map"]["model.layers.1.mlp.up_proj.weight"]
    (copy13 / "model.safetensors.index.json").write_text(json.dumps(index))
    report = check(str(copy13))
    # the tensor is still in the shard's header, so only an absent one counts
    assert report.ok
    _edit_config(copy13, num_hidden_layers=3)
    report = check(str(copy13))
    assert any("expected tensor(s) absent" in b and "model.layers.2." in b for b in report.blockers)


def test_unknown_architecture(copy13):
    pytest.importorskip("vllm")
    _edit_config(copy13, architectures=["FooBarForCausalLM"])
    report = check(str(copy13))
    assert not report.ok
    assert any("unknown architecture FooBarForCausalLM" in b for b in report.blockers)


def test_dropped_architecture_not_covered(copy13):
    pytest.importorskip("vllm")
    _edit_config(copy13, architectures=["XverseForCausalLM"])
    report = check(str(copy13))
    assert any("dropped by vLLM after v0.23.0" in b for b in report.blockers)


def test_in_tree_architecture(copy13):
    pytest.importorskip("vllm")
    _edit_config(copy13, architectures=["LlamaForCausalLM"])
    report = check(str(copy13))
    assert "in-tree" in report.loader
    assert not any("architecture" in b for b in report.blockers)


def test_tokenizer_without_reserved_tokens(copy13, capsys):
    (copy13 / "tokenizer.model").write_bytes(train_tokenizer(corpus_texts(), num_reserved=0))
    report = check(str(copy13))
    assert not report.ok
    assert any("<reserved_13>" in b and "<reserved_14>" in b for b in report.blockers)
    assert main([str(copy13)]) == 1
    assert "BLOCKER: tokenizer lacks the YAYI prompt tokens" in capsys.readouterr().out


def test_no_config(copy13):
    (copy13 / "config.json").unlink()
    report = check(str(copy13))
    assert "no config.json" in report.blockers


def test_not_a_folder(tmp_path):
    report = check(str(tmp_path / "nowhere"))
    assert not report.ok and "not a folder" in report.blockers[0]


def test_fsspec_uri(standins, tmp_path):
    """A non-local store (fsspec memory://, as s3:// would be): only small files are read."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    for f in standins["13b"].iterdir():
        fs.pipe(f"/standin13/{f.name}", f.read_bytes())
    report = check("memory://standin13", cache_dir=str(tmp_path))
    assert report.ok, report.render()
    assert report.shards_present == 2 and report.reserved_token_ids


def test_warnings_for_sampling_defaults_and_plain_head(copy13):
    gen = {"eos_token_id": 2, "temperature": 0.3, "top_k": 5, "top_p": 0.85, "repetition_penalty": 1.05}
    (copy13 / "generation_config.json").write_text(json.dumps(gen))
    cfg = json.loads((copy13 / "config.json").read_text())
    del cfg["norm_head"]
    (copy13 / "config.json").write_text(json.dumps(cfg))
    report = check(str(copy13))
    assert report.ok and report.norm_head is False
    assert any("temperature" in w and "top_k" in w for w in report.warnings)
    assert any("norm_head" in w for w in report.warnings)
