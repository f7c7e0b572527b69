"""Which writing system a character belongs to: one definition for the chunker, the grounder,
language detection and the CoNLL reader. Pure."""

from __future__ import annotations


def is_cjk(ch: str) -> bool:
    """A character of a script written without spaces between words (CJK, Hangul, kana, CJK
    punctuation): word boundaries mean nothing next to it."""
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def is_han(ch: str) -> bool:
    """A Chinese ideograph (the unified blocks and their extensions): what makes a text Chinese."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2EBEF or 0xF900 <= o <= 0xFAFF


def is_word_char(ch: str) -> bool:
    """A character of a Latin-like word: where word boundaries mean something."""
    return ch.isalnum() and not is_cjk(ch)
