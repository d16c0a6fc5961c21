"""IRCv3 message-tag values, escaped and unescaped: the one place that does it.

Message tags (https://ircv3.net/specs/extensions/message-tags) carry values
that may not hold ``;``, a space, a backslash, CR or LF as they are, so each
is written as a two-character escape (``\\:``, ``\\s``, ``\\\\``, ``\\r``,
``\\n``). Three parties read and write them: the IRC door (its clients'
tags), the line protocol (a ``/caps rich`` event's ``@ID;key=value``
prefix) and the terminal client (which reads that prefix). All three use
this module, so a value survives every hop the same way.

Reading follows the specification's leniency: an unknown escape is the
character itself, and a lone backslash at the end is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: A stored event's tags (``reply=ID``...), in the order they are shown.
Tags = tuple[tuple[str, str], ...]

#: The tag on a message a bot said: an IRC user in bot mode (IRCv3
#: bot-mode's ``bot``, a server tag) or a webhook's post. Stored with the
#: message, so history, other cluster nodes, ``/caps rich`` line users and
#: the web client (its "bot" mark) see it too.
BOT_TAG = "bot"
#: The tag on a message that came over a bridge, its value the network
#: (``bridged=matrix``): its author is no user of this server.
BRIDGED_TAG = "bridged"
#: The tag on a message said as a notice (a Matrix ``m.notice``), which a
#: client shows as an IRC NOTICE.
NOTICE_TAG = "notice"
#: The tag on a message relayed as someone of another network (IRC's
#: ``RELAYMSG``): its value is the relayer's name. IRC clients get it as
#: ``draft/relaymsg``; ``rich`` line clients as it is stored.
RELAY_TAG = "relay"
#: The tag on a thread's message naming its root's id (``/thread``): a
#: ``rich`` client keeps it out of the room's main timeline, under the root.
THREAD_TAG = "thread"

_ESCAPES = {"\\": "\\\\", ";": "\\:", " ": "\\s", "\r": "\\r", "\n": "\\n"}
#: An escape's second character → the character it stands for (the web
#: client unescapes by this table too, served in ``/wire.js``).
UNESCAPES = {"\\": "\\", ":": ";", "s": " ", "r": "\r", "n": "\n"}
_ESCAPED = re.compile(r"\\(.?)", re.DOTALL)
_NEEDS_ESCAPE = re.compile(r"[\\; \r\n]")


def with_bot(tags: Tags) -> Tags:
    """``tags`` with :data:`BOT_TAG` among them (once): a bot account's
    words, tagged whichever door they came through."""
    if any(key == BOT_TAG for key, _ in tags):
        return tags
    return ((BOT_TAG, ""), *tags)


def escape(value: str) -> str:
    """``value`` as a tag value is written."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value  # most values (ids, names, times) have nothing to escape
    return "".join(_ESCAPES.get(char, char) for char in value)


def unescape(value: str) -> str:
    """The plain value of an escaped tag value."""
    if "\\" not in value:
        return value
    return _ESCAPED.sub(lambda match: UNESCAPES.get(match[1], match[1]), value)


def format_tags(tags: Iterable[tuple[str, str]]) -> str:
    """``key=value;key2`` (a key whose value is empty stands alone), in order."""
    return ";".join(f"{key}={escape(value)}" if value else key for key, value in tags)


def parse_pairs(section: str) -> Tags:
    """``a=1;+b=x\\sy;c`` → ``(("a", "1"), ("+b", "x y"), ("c", ""))``,
    in order, empty items skipped."""
    pairs = []
    for item in section.split(";"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((key, unescape(value)))
    return tuple(pairs)


def parse_tags(section: str) -> dict[str, str]:
    """``a=1;+b=x\\sy;c`` → ``{"a": "1", "+b": "x y", "c": ""}`` (a key
    given twice keeps its last value, as the specification says)."""
    return dict(parse_pairs(section))


def tag_section(tags: Mapping[str, str]) -> bytes:
    """``@a=1;b `` for the given tags (in their order), b"" for none: the
    prefix of an IRC line."""
    if not tags:
        return b""
    return b"@" + format_tags(tags.items()).encode("utf-8") + b" "
