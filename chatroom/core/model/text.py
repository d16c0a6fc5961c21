"""What counts as safe text, and the server's use of names.

What a valid name is and when two names are one (:func:`name_key`,
:func:`is_valid_name`) is :mod:`chatroom.wire.names`', which the clients
share; it is imported here for the server's modules, beside what only the
server decides: how long a topic may be, and a stored mask's key.
Text that other users will see must not carry control characters: an ESC or
CSI could otherwise move their cursor, recolour or retitle their terminal.
"""

from __future__ import annotations

import re

from chatroom.wire.names import NAME_MAX_LENGTH as NAME_MAX_LENGTH
from chatroom.wire.names import is_valid_name as is_valid_name
from chatroom.wire.names import name_key as name_key

TOPIC_MAX_LENGTH = 300

# C0 controls except TAB, DEL, and C1 controls (which include CSI, U+009B).
# Every ANSI escape sequence starts with ESC or CSI, so this catches them all.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def current_mask(mask: str) -> str:
    """A stored moderation mask (``name:KEY``, ``account:KEY@SESSION``)
    with today's key: ``name_key`` of a key made before keys had skeletons
    is the key it has now, and a no-op on a current key. A network's mask
    (``ip:...``) names no name, and is as it was."""
    kind, colon, rest = mask.partition(":")
    if kind == "ip":
        return mask
    key, at, session = rest.partition("@")
    return f"{kind}{colon}{name_key(key)}{at}{session}"


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds anything that could drive a terminal."""
    return _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD.

    Only for the server's own replies that quote input back (error texts);
    what users send to each other is refused, never silently altered.
    """
    return _CONTROL.sub("\ufffd", text)


def account_mask(account: str) -> str:
    """The mask a ban or a claim names account key ``account`` by."""
    return f"account:{account}"


def name_mask(key: str) -> str:
    """The mask a ban or a claim names name key ``key`` by."""
    return f"name:{key}"
