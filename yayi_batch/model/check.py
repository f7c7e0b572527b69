"""`yayi-batch check-model PATH`: will this checkpoint load, without loading its weights?

Checks a local folder or an fsspec URI (s3://..., memory://...; only small files are read:
configs, tokenizer files, index json and safetensors headers): architecture and who serves it
(vLLM in-tree or this package's Baichuan plugin), vocab size, context length, weights format and
shard completeness (index vs files, expected tensor names), and the YAYI tokenizer (built from
tokenizer.model, the reserved tokens `<reserved_13>`/`<reserved_14>` as single tokens).
"""

from __future__ import annotations

import argparse
import json
import posixpath
import struct
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from yayi_batch.model.yayi_tokenizer import REQUIRED_RESERVED, prepare_yayi_tokenizer, reserved_token_ids
from yayi_batch.vllm_plugin import layout

PLUGIN_ENTRY_POINT = "yayi_batch.vllm_plugin:register"
INDEX_FILES = {"safetensors": "model.safetensors.index.json", "bin": "pytorch_model.bin.index.json"}
TOKENIZER_FILES = ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")


@dataclass
class CheckReport:
    path: str
    architecture: str | None = None
    loader: str | None = None
    position_embedding: str | None = None
    norm_head: bool | None = None
    vocab_size: int | None = None
    tokenizer_vocab_size: int | None = None
    max_positions: int | None = None
    effective_context: int | None = None
    weights_format: str | None = None
    weight_files: list[str] = field(default_factory=list)
    shards_expected: int | None = None
    shards_present: int | None = None
    tokenizer_dir: str | None = None
    add_bos_token: bool | None = None
    reserved_token_ids: dict[str, int] = field(default_factory=dict)
    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def render(self) -> str:
        rows = [
            ("path", self.path),
            ("architecture", self.architecture),
            ("served by", self.loader),
            ("position embedding", self.position_embedding),
            ("NormHead", self.norm_head),
            ("vocab size (config / tokenizer)", f"{self.vocab_size} / {self.tokenizer_vocab_size}"),
            ("max positions / effective context", f"{self.max_positions} / {self.effective_context}"),
            ("weights", f"{self.weights_format}: {self.shards_present}/{self.shards_expected} files"),
            ("tokenizer folder", self.tokenizer_dir),
            ("tokenizer adds BOS", self.add_bos_token),
            ("reserved tokens", ", ".join(f"{k}={v}" for k, v in self.reserved_token_ids.items()) or None),
        ]
        lines = [f"{k:>34}: {'-' if v is None else v}" for k, v in rows]
        lines += [f"WARNING: {w}" for w in self.warnings]
        lines += [f"BLOCKER: {b}" for b in self.blockers]
        lines.append("OK: the checkpoint should load" if self.ok else f"NOT OK: {len(self.blockers)} blocker(s)")
        return "\n".join(lines)


class _Store:
    """Read-only access to a checkpoint folder through fsspec."""

    def __init__(self, uri: str):
        from yayi_batch.fs import filesystem

        self.fs, self.root = filesystem(uri)
        self.root = self.root.rstrip("/") or "/"
        self.names = set()
        if self.fs.isdir(self.root):
            self.names = {posixpath.basename(p.rstrip("/")) for p in self.fs.ls(self.root, detail=False)}

    def path(self, name: str) -> str:
        return posixpath.join(self.root, name)

    def read(self, name: str, length: int | None = None, offset: int = 0) -> bytes:
        with self.fs.open(self.path(name), "rb") as f:
            f.seek(offset)
            return f.read() if length is None else f.read(length)

    def json(self, name: str) -> dict:
        return json.loads(self.read(name).decode("utf-8"))


def _safetensors_header(store: _Store, name: str) -> dict:
    (size,) = struct.unpack("<Q", store.read(name, 8))
    if size <= 0 or size > 100_000_000:
        raise ValueError(f"implausible header size {size}")
    header = json.loads(store.read(name, size, offset=8).decode("utf-8"))
    header.pop("__metadata__", None)
    return header


