"""The YAYI tokenizer folder reproduces the raw sentencepiece model (Baichuan's tokenizer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

spm = pytest.importorskip("sentencepiece")
pytest.importorskip("tokenizers")
pytest.importorskip("transformers")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from yayi_batch.model.yayi_tokenizer import (  # noqa: E402
    REQUIRED_RESERVED,
    load_yayi_tokenizer,
    prepare_yayi_tokenizer,
    reserved_token_ids,
)
from yayi_batch.testing.standin import corpus_texts, train_tokenizer  # noqa: E402

TEXTS = [
    "<reserved_13>文本：2023年5月12日，张伟在上海国际会议中心参加了世界人工智能大会。"
    "Apple Inc. was founded by Steve Jobs in Cupertino.<reserved_14>",
    "中英混合 mixed text, digits 1234567890 and 3.14159; 标点！？（）",
    "  two leading spaces, trailing   \n\ttab and newline\n\n",
    "Emoji 🙂🚀 and rare 鱻 characters fall back to bytes: Ünïcödé",
    "<reserved_13><reserved_14>",
    "",
]


def _write_model(folder: Path, add_bos: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.model").write_bytes(_SP_MODEL)
    cfg = {
        "add_bos_token": add_bos,
        "add_eos_token": False,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<unk>",
        "model_max_length": 4096,
        "tokenizer_class": "BaichuanTokenizer",
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(cfg))
    return folder


_SP_MODEL = train_tokenizer(corpus_texts())


@pytest.fixture(scope="module", params=[False, True], ids=["no-bos", "bos"])
def prepared(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("tok")
    model_dir = _write_model(root / "model", add_bos=request.param)
    folder = prepare_yayi_tokenizer(str(model_dir), str(root / "cache"))
    sp = spm.SentencePieceProcessor(model_proto=_SP_MODEL)
    return request.param, folder, load_yayi_tokenizer(folder), sp


def _sp_ids(sp, text, add_bos):
    return ([sp.bos_id()] if add_bos else []) + list(sp.encode(text))


def test_reserved_tokens_are_single_sentencepiece_ids(prepared):
    _, folder, tok, sp = prepared
    for token in REQUIRED_RESERVED:
        assert tok.encode(token, add_special_tokens=False) == [sp.piece_to_id(token)]
        assert sp.piece_to_id(token) != sp.unk_id()
    assert reserved_token_ids(folder) == {t: sp.piece_to_id(t) for t in REQUIRED_RESERVED}


@pytest.mark.parametrize("text", TEXTS)
def test_ids_match_sentencepiece(prepared, text):
    add_bos, _, tok, sp = prepared
    assert tok.encode(text) == _sp_ids(sp, text, add_bos)
    assert tok.decode(tok.encode(text, add_special_tokens=False)) == sp.decode(sp.encode(text))


_ALPHABET = "".join(sorted({c for t in corpus_texts() for c in t})) + " \n\t🙂鱻Ü0123456789"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=_ALPHABET, max_size=40), st.sampled_from(REQUIRED_RESERVED)), max_size=5))
def test_random_text_matches_sentencepiece(tmp_path_factory, parts):
    tok, sp = _no_bos_tokenizer(tmp_path_factory)
    text = "".join(parts)
    assert tok.encode(text, add_special_tokens=False) == list(sp.encode(text))


_CACHE: dict = {}


def _no_bos_tokenizer(tmp_path_factory):
    if not _CACHE:
        root = tmp_path_factory.mktemp("tok-random")
        folder = prepare_yayi_tokenizer(str(_write_model(root / "m", False)), str(root / "c"))
        _CACHE["tok"] = (load_yayi_tokenizer(folder), spm.SentencePieceProcessor(model_proto=_SP_MODEL))
    return _CACHE["tok"]


def test_prepared_once_and_keyed_by_settings(tmp_path):
    model_dir = _write_model(tmp_path / "model", add_bos=False)
    cache = tmp_path / "cache"
    first = prepare_yayi_tokenizer(str(model_dir), str(cache))
    stamp = (Path(first) / "tokenizer.json").stat().st_mtime_ns
    assert prepare_yayi_tokenizer(str(model_dir), str(cache)) == first
    assert (Path(first) / "tokenizer.json").stat().st_mtime_ns == stamp
    assert Path(first).parent == cache / "tokenizers"
    other = prepare_yayi_tokenizer(str(_write_model(tmp_path / "bos", add_bos=True)), str(cache))
    assert other != first
    assert not [p for p in (cache / "tokenizers").iterdir() if p.name.startswith(".")]


def test_missing_tokenizer_model(tmp_path):
    with pytest.raises(FileNotFoundError):
        prepare_yayi_tokenizer(str(tmp_path), str(tmp_path / "cache"))


def test_vllm_loads_the_folder(prepared):
    """vLLM's own tokenizer loader (what the engine uses) gives the same ids."""
    pytest.importorskip("vllm")
    from vllm.tokenizers import get_tokenizer

    add_bos, folder, _, sp = prepared
    tok = get_tokenizer(folder)
    for text in TEXTS[:3]:
        assert tok.encode(text) == _sp_ids(sp, text, add_bos)


def test_reserved_as_control_pieces_still_single_tokens(tmp_path):
    """If a checkpoint had the reserved tokens as control pieces, the prompt still maps to them."""
    import io

    lines = [line for t in corpus_texts() for line in t.splitlines() if line.strip()]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="bpe",
        vocab_size=2500,
        hard_vocab_limit=False,
        character_coverage=1.0,
        byte_fallback=True,
        add_dummy_prefix=False,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        control_symbols=list(REQUIRED_RESERVED),
        num_threads=1,
        minloglevel=2,
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "tokenizer.model").write_bytes(model.getvalue())
    (tmp_path / "m" / "tokenizer_config.json").write_text(json.dumps({"add_bos_token": False}))
    folder = prepare_yayi_tokenizer(str(tmp_path / "m"), str(tmp_path / "c"))
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    ids = load_yayi_tokenizer(folder).encode("<reserved_13>上海 Apple<reserved_14>")
    assert ids == [sp.piece_to_id("<reserved_13>")] + list(sp.encode("上海 Apple")) + [sp.piece_to_id("<reserved_14>")]
    assert sp.encode("<reserved_13>") != [sp.piece_to_id("<reserved_13>")]  # raw sp would not
