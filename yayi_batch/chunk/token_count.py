"""Token counting with the configured model's own tokenizer (for chunk sizing). No ray, no vllm."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


@functools.lru_cache(maxsize=4)
def load_tokenizer(tokenizer_path: str) -> Any:
    """The model's tokenizer, loaded once per process."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tokenizer_path)


@functools.lru_cache(maxsize=4)
def token_counter(tokenizer_path: str) -> Callable[[str], int]:
    """A function text -> number of tokens; the tokenizer is loaded once per process."""
    tok = load_tokenizer(tokenizer_path)

    def count(text: str) -> int:
        return len(tok(text, add_special_tokens=False)["input_ids"])

    return count


# Room for what a chat template adds around a user message (role markers, system line).
CHAT_TEMPLATE_MARGIN = 64


def chunk_budget(max_model_len: int, max_tokens: int, template_tokens: int, margin: int) -> int:
    """Tokens left for a chunk's text so that the longest prompt plus the answer fits the context."""
    return max_model_len - max_tokens - template_tokens - margin
