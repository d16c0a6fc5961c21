"""IRC's formatting codes and the Markdown our text is written in, both ways.

A message's text is Markdown (:mod:`chatroom.wire.markdown`); IRC clients
format with control codes (https://modern.ircdocs.horse/formatting). This
table is the door's:

=================  ===========  ==============================
IRC                code         Markdown
=================  ===========  ==============================
bold               ``\\x02``    ``**bold**``
italics            ``\\x1d``    ``*italics*``
monospace          ``\\x11``    inline code, in backticks (read
                                coming in only)
strikethrough      ``\\x1e``    ``~~struck~~`` (read coming in only)
reset              ``\\x0f``    (every style ends)
colours, reverse,  ``\\x03``,   dropped: Markdown has none
underline          ``\\x04``,
                   ``\\x16``,
                   ``\\x1f``
=================  ===========  ==============================

Going out, only bold and italics become codes: every IRC client knows
those two. Monospace and strikethrough are newer codes that the most used
terminal client, irssi, does not know (it shows them as a reverse-video
``Q`` and ``^`` around the words), so a code span goes out with its
backticks and a strikethrough with its tildes, which read the same in
every client, and a fenced block as its lines between its fences. A link
is its words with its address after them in brackets (only its address
when the two are the same), a block quote's and a list's lines keep
their ``>``, ``-`` or number, a line keeps the spaces it starts with,
and a backslash escape is the character it escapes.

Coming in, the words an IRC user typed outside formatting are taken as
they read, not as Markdown: an IRC client shows a typed star or
backtick as it is, and its user reads the line so; the people in the page
must read the same words, not an emphasis or a code span nobody meant. So
when the words, read as Markdown, would be anything but themselves, each
of Markdown's punctuation marks in them is escaped with a backslash
(``2\\*3\\*4``): the page and the terminal client show ``2*3*4``, as IRC
clients do (the line door shows the stored text as it is, backslashes
too). Words that read as themselves (``snake_case``, an address) are left
as they are, so most lines are stored exactly as typed.

An action (``/me``) is plain text, never read as Markdown: its codes are
stripped, and its stars go out as they are.

Each message is translated once as it comes in, and once per event as it
goes out (:func:`irc_text`, which ``IRCRenderer.formatted`` caches on the
event beside its renderings), never once per member.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

from chatroom.wire.markdown import blank_lines, has_marks, indents, parser

if TYPE_CHECKING:
    from markdown_it.token import Token

BOLD = "\x02"
ITALICS = "\x1d"
MONOSPACE = "\x11"
STRIKETHROUGH = "\x1e"
RESET = "\x0f"

#: Each style's IRC code, and Markdown's marks around it, outermost first
#: (as read coming in).
_STYLES = (
    (BOLD, "**"),
    (ITALICS, "*"),
    (STRIKETHROUGH, "~~"),
)
#: Codes Markdown has no word for: their text stays, the code goes
#: (``\x03`` and ``\x04`` take the colours that follow them).
_DROPPED = re.compile(
    "\x03(?:[0-9]{1,2}(?:,[0-9]{1,2})?)?"
    "|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
    "|[\x16\x1f]"
)
#: A split of IRC text into its codes and the words between them.
_RUNS = re.compile(f"([{BOLD}{ITALICS}{MONOSPACE}{STRIKETHROUGH}{RESET}])")
#: What Markdown reads as punctuation of its own, escaped in words: marks
#: anywhere, and a quote's or a list's at the start of the line.
_PUNCTUATION = re.compile(r"([\\`*_~\[\]<&])")
_LINE_START = re.compile(r"^(\s*(?:\d+)?)([>+.)-])")

#: The door's one parser, made at the first text with a mark of Markdown's
#: (most messages have none, and are never parsed).
_parser = cache(parser)


def _reads_as_itself(text: str) -> bool:
    """Whether ``text`` read as Markdown is only ``text`` (one paragraph
    of its own words)."""
    if not has_marks(text):
        return True
    tokens = _parser().parse(text)
    if len(tokens) != 3 or tokens[0].type != "paragraph_open":
        return False
    children = tokens[1].children or []
    return all(child.type == "text" for child in children) and (
        "".join(child.content for child in children) == text
    )


def _escaped(words: str, starting: bool) -> str:
    """``words`` with Markdown's marks escaped (``starting``: at the start
    of the line, where a quote's or a list's mark counts too)."""
    words = _PUNCTUATION.sub(r"\\\1", words)
    return _LINE_START.sub(r"\1\\\2", words) if starting else words


def irc_markdown(text: str) -> str:
    """An IRC user's line as the Markdown it means: its bold, italics,
    monospace and strikethrough as Markdown's, the words as they read
    (escaped where Markdown would read more in them), the codes Markdown
    has no word for dropped."""
    if text.isascii() and text.isprintable() and _reads_as_itself(text):
        return text  # the usual line: no code, no mark
    text = _DROPPED.sub("", text)
    runs = _styled_runs(text)
    plain = "".join(words for words, _ in runs)
    styled = any(styles for _, styles in runs)  # marks beside marks: escaped
    if (styled and has_marks(plain)) or not _reads_as_itself(plain):
        runs = [
            (words if MONOSPACE in styles else _escaped(words, index == 0), styles)
            for index, (words, styles) in enumerate(runs)
        ]
    return "".join(_marked(words, styles) for words, styles in runs)


def _styled_runs(text: str) -> list[tuple[str, frozenset[str]]]:
    """``text`` as runs of words, each with the codes in force over it."""
    styles: set[str] = set()
    runs: list[tuple[str, frozenset[str]]] = []
    for part in _RUNS.split(text):
        if part == RESET:
            styles.clear()
        elif len(part) == 1 and _RUNS.fullmatch(part):
            styles ^= {part}
        elif part:
            runs.append((part, frozenset(styles)))
    return runs


def _marked(words: str, styles: frozenset[str]) -> str:
    """One run in Markdown: its marks around its words, spaces at either
    end left outside them (``** x**`` is no emphasis)."""
    core = words.strip(" ")
    if not core or not styles:
        return words
    before = words[: len(words) - len(words.lstrip(" "))]
    after = words[len(words.rstrip(" ")) :]
    if MONOSPACE in styles:
        core = _code_span(core)
    for code, mark in reversed(_STYLES):
        if code in styles:
            core = f"{mark}{core}{mark}"
    return f"{before}{core}{after}"


def _code_span(words: str) -> str:
    """``words`` as inline code: fenced with more backticks than any run
    of them inside, a space inside the fence where one starts or ends it."""
    longest = max((len(run) for run in re.findall("`+", words)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if words.startswith("`") or words.endswith("`") else ""
    return f"{fence}{pad}{words}{pad}{fence}"


# -- going out -------------------------------------------------------------------


def irc_text(markdown: str) -> str:
    """Stored Markdown as IRC clients read it: formatting as IRC's codes,
    one line per line (``\\n`` between them). Text with no mark of
    Markdown's is returned as it is, unparsed."""
    if not has_marks(markdown):
        return markdown
    lines: list[str] = []
    _blocks(_parser().parse(markdown), markdown.split("\n"), lines)
    return "\n".join(lines)


