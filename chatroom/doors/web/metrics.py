"""``/metrics``: the server's state and every counter, read when scraped.

State (connections and named users per door, rooms) is not counted at all:
:class:`ServerCollector` reads it from the :class:`DoorHub` at scrape
time, then adds the counters everything else keeps in
:data:`chatroom.core.model.metrics.REGISTRY`:

- fan-out, counted once per event by the back-ends
  (:mod:`chatroom.core.model.metrics`), and every Redis script's round trip in
  cluster mode;
- latency of every registry operation and messages accepted from clients,
  by :class:`~chatroom.core.metered.MeteredRegistry` (wired in by
  ``makeService`` only when ``--http`` serves ``/metrics``);
- flood slow-downs and send-queue drops, by the doors
  (:mod:`chatroom.doors.base.counters`);
- the garbage collector's pauses and how late the reactor runs its
  timers, by the wiring's services (``chatroom.wiring.collector``,
  ``chatroom.wiring.reactorlag``).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from chatroom.core.model.metrics import DEPARTURES, FANOUT, REGISTRY
from chatroom.doors.base.hub import DoorHub


class ServerCollector:
    """Gauges read from one server at scrape time, plus the process's counters."""

    def __init__(self, server: DoorHub, rooms: int) -> None:
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
        opened = Tally(c.door for c in self.server.open_connections)
        named = Tally(c.door for c in self.server.each_admitted() if c.name)
        for door in sorted(set(opened) | {"line"}):
            connections.add_metric([door], opened[door])
            users.add_metric([door], named[door])
        yield connections
        yield users
        rooms = GaugeMetricFamily("chatroom_rooms", "Rooms (the whole cluster's).")
        rooms.add_metric([], self.rooms)
        yield rooms
        signons = self.server.signons
        yield GaugeMetricFamily(
            "chatroom_signons_in_flight",
            "Sign-ons running (--signons-in-flight at most).",
            value=len(signons),
        )
        yield GaugeMetricFamily(
            "chatroom_signons_waiting",
            "Names waiting for a sign-on slot.",
            value=signons.waiting(),
        )
        yield CounterMetricFamily(
            "chatroom_signon_door_shut",
            "Times a name found every sign-on slot taken: the line and IRC "
            "ports stopped accepting until one was free.",
            value=signons.shut_times,
        )
        yield GaugeMetricFamily(
            "chatroom_lost_waiting",
            "Connections closed and not yet given back: a turn gives back "
            "64 at most (chatroom.doors.base.leaving).",
            value=self.server.lost_connections.waiting,
        )
        yield GaugeMetricFamily(
            "chatroom_departures_in_flight",
            "Sessions' ends running (cluster mode; 64 at most).",
            value=DEPARTURES.running,
        )
        yield GaugeMetricFamily(
            "chatroom_departures_waiting",
            "Sessions' ends waiting for their turn (cluster mode).",
            value=DEPARTURES.waiting,
        )
        yield CounterMetricFamily(
            "chatroom_departures_retried",
            "Sessions' releases run again after they failed while the node "
            "served (cluster mode).",
            value=DEPARTURES.retried,
        )
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


async def scrape(server: DoorHub) -> bytes:
    """The Prometheus text for ``server`` (the room count may ask Redis)."""
    try:
        rooms = len((await server.registry.rooms.list_rooms()).rooms)
    except Exception:
        rooms = -1  # Redis unreachable: say so instead of failing the scrape
    return bytes(generate_latest(ServerCollector(server, rooms)))
