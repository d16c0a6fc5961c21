"""A real ``redis-server`` and several real chat nodes, for the cluster tests.

Each test gets its own ``redis-server`` on a free loopback port (no
persistence, so a restart loses everything, the harshest case) and starts
as many nodes as it needs, each the real ``makeService`` with ``--redis``
on 127.0.0.1 port 0. Without a ``redis-server`` on the PATH the tests are
skipped with that reason; ``make test`` installs Debian's package first
where it can (see the Makefile).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pkgutil
import shutil
import signal
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from twisted.internet import defer, protocol, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.interfaces import IDelayedCall, IProtocol, IReactorTime
from twisted.python.failure import Failure
from twisted.trial import unittest
from zope.interface import implementer

import chatroom.backends.redis
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.config import ClusterConfig, ServerConfig
from chatroom.core.model.letters import Mailer
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.redisclient.link import RedisLink
from chatroom.wiring.registries import RedisRegistry, redis_registry
from chatroom.wiring.tap import ChatroomService, Options, makeService
from tests.backends.contracts.handler import ContractBase, User
from tests.integration.test_twistd import spawn_twistd
from tests.support import (
    IN_PROCESS,
    FakeClient,
    LineClient,
    connect_client,
    free_port,
    port_of,
    redis_backend,
)

if TYPE_CHECKING:
    from chatroom.backends.redis.redis_backend import RedisBackend

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
)
NO_REDIS = (
    "redis-server is not installed (make test installs Debian's redis-server "
    "when it runs as root with apt-get; otherwise install it yourself)"
)


#: Every redis-server a test started that has not ended: killed at exit,
#: so that even a test that times out never leaves one running.
_RUNNING: set[int] = set()


@atexit.register
def _kill_leftovers() -> None:
    for pid in _RUNNING:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def every_script() -> list[Script]:
    """Every script of the Redis back-end, in both layouts."""
    found: dict[str, Script] = {}
    package = chatroom.backends.redis
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, Script):
                found[value.sha] = value
                found[value.rooms_apart.sha] = value.rooms_apart
    return list(found.values())


class RedisProcess(protocol.ProcessProtocol):
    """One ``redis-server``: fires ``ready`` once it accepts connections."""

    #: What it logs once it serves.
    READY = b"Ready to accept connections"

    def __init__(
        self,
        port: int,
        tls: tuple[str, str] | None = None,
        password: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.port = port
        self.password = password
        self.tls = tls  # (certificate, key) PEM paths: serve TLS only
        #: More of redis-server's options (``--replicaof HOST PORT``).
        self.options = options
        self.output = b""
        self.ready: defer.Deferred[None] = defer.Deferred()
        self.ended: defer.Deferred[None] = defer.Deferred()
        self.transport = None
        self.pid = 0
        self.directory = ""

    @property
    def url(self) -> str:
        if self.tls is not None:
            return f"rediss://127.0.0.1:{self.port}/0?ca={self.tls[0]}"
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> defer.Deferred[None]:
        """Start (or start again, empty) on this port; fires once it serves."""
        assert REDIS_SERVER is not None
        self.output = b""
        self.ready = defer.Deferred()
        self.ended = defer.Deferred()
        args = self.arguments()
        # Its working directory is its own: a Redis a failover demotes to a
        # replica writes the copy it receives there (dump.rdb), where no
        # later redis-server of the suite would load it.
        self.directory = tempfile.mkdtemp(prefix="chatroom-redis-")
        self.pid = reactor.spawnProcess(
            self, REDIS_SERVER, args, env=os.environ, path=self.directory
        ).pid
        _RUNNING.add(self.pid)
        return self.ready

    def arguments(self) -> list[str]:
        """redis-server's command line."""
        assert REDIS_SERVER is not None
        if self.tls is None:
            listen = ["--port", str(self.port)]
        else:
            certificate, key = self.tls
            listen = [
                "--port",
                "0",
                "--tls-port",
                str(self.port),
                "--tls-cert-file",
                certificate,
                "--tls-key-file",
                key,
                "--tls-auth-clients",
                "no",
            ]
        if self.password is not None:
            listen += ["--requirepass", self.password]
        return [
            REDIS_SERVER,
            *listen,
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--logfile", "",
            *self.options,
        ]  # fmt: skip

    def outReceived(self, data: bytes) -> None:
        self.output += data
        if self.READY in self.output and not self.ready.called:
            self.ready.callback(None)

    errReceived = outReceived

    def processEnded(self, reason: Failure) -> None:
        _RUNNING.discard(self.pid)
        if not self.ready.called:
            self.ready.errback(
                RuntimeError(f"redis-server ended:\n{self.output.decode()}")
            )
        shutil.rmtree(self.directory, ignore_errors=True)
        self.ended.callback(None)

    def stop(self, sig: int = signal.SIGKILL) -> defer.Deferred[None]:
        """Kill it (by default as abruptly as a crash) and wait for its end."""
        if not self.ended.called:
            assert self.transport is not None
            self.transport.signalProcess(sig)
        return self.ended


