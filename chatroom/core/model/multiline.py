"""A message of several lines as one shared message: an IRC client's
``draft/multiline`` batch (https://ircv3.net/specs/extensions/multiline)
or a line client's ``/paste`` (:func:`paste`), stored alike. Its bounds, and
how a paste is written on one line, are the wire's
(:mod:`chatroom.wire.pastes`): the clients check and write pastes by them.

Our messages hold no line breaks, so a client's multiline batch travels as
one message (one id, one time, as the specification wants): its text is
the lines put together for those who cannot show lines (line and web
users: lines glued by ``draft/multiline-concat`` stay glued, the others are
joined by a space, blank ones left out), and the lines themselves are its
:data:`MULTILINE_TAG` tag, stored with it. IRC clients with
``draft/multiline`` get the batch back, blank lines and all; other IRC
clients get one ``PRIVMSG`` per line, glued or not (the fallback the
specification describes), the first with the message's ``msgid``.

The tag's value is the lines with a separator before each but the first:
``\\n`` before a new line, ``\\r`` before a line glued to the previous one
(both are escaped in a tag, so a ``/caps rich`` line client sees
``multiline=hello\\n#how\\sis\\s\\reveryone?``).
"""

from __future__ import annotations

import re

from chatroom.core.model import errors
from chatroom.core.model.text import has_control_characters
from chatroom.wire.pastes import PASTE_COMMAND, oversize, pasted_lines
from chatroom.wire.tags import Tags, unescape

#: The tag that holds a multiline message's lines.
MULTILINE_TAG = "multiline"
#: How ``/paste`` is used (said with its ``BAD_ARGS``).
PASTE_USAGE = rf"{PASTE_COMMAND} TEXT (lines separated by \n, a backslash written \\)"
_NEW, _GLUED = "\n", "\r"
_SEPARATORS = re.compile(r"([\n\r])")

#: One line of a multiline message: its text, and whether it is glued to
#: the line before it (``draft/multiline-concat``).
Line = tuple[str, bool]


def encode_lines(lines: list[Line]) -> str:
    """The tag's value for ``lines``."""
    parts = []
    for index, (text, glued) in enumerate(lines):
        if index:
            parts.append(_GLUED if glued else _NEW)
        parts.append(text)
    return "".join(parts)


def decode_lines(value: str) -> list[Line]:
    """``lines`` again from the tag's value."""
    parts = _SEPARATORS.split(value)
    lines: list[Line] = [(parts[0], False)]
    for index in range(1, len(parts), 2):
        lines.append((parts[index + 1], parts[index] == _GLUED))
    return lines


def lines_of(tags: Tags) -> list[Line] | None:
    """A message's lines (by its ``tags``), None if it is no multiline message."""
    for key, value in tags:
        if key == MULTILINE_TAG:
            return decode_lines(value)
    return None


def said_lines(lines: list[Line]) -> list[str]:
    """The lines as they read: glued lines put together, blank lines left
    out."""
    said: list[str] = []
    for text, glued in lines:
        if glued and said:
            said[-1] += text
        else:
            said.append(text)
    return [text for text in said if text.strip()]


def fallback_lines(lines: list[Line]) -> list[str]:
    """The lines as an IRC client without ``draft/multiline`` gets them: one
    message each, glued or not (the specification's fallback, as Ergo
    sends it), blank lines left out."""
    return [text for text, _ in lines if text]


def joined_text(lines: list[Line]) -> str:
    """The message's text for those who cannot show lines."""
    return " ".join(said_lines(lines))


def invalid(lines: list[Line]) -> bool:
    """A blank line marked to be glued to the one before is invalid."""
    return any(glued and not text for text, glued in lines)


def paste(escaped: str) -> tuple[str, Tags]:
    r"""``/paste TEXT``: the message's text and tags, as a ``draft/multiline``
    batch of the same lines is stored. TEXT is escaped as an IRCv3 tag
    value (``\n`` a line break, ``\\`` a backslash; ``\r`` and ``\r\n``
    are line breaks too); blank lines at its ends are dropped, and a paste
    left with one line is a plain message.

    Raises:
        ChatError: ``BAD_ARGS`` (nothing to paste, over the bounds of
            :mod:`chatroom.wire.pastes`), ``BAD_TEXT`` (a control character
            in a line).
    """
    said = pasted_lines(unescape(escaped))
    if not said:
        raise errors.bad_args(f"nothing to paste; usage: {PASTE_USAGE}")
    size = oversize(said)
    if size:
        raise errors.bad_args(f"a paste is {size}")
    return as_message(said)


def as_message(said: list[str]) -> tuple[str, Tags]:
    """Lines ``said`` (some, within bounds) as one message's text and tags:
    one line is a plain message, several its :data:`MULTILINE_TAG`.

    Raises:
        ChatError: ``BAD_TEXT`` (a control character in a line).
    """
    if any(has_control_characters(line) for line in said):
        raise errors.bad_text()
    if len(said) == 1:
        return said[0], ()
    lines = [(line, False) for line in said]
    return joined_text(lines), ((MULTILINE_TAG, encode_lines(lines)),)
