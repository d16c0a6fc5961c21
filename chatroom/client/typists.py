"""Who is typing (``TYPING``, protocol.md, *Messages with a life*).

:class:`Typists`, a part of :class:`chatroom.client.model.SessionModel`,
keeps, for each room, who said they are typing and until when. The
server relays ``active`` at most once every 3 seconds per user, so a user
still typing says so again within that; one not heard of for
:data:`ACTIVE_SECONDS` (IRCv3's typing timeout) has stopped. ``paused``
and ``done`` end it at once, and so does a message from them (it is what
they were typing). The model passes the time in; the controller has the
model forget the lapsed when the soonest is due.
"""

from __future__ import annotations

#: How long ``alice is typing…`` stays after her last ``active`` (IRCv3's
#: ``+typing`` spec: 6 seconds; senders repeat it every 3).
ACTIVE_SECONDS = 6.0


def typing_text(users: list[str]) -> str:
    """``alice is typing…``, ``alice and bob are typing…``, ``3 people …``."""
    if not users:
        return ""
    if len(users) == 1:
        return f"{users[0]} is typing…"
    if len(users) == 2:
        return f"{users[0]} and {users[1]} are typing…"
    return f"{len(users)} people are typing…"


class Typists:
    """Who is typing in each room, until when."""

    def __init__(self) -> None:
        #: By room log key: each typing user and when it lapses.
        self.typing: dict[str, dict[str, float]] = {}

    def in_room(self, key: str, now: float) -> list[str]:
        """Who is typing in room ``key`` now, in the order they started."""
        return [user for user, until in self.typing.get(key, {}).items() if until > now]

    def started(self, key: str, user: str, now: float) -> None:
        """``user`` is typing in room ``key`` (again): for ACTIVE_SECONDS."""
        self.typing.setdefault(key, {})[user] = now + ACTIVE_SECONDS

    def stopped(self, key: str, user: str) -> bool:
        """``user`` is no longer typing in room ``key``; False if they were not."""
        return self.typing.get(key, {}).pop(user, None) is not None

    def next_expiry(self) -> float | None:
        """When the soonest ``is typing`` lapses (None: nobody is typing)."""
        times = [until for users in self.typing.values() for until in users.values()]
        return min(times) if times else None

    def expire(self, now: float) -> bool:
        """Forget whoever has not said they are typing for a while; True
        if anyone was forgotten."""
        changed = False
        for users in self.typing.values():
            for user in [user for user, until in users.items() if until <= now]:
                del users[user]
                changed = True
        return changed
