"""The argument shapes the line protocol's commands share, and event ids.

The session (:mod:`chatroom.doors.line.session`) and the handler modules
beside it (:mod:`~chatroom.doors.line.moderating`,
:mod:`~chatroom.doors.line.account`...) each read their commands'
arguments with these, so a command's words are split one way and a bad
one is the same ``BAD_ARGS`` at every command; a leaf, which they all
import and which imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase

from chatroom.core.model import errors
from chatroom.core.model.text import name_key
from chatroom.wire.passwords import password_words


def single_word(args: str, usage: str) -> str:
    """The single argument of ``/create NAME`` and the like, or ``BAD_ARGS``."""
    if not args or " " in args:
        raise errors.usage(usage)
    return args


def room_pattern(pattern: str) -> Callable[[str], bool]:
    """``/list PATTERN``'s test of a room's name key: ``*`` any characters
    and ``?`` one, as IRC's ``LIST`` masks; without either, the rooms whose
    name has ``pattern`` in it. Case and width are ignored, as in names."""
    mask = name_key(pattern)
    if "*" not in mask and "?" not in mask:
        mask = f"*{mask}*"
    return lambda key: fnmatchcase(key, mask)


def two_words(args: str, usage: str) -> tuple[str, str]:
    """The two arguments of ``/login NAME PASSWORD`` and the like."""
    words = args.split(" ")
    if len(words) != 2 or not all(words):
        raise errors.usage(usage)
    return words[0], words[1]


def rest_as_password(args: str, usage: str) -> str:
    """The password of ``/unregister PASSWORD`` and the like: the rest of
    the line, spaces and all (no password starts or ends with one)."""
    if not args:
        raise errors.usage(usage)
    return args


def name_and_password(args: str, usage: str) -> tuple[str, str]:
    """``/login NAME PASSWORD``: a name, then the rest of the line."""
    name, _, rest = args.partition(" ")
    rest = rest.lstrip(" ")
    if not name or not rest:
        raise errors.usage(usage)
    return name, rest


def old_and_new_password(args: str, usage: str) -> tuple[str, str]:
    """``/password OLD NEW``: two words, or two quoted passwords
    (:func:`chatroom.wire.passwords.password_words`)."""
    words = password_words(args, (2,))
    if words is None or len(words) != 2 or not all(words):
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


#: What ``/caps`` can turn on: ``@ID`` on stored events; many rooms at once;
#: tags, replies, edits and deletions (``rich``, which turns ``ids`` on too).
CAPABILITIES = ("ids", "multi", "rich")

CAPS_USAGE = "/caps ids|multi|rich ..."


def parse_event_id(value: str) -> int:
    """An id as the server showed it (``@ID``), or ``BAD_ARGS``."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise errors.bad_event_id(value)
    return int(value)


def parse_caps(args: str) -> list[str]:
    """``/caps NAME [NAME...]``: the capabilities asked for, each one known
    (an unknown one refuses them all)."""
    wanted = args.split()
    if not wanted:
        raise errors.usage(CAPS_USAGE)
    unknown = [cap for cap in wanted if cap not in CAPABILITIES]
    if unknown:
        raise errors.bad_args(f"no capability {unknown[0]!r}; usage: {CAPS_USAGE}")
    return wanted


def parse_join(args: str) -> tuple[str, str | None, int | None]:
    """``/join ROOM [KEY] [since ID]``: the room, its key and the id."""
    words = args.split()
    since = None
    if len(words) >= 3 and words[-2].lower() == "since":
        since = parse_event_id(words[-1])
        words = words[:-2]
    if len(words) == 1:
        return words[0], None, since
    if len(words) == 2 and words[1].lower() != "since":
        return words[0], words[1], since
    raise errors.usage("/join NAME [KEY] [since ID]")