def _architecture_loader(arch: str, report: CheckReport) -> None:
    import importlib.metadata

    if arch in layout.PLUGIN_ARCHITECTURES:
        eps = importlib.metadata.entry_points(group="vllm.general_plugins")
        if any(ep.value == PLUGIN_ENTRY_POINT for ep in eps):
            report.loader = "yayi-batch vLLM plugin (yayi_batch.vllm_plugin)"
        else:
            report.blockers.append(
                f"{arch} needs this package's vLLM plugin, but its entry point is "
                "not installed (pip install -e . / the wheel in this environment)"
            )
        return
    try:
        import vllm
        from vllm import ModelRegistry
        from vllm.model_executor.models.registry import _PREVIOUSLY_SUPPORTED_MODELS
    except ImportError:
        report.warnings.append(f"vLLM is not installed here: cannot tell whether it serves {arch}")
        return
    if arch in ModelRegistry.get_supported_archs():
        report.loader = f"vLLM {vllm.__version__} (in-tree)"
    elif arch in _PREVIOUSLY_SUPPORTED_MODELS:
        report.blockers.append(
            f"architecture {arch} was dropped by vLLM after v{_PREVIOUSLY_SUPPORTED_MODELS[arch]} and no plugin here serves it"
        )
    else:
        report.blockers.append(f"unknown architecture {arch}: neither vLLM {vllm.__version__} nor yayi-batch's plugin serves it")


def _check_weights(store: _Store, cfg: dict, report: CheckReport) -> None:
    fmt = (
        "safetensors"
        if any(n.endswith(".safetensors") for n in store.names)
        else ("bin" if any(n.endswith(".bin") for n in store.names) else None)
    )
    report.weights_format = fmt
    if fmt is None:
        report.blockers.append("no weights: neither *.safetensors nor *.bin files")
        return
    tensors: dict[str, Any] | None = None
    index_name = INDEX_FILES[fmt]
    if index_name in store.names:
        weight_map = store.json(index_name).get("weight_map", {})
        files = sorted(set(weight_map.values()))
        missing = [f for f in files if f not in store.names]
        report.shards_expected, report.shards_present = len(files), len(files) - len(missing)
        if missing:
            report.blockers.append(f"missing shard(s) listed in {index_name}: {', '.join(missing)}")
        tensors = dict.fromkeys(weight_map)
    else:
        files = sorted(n for n in store.names if n.endswith("." + fmt) and not n.startswith("."))
        report.shards_expected = report.shards_present = len(files)
    report.weight_files = files
    if fmt == "safetensors":
        headers: dict[str, Any] = {}
        for name in files:
            if name in store.names:
                try:
                    headers.update(_safetensors_header(store, name))
                except Exception as exc:  # truncated or not a safetensors file
                    report.blockers.append(f"unreadable safetensors file {name}: {exc}")
        tensors = headers if tensors is None else {**tensors, **headers}
    arch = report.architecture
    if tensors is not None and arch in layout.PLUGIN_ARCHITECTURES:
        want = layout.expected_weight_names(cfg.get("num_hidden_layers", 0), cfg.get("tie_word_embeddings", False))
        absent = [n for n in want if n not in tensors]
        if absent:
            shown = ", ".join(absent[:5]) + (" ..." if len(absent) > 5 else "")
            report.blockers.append(f"{len(absent)} expected tensor(s) absent: {shown}")
        embed = tensors.get("model.embed_tokens.weight") or {}
        shape = embed.get("shape") if isinstance(embed, dict) else None
        if shape and shape != [cfg.get("vocab_size"), cfg.get("hidden_size")]:
            report.blockers.append(
                f"embed_tokens shape {shape} does not match config "
                f"(vocab_size {cfg.get('vocab_size')}, hidden_size {cfg.get('hidden_size')})"
            )


