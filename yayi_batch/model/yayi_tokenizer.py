"""Tokenizer for the YAYI-UIE profile without the model's remote tokenizer code.

Baichuan ships `tokenization_baichuan.py` (a slow sentencepiece tokenizer) that current
transformers cannot run ("'BaichuanTokenizer' object has no attribute 'sp_model'"). Instead,
`prepare_yayi_tokenizer` builds a fast (`tokenizers`) tokenizer straight from the checkpoint's
`tokenizer.model`, once, and saves it as an HF tokenizer folder under
`<cache_dir>/tokenizers/<hash>/`; that folder is what vLLM gets as `tokenizer=` and what the
chunker counts with (`load_yayi_tokenizer(folder)`, or plain `AutoTokenizer.from_pretrained`).

Faithful to Baichuan's tokenizer: ids are those of `SentencePieceProcessor.encode` (BPE merges
ranked by piece score, byte fallback, the model's own normalizer settings), user-defined pieces
such as `<reserved_13>` are single tokens (added as special tokens, so they are matched in the
raw prompt), and BOS/EOS follow `tokenizer_config.json` (`add_bos_token` defaults to True, the
default of `BaichuanTokenizer.__init__`; `add_eos_token` to False). The folder is checked
against sentencepiece on probe strings before it is published.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

REQUIRED_RESERVED = ("<reserved_13>", "<reserved_14>")
RESERVED_RE = re.compile(r"^<reserved_\d+>$")
FORMAT_VERSION = 1
MARKER = "yayi_tokenizer.json"
TOKENIZER_FOLDER_CONFIG = {"model_type": "baichuan", "architectures": ["BaichuanForCausalLM"]}

# sentencepiece ModelProto.SentencePiece.Type
_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED = 1, 2, 3, 4

PROBES = (
    "中国科学院自动化研究所位于北京市海淀区。",
    "Apple Inc. was founded by Steve Jobs in Cupertino, California, in 1976.",
    "<reserved_13>文本：2023年5月，张三在上海参加了人工智能大会。<reserved_14>",
    "  leading spaces,\ttabs\nand new lines  ",
    "混合 text 与数字 3.14159 和 emoji 🙂, Ünïcödé çà.",
    "<reserved_13><reserved_14><reserved_13>",
)


class TokenizerMismatchError(RuntimeError):
    """The fast tokenizer would not reproduce sentencepiece's ids."""


