"""Helpers shared by the server tests: fake and real-socket clients, a live server.

:class:`FakeClient` drives one :class:`chatroom.doors.line.protocol.LineProtocol` over a
``StringTransport``, so unit tests see exactly the bytes a user would, with
no reactor. :class:`LineClient` is the real-socket equivalent for the
integration tests: it records every line and hands out Deferreds that fire
when an expected line arrives, so tests wait on events instead of sleeping.
:class:`ServerTestCase` starts the real service on 127.0.0.1 port 0 for them.
"""

from __future__ import annotations

import calendar
import os
import shutil
import socket
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from typing import TYPE_CHECKING, Any, TypeVar, cast

from twisted.internet import defer, reactor, task, tcp
from twisted.internet.address import IPv4Address
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    connectProtocol,
    wrapClientTLS,
)
from twisted.internet.error import ConnectionLost
from twisted.internet.interfaces import (
    IListeningPort,
    IOpenSSLClientConnectionCreator,
    IProtocol,
    IReactorTime,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import ILogObserver, formatEvent, globalLogPublisher
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.local_backend import LocalBackend
from chatroom.backends.local.records import Store
from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.accounts.accounts import Account, registering
from chatroom.core.chat import ChatCore
from chatroom.core.infra.hashing import Runner
from chatroom.core.infra.seats import Seat, Session
from chatroom.core.metered import MeteredRegistry
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Event as SharedEvent
from chatroom.core.model.events import Listing, LobbyChanges, RoomRenamed, Welcome
from chatroom.core.model.letters import Mailer
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.registry import Registry
from chatroom.core.rooms.slash_commands import CommandCaller
from chatroom.core.services.accounts import AccountService
from chatroom.doors.base.connection import PING_SPREAD
from chatroom.doors.base.deadlines import STEP
from chatroom.doors.base.hub import DoorHub, WebAddress
from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.line.rendering import to_line
from chatroom.wire.lines import ParsedLine, parse_event
from chatroom.wiring.registries import local_registry
from chatroom.wiring.tap import ChatroomService, Options, makeService
from tests.ports import PortPool, suite_ports

T = TypeVar("T")
P = TypeVar("P", bound=IProtocol)

#: 2026-11-21T18:04:05.500Z, the server clock's time in unit tests.
NOW = calendar.timegm((2026, 11, 21, 18, 4, 5, 0, 0, 0)) + 0.5
STAMP = "2026-11-21T18:04:05.500Z"

#: Options for a server started inside the test process: no gc.freeze, since
#: the test process is not a long-lived server (chatroom.wiring.collector).
IN_PROCESS = ("--gc-freeze", "0")


if TYPE_CHECKING:  # only the cluster tests load the Redis back-end
    from chatroom.backends.redis.redis_backend import RedisBackend


def in_place(function: Callable[[], T]) -> defer.Deferred[T]:
    """The writer or hashing "thread" of unit tests: runs ``function`` now."""
    return defer.maybeDeferred(function)


def account_service(
    store: StoredAccounts, clock: IReactorTime, run: Runner, *args: Any, **kw: Any
) -> AccountService:
    """An account service over ``store`` alone, which applies the changes
    the service decides as the back-end's one write hands them to it."""
    return AccountService(store, store, store.apply, clock, run, *args, **kw)


#: This process's ports (:func:`tests.ports.suite_ports`).
_POOL = PortPool(suite_ports())


def require(tool: str | None, name: str, why: str) -> None:
    """Skip (or, with CHATROOM_REQUIRE_TOOLS, fail) when ``tool`` is missing."""
    if tool is not None:
        return
    if os.environ.get("CHATROOM_REQUIRE_TOOLS"):
        raise AssertionError(f"{name} is missing and CHATROOM_REQUIRE_TOOLS is set")
    raise unittest.SkipTest(f"{name} is not installed ({why}; make test installs it)")


def free_port() -> int:
    """A loopback port nobody listens on right now, for a server that cannot
    take port 0 (Redis) or must restart on the same port (see
    :mod:`tests.ports`)."""
    return _POOL.free_port()


def built_by(protocol: IProtocol, kind: type[P]) -> P:
    """The protocol an endpoint connected, as the ``kind`` its factory builds."""
    assert isinstance(protocol, kind), protocol
    return protocol


def port_of(listening: IListeningPort) -> int:
    """The TCP port a listener got (tests listen on port 0)."""
    address = listening.getHost()
    assert isinstance(address, IPv4Address), address
    return address.port


def log_lines(case: unittest.TestCase) -> list[str]:
    """The log's lines (formatted) from now until ``case`` ends."""
    lines: list[str] = []

    def observe(event: dict[str, Any]) -> None:
        lines.append(formatEvent(event))

    observer = cast(ILogObserver, observe)
    globalLogPublisher.addObserver(observer)
    case.addCleanup(globalLogPublisher.removeObserver, observer)
    return lines


def local_server(
    config: ServerConfig,
    clock: IReactorTime,
    store: Store | None = None,
    hashing: Runner | None = None,
    mailer: Mailer | None = None,
    call_command: CommandCaller | None = None,
) -> DoorHub:
    """A server over the in-process back-end, as ``twistd chatroom`` builds
    one without ``--redis`` (its rooms kept in ``store``, if given; mail
    sent with ``mailer``, if given; slash commands called by
    ``call_command``). Its registry is started: the back-end reports to
    the core from then on."""
    address = WebAddress()
    registry = local_registry(
        config,
        clock,
        store,
        hashing=hashing or in_place,
        mailer=mailer,
        link_base=address,
        call_command=call_command,
    )
    registry.start()
    return DoorHub(config, clock, registry, hashing, mailer=mailer, address=address)


def _unwrapped(server: DoorHub) -> Registry:
    registry = server.registry
    if isinstance(registry, MeteredRegistry):  # /metrics is served (--http)
        registry = registry.inner
    return registry


def chat_core(server: DoorHub) -> ChatCore[Any]:
    """The server's core (its sessions, its config), for tests that look
    inside it."""
    registry = _unwrapped(server)
    assert isinstance(registry, ChatCore), registry
    return registry


def seat_named(server: DoorHub, name: str) -> tuple[Member, Session]:
    """The member and session of the user called ``name`` on ``server``,
    for a test that reads or writes through the back-end as that user."""
    return next(
        (member, session)
        for member, session in chat_core(server).sessions.named()
        if session.name == name
    )


def kept_account(server: DoorHub, name: str) -> defer.Deferred[None]:
    """Account ``name`` kept by the server's back-end as a registration
    keeps one, with a hash no password matches: for a test of what is kept
    for a registered account (push subscriptions, upload tokens), which
    signs nobody in."""
    made = registering(None, Account(name_key(name), name, "no-password"))
    return defer.ensureDeferred(chat_core(server).backend.apply(made))


def local_backend(server: DoorHub) -> LocalBackend:
    """The server's in-process back-end, for tests that look inside it."""
    backend = chat_core(server).backend
    assert isinstance(backend, LocalBackend), backend
    return backend


def device(member: object) -> object:
    """The door's member behind a back-end's member (a seat of one device)."""
    if isinstance(member, Seat):
        (only,) = member.devices
        return only
    return member


def redis_backend(server: DoorHub) -> RedisBackend:
    """The cluster node's back-end, for tests that look inside it."""
    from chatroom.backends.redis.redis_backend import RedisBackend

    backend = chat_core(server).backend
    assert isinstance(backend, RedisBackend), backend
    return backend


#: What a test client does after it writes a line and before it reads:
#: nothing on one server, where the server has done everything a line
#: asks before ``dataReceived`` returns; on two Redis-backed nodes
#: (:mod:`tests.cluster.two_nodes`), wait until both nodes are quiet, so
#: that the test reads as a person would once the chat has caught up.
_SETTLERS: list[Callable[[], object]] = []


def settle() -> None:
    """Let the server finish what the test's input started (see ``_SETTLERS``)."""
    for settler in _SETTLERS:
        settler()


def settle_with(case: unittest.TestCase, settler: Callable[[], object]) -> None:
    """Make :func:`settle` call ``settler`` until ``case`` ends."""
    _SETTLERS.append(settler)
    case.addCleanup(_SETTLERS.remove, settler)


def in_process_only(why: str) -> Callable[[T], T]:
    """A test that looks inside the in-process back-end (``why`` says
    what for): :mod:`tests.cluster.two_nodes` leaves it out, since a
    cluster node has no such insides to look at."""

    def mark(test: T) -> T:
        test.in_process_only = why  # type: ignore[attr-defined]
        return test

    return mark


class SettlingClock(Clock):
    """A ``task.Clock`` that lets the server :func:`settle` before and after
    time moves: on two nodes, a Redis call still under way when a test
    jumps minutes ahead would time out."""

    def advance(self, amount: float) -> None:
        settle()
        super().advance(amount)
        settle()


def longest_silence(config: ServerConfig) -> float:
    """The longest a client may stay silent before the server pings it:
    ``--ping-interval`` and its random spread (``PING_SPREAD``), and a
    step of the connections' shared timer."""
    return config.ping_interval * (1 + PING_SPREAD) + STEP


def until_pinged(
    clock: Clock,
    received: Callable[[], list[str]],
    config: ServerConfig,
    silent_since: float,
) -> tuple[list[str], float]:
    """Run ``clock``'s calls one at a time until a client silent since
    ``silent_since`` hears something (``received``: the lines it heard
    since the last call), its keepalive ``PING``; what it heard, and
    when. It must hear nothing before ``--ping-interval`` of silence, and
    something within :func:`longest_silence`."""
    latest = silent_since + longest_silence(config)
    while True:
        calls = clock.getDelayedCalls()
        assert calls, "nothing left to wait for: never pinged"
        clock.advance(max(0.0, min(call.getTime() for call in calls) - clock.seconds()))
        heard = received()
        now = clock.seconds()
        if heard:
            silence = now - silent_since
            assert silence >= config.ping_interval, (heard, silence)
            return heard, now
        assert now <= latest, f"not pinged after {now - silent_since} s of silence"


class FakeClient:
    """One connected user: a real ``LineProtocol`` on a ``StringTransport``.

    ``received()`` returns the lines the server sent since the last call and
    clears the transport, so each assertion covers exactly one exchange.
    """

    _next_port = 40000

    def __init__(
        self,
        server: DoorHub,
        host: str = "127.0.0.1",
        protocol_class: type[LineProtocol] = LineProtocol,
    ) -> None:
        FakeClient._next_port += 1
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", host, FakeClient._next_port)
        )
        self.protocol = protocol_class(server)
        self.protocol.makeConnection(self.transport)

    def send(self, line: str | bytes, end: str = "\r\n") -> None:
        """Send one line as the client would type it; bytes are sent as they
        are, split and terminated however a framing test likes."""
        if isinstance(line, bytes):
            self.protocol.dataReceived(line)
        else:
            self.protocol.dataReceived((line + end).encode("utf-8"))
        settle()

    def received(self) -> list[str]:
        """Lines the server sent since the last call (CRLF-checked, decoded)."""
        settle()
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
        settle()
        return bool(self.transport.disconnecting)


