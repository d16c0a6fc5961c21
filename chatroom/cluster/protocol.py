"""The chat protocol on a cluster node: the same commands, answered via Redis.

:class:`ClusterProtocol` keeps everything of :class:`ChatProtocol` that is
about the connection (framing, limits, keepalive, states) and replaces the
handlers that read or change names and rooms with coroutines that ask the
:class:`~chatroom.cluster.node.ClusterServer`. While one of them waits,
the connection's later lines wait too (see ``ChatProtocol._wait_for``), so
each user's commands still take effect in the order they were typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatroom.protocol import (
    LOBBY,
    ROOM,
    ChatFactory,
    ChatProtocol,
    check_text,
    check_topic,
    single_word,
    split_private_message,
)
from chatroom.wire import format_line, format_time

if TYPE_CHECKING:
    from chatroom.cluster.node import ClusterServer, LocalRoom


class ClusterProtocol(ChatProtocol):
    """One client connection to a cluster node."""

    server: ClusterServer
    room: LocalRoom | None  # type: ignore[assignment]

    def __init__(self, server: ClusterServer) -> None:
        super().__init__(server)  # type: ignore[arg-type]
        self.token = server.new_token()  # this session, cluster-wide
        self.claiming: str | None = None  # a name key being claimed

    async def choose_name(self, name: str) -> None:  # type: ignore[override]
        await self.server.register_name(self, name)
        self._named(name)
        self.send(format_line("WELCOME", name))
        self.send(await self.server.room_list())

    async def do_nick(self, args: str) -> None:  # type: ignore[override]
        single_word(args, "/nick NAME")
        if self.name is None:
            await self.choose_name(args)
            return
        old = self.name
        in_room = await self.server.register_name(self, args)
        self.name = args
        self.log.info("{old} is now {new}", old=old, new=args)
        if not in_room:  # in a room, the NICK comes back from the room
            self.send(format_line("NICK", old, args))

    async def do_list(self, args: str) -> None:  # type: ignore[override]
        self.send(await self.server.room_list())

    async def do_create(self, args: str) -> None:  # type: ignore[override]
        await self.server.create_room_for(self, single_word(args, "/create NAME"))

    async def do_join(self, args: str) -> None:  # type: ignore[override]
        await self.server.join_room(self, single_word(args, "/join NAME"))

    async def do_leave(self, args: str) -> None:  # type: ignore[override]
        room = self.room
        assert room is not None
        await self.server.leave_room(self, "left")
        self.state = LOBBY
        self.send(format_line("LEFT", room.name))
        self.send(await self.server.room_list())

    async def do_who(self, args: str) -> None:  # type: ignore[override]
        assert self.room is not None
        name, owner, _topic, _by, members = await self.server.who(self.room.key)
        reply = format_line("MEMBERS", name, *members)
        if owner:
            reply += format_line("OWNER", name, owner)
        self.send(reply)

    async def do_topic(self, args: str) -> None:  # type: ignore[override]
        assert self.room is not None
        if not args:
            name, _owner, topic, by, _members = await self.server.who(self.room.key)
            self.send(format_line("TOPIC", name, by or "-", text=topic))
            return
        check_topic(args)
        await self.server.set_topic(self, args)

    async def say(self, event: str, text: str) -> None:  # type: ignore[override]
        check_text(text)
        stamp = format_time(self.server.clock.seconds())
        await self.server.say(self, event, text, stamp)

    async def do_msg(self, args: str) -> None:  # type: ignore[override]
        target, text = split_private_message(args)
        stamp = format_time(self.server.clock.seconds())
        await self.server.private_message(self, target, stamp, text)

    async def do_delete(self, args: str) -> None:  # type: ignore[override]
        await self.server.delete(self, single_word(args, "/delete NAME"))

    def entered(self, room: LocalRoom) -> None:
        """The server has put us in ``room`` (``/join`` or ``/create``)."""
        self.room = room
        self.state = ROOM


class ClusterFactory(ChatFactory):
    """Builds a :class:`ClusterProtocol` per connection."""

    def buildProtocol(self, addr: object) -> ClusterProtocol:  # type: ignore[override]
        protocol = ClusterProtocol(self.server)  # type: ignore[arg-type]
        protocol.factory = self
        return protocol
