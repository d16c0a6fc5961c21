"""Formatted text: a message's text is the Markdown its author wrote.

CommonMark (https://spec.commonmark.org/) with strikethrough (``~~x~~``),
and of it only what a chat message needs: emphasis, strong emphasis,
strikethrough, inline code, fenced code blocks, links (``[words](url)``
and ``<url>``), block quotes and lists. The rest is switched off
(:data:`RULES_OFF`): a line starting ``#`` or four spaces, or a ``---``,
is words as typed rather than a heading, a code block or a rule; an
image is not fetched; raw HTML is text, never markup.

The grammar is written once here for the three that read it: the web page
(``markdown-it``, vendored; ``/wire.js`` hands it these tables), the
terminal client and the IRC door (``markdown-it-py``, the same parser in
Python, :func:`parser`). A link goes only to an address of
:data:`LINK_SCHEMES`; any other (``javascript:``, ``data:``) leaves the
link as the words that were typed.

One rule is a chat's rather than CommonMark's: a line of a paragraph keeps
the spaces it starts with (:func:`indents`), so a pasted stack trace or
snippet reads as it was typed even outside a fenced block (CommonMark
drops them). Where a line break is a line break (``breaks``) this is what
a reader expects of the lines they see.

A message that is meant as plain text stays plain: an action (``/me``), a
topic and a name are never read as Markdown.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it-py is imported where a text is first parsed
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: markdown-it's rules (the same names in JavaScript and Python) a chat
#: message does without.
RULES_OFF = (
    "heading",
    "lheading",
    "hr",
    "table",
    "code",
    "reference",
    "html_block",
    "html_inline",
    "image",
)
#: The schemes a link may go to (``mailto:`` too); lower case, no colon.
LINK_SCHEMES = ("http", "https", "mailto")


#: What Markdown needs to read a text as more than its words: one of its
#: marks, or a quote's or a list's at a line's start.
_MARKS = re.compile(r"[\\`*_~\[\]<&]|^[ \t]*(?:>|[-+*][ \t]|\d+[.)])", re.MULTILINE)


def has_marks(text: str) -> bool:
    """Whether Markdown could read ``text`` as anything but its words (a
    text without is shown as it is, unparsed: most messages)."""
    return _MARKS.search(text) is not None


def link_allowed(url: str) -> bool:
    """Whether ``url`` may be a link: an absolute address of
    :data:`LINK_SCHEMES` (what a browser takes for its scheme: control
    characters and spaces around it ignored, any case)."""
    scheme, colon, _ = url.strip().partition(":")
    scheme = "".join(char for char in scheme if char.isprintable()).lower()
    return bool(colon) and scheme in LINK_SCHEMES


def parser() -> MarkdownIt:
    """A parser of the message grammar (a line break in a message is a
    line break: ``breaks``). markdown-it-py (about 1 MiB of a server's
    memory) is imported here, at the first text with a mark to parse, not
    by every server that renders messages."""
    from markdown_it import MarkdownIt

    class MessageMarkdown(MarkdownIt):
        """markdown-it's parser, whose links are only :func:`link_allowed`'s."""

        def validateLink(self, url: str) -> bool:
            return link_allowed(url)

    markdown = MessageMarkdown("commonmark", {"html": False, "breaks": True})
    markdown.enable("strikethrough").disable(list(RULES_OFF))
    return markdown


def indents(tokens: list[Token], index: int, source: list[str]) -> list[str]:
    """The spaces each line of the paragraph whose ``inline`` token is
    ``tokens[index]`` starts with in ``source`` (the message's lines), for
    a paragraph of the message itself (not in a quote or a list); "" for
    each line otherwise, or when its lines are not one a line break (a code
    span over two lines)."""
    inline = tokens[index]
    children = inline.children or []
    count = 1 + sum(child.type in ("softbreak", "hardbreak") for child in children)
    opening = tokens[index - 1] if index else None
    if opening is None or opening.level != 0 or opening.map is None:
        return [""] * count
    start, end = opening.map
    if end - start != count:
        return [""] * count
    return [line[: len(line) - len(line.lstrip(" \t"))] for line in source[start:end]]


def blank_lines(token: Token, lines_so_far: int, last_end: int) -> tuple[int, int]:
    """For a block of the message itself (``token`` opening it): how many
    blank lines go before it (as many as its author left, when lines came
    before) and the source line it ends on (``last_end`` for a token that
    opens none)."""
    if token.level != 0 or token.nesting < 0 or token.map is None:
        return 0, last_end
    start, end = token.map
    return (max(start - last_end, 0) if lines_so_far else 0), end
