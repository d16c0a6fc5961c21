"""What a node's Python spends on a room event it hands to two members,
in one process: counted in function calls, which the machine's load does
not move, and in CPU (the best of several rounds).

Run from a checkout, in each tree to compare (the same script)::

    PYTHONPATH=. .venv/bin/python benchmarks/join_events_in_process.py
    PYTHONPATH=/tmp/other-tree .venv/bin/python \\
        benchmarks/join_events_in_process.py

EVENTS (20,000) joins, round ROOMS (300) rooms of a node that has two
members in each, come as Redis writes them to the node's subscriber
link (``message``, the room's channel, ``seq event``), two to a read,
and go the whole way a node takes them: the link's protocol (hiredis's
reader), the node's rooms (:class:`~chatroom.backends.redis.delivery.NodeRooms`),
the event decoded once, and each member handed it, one rendering it
with the line door's table and one with a table of its own (two doors).
The members keep the bytes; no socket is written. It prints, per event,
the Python function calls (``cProfile``) and the CPU in µs.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from twisted.internet.testing import StringTransport

from chatroom.backends.redis.delivery import NodeRooms
from chatroom.core.model import codec
from chatroom.core.model.config import ClusterConfig
from chatroom.core.model.events import Event, Joined, Listing
from chatroom.core.model.text import name_key
from chatroom.doors.line.rendering import to_line
from chatroom.redisclient.addresses import RedisAddress
from chatroom.redisclient.deadlines import Hearing
from chatroom.redisclient.link import SubscriberProtocol

EVENTS = 20_000
ROOMS = 300
ROUNDS = 5


def other_door(event: Event) -> bytes:
    """A second door's rendering: the line door's with a prefix."""
    return b":" + to_line(event)


class Member:
    """A member that keeps the bytes of what it is handed."""

    def __init__(self, name: str, encoder: Any) -> None:
        self.name = name
        self.encoder = encoder
        self.out: list[bytes] = []

    def deliver(self, event: Event) -> None:
        self.out.append(event.encoded(self.encoder))

    def message_writer(self) -> None:
        return None


class Link:
    """What the protocol asks of its link."""

    def __init__(self, on_message: Any) -> None:
        self.on_message = on_message
        self.reactor = None
        self.hearing = Hearing()
        self.hold = 0.0


def resp(*parts: bytes) -> bytes:
    return b"*%d\r\n" % len(parts) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in parts
    )


def setup() -> tuple[SubscriberProtocol, list[bytes], list[Member]]:
    channel_of = ClusterConfig(RedisAddress("localhost"), "n").room_channel

    async def subscribe(channel: bytes) -> None:
        pass

    async def listing() -> Listing:
        return Listing([])

    rooms = NodeRooms(channel_of, subscribe, lambda c: None, listing, lambda t: None)
    members = []
    for i in range(ROOMS):
        room = rooms.open(name_key(f"jf{i}"), f"jf{i}")
        for n, encoder in enumerate((to_line, other_door)):
            member = Member(f"m{i}d{n}", encoder)
            rooms.seat(member, room, 0)  # type: ignore[arg-type]
            members.append(member)
    link: Any = Link(rooms.on_message)
    try:
        protocol = SubscriberProtocol(link, charset=None, convertNumbers=False)
    except TypeError:  # a tree whose protocols are given their link after
        protocol = SubscriberProtocol(charset=None, convertNumbers=False)
        protocol.link = link
    protocol.makeConnection(StringTransport())
    messages = [
        resp(
            b"message",
            channel_of(name_key(f"jf{k % ROOMS}")),
            b"%d %s" % (k + 1, codec.encode(Joined(f"jf{k % ROOMS}", f"zj{k}"))),
        )
        for k in range(EVENTS)
    ]
    reads = [b"".join(messages[k : k + 2]) for k in range(0, EVENTS, 2)]
    return protocol, reads, members


def feed(protocol: SubscriberProtocol, reads: list[bytes]) -> None:
    for data in reads:
        protocol.dataReceived(data)


def main() -> None:
    best = float("inf")
    for _ in range(ROUNDS):
        protocol, reads, members = setup()
        began = time.process_time()
        feed(protocol, reads)
        best = min(best, time.process_time() - began)
        handed = sum(len(member.out) for member in members)
        assert handed == 2 * EVENTS, handed
    protocol, reads, members = setup()
    profile = cProfile.Profile()
    profile.runcall(feed, protocol, reads)
    stats = pstats.Stats(profile)
    calls = stats.total_calls  # type: ignore[attr-defined]
    if "-v" in sys.argv:
        stats.sort_stats("ncalls").print_stats(30)
    print(
        f"{Path(codec.__file__).parents[2]}: {calls / EVENTS:.1f} function calls and"
        f" {best * 1e6 / EVENTS:.2f} µs of CPU per event (two members each)"
    )


if __name__ == "__main__":
    main()
