"""The pure chat render: jinja2 as transformers configures it, on templates written here (the
expected strings are transformers' own renders of the same templates)."""

from __future__ import annotations

import jinja2
import pytest

from yayi_batch.model.chat_render import ChatRender


@pytest.mark.parametrize(
    ("template", "variables", "content", "expected"),
    [
        # trim_blocks: a block tag leaves no newline behind; text indentation stays
        ("{% for m in messages %}\n  <{{ m.role }}>{{ m.content }}\n{% endfor %}", {}, "hi", "  <user>hi\n"),
        (
            "{{ bos_token }}{{ messages[0]['content'] }}{% if add_generation_prompt %}|model{% endif %}",
            {"bos_token": "<s>"},
            "x",
            "<s>x|model",
        ),
        # tojson keeps non-ASCII and HTML characters as they are
        ("{{ messages | tojson }}", {}, "<b>人物</b>", '[{"role": "user", "content": "<b>人物</b>"}]'),
        # loop controls
        ("{% for c in 'abc' %}{% if c == 'b' %}{% break %}{% endif %}{{ c }}{% endfor %}", {}, "", "a"),
        ("{{ messages[0].content | trim }}", {}, "  spaced  ", "spaced"),
    ],
    ids=["trim-blocks", "special-tokens", "tojson", "loopcontrols", "filters"],
)
def test_templates_render_as_transformers_renders_them(template, variables, content, expected):
    assert ChatRender(template, variables).user_turn(content) == expected


def test_raise_exception_in_a_template_is_a_template_error():
    with pytest.raises(jinja2.exceptions.TemplateError, match="only user turns"):
        ChatRender("{{ raise_exception('only user turns') }}").user_turn("x")


def test_the_sandbox_refuses_attribute_escapes():
    with pytest.raises(jinja2.exceptions.SecurityError):
        ChatRender("{{ messages.__class__.__mro__ }}").user_turn("x")


def test_a_render_travels_as_a_dict():
    render = ChatRender("{{ bos_token }}{{ messages[0].content }}", {"bos_token": ""})
    assert ChatRender.from_dict(render.to_dict()) == render
    assert ChatRender.from_dict(None) is None
