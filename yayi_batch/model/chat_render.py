"""A chat template rendered without transformers: the user turn of one prompt, as the engine reads it.

ray.data.llm renders chat templates in a stage of its own: an actor pool that imports
transformers and loads the tokenizer (~0.7 GB and seconds of CPU at the moment the engine loads
its model on the same cores). The job's conversations are always one user turn, so the template
can be rendered where the rows are prepared for the engine, with jinja2 alone, as transformers
renders it (a sandboxed environment, `trim_blocks`/`lstrip_blocks`, its `raise_exception`,
`strftime_now` and `tojson`).

Whether this render equals the tokenizer's own is checked once per node, on a probe conversation,
with the tokenizer the node loads anyway (`node._prepare`); where it does not, the job keeps
ray.data.llm's chat-template stage. Pure: jinja2 only.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(x: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None, sort_keys: bool = False) -> str:
    # Jinja's own tojson escapes HTML characters; transformers' does not.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(fmt: str) -> str:
    return dt.datetime.now().strftime(fmt)


@functools.lru_cache(maxsize=8)
def _compiled(template: str) -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env.from_string(template)


@dataclass(frozen=True)
class ChatRender:
    """A chat template and the variables it is rendered with (the tokenizer's special tokens,
    overridden by the job's chat-template kwargs, e.g. `bos_token=""`)."""

    template: str
    variables: dict[str, Any] = field(default_factory=dict)

    def user_turn(self, content: str) -> str:
        """One user message, with the generation prompt: what the engine tokenizes."""
        messages = [{"role": "user", "content": content}]
        return _compiled(self.template).render(messages=messages, add_generation_prompt=True, **self.variables)

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "variables": dict(self.variables)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ChatRender | None:
        return cls(data["template"], dict(data.get("variables") or {})) if data else None