def _check_tokenizer(store: _Store, report: CheckReport, cache_dir: str) -> None:
    if "tokenizer.model" not in store.names:
        report.blockers.append("no tokenizer.model: the YAYI tokenizer is built from it")
        return
    local = Path(tempfile.mkdtemp(prefix="yayi-check-"))
    for name in TOKENIZER_FILES:
        if name in store.names:
            (local / name).write_bytes(store.read(name))
    try:
        report.tokenizer_dir = prepare_yayi_tokenizer(str(local), cache_dir)
    except Exception as exc:
        report.blockers.append(f"tokenizer could not be built from tokenizer.model: {exc}")
        return
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(local / "tokenizer.model"))
    report.tokenizer_vocab_size = sp.get_piece_size()
    marker = json.loads((Path(report.tokenizer_dir) / "yayi_tokenizer.json").read_text("utf-8"))
    report.add_bos_token = marker["settings"]["add_bos_token"]
    report.reserved_token_ids = reserved_token_ids(report.tokenizer_dir)
    missing = [t for t in REQUIRED_RESERVED if t not in report.reserved_token_ids]
    if missing:
        report.blockers.append(f"tokenizer lacks the YAYI prompt tokens {', '.join(missing)} (not single pieces of tokenizer.model)")
    for token, tid in report.reserved_token_ids.items():
        if sp.is_control(tid):
            report.warnings.append(
                f"{token} is a control piece: raw sentencepiece would not match it in text (the prepared tokenizer does)"
            )
    if report.vocab_size and report.tokenizer_vocab_size > report.vocab_size:
        report.blockers.append(f"tokenizer has {report.tokenizer_vocab_size} pieces but the model only {report.vocab_size} embeddings")


def check(path_or_uri: str, cache_dir: str | None = None) -> CheckReport:
    """Inspect a checkpoint; `cache_dir` keeps the prepared tokenizer (default: a temp dir)."""
    report = CheckReport(path=str(path_or_uri))
    store = _Store(str(path_or_uri))
    if not store.names:
        report.blockers.append(f"{path_or_uri} is not a folder with files")
        return report
    cfg: dict = {}
    if "config.json" not in store.names:
        report.blockers.append("no config.json")
    else:
        cfg = store.json("config.json")
        archs = cfg.get("architectures") or []
        if not archs:
            report.blockers.append("config.json has no `architectures`")
        else:
            report.architecture = archs[0]
            _architecture_loader(archs[0], report)
        report.vocab_size = cfg.get("vocab_size")
        report.max_positions = layout.max_positions(cfg)
        if report.architecture in layout.PLUGIN_ARCHITECTURES:
            report.position_embedding = layout.position_embedding(cfg, report.architecture)
            report.norm_head = layout.use_norm_head(cfg)
            if layout.KEY_NORM_HEAD not in cfg and not report.norm_head:
                report.warnings.append(
                    f"vocab_size {report.vocab_size} is not Baichuan 2's 125696: the LM head is taken "
                    'as Baichuan 1\'s plain head; add "norm_head": true to config.json if this is a '
                    "Baichuan 2 model with a resized vocabulary"
                )
    tok_cfg = store.json("tokenizer_config.json") if "tokenizer_config.json" in store.names else {}
    limits = [v for v in (report.max_positions, tok_cfg.get("model_max_length")) if isinstance(v, int)]
    report.effective_context = min(limits) if limits else None
    if cfg and report.effective_context is None:
        report.warnings.append("no context length key in config: vLLM will assume 2048")
    if "generation_config.json" in store.names:
        gen = store.json("generation_config.json")
        neutral = {"temperature": 1.0, "top_p": 1.0, "top_k": 0, "repetition_penalty": 1.0}
        sampling = {k: gen[k] for k in (*neutral, "max_new_tokens") if gen.get(k) is not None and gen[k] != neutral.get(k) and gen[k] != -1}
        if sampling:
            report.warnings.append(
                f"generation_config.json sets {sampling}: vLLM uses these as defaults unless the job's sampling parameters override them"
            )
    _check_weights(store, cfg, report)
    _check_tokenizer(store, report, cache_dir or tempfile.mkdtemp(prefix="yayi-tok-"))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yayi-batch check-model", description=__doc__.splitlines()[0])
    parser.add_argument("path", help="checkpoint folder or fsspec URI (s3://bucket/prefix)")
    parser.add_argument("--cache-dir", default=None, help="where the prepared tokenizer is kept")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        report = check(args.path, cache_dir=args.cache_dir)
    except Exception as exc:  # unreadable store, bad JSON, ...
        print(f"BLOCKER: cannot inspect {args.path}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.render())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