class RedisTestCase(unittest.TestCase):
    """A fresh ``redis-server`` per test (skipped without one, unless
    ``CHATROOM_REQUIRE_REDIS`` asks for a failure instead)."""

    timeout = 30
    #: Redis's ``requirepass``, if the test wants one.
    redis_password: str | None = None

    if REDIS_SERVER is None and not os.environ.get("CHATROOM_REQUIRE_REDIS"):
        skip = NO_REDIS

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        if REDIS_SERVER is None:  # CI asked for these tests to run: fail, loudly
            self.fail(NO_REDIS)
        yield self.start_redis()

    @defer.inlineCallbacks
    def start_redis(self):
        """A fresh ``redis-server`` for the test: :attr:`redis`, :attr:`redis_url`."""
        self.redis = RedisProcess(free_port(), self.tls_files(), self.redis_password)
        self.redis_url = self.redis.url
        yield self.redis.start()
        self.addCleanup(self.redis.stop)

    def tls_files(self) -> tuple[str, str] | None:
        """The certificate and key the test's Redis serves TLS with, if any."""
        return None


class ClusterTestCase(RedisTestCase):
    """A fresh ``redis-server`` per test, and nodes started on demand."""

    node_options: tuple[str, ...] = ("--rate", "0", "--node-ttl", "1.5")
    #: What the nodes run on: the reactor, or one whose time a test holds
    #: (:class:`HeldClock`).
    node_reactor: Any = reactor

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.nodes: list[ChatroomService] = []
        self.clients: list[LineClient] = []
        self.addCleanup(self._stop_nodes)

    @defer.inlineCallbacks
    def node(
        self,
        *options: str,
        node_id: str | None = None,
        wait: bool = True,
        alone: bool = False,
    ):
        """Start a node on a free port; fires with its service once it serves
        (or, without ``wait``, once it listens). ``alone``: a single server
        on the in-process back-end instead (no ``--redis``), for a test
        parametrized over one server and a cluster."""
        node_id = node_id or f"node{len(self.nodes) + 1}"
        cluster: tuple[str, ...] = ("--redis", self.redis_url, "--node-id", node_id)
        if alone:  # its own store, never the default file in the working directory
            cluster = ("--db", self.mktemp() + ".sqlite3")
        config = Options()
        config.parseOptions(
            [
                "--port", "tcp:0:interface=127.0.0.1",
                *cluster,
                *IN_PROCESS,
                *self.node_options,
                *options,
            ]
        )  # fmt: skip
        service: ChatroomService = makeService(config, self.node_reactor)
        service.startService()
        self.nodes.append(service)
        yield service.listener.whenListening()
        if wait and not alone:
            yield redis_backend(service.server).when_available()
        return service

    #: False: a test parametrized over one server and a cluster (by a
    #: subclass setting it) runs on one server alone, without Redis.
    spread = True

    @defer.inlineCallbacks
    def two_places(self, *options: str):
        """Where a test's two sides connect: two nodes with ``options``, or
        (``spread`` False) one server alone twice, on a store of its own."""
        if self.spread:
            return (yield self.start_nodes(2, *options))
        alone = yield self.node(*options, alone=True)
        return [alone, alone]

    @defer.inlineCallbacks
    def start_nodes(self, count: int, *options: str):
        """Start ``count`` nodes, one after another."""
        nodes = []
        for _ in range(count):
            nodes.append((yield self.node(*options)))
        return nodes

    @defer.inlineCallbacks
    def clients_of(self, nodes: list[ChatroomService], names: list[str] | None = None):
        """One client per entry of ``nodes`` (named from ``names`` if given)."""
        clients = []
        for index, node in enumerate(nodes):
            clients.append((yield self.client(node, names[index] if names else None)))
        return clients

    @defer.inlineCallbacks
    def alice_and_bob_in(self, room: str = "general"):
        """Two nodes; alice (on the first) then bob (on the second) in
        ``room``, which alice creates unless it is general."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        alice.say(f"/join {room}" if room == "general" else f"/create {room}")
        yield alice.expect_line(f"JOINED {room} ")
        bob.say(f"/join {room}")
        yield alice.expect_line(f"JOIN {room} bob")
        return one, two, alice, bob

    @defer.inlineCallbacks
    def doomed_node(self):
        """A node in a ``twistd`` process of its own, ``doomed`` (a
        ``--node-ttl`` of 1.5 s), for the test to kill: fires with the
        process and its line door's port once it is in the cluster."""
        process = spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1",
            "--redis", self.redis.url,
            "--node-id", "doomed",
            "--node-ttl", "1.5",
        )  # fmt: skip
        port = yield process.listening
        yield process.when_output(b"node doomed: in the cluster")
        return process, port

    def port_of(self, node: ChatroomService) -> int:
        assert node.listener.port is not None
        return port_of(node.listener.port)

    @defer.inlineCallbacks
    def client(self, node: ChatroomService, name: str | None = None):
        """A client of ``node`` (named, if ``name``), closed after the test."""
        client = yield connect_client(reactor, self.port_of(node), name)
        self.clients.append(client)
        return client

    @defer.inlineCallbacks
    def irc_client(
        self,
        node: ChatroomService,
        nick: str,
        caps: str = "",
        user: str = "",
        real: str = "",
        password: str = "",
    ):
        """An IRC client of ``node`` (its ``--irc`` door), registered as
        ``nick`` (USER ``user`` and realname ``real``, or the nick) with
        ``caps`` requested, signed in to its account with ``password`` if
        given (``PASS``); closed after the test."""
        port = (yield node.doors["irc"].whenListening()).getHost().port
        client = yield connectProtocol(
            TCP4ClientEndpoint(reactor, "127.0.0.1", port), LineClient()
        )
        self.clients.append(client)
        if password:
            client.say(f"PASS {password}")
        if caps:
            client.say(f"CAP REQ :{caps}")
        client.say(f"NICK {nick}")
        client.say(f"USER {user or nick} 0 * :{real or nick}")
        if caps:
            client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line or " 422 " in line)
        return client

    @defer.inlineCallbacks
    def _stop_nodes(self):
        for node in self.nodes:
            if node.running:
                yield node.stopService()
        for client in self.clients:
            if not client.is_closed:
                assert client.transport is not None
                client.transport.loseConnection()
        yield defer.gatherResults([client.closed for client in self.clients])


