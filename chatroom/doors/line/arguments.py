"""The argument shapes the line protocol's commands share.

The session (:mod:`chatroom.doors.line.session`) and the handler modules
beside it (:mod:`~chatroom.doors.line.moderating`,
:mod:`~chatroom.doors.line.signing`...) each read their commands'
arguments with these, so a command's words are split one way and a bad
one is the same ``BAD_ARGS`` at every command; a leaf, which they all
import and which imports none of them.
"""

from __future__ import annotations

from chatroom.core import errors


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
