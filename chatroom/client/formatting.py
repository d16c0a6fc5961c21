"""A message's Markdown as urwid markup: its formatting as attributes.

A message's text is the Markdown its author wrote (docs/protocol.md,
"Formatted text"), read here by the grammar the server and the web page
read it by (:func:`chatroom.wire.markdown.parser`). Strong, emphasis,
strikethrough, a link's words and code each add a style to the colours of
the line they are in (:func:`styled`: the palette holds every mix,
:func:`chatroom.client.palette.formatted_entries`); a link's address follows
its words when they differ; a fenced block's lines are code, its fences
gone; a quote's lines start ``▌``, a list's items ``•`` or their number.
Raw HTML is the words typed. An action is plain text, never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from markdown_it.token import Token

from chatroom.wire.markdown import blank_lines, indents, parser

#: urwid markup: text, or (attribute, text).
Markup = list[tuple[str, str] | str]

#: The styles Markdown adds, by the tokens that open them.
STYLES = {
    "strong_open": "strong",
    "em_open": "emphasis",
    "s_open": "struck",
    "link_open": "link",
}
#: Every style a run of words can have (code: inline code and code blocks).
STYLE_NAMES = ("code", "emphasis", "link", "strong", "struck")
#: The attributes of the lines messages are in: each has a palette entry
#: per mix of styles.
BASES = ("message", "earlier", "mention", "private")
#: What goes before a quote's lines (drawn dim).
QUOTE_MARK = "▌ "

_PARSER = parser()


def style_mixes() -> list[tuple[str, ...]]:
    """Every non-empty mix of :data:`STYLE_NAMES`, each sorted."""
    return [
        mix
        for size in range(1, len(STYLE_NAMES) + 1)
        for mix in combinations(STYLE_NAMES, size)
    ]


def styled(base: str, styles: Sequence[str]) -> str:
    """The palette entry of words in ``styles`` on a ``base`` line
    (``message.emphasis+strong``; ``base`` itself for none)."""
    if not styles:
        return base
    return f"{base}.{'+'.join(sorted(set(styles)))}"


def formatted(text: str, base: str) -> list[Markup]:
    """``text`` (Markdown) as markup, one item a line: a message of one
    paragraph is one line."""
    lines: list[Markup] = []
    prefixes: list[list[str]] = []  # each: before the next line, before later ones
    tokens = _PARSER.parse(text)
    source = text.split("\n")
    last_end = 0
    for index, token in enumerate(tokens):
        blanks, last_end = blank_lines(token, len(lines), last_end)
        lines += [[(base, "")] for _ in range(blanks)]
        kind = token.type
        if kind == "blockquote_open":
            prefixes.append([QUOTE_MARK, QUOTE_MARK])
        elif kind == "list_item_open":
            marker = f"{token.info}{token.markup} " if token.info else "• "
            prefixes.append([marker, " " * len(marker)])
        elif kind in ("blockquote_close", "list_item_close"):
            prefixes.pop()
        elif kind == "inline":
            spaces = indents(tokens, index, source)
            for indent, line in zip(
                spaces, _inline(token.children or [], base), strict=True
            ):
                lines.append(
                    _prefixed(prefixes) + ([(base, indent)] if indent else []) + line
                )
        elif kind == "fence":
            for code in token.content.rstrip("\n").split("\n"):
                lines.append([*_prefixed(prefixes), (styled(base, ["code"]), code)])
    return lines or [[(base, "")]]


def _prefixed(prefixes: list[list[str]]) -> Markup:
    """What goes before a line of the blocks it is in (dim), each block's
    first-line mark moving on to its later lines' indent."""
    before = "".join(prefix[0] for prefix in prefixes)
    for prefix in prefixes:
        prefix[0] = prefix[1]
    return [("earlier", before)] if before else []


def _inline(tokens: Sequence[Token], base: str) -> list[Markup]:
    """A paragraph's tokens as lines of markup (a line break starts another)."""
    lines: list[Markup] = [[]]
    styles: list[str] = []
    links: list[tuple[str, int]] = []  # an open link's address, where its words start
    words: list[str] = []  # the words so far, to compare a link's with its address
    for token in tokens:
        kind = token.type
        if kind in STYLES:
            styles.append(STYLES[kind])
            if kind == "link_open":
                links.append((str(token.attrGet("href") or ""), len("".join(words))))
        elif kind.endswith("_close") and styles:
            styles.pop()
            if kind == "link_close" and links:
                href, start = links.pop()
                if "".join(words)[start:] != href:
                    lines[-1].append((base, f" ({href})"))
        elif kind in ("softbreak", "hardbreak"):
            lines.append([])
        elif kind == "code_inline":
            lines[-1].append((styled(base, [*styles, "code"]), token.content))
            words.append(token.content)
        elif token.content:
            lines[-1].append((styled(base, styles), token.content))
            words.append(token.content)
    return lines