@defer.inlineCallbacks
def nodes_quiet(backends: list[RedisBackend], clock: task.Clock | None = None):
    """Until no node has begun a Redis call for three rounds in a row, each
    ending once both subscriber links have delivered what was published
    before it: the work of the last input is then done (a node's steps
    follow one another, so none being in flight at one instant is not
    enough). ``clock``: the nodes' fake clock, whose due calls run at each
    round, as a reactor would run them."""
    deadline = reactor.seconds() + 10
    rounds = 0
    begun = None
    while rounds < 3:
        if reactor.seconds() > deadline:
            raise AssertionError("the nodes did not go quiet in 10 s")
        if clock is not None:
            task.Clock.advance(clock, 0)
        yield task.deferLater(reactor, 0, lambda: None)
        now = [backend.calls.deadlines.begun for backend in backends]
        if now != begun or any(len(backend.calls.deadlines) for backend in backends):
            begun, rounds = now, 0
            continue
        yield defer.gatherResults(
            [backend.calls.caught_up.wait() for backend in backends]
        )
        rounds += 1


def comings_and_goings(lines: list[str], since: str, name: str) -> list[str]:
    """The ``PART``, ``QUIT``, ``JOIN`` and ``LEFT`` lines naming ``name``
    among a line client's ``lines`` after line ``since``."""
    after = lines[lines.index(since) + 1 :]
    verbs = ("PART", "QUIT", "JOIN", "LEFT")
    return [line for line in after if line.split(" ")[0] in verbs and name in line]


def tags_of(line: str) -> dict[str, str]:
    """The tags of an IRC line, unescaped enough for these tests."""
    if not line.startswith("@"):
        return {}
    section = line[1:].split(" ", 1)[0]
    return dict(tag.partition("=")[::2] for tag in section.split(";"))


