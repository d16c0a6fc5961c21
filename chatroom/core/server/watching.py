"""News of users for whoever watches their names, on every node (IRC's ``MONITOR``).

An IRC client may ``MONITOR`` nicks: it hears ``730`` when one comes online,
``731`` when it goes, and with ``extended-monitor`` its ``AWAY``,
``SETNAME`` and ``ACCOUNT`` news, wherever that user is connected (any door,
any node). Who watches whom is the IRC door's own table; what happens to a
name is the shared side's. So the shared side makes each such happening
one :class:`~chatroom.core.model.events.Watched` and hands it to every listener
of every node (a door
:meth:`~chatroom.core.services.presence.PresenceService.follow_names`
while it has watchers); each door renders it, from its own table, to its
own watchers.

- A name coming online or going offline is the back-end's to tell, where
  the name is taken and freed: in one process its claims and releases
  (:mod:`chatroom.backends.local`), in a cluster the scripts that change
  ``P users`` (``CLAIM``, and ``unname`` for a release, a takeover, a
  ``/kill`` or ban, a harvest), so a node that dies is told too, and the
  order of the name's changes is the order Redis ran them in.
- Away, realname and account news is the core's (:mod:`chatroom.core.chat`,
  :mod:`chatroom.core.services.accountnews`), told after the user's rooms heard it,
  with the keys of those rooms, whose members need not hear it twice.

A cluster carries them on one channel (``P watch``), subscribed by a node
only while it has listeners: one ``PUBLISH`` per sign-on, sign-off or
change, delivered once to each node that has watchers (docs/scaling.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Sighting, Watched
from chatroom.core.model.text import name_key

#: A door's listener: renders the news for its own watchers.
Listener = Callable[[Watched], None]


class WatchSteps(Protocol):
    """How news of watched names reaches every node's listeners."""

    async def follow(self, listener: Listener, following: bool) -> None:
        """``listener`` hears every :class:`Watched` from now on, made on
        any node (``following``), or no more; returns once it will."""
        ...


async def tell_watchers(
    tell: Callable[[Watched], Awaitable[None]],
    user: str,
    sighting: Sighting,
    value: str,
    rooms: Sequence[str],
) -> None:
    """News of ``user``, in ``rooms`` (names) whose members heard it there,
    to its watchers by ``tell`` (the bus's): told if it can be (the news
    happened; a node cut off from Redis loses it, as it loses its rooms'
    news)."""
    news = Watched(user, sighting, value, tuple(name_key(room) for room in rooms))
    with contextlib.suppress(ChatError):
        await tell(news)


class Listeners:
    """This process's listeners."""

    def __init__(self) -> None:
        self.each: list[Listener] = []

    def add(self, listener: Listener, following: bool) -> bool:
        """Add or remove ``listener``: True if there were none before the
        addition, or there are none after the removal."""
        if following:
            self.each.append(listener)
            return len(self.each) == 1
        if listener in self.each:
            self.each.remove(listener)
            return not self.each
        return False

    def hear(self, news: Watched) -> None:
        for listener in list(self.each):
            listener(news)


class LocalWatching(Listeners):
    """One process: news goes straight to its listeners."""

    async def follow(self, listener: Listener, following: bool) -> None:
        self.add(listener, following)

    async def tell(self, news: Watched) -> None:
        self.hear(news)
