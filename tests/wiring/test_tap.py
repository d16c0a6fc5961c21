"""Unit tests for ``twistd chatroom``'s options and the service they build."""

from __future__ import annotations

import contextlib
import io
import os
import select
import sys

from twisted.internet.testing import MemoryReactorClock
from twisted.protocols.policies import WrappingFactory
from twisted.python import usage
from twisted.scripts.twistd import ServerOptions
from twisted.trial import unittest
from twisted.web.server import Site

from chatroom.backends.local.local_backend import LocalBackend
from chatroom.backends.redis.redis_backend import RedisBackend
from chatroom.core.chat import ChatCore
from chatroom.core.metered import MeteredRegistry
from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCPort
from chatroom.doors.line.protocol import LineFactory
from chatroom.net.pollcap import EVENTS_PER_POLL, CappedPoller
from chatroom.redisclient.addresses import (
    RedisAddress,
    RedisClusterAddress,
    SentinelAddress,
)
from chatroom.wiring.collector import CollectorService
from chatroom.wiring.reuseport import ReusePortEndpoint
from chatroom.wiring.tap import Options, makeService
from tests.support import IN_PROCESS, chat_core, local_backend


def parse(*args: str) -> Options:
    """Options parsed from a command line, as twistd would (with ``--db
    :memory:`` first, so no test writes a store into the working directory,
    and no gc.freeze in the test process)."""
    options = Options()
    options.parseOptions(["--db", ":memory:", *IN_PROCESS, *args])
    return options


class SignalledReactor(MemoryReactorClock):
    """A memory reactor that records the signal it is stopped by, as the
    real one does (twistd re-raises it after shutdown)."""

    _exitSignal: int | None = None