@implementer(IReactorTime)
class SteppedReactor:
    """The real reactor, with a clock a test can move on: ``seconds()`` is
    the reactor's plus every ``advance``, so messages a test says a
    "second" apart are stamped a second apart and their order by time is
    certain. Everything else (its timers, whose delays are relative, and
    its sockets) is the reactor's own."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def seconds(self) -> float:
        return reactor.seconds() + self.ahead

    def advance(self, amount: float) -> None:
        self.ahead += amount

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        return reactor.callLater(delay, callable, *args, **kw)

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        return reactor.getDelayedCalls()

    def __getattr__(self, name: str) -> Any:
        """The rest (threads' ``callFromThread``, system event triggers)."""
        return getattr(reactor, name)


@implementer(IReactorTime)
class HeldClock(SteppedReactor):
    """The real reactor, whose time a test can hold still: while
    :meth:`hold` lasts, ``seconds()`` answers the moment it was held, so
    what the nodes decide by time (a back-off's wait) is decided at one
    moment however slowly a loaded machine delivers the test's lines. Its
    timers and sockets are the reactor's own."""

    def __init__(self) -> None:
        super().__init__()
        self.held_at: float | None = None

    def seconds(self) -> float:
        return super().seconds() if self.held_at is None else self.held_at

    def hold(self) -> None:
        self.held_at = self.seconds()

    def release(self) -> None:
        self.held_at = None


def stepped_registry(
    config: ServerConfig,
    cluster: ClusterConfig,
    clock: IReactorTime,
    mailer: Mailer | None = None,
) -> RedisRegistry:
    """A node whose core and back-end read ``clock`` (a
    :class:`SteppedReactor`), its links to Redis on the reactor's own (their
    deadlines count the time the node listened, which a step would skip)."""
    key = cluster.prefix  # on a Redis Cluster, the links go to its slot's
    return redis_registry(
        config,
        cluster,
        clock,
        commands=RedisLink(reactor, cluster.redis, "redis commands", cluster_key=key),
        subscriber=RedisLink(
            reactor, cluster.redis, "redis subscriber", subscriber=True, cluster_key=key
        ),
        heartbeat=RedisLink(reactor, cluster.redis, "redis heartbeat", cluster_key=key),
        mailer=mailer,
    )


class RedisRegistryTestCase(RedisTestCase):
    """A contract (``tests/backends/contracts/``) run on one server whose registry
    is in a fresh redis-server: replies come once Redis has answered, and
    ``wait`` lets them arrive. Subclasses name the ``config`` and list this
    class before the contract, so that this ``wait`` is the one used."""

    config: ServerConfig
    #: What the servers send mail with (None: they send none).
    mail_sender: Mailer | None = None

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        clock = self.node_clock()
        cluster, mailer = self.cluster_config(), self.mail_sender
        self.registry = stepped_registry(self.config, cluster, clock, mailer)
        self.server = DoorHub(
            self.config, clock=clock, registry=self.registry, mailer=mailer
        )
        self.server.start()
        self.addCleanup(self._stop)
        yield self.registry.backend.when_available()

    def cluster_config(self) -> ClusterConfig:
        """How the server reaches the test's Redis."""
        return ClusterConfig(RedisAddress.parse(self.redis_url), node_id="contract")

    def node_clock(self) -> IReactorTime:
        """The server's clock: the reactor (a contract that moves time on
        gives a :class:`SteppedReactor`)."""
        return reactor

    def _stop(self):
        self.server.stop()
        for connection in list(self.server.open_connections):
            # A twisted protocol by its interface (the IRC door's has no Protocol base).
            IProtocol(connection).connectionLost(protocol.connectionDone)
        return self.registry.detach()

    def wait(self):
        return task.deferLater(reactor, 0.005, lambda: None)


class TwoNodeRegistryTestCase(RedisRegistryTestCase, ContractBase):
    """A contract's server, and a second node (``two``) on the same Redis:
    :meth:`on_two` connects a user to it."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        cluster = replace(self.cluster_config(), node_id="two")
        mailer = self.mail_sender
        self.other = redis_registry(self.config, cluster, reactor, mailer=mailer)
        self.other_server = DoorHub(
            self.config, clock=reactor, registry=self.other, mailer=mailer
        )
        self.other_server.start()
        self.other_stopped = False
        self.addCleanup(self.stop_other)
        yield self.other.backend.when_available()

    def stop_other(self):
        """Node two stops, as a server does: its own sessions harvested."""
        if self.other_stopped:
            return None
        self.other_stopped = True
        self.other_server.stop()
        for connection in list(self.other_server.open_connections):
            IProtocol(connection).connectionLost(protocol.connectionDone)
        return self.other.detach()

    @defer.inlineCallbacks
    def on_two(self, name):
        """A user called ``name``, connected to node two."""
        user = User(FakeClient(self.other_server))
        user.say(name)
        yield self.expect(user, f"WELCOME {name}")
        return user
