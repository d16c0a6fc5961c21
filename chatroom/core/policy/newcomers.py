"""Newcomers held back (``--newcomer-wait SECONDS``), as Zulip's waiting
period and Discord's verification levels: a throwaway account cannot DM
everyone at once, nor post links, the moment it is made.

For ``--newcomer-wait`` seconds after an account was registered (a plain
name: after its connection opened), a user may not:

- send a private message to someone it shares no room with;
- post a message with a link (``http://``, ``https://`` or ``www.``):
  in a room (said, an action, a paste, a reply, a thread's message, or an
  edit's new text) or privately, even to someone it shares a room with.

Either is refused ``NOT_YET`` with the seconds left. Admins never wait, nor
does an account registered before registrations had their time kept. The
registration time is the account store's (kept across restarts, the same
on every node); a connection's opening is the seat's, on the injected clock.
"""

from __future__ import annotations

import math
import re

from chatroom.core.model import errors

#: What counts as a link in a message.
_LINK = re.compile(r"(?:\bhttps?://|\bwww\.)\S", re.IGNORECASE)


def has_link(text: str) -> bool:
    return _LINK.search(text) is not None


def seconds_left(wait: float, since: float | None, now: float) -> int:
    """Whole seconds until a newcomer since ``since`` (None: unknown, so
    none) may do everything, rounded up; 0 once it may."""
    if not wait or since is None:
        return 0
    return max(0, math.ceil(since + wait - now))


def check(left: int) -> None:
    """Raises ``NOT_YET <left>`` while a newcomer must still wait."""
    if left > 0:
        raise errors.not_yet(left)