class OptionsTests(unittest.TestCase):
    """Command-line values become the server's configuration, or a usage error."""

    def test_defaults(self) -> None:
        """No options: port 8080 and the documented defaults."""
        options = parse()
        self.assertEqual(options["port"], ("tcp:8080",))
        self.assertEqual(options.server_config(), ServerConfig())

    def test_port_number(self) -> None:
        """A bare port number becomes a TCP endpoint description."""
        self.assertEqual(parse("--port", "9000")["port"], ("tcp:9000",))
        self.assertEqual(parse("-p", "9001")["port"], ("tcp:9001",))

    def test_endpoint_passes_through(self) -> None:
        """Endpoint descriptions are used as given."""
        for spec in (
            "tcp:8080:interface=127.0.0.1",
            "ssl:8443:privateKey=key.pem:certKey=cert.pem",
            "unix:/tmp/chat.sock",
        ):
            self.assertEqual(parse("--port", spec)["port"], (spec,))

    def test_numbers(self) -> None:
        """Numeric options reach the server configuration as numbers."""
        config = parse(
            "--room-capacity",
            "3",
            "--max-rooms",
            "7",
            "--history",
            "0",
            "--rate",
            "2.5",
            "--name",
            "teahouse",
        ).server_config()
        self.assertEqual(
            (config.room_capacity, config.max_rooms, config.history, config.rate),
            (3, 7, 0, 2.5),
        )
        self.assertEqual(config.name, "teahouse")

    def test_registration_limits(self) -> None:
        """--register-limit/-window/-rate reach the configuration; 0 turns
        a limit off, a negative value is a usage error."""
        config = parse(
            "--register-limit", "5", "--register-window", "60", "--register-rate", "0"
        ).server_config()
        self.assertEqual(
            (config.register_limit, config.register_window, config.register_rate),
            (5, 60.0, 0),
        )
        self.assertEqual(ServerConfig().register_limit, 30)  # Ergo's default
        for args in (("--register-limit", "-1"), ("--register-window", "0")):
            self.assertRaises(usage.UsageError, parse, *args)

    def test_password_min(self) -> None:
        """--password-min reaches the accounts' rule (8 by default); 0 or
        more than the longest password (128) is a usage error."""
        self.assertEqual(parse().server_config().password_min, 8)
        self.assertEqual(parse("--password-min", "4").server_config().password_min, 4)
        for value in ("0", "129"):
            self.assertRaises(usage.UsageError, parse, "--password-min", value)

    def test_scram_iterations(self) -> None:
        """--scram-iterations reaches the accounts' SCRAM keys (100,000 by
        default); fewer than RFC 7677's 4096 is a usage error."""
        self.assertEqual(parse().server_config().scram_iterations, 100_000)
        config = parse("--scram-iterations", "4096").server_config()
        self.assertEqual(config.scram_iterations, 4096)
        self.assertRaises(usage.UsageError, parse, "--scram-iterations", "4095")

    def test_max_devices(self) -> None:
        """--max-devices reaches the core's device limit (10 by default);
        fewer than 1 is a usage error."""
        self.assertEqual(parse().server_config().max_devices, 10)
        self.assertEqual(parse("--max-devices", "2").server_config().max_devices, 2)
        for value in ("0", "two"):
            self.assertRaises(usage.UsageError, parse, "--max-devices", value)

    def test_bad_numbers(self) -> None:
        """Non-numbers and values below the minimum are usage errors."""
        for args in (
            ("--room-capacity", "many"),
            ("--room-capacity", "0"),
            ("--max-rooms", "-1"),
            ("--history", "1.5"),
            ("--rate", "fast"),
            ("--max-line", "10"),
        ):
            self.assertRaises(usage.UsageError, parse, *args)

    def test_rooms(self) -> None:
        """--rooms is a comma-separated list; '' means no permanent rooms."""
        self.assertEqual(
            parse("--rooms", "general, tea,x.y")["rooms"], ("general", "tea", "x.y")
        )
        self.assertEqual(parse("--rooms", "")["rooms"], ())

    def test_bad_rooms(self) -> None:
        """An invalid permanent room name is a usage error that names it."""
        error = self.assertRaises(usage.UsageError, parse, "--rooms", "ok,bad name!")
        self.assertIn("bad name!", str(error))
        self.assertRaises(usage.UsageError, parse, "--rooms", "r" * 33)

    def test_more_rooms_than_allowed(self) -> None:
        """More permanent rooms than --max-rooms is a usage error."""
        self.assertRaises(
            usage.UsageError, parse, "--rooms", "a,b,c", "--max-rooms", "2"
        )

    def test_bad_name(self) -> None:
        """--name must be one word (it is a field of HELLO)."""
        self.assertRaises(usage.UsageError, parse, "--name", "two words")


