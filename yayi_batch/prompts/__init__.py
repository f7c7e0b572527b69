"""YAYI-UIE prompts: the pinned templates and the builder. Pure."""

from yayi_batch.prompts.build import TaskPrompt, build_prompts, detect_lang, longest_template

__all__ = ["TaskPrompt", "build_prompts", "detect_lang", "longest_template"]
