"""ground/find.py: hand-counted offsets in Chinese, English and mixed text, plus properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yayi_batch.ground.find import _at_boundary, _normalize, find_mentions, nearest_pair, nearest_to
from yayi_batch.schema import CharInterval, MatchKind

E, N, F = MatchKind.EXACT, MatchKind.NORMALIZED, MatchKind.FUZZY
MISSING = [CharInterval.missing()]


def spans(intervals):
    return [(iv.start, iv.end, iv.match) for iv in intervals]


# --- exact -----------------------------------------------------------------------------------


def test_chinese_exact_offsets():
    text = "宁高宁出席了在北京举行的论坛"
    assert spans(find_mentions(text, "北京")) == [(7, 9, E)]
    assert spans(find_mentions(text, "宁高宁")) == [(0, 3, E)]
    assert spans(find_mentions(text, "论坛")) == [(12, 14, E)]


def test_every_exact_occurrence_in_order():
    assert spans(find_mentions("北京欢迎你，北京是首都。", "北京")) == [(0, 2, E), (6, 8, E)]
    assert spans(find_mentions("Gao met Gao.", "Gao")) == [(0, 3, E), (8, 11, E)]


def test_offset_is_added():
    assert spans(find_mentions("宁高宁出席了在北京举行的论坛", "北京", offset=1000)) == [(1007, 1009, E)]


def test_mention_is_stripped_before_matching():
    assert spans(find_mentions("宁高宁出席了在北京举行的论坛", "  北京\n")) == [(7, 9, E)]


def test_emoji_and_astral_characters_before_the_mention():
    # 😀 is one code point, 👍🏽 two (thumb + skin tone), then a space: 北 is at index 4.
    assert spans(find_mentions("😀👍🏽 北京", "北京")) == [(4, 6, E)]
    assert spans(find_mentions("😀👍🏽 北京", "北京", offset=10)) == [(14, 16, E)]
    assert spans(find_mentions("𠀀北京", "北京")) == [(1, 3, E)]  # CJK extension B, astral
    assert spans(find_mentions("好👍🏽好", "👍🏽")) == [(1, 3, E)]


def test_mixed_script_mentions():
    text = "APEC峰会在北京举行"
    assert spans(find_mentions(text, "APEC峰会")) == [(0, 6, E)]
    assert spans(find_mentions(text, "APEC")) == [(0, 4, E)]  # a CJK neighbour is a word boundary
    assert spans(find_mentions(text, "apec 峰会")) == [(0, 6, N)]


def test_latin_prefers_word_boundaries():
    # "Apple" at 0 is a word; "Apples" at 15 is not the mention.
    assert spans(find_mentions("Apple Inc. and Apples", "Apple")) == [(0, 5, E)]
    # Case-insensitive-only inside a longer word does not count at all ...
    assert find_mentions("The party ended", "Art") == MISSING
    # ... but the literal substring is kept when it is the only occurrence.
    assert spans(find_mentions("The party ended", "art")) == [(5, 8, E)]
    # A normalized whole word beats a literal piece of a longer word.
    assert spans(find_mentions("Party. ART fair", "art")) == [(7, 10, N)]
    assert spans(find_mentions("aaaa", "aa")) == [(0, 2, E), (2, 4, E)]  # non-overlapping


# --- normalized ------------------------------------------------------------------------------


def test_full_width_and_half_width():
    assert spans(find_mentions("在ＡＰＥＣ峰会上", "APEC")) == [(1, 5, N)]
    assert spans(find_mentions("APEC summit", "ＡＰＥＣ")) == [(0, 4, N)]
    assert spans(find_mentions("价格１２３元", "123")) == [(2, 5, N)]


def test_whitespace_differences():
    assert spans(find_mentions("Gaoning   Gao said", "Gaoning Gao")) == [(0, 13, N)]
    assert spans(find_mentions("Gaoning\nGao said", "Gaoning Gao")) == [(0, 11, N)]
    assert spans(find_mentions("宁高宁 出席了", "宁高宁出席")) == [(0, 6, N)]
    assert spans(find_mentions("宁高宁出席了", "宁 高宁")) == [(0, 3, N)]
    # Ideographic space U+3000 between CJK.
    assert spans(find_mentions("中国\u3000银行", "中国银行")) == [(0, 5, N)]


def test_case_and_punctuation_variants():
    assert spans(find_mentions("the WORLD BANK said", "World Bank")) == [(4, 14, N)]
    assert spans(find_mentions("他说“你好”。", '他说"你好"')) == [(0, 6, N)]
    assert spans(find_mentions("中国、美国和日本", "中国,美国")) == [(0, 5, N)]
    assert spans(find_mentions("新冠（COVID–19）疫情", "COVID-19")) == [(3, 11, N)]
    assert spans(find_mentions("新冠（COVID-19）疫情", "新冠(COVID-19)")) == [(0, 12, N)]
    assert spans(find_mentions("唐纳德·特朗普", "唐纳德•特朗普")) == [(0, 7, N)]


def test_normalized_maps_back_over_length_changes():
    # NFKC composes e + U+0301 into é: the match covers both original code points.
    assert spans(find_mentions("cafe\u0301 au lait", "café")) == [(0, 5, N)]
    assert spans(find_mentions("Straße 5", "STRASSE")) == [(0, 6, N)]
    # "s" is half of the "ss" that ß folds to: not a whole original character, so no match.
    assert find_mentions("ß", "s") == MISSING
    # Ligature ﬁ (one char) folds to "fi" (two).
    assert spans(find_mentions("the ﬁnal", "final")) == [(4, 8, N)]


# --- fuzzy and none --------------------------------------------------------------------------


def test_fuzzy_typo_english():
    text = "Chairman Gaoning Gao visited Beijing."
    assert spans(find_mentions(text, "Gaoning Gaoo")) == [(9, 20, F)]
    assert spans(find_mentions(text, "Gaoning Gao visted")) == [(9, 28, F)]


def test_fuzzy_typo_chinese():
    text = "中华人民共和国国务院今日发布"
    assert spans(find_mentions(text, "中华人民共和国务院")) == [(0, 10, F)]


def test_fuzzy_threshold_is_respected():
    text = "Chairman Gaoning Gao visited Beijing."
    assert find_mentions(text, "Gaoning Gaoo", fuzzy_threshold=0.99) == MISSING
    assert find_mentions(text, "Goaning Gaa") == MISSING  # too far at 0.85


def test_not_found():
    assert find_mentions("今天天气很好", "上海") == MISSING
    assert find_mentions("", "上海") == MISSING
    assert find_mentions("今天天气很好", "") == MISSING
    assert find_mentions("今天天气很好", " \n\t") == MISSING


# --- pairs -----------------------------------------------------------------------------------


def iv(s, e):
    return CharInterval(s, e, E)


def test_nearest_pair_picks_closest_occurrences():
    assert nearest_pair([iv(0, 2), iv(50, 52)], [iv(40, 45)]) == (iv(50, 52), iv(40, 45))
    # Both b occurrences 8 chars away: the earliest pair wins.
    assert nearest_pair([iv(10, 12)], [iv(0, 2), iv(20, 22)]) == (iv(10, 12), iv(0, 2))
    # Two occurrences of one name: a pair of different spans, not one span twice.
    assert nearest_pair([iv(0, 3), iv(20, 23)], [iv(0, 3), iv(20, 23)]) == (iv(0, 3), iv(20, 23))
    # Overlapping occurrences are at distance 0.
    assert nearest_pair([iv(0, 2), iv(30, 32)], [iv(30, 34)]) == (iv(30, 32), iv(30, 34))


def test_nearest_pair_missing_stays_missing():
    m = CharInterval.missing()
    assert nearest_pair([m], [iv(5, 7), iv(1, 2)]) == (m, iv(5, 7))
    assert nearest_pair([iv(3, 4)], [m]) == (iv(3, 4), m)
    assert nearest_pair([], []) == (m, m)


def test_nearest_to():
    assert nearest_to(iv(30, 32), [iv(0, 2), iv(40, 42), iv(20, 25)]) == iv(20, 25)
    assert nearest_to(iv(30, 32), [iv(20, 26), iv(36, 38)]) == iv(20, 26)  # tie: earliest
    assert nearest_to(CharInterval.missing(), [CharInterval.missing(), iv(9, 10)]) == iv(9, 10)
    assert nearest_to(iv(1, 2), [CharInterval.missing()]) == CharInterval.missing()


# --- properties ------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("abcABC xyz北京宁高中国、，。“”\"'ＡＢａ１1-–—😀👍🏽\u0301ßﬁ\n\u3000"))
_TEXT = st.text(_ALPHABET, max_size=60)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, mention=st.text(_ALPHABET, min_size=1, max_size=8), offset=st.integers(0, 10_000))
def test_intervals_are_valid(text, mention, offset):
    found = find_mentions(text, mention, offset=offset)
    assert found
    if found == MISSING:
        return
    assert len({iv.match for iv in found}) == 1
    prev_end = offset
    for iv in found:
        assert offset <= iv.start < iv.end <= offset + len(text)
        assert iv.start >= prev_end  # sorted, non-overlapping
        prev_end = iv.end
        if iv.match is E:
            assert text[iv.start - offset : iv.end - offset] == mention.strip()
        elif iv.match is N:
            # The covering span folds to exactly what the mention folds to.
            assert _normalize(text[iv.start - offset : iv.end - offset])[0] == _normalize(mention)[0]
    if found[0].match is F:
        assert len(found) == 1


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, data=st.data())
def test_a_slice_of_the_text_is_always_found(text, data):
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    mention = text[i:j].strip()
    found = find_mentions(text, text[i:j])
    if not mention:
        assert found == MISSING
        return
    assert found[0].match in (E, N)
    if found[0].match is E:
        assert all(text[iv.start : iv.end] == mention for iv in found)
    else:
        # Only a literal piece of a longer Latin word, and a folded whole word elsewhere.
        occurrences = [k for k in range(len(text)) if text.startswith(mention, k)]
        assert not any(_at_boundary(text, k, k + len(mention), mention) for k in occurrences)