class ClusterOptionsTests(unittest.TestCase):
    """``--redis`` and its companions."""

    def test_alone_without_redis(self) -> None:
        """No --redis: no cluster, and --node-id alone is a mistake."""
        self.assertIsNone(parse().cluster_config())
        self.assertRaises(usage.UsageError, parse, "--node-id", "n1")

    def test_redis_url(self) -> None:
        """The URL gives host, port, database and password; the id is checked."""
        cluster = parse(
            "--redis", "redis://:s%40cret@redis.example:6380/2", "--node-id", "n1",
            "--node-ttl", "6", "--redis-timeout", "2",
        ).cluster_config()  # fmt: skip
        assert cluster is not None
        self.assertEqual(
            cluster.redis,
            RedisAddress("redis.example", 6380, 2, password="s@cret", tls=False),
        )
        self.assertEqual(
            (cluster.node_id, cluster.node_ttl, cluster.redis_timeout),
            ("n1", 6.0, 2.0),
        )
        self.assertNotIn("s@cret", str(cluster.redis))  # logs never show it
        self.assertTrue(RedisAddress.parse("rediss://r.example").tls)

    def test_default_node_id_is_unique_and_valid(self) -> None:
        """Without --node-id a node is named after its host and process."""
        cluster = parse("--redis", "redis://127.0.0.1").cluster_config()
        assert cluster is not None
        self.assertRegex(cluster.node_id, r"^[A-Za-z0-9_.-]+-[0-9]+-[0-9a-f]{4}$")
        self.assertLessEqual(len(cluster.node_id), 32)
        other = parse("--redis", "redis://127.0.0.1").cluster_config()
        assert other is not None
        self.assertNotEqual(cluster.node_id, other.node_id)

    def test_search_db(self) -> None:
        """``--search-db`` is the cluster's PostgreSQL; it needs ``--redis``
        and a connection string libpq can read, checked at start-up."""
        cluster = parse(
            "--redis", "redis://127.0.0.1", "--search-db", "postgresql://chat@db/chat"
        ).cluster_config()  # fmt: skip
        assert cluster is not None
        self.assertEqual(cluster.search_db, "postgresql://chat@db/chat")
        cluster = parse("--redis", "redis://127.0.0.1").cluster_config()
        assert cluster is not None
        self.assertIsNone(cluster.search_db)
        with self.assertRaises(usage.UsageError) as refused:
            parse("--search-db", "dbname=chat")
        self.assertEqual(
            str(refused.exception),
            "--search-db: needs --redis (a single server uses --db)",
        )
        with self.assertRaises(usage.UsageError) as refused:
            parse("--redis", "redis://127.0.0.1", "--search-db", "dbname")
        self.assertTrue(str(refused.exception).startswith("--search-db: "))

    def test_bad_values(self) -> None:
        """A bad URL or node id is a one-line usage error."""
        for args in (
            ("--redis", "http://127.0.0.1"),
            ("--redis", "redis://127.0.0.1/zero"),
            ("--redis", "redis:///0"),
            ("--redis", "redis://127.0.0.1", "--node-id", "a:b"),
            ("--redis", "redis://127.0.0.1", "--node-ttl", "0"),
            ("--redis", "rediss://127.0.0.1/0?ca=/no/such/file.pem"),
            ("--redis", "redis://127.0.0.1/0?ca=" + __file__),  # TLS only
            ("--redis", "redis://127.0.0.1/0?timeout=3"),
            ("--redis", "sentinel://127.0.0.1:26379"),  # no service
            ("--redis", "sentinel://127.0.0.1:port/chat"),
            ("--redis", "sentinel://a:1,,b:2/chat"),
            ("--redis", "sentinel://a:1/chat/zero"),
            ("--redis", "redis://127.0.0.1", "--redis-replicas", "-1"),
            ("--redis-replicas", "1"),  # needs --redis
        ):
            self.assertRaises(usage.UsageError, parse, *args)

    def test_sentinel_url(self) -> None:
        """``sentinel://`` lists the Sentinels (26379 by default) and names
        the service, with the primary's password and database; a message
        then waits for one replica unless ``--redis-replicas`` says
        otherwise, and never for one with ``redis://``."""
        cluster = parse(
            "--redis", "sentinel://:s%40cret@10.0.0.1:26380,sentinel.example/chat/3",
        ).cluster_config()  # fmt: skip
        assert cluster is not None
        self.assertEqual(
            cluster.redis,
            SentinelAddress(
                (("10.0.0.1", 26380), ("sentinel.example", 26379)),
                "chat",
                db=3,
                password="s@cret",
            ),
        )
        self.assertEqual(
            str(cluster.redis),
            "sentinel://10.0.0.1:26380,sentinel.example:26379/chat/3",
        )
        self.assertEqual(cluster.replicas, 1)
        assert isinstance(cluster.redis, SentinelAddress)
        self.assertEqual(
            cluster.redis.primary("10.0.0.9", 6379),
            RedisAddress("10.0.0.9", 6379, 3, password="s@cret"),
        )
        for redis, replicas, expected in (
            ("sentinel://s1/chat", "0", 0),
            ("sentinel://s1/chat", "2", 2),
            ("redis://127.0.0.1", None, 0),
            ("redis://127.0.0.1", "1", 1),
        ):
            more = () if replicas is None else ("--redis-replicas", replicas)
            cluster = parse("--redis", redis, *more).cluster_config()
            assert cluster is not None
            self.assertEqual(cluster.replicas, expected)

    def test_redis_cluster_url(self) -> None:
        """``cluster://`` lists nodes of a Redis Cluster (6379 by default),
        with its password; the keys then carry the hash tag that keeps them
        in one slot, and a message waits for one replica unless
        ``--redis-replicas`` says otherwise. Redis Cluster has database 0
        alone, so a URL naming another is refused."""
        cluster = parse(
            "--redis", "cluster://:s%40cret@10.0.0.1:7000,redis.example",
        ).cluster_config()  # fmt: skip
        assert cluster is not None
        self.assertEqual(
            cluster.redis,
            RedisClusterAddress(
                (("10.0.0.1", 7000), ("redis.example", 6379)), password="s@cret"
            ),
        )
        self.assertEqual(
            str(cluster.redis), "cluster://10.0.0.1:7000,redis.example:6379"
        )
        self.assertEqual((cluster.prefix, cluster.replicas), ("{chatroom}:", 1))
        assert isinstance(cluster.redis, RedisClusterAddress)
        self.assertEqual(
            cluster.redis.primary("10.0.0.9", 7001),
            RedisAddress("10.0.0.9", 7001, 0, password="s@cret"),
        )
        unsharded = parse("--redis", "redis://127.0.0.1").cluster_config()
        assert unsharded is not None
        self.assertEqual(unsharded.prefix, "chatroom:")
        more = parse(
            "--redis", "cluster://r1", "--redis-replicas", "0"
        ).cluster_config()
        assert more is not None
        self.assertEqual(more.replicas, 0)
        for url in ("cluster://r1/2", "cluster://r1:port", "cluster://"):
            self.assertRaises(usage.UsageError, parse, "--redis", url)

    def test_cluster_service(self) -> None:
        """With --redis, makeService builds a cluster node; nothing connects yet."""
        reactor = MemoryReactorClock()
        service = makeService(
            parse("--redis", "redis://127.0.0.1:6399", "--node-id", "n1"), reactor
        )
        self.assertIsInstance(chat_core(service.server).backend, RedisBackend)
        self.assertIsInstance(service.listener.factory, LineFactory)
        self.assertEqual(reactor.tcpClients, [])


