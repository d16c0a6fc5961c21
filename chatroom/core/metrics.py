"""The numbers an operator scrapes from ``/metrics`` (Prometheus text).

Three kinds, each counted where it costs least:

- **Fan-out** (events delivered, chat messages delivered) is the hot path:
  a message to a thousand members must not pay a thousand metric updates.
  A room adds its member count once per event (:func:`fanned_out`, two
  integer additions), and the totals are read only when scraped.
- **Rare events** (flood slow-downs, send-queue drops, messages accepted from
  clients) are ``prometheus_client`` counters labelled by door, bumped by
  the door where they happen.
- **Latency**: :class:`MeteredRegistry` wraps the registry (only when
  ``--http`` serves ``/metrics``) and times every operation, which is what
  a command waits on; in cluster mode every Redis script's round trip is
  timed too (``chatroom.backends.redis.calls``).
- **State** (connections and named users per door, rooms) is not counted
  at all: :class:`ServerCollector` reads it from the server when scraped.

Counters live in this module's own ``CollectorRegistry`` (one server per
process; tests compare before and after).
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from chatroom.core.events import Event, Listing, RoomDetails
from chatroom.core.registry import Member, Registry

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter(
    "chatroom_messages_in",
    "Chat messages, actions and private messages accepted from clients.",
    ["door"],
    registry=REGISTRY,
)
FLOOD_DELAYS = Counter(
    "chatroom_flood_limited",
    "Lines held back by flood control (past --burst, at --rate).",
    ["door"],
    registry=REGISTRY,
)
SENDQ_DROPS = Counter(
    "chatroom_sendq_drops",
    "Connections dropped for falling --sendq bytes behind.",
    ["door"],
    registry=REGISTRY,
)
OPERATION_SECONDS = Histogram(
    "chatroom_command_seconds",
    "Time the shared side took per operation a command asked of it.",
    ["operation"],
    registry=REGISTRY,
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)
REDIS_SECONDS = Histogram(
    "chatroom_redis_round_trip_seconds",
    "Round trip of one Redis script call (cluster mode only).",
    registry=REGISTRY,
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)

_CHAT_EVENTS = frozenset({"MSG", "ACTION", "PRIVMSG"})


class FanOut:
    """Plain integers for the hot path, read only when scraped."""

    __slots__ = ("deliveries", "messages_out")

    def __init__(self) -> None:
        self.deliveries = 0
        self.messages_out = 0


FANOUT = FanOut()


def fanned_out(event: Event, members: int) -> None:
    """One event went to ``members`` members: counted once, not per member."""
    FANOUT.deliveries += members
    if event.name in _CHAT_EVENTS:
        FANOUT.messages_out += members


def door_of(connection: object) -> str:
    """Which door a connection came through (the line protocol's has none)."""
    return str(getattr(connection, "door", "line"))


class ServerCollector:
    """Gauges read from one server at scrape time, plus the module's counters."""

    def __init__(self, server: Any, rooms: int) -> None:
        self.server = server
        self.rooms = rooms

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        connections = GaugeMetricFamily(
            "chatroom_connections", "Open connections, by door.", labels=["door"]
        )
        users = GaugeMetricFamily(
            "chatroom_users", "Connections that have a name, by door.", labels=["door"]
        )
        opened = Tally(door_of(c) for c in self.server.open_connections)
        named = Tally(
            door_of(c) for c in self.server.connections if getattr(c, "name", None)
        )
        for door in sorted(set(opened) | {"line"}):
            connections.add_metric([door], opened[door])
            users.add_metric([door], named[door])
        yield connections
        yield users
        rooms = GaugeMetricFamily("chatroom_rooms", "Rooms (the whole cluster's).")
        rooms.add_metric([], self.rooms)
        yield rooms
        yield CounterMetricFamily(
            "chatroom_deliveries",
            "Events handed to members (an event to n members counts n).",
            value=FANOUT.deliveries,
        )
        yield CounterMetricFamily(
            "chatroom_messages_out",
            "Chat messages, actions and private messages handed to members.",
            value=FANOUT.messages_out,
        )


async def scrape(server: Any) -> bytes:
    """The Prometheus text for ``server`` (the room count may ask Redis)."""
    try:
        rooms = len((await server.registry.list_rooms()).rooms)
    except Exception:
        rooms = -1  # Redis unreachable: say so instead of failing the scrape
    return bytes(generate_latest(ServerCollector(server, rooms)))


class MeteredRegistry:
    """A :class:`~chatroom.core.registry.Registry` that times what it forwards.

    Wired in by ``makeService`` only when ``/metrics`` is served, so a
    server without ``--http`` pays nothing. Anything not timed (attributes
    tests and tools read) is forwarded unchanged.
    """

    def __init__(self, inner: Registry) -> None:
        self.inner = inner
        self._timers = {
            name: OPERATION_SECONDS.labels(name)
            for name in (
                "claim_name",
                "list_rooms",
                "create_room",
                "join_room",
                "room_history",
                "leave_room",
                "say",
                "room_details",
                "set_topic",
                "delete_room",
                "private_message",
            )
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _observe(self, name: str, started: float) -> None:
        self._timers[name].observe(time.perf_counter() - started)

    def start(self) -> None:
        self.inner.start()

    def stop(self) -> None:
        self.inner.stop()

    def detach(self) -> Any:
        return self.inner.detach()

    def release(self, member: Member, reason: str) -> None:
        self.inner.release(member, reason)

    def watch_lobby(self, member: Member, watching: bool) -> None:
        self.inner.watch_lobby(member, watching)

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> bool:
        started = time.perf_counter()
        try:
            return await self.inner.claim_name(member, name, account, takeover)
        finally:
            self._observe("claim_name", started)

    async def list_rooms(self) -> Listing:
        started = time.perf_counter()
        try:
            return await self.inner.list_rooms()
        finally:
            self._observe("list_rooms", started)

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        started = time.perf_counter()
        try:
            await self.inner.create_room(member, name, leaving)
        finally:
            self._observe("create_room", started)

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
    ) -> None:
        started = time.perf_counter()
        try:
            await self.inner.join_room(member, name, leaving, since, key)
        finally:
            self._observe("join_room", started)

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[Event]:
        started = time.perf_counter()
        try:
            return await self.inner.room_history(member, room, count, before)
        finally:
            self._observe("room_history", started)

    async def leave_room(self, member: Member, room: str, reason: str) -> None:
        started = time.perf_counter()
        try:
            await self.inner.leave_room(member, room, reason)
        finally:
            self._observe("leave_room", started)

    async def say(self, member: Member, room: str, kind: str, text: str) -> None:
        started = time.perf_counter()
        try:
            await self.inner.say(member, room, kind, text)
        finally:
            self._observe("say", started)
        MESSAGES_IN.labels(door_of(member)).inc()

    async def room_details(self, room: str) -> RoomDetails:
        started = time.perf_counter()
        try:
            return await self.inner.room_details(room)
        finally:
            self._observe("room_details", started)

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        started = time.perf_counter()
        try:
            await self.inner.set_topic(member, room, topic)
        finally:
            self._observe("set_topic", started)

    async def delete_room(self, member: Member, name: str) -> None:
        started = time.perf_counter()
        try:
            await self.inner.delete_room(member, name)
        finally:
            self._observe("delete_room", started)

    async def private_message(self, member: Member, target: str, text: str) -> Event:
        started = time.perf_counter()
        try:
            event = await self.inner.private_message(member, target, text)
        finally:
            self._observe("private_message", started)
        MESSAGES_IN.labels(door_of(member)).inc()
        fanned_out(event, 1)  # the recipient's copy; no room fans it out
        return event
