"""News of a user to its rooms (a rename, a sign-in), one slot a step.

The server's step (``NEIGHBOURS``: the session still holds the user; its
rooms; one news number) comes first, then one step per room
(``ROOM_NEWS``), each on the room's slot alone, sent together on the link:
each publishes the news in its room, in order with the room's events,
under that number, which each node hands each of its members once
(:class:`~chatroom.backends.redis.delivery.NewsDesk`). A room checks the
session by its own copy of who holds the user, so a room the user left
(or that went) since the server's step publishes nothing. A rename's
watchers (``MONITOR``) hear of it last, as on one server.

A node that dies between the steps leaves some rooms without the news:
it tells of a change already stored (the rooms' copies of the user's
name and account are written by the change's own script), so their
members see the new name in whatever comes next and miss only the line
that announced it, as they would had the user left those rooms
meanwhile; a node's :class:`NewsDesk` forgets a number whose rooms never
all came once it holds :data:`~chatroom.backends.redis.delivery.NEWS_KEPT`
newer ones.
"""

from __future__ import annotations

from typing import Any

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls, published_nothing, together
from chatroom.backends.redis.watching import RedisWatching
from chatroom.core.model import codec
from chatroom.core.model.events import Event, Sighting, Watched
from chatroom.core.model.nodemessages import NewsHead


class RedisNeighbours:
    """Tells a user's rooms of it: the server's step, then each room's."""

    def __init__(self, calls: RedisCalls, watching: RedisWatching) -> None:
        self.calls = calls
        self.watching = watching

    async def tell(
        self,
        key: str,
        token: str,
        event: Event,
        unless: str,
        renamed: tuple[str, str] | None = None,
    ) -> int:
        """``event`` published in each room of user ``key`` (session
        ``token``), for each of their members but ``unless`` (a name key,
        "" for none); then, for a rename (``renamed``: the old name, the
        new), its watchers told. Returns how many rooms published it (none:
        u is in no room, or only in rooms gone)."""
        reply = await self.calls.call(
            scripts.NEIGHBOURS,
            {"user": key, "token": token},
            refusals={},
            arrived=published_nothing,
        )
        rooms = [room.decode() for room in reply[2:]]
        published = 0
        if rooms:
            head = codec.entry_head(NewsHead(int(reply[1]), len(rooms), unless))
            news: dict[str, Any] = {"user": key, "token": token, "head": head}
            news["event"] = codec.encode(event)
            steps = await together(
                self.calls.call(scripts.ROOM_NEWS, {**news, "room": room}, refusals={})
                for room in rooms
            )
            published = sum(int(step[1]) for step in steps)
        if renamed is not None:
            old, new = renamed
            await together(
                [
                    self.watching.tell(Watched(old, Sighting.OFFLINE)),
                    self.watching.tell(Watched(new, Sighting.ONLINE)),
                ]
            )
        return published