class HelpTests(unittest.TestCase):
    """``twistd chatroom --help`` explains every option."""

    def test_help_mentions_each_option(self) -> None:
        """Every option appears in the help twistd prints for the plugin."""
        output = io.StringIO()
        self.patch(sys, "stdout", output)
        exit = self.assertRaises(
            SystemExit, ServerOptions().parseOptions, ["chatroom", "--help"]
        )
        self.assertIn(exit.code, (None, 0))
        text = output.getvalue()
        self.assertIn("twistd [options] chatroom", text)
        for option in (
            "port",
            "name",
            "rooms",
            "room-capacity",
            "max-rooms",
            "history",
            "max-line",
            "rate",
            "burst",
            "max-clients",
            "max-per-ip",
            "login-timeout",
            "sendq",
            "ping-interval",
            "ping-timeout",
            "register-limit",
            "register-window",
            "register-rate",
            "shutdown-grace",
            "redis",
            "node-id",
            "node-ttl",
            "redis-timeout",
            "irc",
            "http",
            "http-origins",
        ):
            self.assertIn(f"--{option}=", text)
        self.assertIn("ssl:8443", text)


class MakeServiceTests(unittest.TestCase):
    """``makeService`` wires a server to a listener on the given endpoint."""

    def test_listens_where_told(self) -> None:
        """Starting the service listens on the configured port and interface."""
        reactor = MemoryReactorClock()
        options = parse(
            "--port", "tcp:7777:interface=127.0.0.1", "--room-capacity", "9",
            "--db", ":memory:",
        )  # fmt: skip
        service = makeService(options, reactor=reactor)
        self.assertEqual(service.server.config.room_capacity, 9)
        service.startService()
        self.addCleanup(service.stopService)
        ((port, factory, _, interface),) = reactor.tcpServers
        self.assertEqual((port, interface), (7777, "127.0.0.1"))
        assert isinstance(factory, LineFactory)
        self.assertIs(factory.server, service.server)
        self.assertIsNotNone(self.successResultOf(service.listener.whenListening()))

    def test_epoll_reactor_takes_a_bounded_number_of_events_a_turn(self) -> None:
        """On an epoll reactor the server takes at most EVENTS_PER_POLL
        readiness events a poll, so a crowd's closed sockets are torn down
        over several turns (:mod:`chatroom.net.pollcap`)."""
        reactor = MemoryReactorClock()
        epoll = select.epoll()
        self.addCleanup(epoll.close)
        reactor._poller = epoll  # type: ignore[attr-defined]
        makeService(parse("--db", ":memory:"), reactor=reactor)
        poller = reactor._poller  # type: ignore[attr-defined]
        assert isinstance(poller, CappedPoller)
        self.assertEqual((poller.poller, poller.cap), (epoll, EVENTS_PER_POLL))

    def test_permanent_rooms(self) -> None:
        """The --rooms rooms exist from the start."""
        service = makeService(
            parse("--rooms", "lobby,tea", "--db", ":memory:"),
            reactor=MemoryReactorClock(),
        )
        self.assertEqual(
            sorted(
                room.name
                for room in local_backend(service.server).rooms.by_key.values()
            ),
            ["lobby", "tea"],
        )

    def test_clean_shutdown_clears_exit_signal(self) -> None:
        """After a graceful stop twistd will not re-raise SIGTERM: exit 0."""
        reactor = SignalledReactor()
        service = makeService(
            parse("--port", "tcp:0", "--db", ":memory:"), reactor=reactor
        )
        service.startService()
        reactor._exitSignal = 15  # what the reactor records on SIGTERM
        self.successResultOf(service.stopService())
        self.assertIsNone(reactor._exitSignal)


