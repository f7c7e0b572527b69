"""One BOS token, not two: the chat-template settings that make the job's prompts the model's own.

ray.data.llm renders the chat template to a string, and vLLM then tokenizes that string with the
tokenizer's special tokens on. A template that writes `{{ bos_token }}` itself (Gemma's, Llama
3's) combined with a tokenizer that also prepends BOS gives `<bos><bos>...`: a prompt the model
never saw in training. vLLM's own `LLM.chat` and transformers' `apply_chat_template(tokenize=True)`
give one BOS; with the double one, the tuned Gemma default wrote 6.5% more tokens on the demo
corpus than the same prompts through `LLM.chat` (benchmarks/job_vs_engine.py).

`chat_tokenization_kwargs` checks this once per node (model/node.py, with the tokenizer the chunker
loads anyway), on a probe conversation, and returns the
`chat_template_kwargs` under which the rendered string tokenizes to exactly the model's own chat
tokenization (`bos_token=""` when the template writes it and the tokenizer adds it again).
"""

from __future__ import annotations

import logging
from typing import Any

from yayi_batch.model.chat_render import ChatRender

log = logging.getLogger(__name__)

PROBE = [{"role": "user", "content": "probe 探针"}]
# What the pure render must reproduce: plain text, and text with the characters templates escape,
# trim or split on.
RENDER_PROBES = ("probe 探针", 'Text: "a {b}" \n\tc</s>\n\n问题：{"人物": []}  ')


def _string_path_ids(tokenizer: Any, kwargs: dict[str, Any]) -> list[int]:
    """The token ids the engine receives: the template rendered to text, then tokenized as vLLM does."""
    text = tokenizer.apply_chat_template(PROBE, tokenize=False, add_generation_prompt=True, **kwargs)
    return list(tokenizer(text)["input_ids"])


def chat_tokenization_kwargs(tokenizer: Any) -> dict[str, Any]:
    """The chat-template kwargs (possibly none) that give the model's own chat tokenization.

    When no setting does (a template that hard-codes `<bos>`, or one without BOS for a tokenizer
    that adds it), the run goes on as before with a warning naming both token sequences: refusing
    would stop models that ran before this check.
    """
    if getattr(tokenizer, "chat_template", None) is None:
        return {}
    try:
        expected = list(tokenizer.apply_chat_template(PROBE, tokenize=True, add_generation_prompt=True, return_dict=False))
        got = _string_path_ids(tokenizer, {})
        if got == expected:
            return {}
        if _string_path_ids(tokenizer, {"bos_token": ""}) == expected:
            return {"bos_token": ""}
    except Exception as exc:  # a template that refuses the probe: the engine stage will say why, on real rows
        log.warning(
            "chat template of %s not checked (the probe conversation failed: %s)", getattr(tokenizer, "name_or_path", "the model"), exc
        )
        return {}
    log.warning(
        "the chat template of %s renders prompts that tokenize to %s... where the model's own chat "
        "tokenization is %s...: the engine sees special tokens the model may not expect; fix the template "
        "(chat_template.jinja) or use a raw profile",
        getattr(tokenizer, "name_or_path", "the model"),
        got[:6],
        expected[:6],
    )
    return {}


def chat_render_for(tokenizer: Any, kwargs: dict[str, Any]) -> ChatRender | None:
    """The tokenizer's chat template as a pure render (model/chat_render.py), when it renders the
    probes exactly as the tokenizer does under `kwargs`; None keeps ray.data.llm's chat stage."""
    template = getattr(tokenizer, "chat_template", None)
    if not isinstance(template, str):  # none, or a dict of named templates
        return None
    render = ChatRender(template, {**dict(getattr(tokenizer, "special_tokens_map", {}) or {}), **kwargs})
    try:
        for content in RENDER_PROBES:
            conversation = [{"role": "user", "content": content}]
            expected = tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True, **kwargs)
            if render.user_turn(content) != expected:
                log.info("chat template of %s: the pure render differs; the chat-template stage renders it", tokenizer.name_or_path)
                return None
    except Exception as exc:  # the chat-template stage will render it, or say why on real rows
        log.info(
            "chat template of %s not rendered purely (%s); the chat-template stage renders it", getattr(tokenizer, "name_or_path", ""), exc
        )
        return None
    return render
