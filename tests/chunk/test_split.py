"""chunk.py: sentence splitting with hand-counted offsets, packing invariants, properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yayi_batch.chunk import Chunk, chunk_text, split_sentences

_PIECE = re.compile(r"[A-Za-z]+|\d|[^\sA-Za-z\d]")


def wordpiece(s: str) -> int:
    """A fake sub-word tokenizer: Latin words in pieces of 4 letters, any other non-space char
    one token, plus a BOS token, so counts are not additive over concatenation."""
    return 1 + sum((len(t) + 3) // 4 if t.isalpha() else 1 for t in _PIECE.findall(s))


def sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def check_invariants(doc, chunks, max_tokens, count=len, overlap_tokens=0):
    assert [c.index for c in chunks] == list(range(len(chunks)))
    new_text = []
    prev = None
    for c in chunks:
        assert c.text == doc[c.start : c.end] and c.start < c.end
        assert count(c.text) <= max_tokens
        if prev is None:
            assert c.start == 0
            new_text.append(c.text)
        else:
            assert prev.start < c.start <= prev.end < c.end
            if not overlap_tokens:
                assert c.start == prev.end
            else:
                assert count(doc[c.start : prev.end]) <= overlap_tokens or c.start == prev.end
            new_text.append(doc[prev.end : c.end])
        prev = c
    assert "".join(new_text) == doc  # tiles the document


# --- split_sentences -------------------------------------------------------------------------


def test_chinese_sentence_ends():
    assert split_sentences("你好。我很好！") == [(0, 3), (3, 7)]
    assert split_sentences("真的吗？是的；走吧") == [(0, 4), (4, 7), (7, 9)]
    # A closing quote after the end mark stays with the sentence.
    assert split_sentences("他说：“好。”然后走了。") == [(0, 7), (7, 12)]
    assert split_sentences("他走了……我哭了") == [(0, 5), (5, 8)]


def test_line_breaks_end_sentences():
    assert split_sentences("第一行\n第二行\n\n第三段") == [(0, 3), (4, 7), (9, 12)]
    assert split_sentences("Title\r\nBody text") == [(0, 5), (7, 16)]


def test_latin_sentence_ends_and_abbreviations():
    assert split_sentences("Mr. Smith went to Washington. He paid $3.14.") == [(0, 29), (30, 44)]
    doc = "It costs 1,000.5 dollars. Dr. Li met Prof. Wang (U.S. Army) in Jan. 2020. Done."
    assert split_sentences(doc) == [(0, 25), (26, 73), (74, 79)]
    assert sentences("J. R. R. Tolkien wrote it. e.g. this and i.e. that, etc. fine") == [
        "J. R. R. Tolkien wrote it. e.g. this and i.e. that, etc. fine"
    ]  # lower-case goes on
    assert sentences("See example.com and v2.0.1 now") == ["See example.com and v2.0.1 now"]


def test_quotes_and_exclamations():
    assert split_sentences('He said "Stop." Then he left.') == [(0, 15), (16, 29)]
    assert split_sentences('"Wow!" he said.') == [(0, 15)]
    assert split_sentences("Really?! Yes... Fine") == [(0, 8), (9, 15), (16, 20)]


def test_mixed_scripts_and_emoji():
    assert split_sentences("Version 2.0 is out!新版本发布了。") == [(0, 19), (19, 26)]
    assert split_sentences("今天很开心😀。明天见👋！") == [(0, 7), (7, 12)]
    assert split_sentences("APEC峰会在北京举行。Leaders met. 会议结束") == [(0, 12), (12, 24), (25, 29)]


def test_whitespace_only_and_empty():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\u3000 ") == []
    assert split_sentences("  no end mark  ") == [(2, 13)]


# --- chunk_text ------------------------------------------------------------------------------

NEWS_ZH = "宁高宁出席了在北京举行的论坛。他表示，中国经济保持稳定增长！与会者讨论了APEC合作。" * 6
NEWS_EN = (
    "Mr. Smith paid $3.14 for 1,000.5 units in the U.S. last year. Dr. Li disagreed. Prices rose 2.5% in Jan. 2024, e.g. for food.\n\n"
) * 6


def test_whitespace_only_and_empty_give_no_chunks():
    assert chunk_text("", 10) == []
    assert chunk_text("  \n\n \u3000\t", 10) == []


def test_short_text_is_one_chunk_with_its_whitespace():
    doc = "  你好。世界！ \n"
    assert chunk_text(doc, 100) == [Chunk(0, 0, len(doc), doc)]


def test_sentences_are_packed_greedily():
    doc = "你好。我很好！他也好。"  # sentences of 3, 4, 4 chars
    assert [(c.start, c.end) for c in chunk_text(doc, 7)] == [(0, 7), (7, 11)]
    assert [(c.start, c.end) for c in chunk_text(doc, 6)] == [(0, 3), (3, 7), (7, 11)]


@pytest.mark.parametrize("count, max_tokens", [(len, 40), (len, 7), (wordpiece, 25), (wordpiece, 4)])
@pytest.mark.parametrize("doc", [NEWS_ZH, NEWS_EN, NEWS_ZH + NEWS_EN])
def test_news_chunks_tile_and_fit(doc, count, max_tokens):
    chunks = chunk_text(doc, max_tokens, count)
    check_invariants(doc, chunks, max_tokens, count)


def test_chunks_end_at_sentence_ends_when_sentences_fit():
    chunks = chunk_text(NEWS_ZH, 60)
    assert all(c.text[-1] in "。！" for c in chunks)
    chunks = chunk_text(NEWS_EN, 120)
    assert all(c.text.rstrip()[-1] in "." for c in chunks)


def test_no_sentence_end_at_all_is_hard_split():
    doc = "a" * 1000
    chunks = chunk_text(doc, 100)
    assert [(c.start, c.end) for c in chunks] == [(i, i + 100) for i in range(0, 1000, 100)]


def test_long_chinese_sentence_splits_at_clauses():
    doc = "我们今天去公园，" * 20 + "然后回家。"  # clauses of 8 chars
    chunks = chunk_text(doc, 30)
    check_invariants(doc, chunks, 30)
    assert all(c.text.endswith("，") for c in chunks[:-1])
    assert len(chunks[0].text) == 24  # three clauses


def test_long_english_sentence_splits_between_words():
    words = [f"word{i}" for i in range(300)]
    doc = " ".join(words) + "."
    for count, max_tokens in [(len, 50), (wordpiece, 12)]:
        chunks = chunk_text(doc, max_tokens, count)
        check_invariants(doc, chunks, max_tokens, count)
        assert all(c.text.endswith(" ") for c in chunks[:-1])  # never inside a word
        assert [w for c in chunks for w in c.text.split()] == words[:-1] + [words[-1] + "."]


def test_hard_split_keeps_emoji_sequences_and_marks_whole():
    family = "👨\u200d👩\u200d👧"  # 5 code points, one picture
    chunks = chunk_text(family * 30, 7)
    assert all(c.text == family for c in chunks) and len(chunks) == 30
    flags = "🇨🇳🇺🇸" * 10
    assert all(len(c.text) == 2 for c in chunk_text(flags, 3))
    accented = "e\u0301" * 20
    assert all(c.text == "e\u0301" for c in chunk_text(accented, 3))
    assert all(c.text == "👍🏽" for c in chunk_text("👍🏽" * 10, 3))


def test_emoji_in_text_offsets_are_exact():
    doc = "今天很开心😀。明天见👋！" * 5
    chunks = chunk_text(doc, 12)
    check_invariants(doc, chunks, 12)
    assert [(c.start, c.end) for c in chunks[:2]] == [(0, 12), (12, 24)]


def test_overlap_repeats_whole_trailing_sentences():
    doc = "".join(f"Sentence number {i:02d}. " for i in range(30))  # 20 chars each
    chunks = chunk_text(doc, 100, overlap_tokens=45)
    check_invariants(doc, chunks, 100, overlap_tokens=45)
    starts = {s for s, _ in split_sentences(doc)}
    for prev, c in zip(chunks, chunks[1:]):
        assert c.start in starts
        assert prev.end - c.start == 40  # two whole 20-char sentences
    without = chunk_text(doc, 100)
    assert len(without) < len(chunks)


def test_overlap_never_crowds_out_new_text():
    doc = "".join(f"Sentence number {i:02d}. " for i in range(10))
    chunks = chunk_text(doc, 40, overlap_tokens=40)  # overlap could fill the chunk: it must yield
    check_invariants(doc, chunks, 40, overlap_tokens=40)


def test_token_counter_calls_are_proportional_to_sentences():
    calls = []

    def counting(s):
        calls.append(len(s))
        return wordpiece(s)

    doc = NEWS_EN * 20
    n = len(split_sentences(doc))
    chunks = chunk_text(doc, 200, counting)
    check_invariants(doc, chunks, 200, wordpiece)
    assert len(calls) <= 2 * n
    assert sum(calls) <= 5 * len(doc)  # each unit counted ~once, plus a few checks per chunk
    calls.clear()
    chunk_text("x" * 20_000, 100, counting)  # a hard split: galloping binary searches
    assert len(calls) <= 200 * 20 and sum(calls) <= 20 * 20_000


def test_max_tokens_too_small():
    with pytest.raises(ValueError):
        chunk_text("abc", 0)
    with pytest.raises(ValueError):
        chunk_text("abc", 1, wordpiece)  # BOS + one char never fits in 1


# --- properties ------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "宁高宁出席了论坛。",
        "他说：“好。”",
        "然后",
        "……",
        "，",
        "、",
        "Mr. Smith paid 3.14 dollars.",
        "U.S. troops",
        " ",
        "  ",
        "\n",
        "\n\n",
        "😀",
        "👨\u200d👩\u200d👧",
        "e\u0301",
        "Hello world! ",
        "？",
        "abcdefghijklmnopqrstuvwxyz",
        "中华人民共和国国务院今日发布公告",
        "(note)",
        "1,000.5",
        "\u3000",
    ]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=40), max_tokens=st.integers(2, 60), wp=st.booleans(), overlap=st.integers(0, 15))
def test_chunks_tile_and_fit(pieces, max_tokens, wp, overlap):
    doc = "".join(pieces)
    count = wordpiece if wp else len
    chunks = chunk_text(doc, max_tokens, count, overlap_tokens=overlap)
    if not doc.strip():
        assert chunks == []
        return
    check_invariants(doc, chunks, max_tokens, count, overlap)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=30))
def test_sentences_are_ordered_trimmed_and_cover_all_text(pieces):
    doc = "".join(pieces)
    spans = split_sentences(doc)
    prev_end = 0
    for s, e in spans:
        assert prev_end <= s < e
        assert not doc[s].isspace() and not doc[e - 1].isspace()
        assert not doc[prev_end:s].strip()
        prev_end = e
    assert not doc[prev_end:].strip()