def _token_content(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("content")
    return value


def _read_settings(model_dir: Path) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    path = model_dir / "tokenizer_config.json"
    if path.exists():
        cfg = json.loads(path.read_text(encoding="utf-8"))
    return {
        "add_bos_token": bool(cfg.get("add_bos_token", True)),
        "add_eos_token": bool(cfg.get("add_eos_token", False)),
        "bos_token": _token_content(cfg.get("bos_token", "<s>")),
        "eos_token": _token_content(cfg.get("eos_token", "</s>")),
        "unk_token": _token_content(cfg.get("unk_token", "<unk>")),
        "pad_token": _token_content(cfg.get("pad_token")),
        "model_max_length": int(cfg.get("model_max_length", 4096)),
    }


def load_sp_proto(data: bytes):
    from sentencepiece import sentencepiece_model_pb2 as pb2

    proto = pb2.ModelProto()
    proto.ParseFromString(data)
    return proto


def build_backend(proto, settings: dict[str, Any]):
    """A `tokenizers.Tokenizer` that encodes like `SentencePieceProcessor(proto).encode`."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import BPE, Unigram

    pieces = list(proto.pieces)
    spec, trainer = proto.normalizer_spec, proto.trainer_spec
    byte_fallback = bool(trainer.byte_fallback)
    if trainer.model_type == 2:  # BPE: merges ranked by the score of the merged piece
        vocab = {p.piece: i for i, p in enumerate(pieces)}
        normal = {p.piece: (p.score, i) for i, p in enumerate(pieces) if p.type == _NORMAL}
        ranked = sorted(
            (-score, idx, piece[:cut], piece[cut:])
            for piece, (score, idx) in normal.items()
            for cut in range(1, len(piece))
            if piece[:cut] in normal and piece[cut:] in normal
        )
        model = BPE(
            vocab=vocab, merges=[(a, b) for _, _, a, b in ranked], unk_token=trainer.unk_piece, fuse_unk=True, byte_fallback=byte_fallback
        )
    elif trainer.model_type == 1:
        model = Unigram([(p.piece, p.score) for p in pieces], unk_id=trainer.unk_id, byte_fallback=byte_fallback)
    else:
        raise ValueError(f"unsupported sentencepiece model type {trainer.model_type}")
    tok = Tokenizer(model)

    norms = []
    if spec.precompiled_charsmap:
        norms.append(normalizers.Precompiled(spec.precompiled_charsmap))
    if spec.remove_extra_whitespaces:
        norms += [normalizers.Replace(Regex(r"\A +| +\z"), ""), normalizers.Replace(Regex(" {2,}"), " ")]
    if spec.escape_whitespaces:
        norms.append(normalizers.Replace(" ", "▁"))
    tok.normalizer = normalizers.Sequence(norms)
    if spec.add_dummy_prefix:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    dec = [decoders.Replace("▁", " ")]
    if byte_fallback:
        dec.append(decoders.ByteFallback())
    dec.append(decoders.Fuse())
    if spec.add_dummy_prefix:
        dec.append(decoders.Strip(content=" ", left=1, right=0))
    tok.decoder = decoders.Sequence(dec)

    # Control and user-defined pieces keep their ids; they are matched in the raw text first.
    tok.add_special_tokens(
        [
            AddedToken(p.piece, special=True, normalized=False)
            for p in pieces
            if p.type in (_UNKNOWN, _CONTROL) or (p.type == _USER_DEFINED and RESERVED_RE.match(p.piece))
        ]
    )
    tok.add_tokens(
        [AddedToken(p.piece, special=False, normalized=False) for p in pieces if p.type == _USER_DEFINED and not RESERVED_RE.match(p.piece)]
    )

    bos, eos = settings["bos_token"], settings["eos_token"]
    single = " ".join(([f"{bos}:0"] if settings["add_bos_token"] else []) + ["$A:0"] + ([f"{eos}:0"] if settings["add_eos_token"] else []))
    pair = single + " " + single.replace("$A:0", "$B:1").replace(":0", ":1")
    specials = [(t, tok.token_to_id(t)) for t in {bos, eos} if t is not None and tok.token_to_id(t) is not None]
    tok.post_processor = processors.TemplateProcessing(single=single, pair=pair, special_tokens=specials)
    return tok


def _special_pieces(sp) -> list[str]:
    """Pieces the fast tokenizer matches in raw text as special tokens (see build_backend)."""
    return [
        sp.id_to_piece(i)
        for i in range(sp.get_piece_size())
        if sp.is_control(i) or sp.is_unknown(i) or RESERVED_RE.match(sp.id_to_piece(i))
    ]


def sp_reference_ids(sp, text: str, settings: dict[str, Any], specials: list[str] | None = None) -> list[int]:
    """What Baichuan's tokenizer yields: sentencepiece ids with BOS/EOS per its config.

    Reserved tokens are matched in the text first. For user-defined pieces (Baichuan 2) this is
    exactly `sp.encode(text)`; for control pieces it is what a prompt with them means.
    """
    specials = sorted(_special_pieces(sp) if specials is None else specials, key=len, reverse=True)
    pattern = re.compile("(" + "|".join(re.escape(t) for t in specials) + ")")
    ids: list[int] = []
    for chunk in pattern.split(text) if specials else [text]:
        if chunk in specials:
            ids.append(sp.piece_to_id(chunk))
        elif chunk:
            ids.extend(sp.encode(chunk))
    if settings["add_bos_token"]:
        ids = [sp.bos_id()] + ids
    if settings["add_eos_token"]:
        ids = ids + [sp.eos_id()]
    return ids


def load_yayi_tokenizer(tokenizer_dir: str):
    """Load a prepared folder with transformers (what the chunker counts with)."""
    from transformers import AutoTokenizer

    from yayi_batch.vllm_plugin.config import register_config

    register_config()  # the folder's config.json names model_type "baichuan"
    return AutoTokenizer.from_pretrained(str(tokenizer_dir))


def _verify(folder: Path, sp_data: bytes, settings: dict[str, Any]) -> dict[str, int]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_data)
    tok = load_yayi_tokenizer(str(folder))
    specials = _special_pieces(sp)
    for text in PROBES:
        want, got = sp_reference_ids(sp, text, settings, specials), tok.encode(text)
        if want != got:
            raise TokenizerMismatchError(f"fast tokenizer differs from sentencepiece on {text!r}: {got} != {want}")
    reserved = {}
    for token in REQUIRED_RESERVED:
        ids = tok.encode(token, add_special_tokens=False)
        if len(ids) == 1 and sp.piece_to_id(token) == ids[0] and ids[0] != sp.unk_id():
            reserved[token] = ids[0]
    return reserved


def _cache_key(sp_data: bytes, settings: dict[str, Any]) -> str:
    h = hashlib.sha256(sp_data)
    h.update(json.dumps({"settings": settings, "v": FORMAT_VERSION}, sort_keys=True).encode())
    return h.hexdigest()[:20]


def prepare_yayi_tokenizer(model_dir: str, cache_dir: str) -> str:
    """Build (once) and return the HF tokenizer folder for a Baichuan checkpoint folder.

    `model_dir` needs `tokenizer.model` (and normally `tokenizer_config.json`). The result lives
    in `<cache_dir>/tokenizers/<hash of tokenizer.model and settings>/` and is reused.
    Raises FileNotFoundError without tokenizer.model, TokenizerMismatchError if the fast
    tokenizer cannot reproduce sentencepiece.
    """
    src = Path(model_dir)
    sp_path = src / "tokenizer.model"
    if not sp_path.is_file():
        raise FileNotFoundError(f"no tokenizer.model in {src}")
    sp_data = sp_path.read_bytes()
    settings = _read_settings(src)
    out = Path(cache_dir) / "tokenizers" / _cache_key(sp_data, settings)
    if (out / MARKER).is_file():
        return str(out)

    from transformers import PreTrainedTokenizerFast

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=out.parent))
    try:
        backend = build_backend(load_sp_proto(sp_data), settings)
        hf = PreTrainedTokenizerFast(
            tokenizer_object=backend,
            bos_token=settings["bos_token"],
            eos_token=settings["eos_token"],
            unk_token=settings["unk_token"],
            pad_token=settings["pad_token"],
            add_bos_token=settings["add_bos_token"],
            add_eos_token=settings["add_eos_token"],
            model_max_length=settings["model_max_length"],
            clean_up_tokenization_spaces=False,
        )
        hf.save_pretrained(str(tmp))
        # vLLM's get_tokenizer() reads a model config from the tokenizer folder too; without
        # one it logs errors and retries. model_type "baichuan" is registered by the plugin.
        (tmp / "config.json").write_text(json.dumps(TOKENIZER_FOLDER_CONFIG), encoding="utf-8")
        reserved = _verify(tmp, sp_data, settings)
        marker = {
            "format_version": FORMAT_VERSION,
            "source": str(sp_path),
            "tokenizer_model_sha256": hashlib.sha256(sp_data).hexdigest(),
            "settings": settings,
            "reserved_ids": reserved,
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=2, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(tmp, out)
        except OSError:  # another process published it first (or a stale partial folder)
            if not (out / MARKER).is_file():
                shutil.rmtree(out, ignore_errors=True)
                os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return str(out)


def reserved_token_ids(tokenizer_dir: str) -> dict[str, int]:
    """Ids of REQUIRED_RESERVED found as single tokens in a prepared folder (from its marker)."""
    marker = json.loads((Path(tokenizer_dir) / MARKER).read_text(encoding="utf-8"))
    return dict(marker.get("reserved_ids", {}))
