"""Model profiles: how a prompt reaches the engine. Pure.

- ``yayi-uie``: the raw prompt wrapped in YAYI's reserved tokens, chat-template stage off;
- ``chat``: the prompt as one user message, the model's own chat template on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

YAYI_HUMAN = "<reserved_13>"
YAYI_ASSISTANT = "<reserved_14>"


class PromptStyle(str, enum.Enum):
    RAW = "raw"  # the prompt string goes to the engine as is (after wrapping)
    CHAT = "chat"  # the prompt becomes one user message in the model's chat template (model/chat_render.py)


@dataclass(frozen=True)
class ModelProfile:
    name: str
    style: PromptStyle
    prefix: str = ""
    suffix: str = ""

    def wrap(self, prompt: str) -> str:
        """The text the engine sees for a raw-style profile."""
        return f"{self.prefix}{prompt}{self.suffix}"


PROFILES: dict[str, ModelProfile] = {
    "yayi-uie": ModelProfile("yayi-uie", PromptStyle.RAW, YAYI_HUMAN, YAYI_ASSISTANT),
    "chat": ModelProfile("chat", PromptStyle.CHAT),
}