class ProtocolTestCase(unittest.TestCase):
    """The server test case of unit tests: a fresh server on a fake clock per
    test (at :data:`NOW`), and ways to make users; ``config`` is the test's."""

    config = ServerConfig(rate=0)

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)
        self.server = local_server(self.config, self.clock)

    def connect(self, name: str | None = None, host: str = "127.0.0.1") -> FakeClient:
        """A new connection from ``host``; with ``name``, already past the
        username step. Its transport is cleared."""
        client = FakeClient(self.server, host)
        if name is not None:
            client.send(name)
            self.assertEqual(client.received()[1], f"WELCOME {name}")
        client.received()
        return client

    def join(self, room: str, *names: str) -> list[FakeClient]:
        """Named users who joined ``room`` in order, their transports cleared."""
        clients = []
        for name in names:
            client = self.connect(name)
            client.send(f"/join {room}")
            clients.append(client)
        for client in clients:
            client.received()
        return clients

    def in_room(self, *names: str, room: str = "general") -> list[FakeClient]:
        """Named users in ``room`` (general unless said), transports cleared."""
        return self.join(room, *names)

    def create(self, room: str, owner: str, *others: str) -> list[FakeClient]:
        """``owner`` creates ``room``, then ``others`` join it in order."""
        first = self.connect(owner)
        first.send(f"/create {room}")
        clients = [first, *self.join(room, *others)]
        first.received()
        return clients

    def assertError(self, client: FakeClient, code: str) -> None:
        """The client's only reply is one ``ERR code ...`` line."""
        lines = client.received()
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith(f"ERR {code} "), lines)


