"""Helpers shared by the server tests: fake and real-socket clients, a live server.

:class:`FakeClient` drives one :class:`chatroom.doors.line.protocol.ChatProtocol` over a
``StringTransport``, so unit tests see exactly the bytes a user would, with
no reactor. :class:`LineClient` is the real-socket equivalent for the
integration tests: it records every line and hands out Deferreds that fire
when an expected line arrives, so tests wait on events instead of sleeping.
:class:`ServerTestCase` starts the real service on 127.0.0.1 port 0 for them.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet import defer, reactor
from twisted.internet.address import IPv4Address
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    connectProtocol,
    wrapClientTLS,
)
from twisted.internet.error import ConnectionLost
from twisted.internet.interfaces import IOpenSSLClientConnectionCreator
from twisted.internet.testing import StringTransport
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.core.events import Event as SharedEvent
from chatroom.core.events import to_line
from chatroom.core.wire import ParsedLine, parse_event
from chatroom.doors.line.protocol import ChatProtocol
from chatroom.wiring.server import ChatServer
from chatroom.wiring.tap import ChatroomService, Options, makeService


class FakeClient:
    """One connected user: a real ``ChatProtocol`` on a ``StringTransport``.

    ``received()`` returns the lines the server sent since the last call and
    clears the transport, so each assertion covers exactly one exchange.
    """

    _next_port = 40000

    def __init__(
        self,
        server: ChatServer,
        host: str = "127.0.0.1",
        protocol_class: type[ChatProtocol] = ChatProtocol,
    ) -> None:
        FakeClient._next_port += 1
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", host, FakeClient._next_port)
        )
        self.protocol = protocol_class(server)
        self.protocol.makeConnection(self.transport)

    def send(self, line: str, end: str = "\r\n") -> None:
        """Send one line as the client would type it."""
        self.protocol.dataReceived((line + end).encode("utf-8"))

    def received(self) -> list[str]:
        """Lines the server sent since the last call (CRLF-checked, decoded)."""
        data = self.transport.value()
        self.transport.clear()
        if not data:
            return []
        assert data.endswith(b"\r\n"), f"server line not CRLF-terminated: {data!r}"
        return data.decode("utf-8").split("\r\n")[:-1]

    def events(self) -> list[ParsedLine]:
        """Like :meth:`received`, parsed by the documented grammar."""
        return [parse_event(line) for line in self.received()]

    def lose(self, failure: Failure | None = None) -> None:
        """The socket went away (by default: an unclean loss, as on a reset)."""
        self.protocol.connectionLost(failure or Failure(ConnectionLost()))

    @property
    def closing(self) -> bool:
        """True once the server has asked to close this connection."""
        return bool(self.transport.disconnecting)


class RecordingMember:
    """A member that records what it is handed, as protocol lines."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.data = b""

    def deliver(self, event: SharedEvent) -> None:
        self.data += event.encoded(to_line)

    def take(self) -> list[str]:
        """Lines sent since the last call."""
        data, self.data = self.data, b""
        return data.decode("utf-8").split("\r\n")[:-1]


class LineClient(LineReceiver):
    """A real-socket client that keeps every line and waits for expected ones.

    ``expect`` consumes lines in order: each call looks only at lines after
    the one the previous ``expect`` matched, so a test reads the
    conversation as a script without racing the network.
    """

    delimiter = b"\r\n"
    MAX_LENGTH = 1 << 20

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen = 0
        self._waiting: list[tuple[Callable[[str], bool], defer.Deferred[str]]] = []
        self.closed: defer.Deferred[None] = defer.Deferred()
        self.is_closed = False

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line.decode("utf-8"))
        self._match()

    def say(self, line: str) -> None:
        """Send one line."""
        self.sendLine(line.encode("utf-8"))

    def expect(self, predicate: Callable[[str], bool]) -> defer.Deferred[str]:
        """Fires with the next unconsumed line for which ``predicate`` is true."""
        waiter: defer.Deferred[str] = defer.Deferred()
        self._waiting.append((predicate, waiter))
        self._match()
        return waiter

    def expect_line(self, prefix: str) -> defer.Deferred[str]:
        """Fires with the next unconsumed line starting with ``prefix``."""
        return self.expect(lambda line: line.startswith(prefix))

    def _match(self) -> None:
        while self._waiting:
            predicate, waiter = self._waiting[0]
            for index in range(self._seen, len(self.lines)):
                if predicate(self.lines[index]):
                    self._seen = index + 1
                    self._waiting.pop(0)
                    waiter.callback(self.lines[index])
                    break
            else:
                return

    def connectionLost(self, reason: Failure = ConnectionLost()) -> None:  # noqa: B008
        self.is_closed = True
        waiting, self._waiting = self._waiting, []
        for _, waiter in waiting:
            waiter.errback(reason)
        self.closed.callback(None)


@defer.inlineCallbacks
def connect_client(
    reactor: object,
    port: int,
    name: str | None = None,
    tls: IOpenSSLClientConnectionCreator | None = None,
):
    """Connect to 127.0.0.1:``port`` (over TLS with ``tls``), wait for ``HELLO``.

    With ``name``, also choose that username and wait for ``WELCOME``.
    """
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    if tls is not None:
        endpoint = wrapClientTLS(tls, endpoint)
    client = yield connectProtocol(endpoint, LineClient())
    yield client.expect_line("HELLO ")
    if name is not None:
        client.say(name)
        yield client.expect_line("WELCOME ")
    return client


class ServerTestCase(unittest.TestCase):
    """Starts the real service with ``options``; stops it and every client after.

    Cleanup waits for the clients' own sockets to close too, so no test
    leaves a connection behind in the reactor.
    """

    timeout = 10
    options: tuple[str, ...] = ("--rate", "0")
    port_spec = "tcp:0:interface=127.0.0.1"
    #: The store (``--db``): nothing kept unless a test says where.
    db = ":memory:"

    @defer.inlineCallbacks
    def setUp(self):
        config = Options()
        config.parseOptions(["--port", self.port_spec, "--db", self.db, *self.options])
        self.service: ChatroomService = makeService(config)
        self.service.startService()
        self.clients: list[LineClient] = []
        self.addCleanup(self._stop)
        listening = yield self.service.listener.whenListening()
        self.port = listening.getHost().port

    @defer.inlineCallbacks
    def _stop(self):
        if self.service.running:
            yield self.service.stopService()
        for client in self.clients:
            if not client.is_closed:
                client.transport.loseConnection()
        yield defer.gatherResults([client.closed for client in self.clients])

    @defer.inlineCallbacks
    def client(self, name: str | None = None, tls=None):
        """A connected client (named, if ``name``), closed after the test."""
        client = yield connect_client(reactor, self.port, name, tls=tls)
        self.clients.append(client)
        return client

    @defer.inlineCallbacks
    def in_room(self, room: str, *names: str):
        """Clients that joined ``room`` (which must exist) in order."""
        clients = []
        for name in names:
            client = yield self.client(name)
            client.say(f"/join {room}")
            yield client.expect_line(f"MEMBERS {room} ")
            clients.append(client)
        return clients

    @defer.inlineCallbacks
    def room_names(self, client: LineClient):
        """The room names in a fresh ``/list`` reply."""
        client.say("/list")
        header = yield client.expect_line("ROOMS ")
        count = int(header.split()[1])
        names = []
        for _ in range(count):
            line = yield client.expect_line("ROOM ")
            names.append(line.split()[1])
        return names