def irc_lines(lines: Sequence[str]) -> list[str]:
    """The lines of a message said in several (a paste, a multiline batch)
    as IRC clients read them: the Markdown of the lines together (a fenced
    block spans several), line by line."""
    joined = "\n".join(lines)
    if not has_marks(joined):
        return list(lines)
    return irc_text(joined).split("\n")


def _blocks(tokens: list[Token], source: list[str], lines: list[str]) -> None:
    """The lines of a block-level token stream: a quote's ``>`` before
    each line inside it, a list item's marker before its first line (and
    as many spaces before its others)."""
    prefixes: list[list[str]] = []  # each: before the next line, before later ones
    last_end = 0
    for index, token in enumerate(tokens):
        blanks, last_end = blank_lines(token, len(lines), last_end)
        lines += [""] * blanks
        kind = token.type
        if kind == "blockquote_open":
            prefixes.append(["> ", "> "])
        elif kind == "list_item_open":
            marker = f"{token.info}{token.markup} "
            prefixes.append([marker, " " * len(marker)])
        elif kind in ("blockquote_close", "list_item_close"):
            prefixes.pop()
        elif kind == "inline":
            said = _inline(token.children or []).split("\n")
            spaces = indents(tokens, index, source)
            if len(said) == len(spaces):
                said = [
                    indent + line for indent, line in zip(spaces, said, strict=True)
                ]
            _add_lines(said, prefixes, lines)
        elif kind == "fence":
            code = token.content.rstrip("\n").split("\n")
            opening = f"{token.markup}{token.info}"
            _add_lines([opening, *code, token.markup], prefixes, lines)


def _add_lines(block: list[str], prefixes: list[list[str]], lines: list[str]) -> None:
    for line in block:
        lines.append("".join(prefix[0] for prefix in prefixes) + line)
        for prefix in prefixes:
            prefix[0] = prefix[1]


def _inline(tokens: Iterable[Token]) -> str:
    """A paragraph's tokens as IRC text (``\\n`` for a line break)."""
    out: list[str] = []
    link: tuple[str, int] | None = None  # an open link's address, where its words start
    for token in tokens:
        kind = token.type
        if kind in ("strong_open", "strong_close"):
            out.append(BOLD)
        elif kind in ("em_open", "em_close"):
            out.append(ITALICS)
        elif kind in ("s_open", "s_close"):
            out.append(token.markup)  # its tildes: irssi knows no \x1e
        elif kind == "code_inline":
            out.append(_code_span(token.content))  # its backticks: nor \x11
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            link = (str(token.attrGet("href") or ""), len(out))
        elif kind == "link_close" and link is not None:
            href, start = link
            words = "".join(out[start:])
            if words != href and token.markup != "autolink":
                out.append(f" ({href})")
            link = None
        else:
            out.append(token.content)
    return "".join(out)
