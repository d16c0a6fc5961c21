"""What a node's Python spends on a message through Redis, in one process:
the sender's ``SAY`` (built, sent, its reply read, its own copy of the
event waited for) and the event read by each node, counted in function
calls, which the machine's load does not move, and in CPU (the best of
several rounds).

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/say_in_process.py
    PYTHONPATH=/tmp/other-tree .venv/bin/python benchmarks/say_in_process.py

MESSAGES (10,000) messages go the way a node takes them, from
:meth:`RedisCalls.call` (the ``SAY`` script with a message's arguments,
``arrived`` waiting for the message's place in its room) to the call's
return, on the node's own links (their txredisapi protocols over a
``StringTransport``): the reply, ``{'OK', id, seq}``, fed to the commands
link, and the event, ``message``, the room's channel, ``seq event``, fed
to the subscriber link, which hands it to the node's rooms (as the
Redis back-end wires them) and so to two members. Each order is counted:
the reply first (the sender then waits for its copy: a second resumption
of the call), and the event first. Apart, the event alone, as every other
node with members in the room reads it. What a door writes to a socket is
not here: the members keep the bytes.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from twisted.internet import defer, task
from twisted.internet.testing import StringTransport

from chatroom.backends.redis import redis_backend, scripts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.core.model import codec
from chatroom.core.model.config import ClusterConfig
from chatroom.core.model.events import Event, Listing, Message
from chatroom.core.model.text import name_key
from chatroom.doors.line.rendering import to_line
from chatroom.redisclient.addresses import RedisAddress, redis_address
from chatroom.redisclient.link import RedisLink

MESSAGES = 10_000
ROUNDS = 5


class Member:
    """A member that keeps the bytes of what it is handed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.out: list[bytes] = []

    def deliver(self, event: Event) -> None:
        self.out.append(event.encoded(to_line))

    def message_writer(self) -> None:
        return None


def resp(*parts: bytes) -> bytes:
    return b"*%d\r\n" % len(parts) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in parts
    )


class Node:
    """One node's links, calls and rooms; one room with two members."""

    def __init__(self) -> None:
        clock = task.Clock()
        address = redis_address("redis://127.0.0.1:1/0")
        commands = RedisLink(clock, address, "commands")
        subscriber = RedisLink(clock, address, "subscriber", subscriber=True)
        heartbeat = RedisLink(clock, address, "heartbeat")
        self.calls = RedisCalls(commands, subscriber, heartbeat, "chatroom:", 5, clock)
        self.calls.serving = True
        self.commands = self.connect(commands)
        self.subscriber = self.connect(subscriber)
        self.connect(heartbeat)
        channel_of = ClusterConfig(RedisAddress("localhost"), "n").room_channel

        async def subscribe(channel: bytes) -> None:
            pass

        async def listing() -> Listing:
            return Listing([])

        rooms = NodeRooms(
            channel_of, subscribe, lambda c: None, listing, lambda t: None
        )
        self.room = rooms.open(name_key("tea"), "tea")
        self.members = [Member("m1"), Member("m2")]
        for member in self.members:
            rooms.seat(member, self.room, 0)  # type: ignore[arg-type]
        if hasattr(rooms, "elsewhere"):  # as the back-end wires it
            self.calls.listen(rooms.on_message)
        else:  # as the back-end wired it before: its dispatcher first

            def on_message(channel: bytes, message: bytes) -> None:
                if rooms.on_message(channel, message):
                    return

            self.calls.listen(on_message)
        self.channel = channel_of(name_key("tea"))

    @staticmethod
    def connect(link: RedisLink) -> Any:
        try:
            protocol = link.protocol_class(link, charset=None, convertNumbers=False)
        except TypeError:  # a tree whose protocols are given their link after
            protocol = link.protocol_class(charset=None, convertNumbers=False)
            protocol.link = link
        protocol.makeConnection(StringTransport())
        link.connection = protocol
        return protocol

    def event(self, seq: int) -> bytes:
        said = codec.encode(
            Message("tea", "alice", "2026-11-28T00:00:00.000Z", f"hello {seq}")
        )
        return resp(b"message", self.channel, b"%d %s" % (seq, said))


def reply(seq: int) -> bytes:
    return b"*3\r\n$2\r\nOK\r\n:%d\r\n:%d\r\n" % (seq, seq)


#: A message's ``SAY`` arguments, as many as a message has.
ARGUMENTS = (
    "{chatroom}:room:tea",
    "n:1",
    "alice",
    "hello there",
    "1700000000.5",
    "",
    "",
    "",
    "",
    "",
    "",
)


def say(node: Node, answer: bytes, event: bytes, reply_first: bool) -> None:
    calling = defer.ensureDeferred(
        node.calls.call(
            scripts.SAY,
            *ARGUMENTS,
            refusals=MEMBERS_ONLY,
            arrived=partial(redis_backend._arrived, node.room),
        )
    )
    if reply_first:
        node.commands.dataReceived(answer)
        node.subscriber.dataReceived(event)
    else:
        node.subscriber.dataReceived(event)
        node.commands.dataReceived(answer)
    assert calling.called, "the call returned"


def inputs(node: Node) -> list[tuple[bytes, bytes]]:
    """Each message's reply and event, as Redis sends them (made before
    the count: the harness's, not the node's)."""
    return [(reply(seq), node.event(seq)) for seq in range(1, MESSAGES + 1)]


def says(node: Node, made: list[tuple[bytes, bytes]], reply_first: bool) -> None:
    for answer, event in made:
        say(node, answer, event, reply_first)


def hears(node: Node, events: list[bytes]) -> None:
    for data in events:
        node.subscriber.dataReceived(data)


def counted(run: Any, *args: Any) -> int:
    profile = cProfile.Profile()
    profile.runcall(run, *args)
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined,no-any-return]


def best(setup: Any, run: Any) -> float:
    times = []
    for _ in range(ROUNDS):
        args = setup()
        began = time.process_time()
        run(*args)
        times.append(time.process_time() - began)
    return min(times)


def main() -> None:
    tree = Path(codec.__file__).parents[2]
    for reply_first in (True, False):

        def fresh(
            rf: bool = reply_first,
        ) -> tuple[Node, list[tuple[bytes, bytes]], bool]:
            node = Node()
            return node, inputs(node), rf

        says(*fresh())  # warm
        node, made, _ = fresh()
        calls = counted(says, node, made, reply_first)
        assert all(len(member.out) == MESSAGES for member in node.members)
        cpu = best(fresh, says)
        order = "reply first" if reply_first else "event first"
        print(
            f"{tree}: sender, {order}: {calls / MESSAGES:.1f} calls and"
            f" {cpu * 1e6 / MESSAGES:.2f} µs per message (two members here)"
        )

    def heard() -> tuple[Node, list[bytes]]:
        node = Node()
        return node, [event for _, event in inputs(node)]

    node, events = heard()
    calls = counted(hears, node, events)
    cpu = best(heard, hears)
    print(
        f"{tree}: another node, the event alone: {calls / MESSAGES:.1f} calls and"
        f" {cpu * 1e6 / MESSAGES:.2f} µs per event (two members)"
    )
    if "-v" in sys.argv:
        node = Node()
        made = inputs(node)
        profile = cProfile.Profile()
        profile.runcall(says, node, made, True)
        pstats.Stats(profile).sort_stats("ncalls").print_stats(45)


if __name__ == "__main__":
    main()