class DoorOptionsTests(unittest.TestCase):
    """``--irc`` and ``--http`` add doors; without them there are none."""

    def test_off_unless_given(self) -> None:
        """By default only the line protocol listens, on an unwrapped registry."""
        service = makeService(parse(), reactor=MemoryReactorClock())
        self.assertEqual(service.doors, {})
        self.assertIsInstance(service.server.registry, ChatCore)
        self.assertIsInstance(chat_core(service.server).backend, LocalBackend)

    def test_doors(self) -> None:
        """Port numbers become tcp: endpoints; each door gets its factory,
        all sharing one server; /metrics times the registry."""
        reactor = MemoryReactorClock()
        options = parse(
            "--irc",
            "6667",
            "--http",
            "tcp:8000:interface=127.0.0.1",
            "--http-origins",
            "https://a.example, https://b.example",
        )
        self.assertEqual(options["irc"], ("tcp:6667",))
        self.assertEqual(
            options["http-origins"], ("https://a.example", "https://b.example")
        )
        service = makeService(options, reactor=reactor)
        service.startService()
        self.addCleanup(service.stopService)
        ports = {port: factory for port, factory, _, _ in reactor.tcpServers}
        irc, http = ports[6667], ports[8000]
        assert isinstance(irc, IRCPort)  # the door's, for one port
        self.assertIs(irc.door.server, service.server)
        assert isinstance(http, WrappingFactory)
        self.assertIsInstance(http.wrappedFactory, Site)
        self.assertIsInstance(service.server.registry, MeteredRegistry)

    def test_bad_door_endpoint(self) -> None:
        """A bad --irc description is one line and exit 1, naming the option."""
        output = io.StringIO()
        self.patch(sys, "stderr", output)
        self.assertRaises(
            SystemExit, makeService, parse("--irc", "nonsense:1"), MemoryReactorClock()
        )
        self.assertIn("--irc nonsense:1", output.getvalue())