class RecordingMember:
    """A member that records what it is handed: events as protocol lines, and
    being sent back to the lobby as ``REMOVED room count``."""

    door = "line"

    def __init__(self, name: str) -> None:
        self.name = name
        self.data = b""
        self.welcomes: list[Welcome] = []
        self.lobby: list[LobbyChanges] = []
        self.disconnected: list[str] = []

    def deliver(self, event: SharedEvent) -> None:
        self.data += event.encoded(to_line)

    def message_writer(self) -> None:
        """Messages through :meth:`deliver`."""
        return None

    def entered(self, welcome: Welcome) -> None:
        self.welcomes.append(welcome)

    def removed(self, room: str, listing: Listing | None) -> None:
        self.data += (
            f"REMOVED {room} {len(listing.rooms) if listing else '-'}\r\n".encode()
        )

    def room_renamed(self, renamed: RoomRenamed) -> None:
        self.data += renamed.encoded(to_line)

    def lobby_changed(self, changes: LobbyChanges) -> None:
        self.lobby.append(changes)

    #: One room at a time, as a line connection without ``multi``.
    views_every_room = False
    #: Never caught up from a marker: never in every room.
    starts_blank = False

    def shown_marker(self, room: str, marker: int | None) -> None:
        """Never a device in every room: never shown a room unasked."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        self.removed(room, listing)

    def disconnect(self, reason: str) -> None:
        self.disconnected.append(reason)

    def take(self) -> list[str]:
        """Lines sent since the last call."""
        data, self.data = self.data, b""
        return data.decode("utf-8").split("\r\n")[:-1]


#: How a connection's end is reported when nothing better is known.
_LOST = Failure(ConnectionLost())


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

    def connectionLost(self, reason: Failure = _LOST) -> None:
        self.is_closed = True
        waiting, self._waiting = self._waiting, []
        for _, waiter in waiting:
            waiter.errback(reason)
        self.closed.callback(None)


#: How often :func:`until` looks again.
POLL = 0.05


@defer.inlineCallbacks
def until(check: Callable[[], Any], bound: float, what: str):
    """Poll ``check`` (a Deferred's function) until it gives something true,
    for at most ``bound`` seconds; that something."""
    deadline = reactor.seconds() + bound
    while True:
        try:
            result = yield check()
        except Exception:  # not up yet, or refusing: look again
            result = None
        if result:
            return result
        if reactor.seconds() > deadline:
            raise AssertionError(f"not within {bound} s: {what}")
        yield task.deferLater(reactor, POLL, lambda: None)


def committed(db: str, query: str) -> Any:
    """The first value ``query`` reads from the SQLite file ``db`` (a
    server's ``--db``) as another process sees it: only what the server
    has committed. The file is in WAL mode, so reading it never holds up
    the server's writer; a file not made yet raises, which :func:`until`
    takes for "not yet"."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as reader:
        row = reader.execute(query).fetchone()
    return row[0] if row else None


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
    endpoint: IStreamClientEndpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    if tls is not None:
        endpoint = wrapClientTLS(tls, endpoint)
    client = yield connectProtocol(endpoint, LineClient())
    yield client.expect_line("HELLO ")
    if name is not None:
        client.say(name)
        yield client.expect_line("WELCOME ")
    return client


class StoreFileTestCase(unittest.TestCase):
    """Servers on one ``--db`` file, restarted by the test: each
    :meth:`start` is a server after a crash (only what was flushed counts)."""

    config = ServerConfig(rate=0, history=5, resume_bound=5, retention=50)

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()

    def start(self) -> DoorHub:
        """A server on the file, once what was pending is flushed."""
        self.clock.advance(FLUSH_INTERVAL)
        store = SqliteStore(self.path, self.clock, in_place, self.config.retention)
        self.addCleanup(store.db.close)
        return local_server(self.config, self.clock, store)


class SocketPairCase(unittest.TestCase):
    """A connected TCP transport over a real socket pair (``connection``,
    non-blocking), what its peer reads (:meth:`received`), and a
    :attr:`clock` for the turn's end."""

    def setUp(self) -> None:
        ours, self.theirs = socket.socketpair()
        ours.setblocking(False)
        self.theirs.setblocking(False)
        self.addCleanup(self.theirs.close)
        self.addCleanup(ours.close)
        self.reactor = MemoryReactorClock()
        self.connection = tcp.Connection(ours, Protocol(), self.reactor)
        self.connection.connected = True
        self.clock = Clock()

    def received(self) -> bytes:
        try:
            return self.theirs.recv(65536)
        except BlockingIOError:
            return b""


class ServerTestCase(unittest.TestCase):
    """Starts the real service with ``options``; stops it and every client after.

    Cleanup waits for the clients' own sockets to close too, so no test
    leaves a connection behind in the reactor.
    """

    #: A bound for a hung test, with room for a loaded machine.
    timeout = 30
    options: tuple[str, ...] = ("--rate", "0")
    port_spec = "tcp:0:interface=127.0.0.1"
    #: The store (``--db``): nothing kept unless a test says where.
    db = ":memory:"

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        config = Options()
        config.parseOptions(
            ["--port", self.port_spec, "--db", self.db, *IN_PROCESS, *self.options]
        )
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
                assert client.transport is not None
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


def redis_command(server: DoorHub, *command: Any) -> defer.Deferred[Any]:
    """One plain command of a test, on the node's link to the Redis that
    holds its key (its first argument): the commands link, or on a Redis
    Cluster of several primaries with rooms apart, the primary of the
    key's slot (:mod:`chatroom.backends.redis.routing`)."""
    from chatroom.backends.redis.routing import RoutedCalls
    from chatroom.redisclient.slots import key_slot

    calls = redis_backend(server).calls
    if isinstance(calls, RoutedCalls):
        slot = key_slot(command[1])
        return defer.Deferred.fromCoroutine(calls.shards.execute(slot, *command))
    connection = calls.commands.connection
    assert connection is not None
    return connection.execute_command(*command)
