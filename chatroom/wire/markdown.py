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

A message that is meant as plain text stays plain: an action (``/me``), a
topic and a name are never read as Markdown.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

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


def link_allowed(url: str) -> bool:
    """Whether ``url`` may be a link: an absolute address of
    :data:`LINK_SCHEMES` (what a browser takes for its scheme: control
    characters and spaces around it ignored, any case)."""
    scheme, colon, _ = url.strip().partition(":")
    scheme = "".join(char for char in scheme if char.isprintable()).lower()
    return bool(colon) and scheme in LINK_SCHEMES


def parser() -> MarkdownIt:
    """A parser of the message grammar (a line break in a message is a
    line break: ``breaks``)."""
    markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
    markdown.enable("strikethrough").disable(list(RULES_OFF))
    markdown.validateLink = link_allowed  # type: ignore[method-assign]
    return markdown
