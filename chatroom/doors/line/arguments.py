"""The line protocol's ``/help`` reply and the argument shapes its commands share.

The help comes from the command table both ends read
(:mod:`chatroom.wire.commands`); the states and handlers are
:mod:`chatroom.doors.line.session`'s. ``/caps``, ``/join ... since`` and
``/history`` have their argument shapes in
:mod:`chatroom.doors.line.positions`.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.wire.commands import help_lines
from chatroom.wire.lines import format_line

#: The ``/help`` reply, every line of the wire table's help as ``HELP``,
#: built once.
HELP_REPLY = b"".join(format_line("HELP", text=line) for line in help_lines())


def single_word(args: str, usage: str) -> str:
    """The single argument of ``/create NAME`` and the like, or ``BAD_ARGS``."""
    if not args or " " in args:
        raise errors.usage(usage)
    return args


def two_words(args: str, usage: str) -> tuple[str, str]:
    """The two arguments of ``/login NAME PASSWORD`` and the like."""
    words = args.split(" ")
    if len(words) != 2 or not all(words):
        raise errors.usage(usage)
    return words[0], words[1]


def split_say(args: str) -> tuple[str, str]:
    """``/say ROOM TEXT`` split into its room and its text."""
    room, _, text = args.partition(" ")
    if not room or not text:
        raise errors.usage("/say ROOM TEXT")
    return room, text


def split_private_message(args: str) -> tuple[str, str]:
    """``/msg USER TEXT`` split into its target and its text."""
    target, _, text = args.partition(" ")
    if not target or not text:
        raise errors.usage("/msg USER TEXT")
    return target, text
