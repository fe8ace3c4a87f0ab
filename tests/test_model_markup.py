"""TalkJS message markup → text nodes: the rules of docs/markup.md, edge cases, hostile input.

The table cases follow TalkJS's formatting documentation and the node
descriptions in ``@talkjs/core``'s type definitions; each edge case also
states the rule it pins down.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkwidgets.model.content import (
    ActionButtonNode,
    ActionLinkNode,
    AutoLinkNode,
    BulletListNode,
    BulletPointNode,
    CodeSpanNode,
    CustomEmojiNode,
    LinkNode,
    MarkupNode,
    MentionNode,
    TextNode,
    UnknownTextNode,
)
from talkwidgets.model.markup import parse_markup, plaintext_of_nodes


def b(*children: TextNode) -> MarkupNode:
    return MarkupNode(type="bold", children=children)


def i(*children: TextNode) -> MarkupNode:
    return MarkupNode(type="italic", children=children)


def s(*children: TextNode) -> MarkupNode:
    return MarkupNode(type="strikethrough", children=children)


def code(text: str) -> CodeSpanNode:
    return CodeSpanNode(text=text)


def ul(*points: TextNode) -> BulletListNode:
    return BulletListNode(children=points)


def li(*children: TextNode) -> BulletPointNode:
    return BulletPointNode(children=children)


def auto(url: str, text: str | None = None) -> AutoLinkNode:
    return AutoLinkNode(url=url, text=url if text is None else text)


def link(url: str, *children: TextNode) -> LinkNode:
    return LinkNode(url=url, children=children)


def mention(user_id: str, name: str) -> MentionNode:
    return MentionNode(id=user_id, text=name)


def emoji(name: str) -> CustomEmojiNode:
    return CustomEmojiNode(text=name)


CASES: list[tuple[str, tuple[TextNode, ...]]] = [
    # --- the documented markup table
    ("_italic_", (i("italic"),)),
    ("*bold*", (b("bold"),)),
    ("~strikethrough~", (s("strikethrough"),)),
    ("```code```", (code("code"),)),
    ("plain text", ("plain text",)),
    ("", ()),
    # only code may contain newlines; other markup stays on one line
    ("```line 1\nline 2```", (code("line 1\nline 2"),)),
    ("*not\nbold*", ("*not\nbold*",)),
    ("_not\ritalic_", ("_not\ritalic_",)),
    # markers only at the boundaries of the marked-up words
    ("_this becomes italic_", (i("this becomes italic"),)),
    ("this_ doesn't _change", ("this_ doesn't _change",)),
    ("x*a*", ("x*a*",)),
    ("*a*x", ("*a*x",)),
    ("snake_case_name", ("snake_case_name",)),
    ("_ a_", ("_ a_",)),
    ("_a _", ("_a _",)),
    ("2 * 3 * 4", ("2 * 3 * 4",)),
    # punctuation counts as a boundary on both sides; the character is kept
    ("(*bold*)", ("(", b("bold"), ")")),
    ("*bold*.", (b("bold"), ".")),
    ("“_quoted_”", ("“", i("quoted"), "”")),
    ('"*straight quotes are not punctuation here*"', ('"*straight quotes are not punctuation here*"',)),
    ("x\u200b*zero width space is not a boundary*", ("x\u200b*zero width space is not a boundary*",)),
    ("\u00a0*no-break space is whitespace*", ("\u00a0", b("no-break space is whitespace"))),
    # combining kinds; a kind never nests in itself
    ("*_like_* this", (b(i("like")), " this")),
    ("_*like this*_", (i(b("like this")),)),
    ("~*_all three_*~", (s(b(i("all three"))),)),
    ("*a _b_ c*", (b("a ", i("b"), " c"),)),
    ("*a *b* c*", (b("a *b"), " c*")),
    # of the closing markers, the first one two or more characters in wins
    ("*a* *b*", (b("a* *b"),)),
    ("_ab_ _cd_", (i("ab"), " ", i("cd"))),
    ("**bold**", ("*", b("bold"), "*")),
    ("_._", (i("."),)),
    ("__", ("__",)),
    # code spans: triple backticks around at least one character, shortest first
    ("a ```x``` b", ("a ", code("x"), " b")),
    ("```a``` ```b```", (code("a"), " ", code("b"))),
    ("````x```", (code("`x"),)),
    ("``````", ("``````",)),
    ("`single backticks are text`", ("`single backticks are text`",)),
    ("```*not bold* https://example.com```", (code("*not bold* https://example.com"),)),
    # bullet lists: lines starting with -, * or +
    ("- one\n* two\n+ three", (ul(li("one"), li("two"), li("three")),)),
    ("intro\n- a\n- b\noutro", ("intro", ul(li("a"), li("b")), "outro")),
    ("- a\n\n- b", (ul(li("a"), li("b")),)),
    ("a\n\n- b", ("a", ul(li("b")))),
    ("  - indented", (ul(li("indented")),)),
    ("* a*", (ul(li("a*")),)),
    ("- *bold item*", (ul(li(b("bold item"))),)),
    ("-no space", ("-no space",)),
    ("1. numbered lists are text", ("1. numbered lists are text",)),
    # URLs, emails and phone numbers link themselves
    ("More info on https://example.com", ("More info on ", auto("https://example.com"))),
    ("see https://example.com/docs.", ("see ", auto("https://example.com/docs"), ".")),
    ("see example.com/docs: now", ("see ", auto("http://example.com/docs", "example.com/docs"), ": now")),
    ("www.example.com", (auto("http://www.example.com", "www.example.com"),)),
    ("(https://en.wikipedia.org/wiki/Foo_(bar))", ("(", auto("https://en.wikipedia.org/wiki/Foo_(bar)"), ")")),
    ("myapp.dev is live", (auto("http://myapp.dev", "myapp.dev"), " is live")),
    ("file.txt and node.js", ("file.txt and node.js",)),
    ("http://192.168.0.1:8080/x", (auto("http://192.168.0.1:8080/x"),)),
    ("mail a@b.co.", ("mail ", auto("mailto:a@b.co", "a@b.co"), ".")),
    ("[first.last@example.org]", ("[", auto("mailto:first.last@example.org", "first.last@example.org"), "]")),
    ("mailto:x@y.com", (auto("mailto:x@y.com"),)),
    ("a..b@x.com", ("a..b@x.com",)),
    ("call +31 20 123 4567", ("call ", auto("tel:+31201234567", "+31 20 123 4567"))),
    ("or 555-123-4567.", ("or ", auto("tel:5551234567", "555-123-4567"), ".")),
    ("from 2010-2018", ("from 2010-2018",)),
    ("open 9.00-17.30", ("open 9.00-17.30",)),
    ("12345678901234", ("12345678901234",)),
    ("*https://example.com*", (b(auto("https://example.com")),)),
    # REST-only syntax: formatted links and action links/buttons
    ("<https://example.com|Read more>", (link("https://example.com", "Read more"),)),
    ("<mailto:hello@example.com|Email us>", (link("mailto:hello@example.com", "Email us"),)),
    ("<HTTPS://example.com|scheme in capitals>", (link("HTTPS://example.com", "scheme in capitals"),)),
    ("<https://a.com|*bold* label>", (link("https://a.com", b("bold"), " label"),)),
    ("<https://a.com|see https://b.com>", (link("https://a.com", "see https://b.com"),)),
    ("<ftp://a.com|other schemes>", ("<", auto("ftp://a.com"), "|other schemes>")),
    ("x.com|y.com", (auto("http://x.com", "x.com"), "|y.com")),
    (
        "<actionbutton:color?choice=red|Red> <actionbutton:color?choice=blue|Blue>",
        (
            ActionButtonNode(action="color", params={"choice": "red"}, children=("Red",)),
            " ",
            ActionButtonNode(action="color", params={"choice": "blue"}, children=("Blue",)),
        ),
    ),
    (
        "<actionlink:myAction|I am an action link!>",
        (ActionLinkNode(action="myAction", children=("I am an action link!",)),),
    ),
    (
        "<ActionLink:go?a=1&a=2&b=x+y%20z&flag|Go>",
        (ActionLinkNode(action="go", params={"a": "2", "b": "x y z", "flag": ""}, children=("Go",)),),
    ),
    ("<actionbutton:|no action>", ("<actionbutton:|no action>",)),
    # the tokens TalkJS's message field writes for mentions and custom emoji
    ("hi <!!mention:alice|Alice>!", ("hi ", mention("alice", "Alice"), "!")),
    ("<!!mention:user%201|Bob>", (mention("user 1", "Bob"),)),
    ("<!!mention:bad%E0%A4|X>", ("<!!mention:bad%E0%A4|X>",)),
    ("<!!mention:a b|spaces end the id>", ("<!!mention:a b|spaces end the id>",)),
    ("*hi <!!mention:a|A>*", ("*hi ", mention("a", "A"), "*")),
    ("party <!!customemoji::party:>", ("party ", emoji(":party:"))),
    ("```<!!mention:b|Bob> <!!customemoji::x:>```", (code("@Bob :x:"),)),
    # lone surrogates, right-to-left and zero-width characters are just text
    ("\ud800*a*\udfff", ("\ud800*a*\udfff",)),
    ("\u202e*bold*", ("\u202e*bold*",)),
    ("שלום *עולם*", ("שלום ", b("עולם"))),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[repr(t)[:40] for t, _ in CASES])
def test_markup_table(text: str, expected: tuple[TextNode, ...]) -> None:
    assert parse_markup(text) == expected


SENT_CASES: list[tuple[str, tuple[TextNode, ...]]] = [
    ("<https://example.com|Read more>", ("<", auto("https://example.com"), "|Read more>")),
    ("<actionbutton:buy?id=1|Buy>", ("<actionbutton:buy?id=1|Buy>",)),
    ("<actionlink:x|*y*>", ("<actionlink:x|", b("y"), ">")),
    ("*still bold* and <!!mention:a|A>", (b("still bold"), " and ", mention("a", "A"))),
]


@pytest.mark.parametrize(("text", "expected"), SENT_CASES, ids=[repr(t)[:40] for t, _ in SENT_CASES])
def test_text_a_user_sends_keeps_links_and_actions_as_text(text: str, expected: tuple[TextNode, ...]) -> None:
    assert parse_markup(text, formatted_links=False, actions=False) == expected


def test_each_switch_works_alone() -> None:
    text = "<https://a.com|A> <actionlink:x|X>"
    assert parse_markup(text, actions=False) == (link("https://a.com", "A"), " <actionlink:x|X>")
    assert parse_markup(text, formatted_links=False) == (
        "<",
        auto("https://a.com"),
        "|A> ",
        ActionLinkNode(action="x", children=("X",)),
    )


def test_non_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        parse_markup(b"*bold*")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- plaintext


def test_plaintext_of_nodes_follows_talkjs_rendering() -> None:
    nodes = parse_markup("Hi <!!mention:a|Ann>, see *this* ```x```:\n- one\n- two\nbye <https://a.com|here>")
    assert plaintext_of_nodes(nodes) == "Hi @Ann, see this x:\n- one\n- two\nbye here"


def test_plaintext_of_unknown_nodes_uses_text_then_children() -> None:
    nodes = (UnknownTextNode(type="future", text="t"), UnknownTextNode(type="box", children=("a", b("b"))))
    assert plaintext_of_nodes(nodes) == "tab"


# --------------------------------------------------------------------------- hostile input

N = 100_000


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("*" * N, lambda nodes: nodes == ("*" * N,)),
        ("*a " * (N // 3), lambda nodes: nodes == ("*a " * (N // 3),)),
        ("_ab_ " * (N // 5), lambda nodes: sum(isinstance(n, MarkupNode) for n in nodes) == N // 5),
        ("*_~" * (N // 6) + "ab" + "~_*" * (N // 6), lambda nodes: plaintext_of_nodes(nodes).count("ab") == 1),
        ("`" * N, lambda nodes: len(nodes) > 1 and all(isinstance(n, (str, CodeSpanNode)) for n in nodes)),
        ("\n" * N, lambda nodes: nodes == ("\n" * N,)),
        ("\n-" + "\n" * N, lambda nodes: nodes == ("\n-" + "\n" * N,)),
        ("- a\n" * (N // 4), lambda nodes: len(nodes) == 1 and len(nodes[0].children) == N // 4),  # type: ignore[union-attr]
        ("<https://a|" * (N // 10), lambda nodes: plaintext_of_nodes(nodes) == "<https://a|" * (N // 10)),
        ("<!!mention:a|" * (N // 13), lambda nodes: nodes == ("<!!mention:a|" * (N // 13),)),
        ("www." * (N // 4), lambda nodes: plaintext_of_nodes(nodes) == "www." * (N // 4)),
        ("a.b@" * (N // 4), lambda nodes: plaintext_of_nodes(nodes) == "a.b@" * (N // 4)),
        # a number's match takes the space after it, so only every other one of these links
        (
            "555-123-4567 " * (N // 13),
            lambda nodes: sum(isinstance(n, AutoLinkNode) for n in nodes) == (N // 13 + 1) // 2,
        ),
        ("\ud800\u202e\u200b*a*" * (N // 6), lambda nodes: len(nodes) == 1),
    ],
    ids=[
        "stars",
        "open-bold",
        "italics",
        "nested",
        "backticks",
        "newlines",
        "blank-bullet",
        "bullets",
        "links",
        "mentions",
        "hosts",
        "emails",
        "phones",
        "surrogates",
    ],
)
def test_pathological_100k_inputs_parse(text: str, check: object) -> None:
    nodes = parse_markup(text)
    assert callable(check) and check(nodes)


# --------------------------------------------------------------------------- properties

_MARKUP_ALPHABET = "*_~`-+ \n\r\t<>|!:?.,()[]'\"@%ab1\u00a0\u2028\u200b\u202e\ud800é😀"
_TOKENS = [
    "```",
    "<!!mention:u%20x|Bob>",
    "<!!customemoji::x:>",
    "<https://a.io|x>",
    "<actionlink:go?a=1|Go>",
    "example.com",
]
markup_text = st.lists(
    st.one_of(st.text(alphabet=_MARKUP_ALPHABET, max_size=8), st.sampled_from(_TOKENS)), max_size=30
).map("".join)
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=200)


@settings(max_examples=400, deadline=None)
@given(st.one_of(markup_text, any_text), st.booleans())
def test_never_raises_and_is_deterministic(text: str, sent: bool) -> None:
    first = parse_markup(text, formatted_links=not sent, actions=not sent)
    assert first == parse_markup(text, formatted_links=not sent, actions=not sent)
    assert all(node != "" for node in first)


_plain_word = st.text(alphabet="abcXYZ019é,!?;'\"()", min_size=1, max_size=8)
plain_text = st.lists(
    st.tuples(_plain_word, st.sampled_from([" ", " ", "\n", "  ", "\t"])), min_size=1, max_size=20
).map(lambda parts: "".join(w + sep for w, sep in parts))


@settings(max_examples=300, deadline=None)
@given(plain_text)
def test_marker_free_text_comes_back_unchanged(text: str) -> None:
    assert plaintext_of_nodes(parse_markup(text)) == text


_word = st.text(alphabet="abcdefgh", min_size=2, max_size=6)
_group = st.tuples(st.sampled_from(["", "*", "_", "~"]), st.lists(_word, min_size=1, max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.lists(_group, min_size=1, max_size=8))
def test_markers_around_words_become_markup_and_vanish_from_the_text(groups: list[tuple[str, list[str]]]) -> None:
    text = " ".join(mark + " ".join(words) + mark for mark, words in groups)
    nodes = parse_markup(text)
    assert plaintext_of_nodes(nodes) == " ".join(" ".join(words) for _, words in groups)
    kinds = [n.type for n in nodes if isinstance(n, MarkupNode)]
    assert kinds == [{"*": "bold", "_": "italic", "~": "strikethrough"}[m] for m, _ in groups if m]
