"""Who is typing (``TYPING``, protocol.md, *Messages with a life*).

:class:`Typists` is the part of :class:`chatroom.client.model.SessionModel`
that keeps, for each room, who said they are typing and until when. The
server relays ``active`` at most once every 3 seconds per user, so a user
still typing says so again within that; one not heard of for
:data:`ACTIVE_SECONDS` (IRCv3's typing timeout) has stopped. ``paused``
and ``done`` end it at once, and so does a message from them (it is what
they were typing). The time comes from the model's clock; the controller
calls :meth:`Typists.expire_typing` when the soonest one is due.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.client.entries import Change, LogEntry, Page, log_key
from chatroom.client.rich import RichMessages
from chatroom.wire.lines import ParsedLine

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


class Typists(RichMessages):
    """Who is typing in each room, until when."""

    def __init__(self, shown_log: str, now: Callable[[], float]) -> None:
        super().__init__(shown_log, now)
        #: By room log key: each typing user and when it lapses.
        self.typing: dict[str, dict[str, float]] = {}

    def typing_here(self) -> list[str]:
        """Who is typing in the room on screen, in the order they started."""
        if self.room is None:
            return []
        now = self.now()
        users = self.typing.get(log_key(Page.ROOM, self.room), {})
        return [user for user, until in users.items() if until > now]

    def next_typing_expiry(self) -> float | None:
        """When the soonest ``is typing`` lapses (None: nobody is typing)."""
        times = [until for users in self.typing.values() for until in users.values()]
        return min(times) if times else None

    def expire_typing(self) -> None:
        """Forget whoever has not said they are typing for a while."""
        now = self.now()
        changed = False
        for users in self.typing.values():
            for user in [user for user, until in users.items() if until <= now]:
                del users[user]
                changed = True
        if changed:
            self._changed(Change.TYPING)

    def _stopped_typing(self, key: str, user: str) -> None:
        if self.typing.get(key, {}).pop(user, None) is not None:
            self._changed(Change.TYPING)

    def _on_TYPING(self, event: ParsedLine) -> None:
        key = log_key(Page.ROOM, self._field(event, 0))
        user, state = self._field(event, 1), self._field(event, 2)
        if not user or user == self.own_name:
            return
        if state == "active":
            users = self.typing.setdefault(key, {})
            users[user] = self.now() + ACTIVE_SECONDS
            self._changed(Change.TYPING)
        else:
            self._stopped_typing(key, user)

    def _add(self, entry: LogEntry, where: str | None = None) -> None:
        super()._add(entry, where)
        if entry.user and not entry.earlier:
            self._stopped_typing(where or self.shown_log, entry.user)
