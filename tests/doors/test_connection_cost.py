"""What one idle client costs a server, at each door (issue 65: the memory a
crowd adds is at most 4 KiB a connection at a million, docs/performance.md).

Each test connects a crowd to one room through the door's real protocol
over ``StringTransport`` (the web door through the real ``--http`` site),
lets it sit silent through a ping, which each client answers, and counts
what the crowd holds then with ``tracemalloc``. The transports are test
ones (their buffers are counted too), so the bounds are not the figures a
real node shows (``benchmarks/memory_probe.py``); they catch a connection
that keeps something per client it no longer needs (a flood gate with no
line waiting, a WebSocket's ``101``, a bound method where its object
would do). Each test then checks that the crowd still hears the room.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.web.site import build_site
from tests.doors.irc.test_irc import IRCClient
from tests.doors.web.test_http_bounds import UPGRADE
from tests.doors.web.test_ws_wire import frame
from tests.support import (
    FakeClient,
    chat_core,
    local_server,
    longest_silence,
    settle,
)


class WebClient:
    """A ``/ws`` client through the real site (a ``StringTransport``)."""

    _next_port = 45000

    def __init__(self, site: Any) -> None:
        WebClient._next_port += 1
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", "127.0.0.1", WebClient._next_port)
        )
        self.connection = site.buildProtocol(self.transport.getPeer())
        self.connection.makeConnection(self.transport)
        self.connection.dataReceived(UPGRADE)

    def send(self, *lines: str) -> None:
        for line in lines:
            self.connection.dataReceived(frame(0x1, line.encode()))
            settle()

    def received(self) -> bytes:
        settle()
        data = self.transport.value()
        self.transport.clear()
        return bytes(data)


class ReactorLikeClock(Clock):
    """A test clock whose every reading is a float of its own, as the
    reactor's ``time.time()`` is (``Clock`` returns the one it holds):
    a time a connection keeps costs it here what it costs on a server."""

    def seconds(self) -> float:
        return self.rightNow + 0.0


class ConnectionCostTests(unittest.TestCase):
    """An idle client in a room, at each door, after answering a ping."""

    #: Clients measured (after a few not counted: the room's first ones).
    CLIENTS = 200

    def setUp(self) -> None:
        self.clock = ReactorLikeClock()
        self.clock.advance(1_000_000)
        self.config = ServerConfig(max_per_ip=0)  # the crowd is one address
        self.server = local_server(self.config, self.clock)
        self.owner = FakeClient(self.server)
        self.owner.send("owner")
        self.owner.send("/create tea")
        self.owner.received()

    def per_client(self, connect: Callable[[int], Any], answer: str) -> float:
        """Bytes each of ``CLIENTS`` clients made by ``connect`` holds, once
        all sat silent until pinged and each answered with ``answer``."""
        warm = [connect(n) for n in range(20)]
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            clients = [connect(n) for n in range(20, 20 + self.CLIENTS)]
            for client in (*warm, *clients):
                client.received()
            self.clock.advance(longest_silence(self.config))
            for _ in range(3):  # the shared timer calls 256 owners a turn
                self.clock.advance(1)
            for client in (*warm, *clients):
                self.assertIn("PING", str(client.received()))
                client.send(answer)
                client.received()
            gc.collect()
            held = (tracemalloc.get_traced_memory()[0] - before) / self.CLIENTS
        finally:
            tracemalloc.stop()
        self.owner.send("still here?")
        self.assertIn("still here?", str(clients[-1].received()))
        self.clients = clients
        return held

    def test_an_idle_line_client_holds_under_3205_bytes(self) -> None:
        """A line client (its protocol, connection, session, seat, output
        queue, deadline and test transport, about 3,170 bytes here): no
        flood gate, and its bucket, full again, the shared one; its core
        session in its seat, not in a dict from seat to session; no time
        of the ping it answered."""

        def connect(n: int) -> FakeClient:
            client = FakeClient(self.server)
            client.send(f"user{n}")
            client.send("/join tea")
            return client

        self.assertLess(self.per_client(connect, "PONG x"), 3205)

    def test_an_idle_irc_client_holds_under_3490_bytes(self) -> None:
        """An IRC client answering ``PING`` (about 3,460 bytes here): its
        ``PONG`` goes through flood control, as every IRC line does, and
        leaves its bucket one float, no gate (about 100 bytes)."""
        door = IRCFactory(self.server)

        def connect(n: int) -> IRCClient:
            client = IRCClient(door)
            client.send(f"NICK user{n}", f"USER u{n} 0 * :U", "JOIN #tea")
            return client

        self.assertLess(self.per_client(connect, "PONG :x"), 3490)

    def test_an_idle_web_client_holds_under_3535_bytes(self) -> None:
        """A ``/ws`` client (about 3,500 bytes here): what a line client
        holds, and its channel and WebSocket; not its handshake's ``101``,
        nor a bound method for the channel's bound on an unfinished
        message, nor a flood gate."""
        site = build_site(self.server)

        def connect(n: int) -> WebClient:
            client = WebClient(site)
            client.send(f"user{n}", "/join tea")
            return client

        self.assertLess(self.per_client(connect, "PONG x"), 3535)

    def test_an_idle_clients_connection_and_seat_keep_no_slot_for_the_rare(
        self,
    ) -> None:
        """An idle client's connection is 128 bytes, its seat 96 and its
        core session 64 (a line and an IRC client alike): none keeps a
        slot of its own for what only some hold, and for a while (a
        closing connection's reason and the call that aborts it, an
        address a blocklist listed; a seat's second device, a join under
        way, an ignore list; a session's account, away message and
        metadata), which cost every connection 56 bytes (144, 112 and 88).
        Those still work: a second join is answered, and a closed client
        is let go."""
        door = IRCFactory(self.server)
        line = FakeClient(self.server)
        line.send("carol")
        line.send("/join tea")
        irc = IRCClient(door)
        irc.send("NICK dave", "USER d 0 * :D", "JOIN #tea")
        self.owner.send("/create cake")
        for client in (line, irc):
            client.received()
        self.clock.advance(longest_silence(self.config))
        for _ in range(3):
            self.clock.advance(1)
        sessions = chat_core(self.server).sessions
        for client, answer, member in (
            (line, "PONG x", line.protocol),
            (irc, "PONG :x", irc.session),
        ):
            self.assertIn("PING", str(client.received()))
            client.send(answer)
            seat = sessions.seat_of(member)
            assert seat is not None
            self.assertEqual(sys.getsizeof(member.connection), 128)
            self.assertEqual(sys.getsizeof(seat), 96)
            self.assertEqual(sys.getsizeof(seat.session), 64)
        line.send("/join cake")
        self.assertIn("JOINED cake", str(line.received()))
        line.protocol.connection.close("bye")
        self.assertIsNone(sessions.seat_of(line.protocol))