class StoreOptionsTests(unittest.TestCase):
    """``--db`` and what goes with it."""

    def test_defaults(self) -> None:
        """A file in the working directory by default; the config gets the rest."""
        options = Options()
        options.parseOptions([])
        self.assertEqual(options["db"], "chatroom.sqlite3")
        config = options.server_config()
        self.assertEqual(
            (config.retention, config.retention_age, config.grace, config.resume_bound),
            (10_000, 0.0, 300.0, 1000),
        )

    def test_unopenable_db_is_one_line(self) -> None:
        """A --db that cannot be opened stops the start with one line."""
        options = parse("--db", "/nonexistent/dir/chat.sqlite3")
        with self.assertRaises(SystemExit) as stopped:
            makeService(options, reactor=MemoryReactorClock())
        self.assertEqual(stopped.exception.code, 1)

    def test_bad_retention(self) -> None:
        """Counts below one are usage errors."""
        self.assertRaises(usage.UsageError, parse, "--retention", "0")
        self.assertRaises(usage.UsageError, parse, "--resume-bound", "0")


class CollectorOptionTests(unittest.TestCase):
    """``--gc-freeze`` sets when the collector's survivors are frozen."""

    def test_default_and_off(self) -> None:
        """Freezing is on by default (5,000 objects) and 0 turns it off."""
        options = Options()
        options.parseOptions(["--db", ":memory:"])
        self.assertEqual(options["gc-freeze"], 5_000)
        service = makeService(parse("--gc-freeze", "0"), reactor=MemoryReactorClock())
        (collector,) = [s for s in service if isinstance(s, CollectorService)]
        self.assertEqual(collector.freezer.threshold, 0)


class ReusePortOptionTests(unittest.TestCase):
    """``--reuse-port`` shares tcp: ports with the other nodes on the machine."""

    def test_tcp_ports_are_shared(self) -> None:
        """Every door's tcp: endpoint becomes one that sets SO_REUSEPORT."""
        options = parse("--reuse-port", "--port", "tcp:8080:interface=127.0.0.1")
        service = makeService(options, reactor=MemoryReactorClock())
        endpoint = service.listener.endpoint
        assert isinstance(endpoint, ReusePortEndpoint)
        self.assertEqual((endpoint.port, endpoint.interface), (8080, "127.0.0.1"))

    def test_other_endpoints_are_refused(self) -> None:
        """A UNIX socket (or TLS) cannot be shared this way: one line, exit 1."""
        options = parse("--reuse-port", "--port", "unix:/tmp/chatroom-test.sock")
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit):
            makeService(options, reactor=MemoryReactorClock())
        self.assertIn("tcp: endpoints only", stderr.getvalue())


class AdminTokenFileTests(unittest.TestCase):
    """``--admin-token-file``: the token read, or the server refused in one line."""

    def token_file(self, content: str, mode: int = 0o600) -> str:
        path = self.mktemp()
        with open(path, "w") as file:
            file.write(content)
        os.chmod(path, mode)
        return path

    def parse(self, *args: str) -> Options:
        options = Options()
        options.parseOptions(["--http", "8000", *args])
        return options

    def test_token_read(self) -> None:
        """The file's one word is the token; no file, no API."""
        path = self.token_file("  secret-token\n")
        self.assertEqual(
            self.parse("--admin-token-file", path).admin_token, b"secret-token"
        )
        self.assertEqual(self.parse().admin_token, b"")

    def test_refusals(self) -> None:
        """Missing, empty, open to others, two words, or without --http."""
        missing = self.mktemp()
        cases = {
            missing: "cannot read",
            self.token_file(""): "is empty",
            self.token_file("secret", 0o640): "is open to others (mode 640)",
            self.token_file("two words"): "one word of printable ASCII",
        }
        for path, problem in cases.items():
            with self.assertRaises(usage.UsageError) as raised:
                self.parse("--admin-token-file", path)
            self.assertIn(problem, str(raised.exception))
        with self.assertRaises(usage.UsageError) as raised:
            Options().parseOptions(["--admin-token-file", self.token_file("x")])
        self.assertIn("needs --http", str(raised.exception))
