"""The chat-template kwargs give the engine the model's own chat tokenization: one BOS, not two."""

from __future__ import annotations

import logging
from dataclasses import asdict

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

from yayi_batch.model import node
from yayi_batch.model.chat_render import ChatRender
from yayi_batch.model.chat_template import PROBE, RENDER_PROBES, chat_render_for, chat_tokenization_kwargs
from yayi_batch.model.node import ModelSpec

GEMMA_STYLE = (
    "{{ bos_token }}{% for m in messages %}<turn> {{ m['role'] }} {{ m['content'] }} <end>{% endfor %}"
    "{% if add_generation_prompt %} <turn> model{% endif %}"
)
NO_BOS = GEMMA_STYLE.removeprefix("{{ bos_token }}")
HARD_CODED = "<bos> " + NO_BOS


def tokenizer(template: str, adds_bos: bool) -> PreTrainedTokenizerFast:
    words = ["<unk>", "<bos>", "<turn>", "<end>", "user", "model", "probe", "探针"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    if adds_bos:
        tok.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", unk_token="<unk>")
    fast.chat_template = template
    return fast


def engine_ids(tok: PreTrainedTokenizerFast, kwargs: dict) -> list[int]:
    """What ray.data.llm + vLLM send: the template rendered to text, then tokenized with special tokens."""
    text = tok.apply_chat_template(PROBE, tokenize=False, add_generation_prompt=True, **kwargs)
    return tok(text)["input_ids"]


@pytest.mark.parametrize(
    ("template", "adds_bos", "kwargs", "warns"),
    [
        (GEMMA_STYLE, True, {"bos_token": ""}, False),  # the embedded Gemma: template and tokenizer both add it
        (GEMMA_STYLE, False, {}, False),  # only the template adds it
        (NO_BOS, False, {}, False),  # neither (SmolLM2)
        (HARD_CODED, True, {}, True),  # a literal <bos> no kwarg can remove
        (NO_BOS, True, {}, True),  # only the tokenizer adds it; chat tokenization has none
    ],
    ids=["both-add-bos", "template-bos", "no-bos", "hard-coded-bos", "tokenizer-bos-only"],
)
def test_kwargs_make_the_engine_ids_the_chat_ids(template, adds_bos, kwargs, warns, caplog):
    tok = tokenizer(template, adds_bos)
    chat_ids = tok.apply_chat_template(PROBE, tokenize=True, add_generation_prompt=True, return_dict=False)
    with caplog.at_level(logging.WARNING, logger="yayi_batch.model.chat_template"):
        got = chat_tokenization_kwargs(tok)
    assert got == kwargs
    assert bool(caplog.records) is warns
    if not warns:
        assert engine_ids(tok, got) == list(chat_ids)
        assert engine_ids(tok, got).count(1) <= 1
    else:
        assert "tokenize to" in caplog.text


def test_a_template_that_refuses_the_probe_is_left_as_it_was(caplog):
    tok = tokenizer("{{ raise_exception('system message required') }}", True)
    with caplog.at_level(logging.WARNING, logger="yayi_batch.model.chat_template"):
        assert chat_tokenization_kwargs(tok) == {}
    assert "system message required" in caplog.text


def test_without_a_template_there_is_nothing_to_render():
    tok = tokenizer(NO_BOS, True)
    tok.chat_template = None
    assert chat_tokenization_kwargs(tok) == {}


def test_the_both_add_case_really_doubled_bos_before():
    tok = tokenizer(GEMMA_STYLE, True)
    assert engine_ids(tok, {})[:2] == [1, 1]


def test_each_node_prepares_the_kwargs_beside_the_model(tmp_path):
    """The per-node preparation (one Ray task per node in a run) returns what the engine stage gets."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    tokenizer(GEMMA_STYLE, True).save_pretrained(model)
    spec = ModelSpec(str(model), "chat", None, str(tmp_path / "cache"), {})
    prepared = node._prepare(asdict(spec), "probe")
    assert prepared["chat_template_kwargs"] == {"bos_token": ""}
    assert prepared["template_tokens"] == 1
    # ... and the template as a pure render, under those kwargs (they win over the special tokens)
    render = ChatRender.from_dict(prepared["chat_render"])
    assert render is not None and render.variables["bos_token"] == ""
    assert render.user_turn("probe") == "<turn> user probe <end> <turn> model"


def test_the_engine_prompt_is_the_tuners_prompt():
    """The job now sends the model exactly the prompt ids the adapter was trained on (tune/train.py)."""
    from yayi_batch.tune.batches import IGNORE
    from yayi_batch.tune.train import tokenize

    tok = tokenizer(GEMMA_STYLE, True)
    tok.eos_token = "<end>"
    rows, _ = tokenize(tok, [{"prompt": PROBE[0]["content"], "answer": "model", "source": "probe"}], 64)
    trained_prompt = [i for i, label in zip(rows[0].input_ids, rows[0].labels) if label == IGNORE]
    assert trained_prompt == engine_ids(tok, chat_tokenization_kwargs(tok))
    assert trained_prompt != engine_ids(tok, {})  # without the kwargs the engine got <bos><bos>


@pytest.mark.parametrize(
    ("template", "adds_bos"),
    [(GEMMA_STYLE, True), (GEMMA_STYLE, False), (NO_BOS, False), (HARD_CODED, True)],
    ids=["both-add-bos", "template-bos", "no-bos", "hard-coded-bos"],
)
def test_the_pure_render_is_the_tokenizers_render(template, adds_bos):
    tok = tokenizer(template, adds_bos)
    kwargs = chat_tokenization_kwargs(tok)
    render = chat_render_for(tok, kwargs)
    assert render is not None
    for content in (*RENDER_PROBES, "a\nlonger 'passage' with {{ braces }} and 引号“”"):
        conversation = [{"role": "user", "content": content}]
        assert render.user_turn(content) == tok.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True, **kwargs)


@pytest.mark.parametrize(
    "template",
    [
        {"default": NO_BOS, "tool_use": NO_BOS},  # named templates: the stage picks one
        "{{ raise_exception('system message required') }}",  # refuses the probe
    ],
    ids=["named-templates", "refuses"],
)
def test_a_template_the_pure_render_cannot_stand_for_keeps_the_chat_stage(template):
    tok = tokenizer(NO_BOS, False)
    tok.chat_template = template
    assert chat_render_for(tok, {}) is None
