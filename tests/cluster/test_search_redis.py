"""``/search`` in cluster mode: PostgreSQL's index, the same from every node.

The search contract, private conversations included, runs on two nodes
sharing a real redis-server and a real PostgreSQL (the session's,
``tests/cluster/postgres.py``; a database per test): users connect to the
nodes in turn, so what one says on node A is searched for from node B.
Then what only a cluster has: a node without ``--search-db`` refuses
plainly; PostgreSQL down is ``ERR UNAVAILABLE`` for the searcher while the
room talks on, and what was said meanwhile is found once it is back; a
room gone takes its messages out of the index; a private message said on
one node is found by its recipient on the other, and by nobody else.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Sequence
from typing import Any

import psycopg
from twisted.internet import defer, protocol, reactor, task
from twisted.internet.interfaces import IDelayedCall, IProtocol, IReactorTime
from zope.interface import implementer

from chatroom.backends.redis.link import RedisLink
from chatroom.core.config import ClusterConfig, RedisAddress
from chatroom.doors.base.server import ChatServer
from chatroom.wiring.registries import RedisRegistry, redis_registry
from tests.cluster.postgres import NO_POSTGRES, POSTGRES_BIN, REQUIRED, session_postgres
from tests.cluster.support import RedisRegistryTestCase, RedisTestCase
from tests.handler_contract import ContractBase, User
from tests.search_contract import (
    SEARCH_CONFIG,
    PrivateSearchContract,
    Searching,
    Stepping,
)
from tests.support import FakeClient


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


class RedisRegistrySearchTests(RedisRegistryTestCase, ContractBase):
    """A node without ``--search-db``."""

    config = SEARCH_CONFIG

    @defer.inlineCallbacks
    def test_search_is_refused_without_a_search_db(
        self,
    ) -> Generator[Any, Any, None]:
        """``/search`` says it needs ``--search-db``; a bad search is still
        ``BAD_ARGS``; the room goes on as before, and nothing is queued for
        an index nobody has."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("hello")
        yield self.expect(bob, "MSG tea alice ")
        alice.say("/search hello")
        line = yield self.expect(alice, "ERR ")
        self.assertEqual(
            line,
            "ERR UNAVAILABLE /search is not available in cluster mode (--redis) "
            "without --search-db",
        )
        alice.say("/search")
        self.assertRegex((yield self.expect(alice, "ERR ")), "^ERR BAD_ARGS ")
        alice.say("still talking")
        self.assertRegex((yield self.expect(bob, "MSG tea alice ")), " still talking$")
        alice.say("/register secret-password")
        yield self.expect(alice, "REGISTERED")
        alice.say("/msg bob kept in a conversation")
        yield self.expect(bob, "PRIVMSG alice bob ")
        outbox = yield self.registry.backend.commands.connection.exists(
            "chatroom:search:outbox"
        )
        self.assertFalse(outbox)


class TwoNodesSearching(RedisTestCase, ContractBase):
    """Two nodes on one redis-server, both with ``--search-db`` on a fresh
    database of the session's PostgreSQL; users connect to them in turn."""

    config = SEARCH_CONFIG
    clock: Stepping

    if POSTGRES_BIN is None and not REQUIRED:
        skip = NO_POSTGRES

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        if POSTGRES_BIN is None:  # CI asked for these tests to run: fail, loudly
            self.fail(NO_POSTGRES)
        yield super().setUp()
        self.postgres = session_postgres()
        self.search_db = self.postgres.new_database()
        #: The nodes' clock, which the private search contract moves on.
        self.stepped = SteppedReactor()
        self.clock = self.stepped
        self.servers: list[ChatServer] = []
        for node in ("a", "b"):
            yield self.start_node(f"node-{node}", self.search_db)
        self.server = self.servers[0]
        self._turns = itertools.cycle(self.servers)

    @defer.inlineCallbacks
    def start_node(
        self, node_id: str, search_db: str | None
    ) -> Generator[Any, Any, ChatServer]:
        cluster = ClusterConfig(
            RedisAddress.parse(self.redis_url), node_id=node_id, search_db=search_db
        )
        registry = redis_registry(
            self.config,
            cluster,
            self.stepped,
            commands=RedisLink(reactor, cluster.redis, "redis commands"),
            subscriber=RedisLink(
                reactor, cluster.redis, "redis subscriber", subscriber=True
            ),
            heartbeat=RedisLink(reactor, cluster.redis, "redis heartbeat"),
        )
        server = ChatServer(self.config, clock=self.stepped, registry=registry)
        server.start()
        self.addCleanup(self._stop, server, registry)
        yield registry.backend.when_available()
        self.servers.append(server)
        return server

    def _stop(self, server: ChatServer, registry: RedisRegistry):
        server.stop()
        for connection in list(server.open_connections):
            # A twisted protocol by its interface (the IRC door's has no Protocol base).
            IProtocol(connection).connectionLost(protocol.connectionDone)
        return registry.detach()

    def wait(self):
        return task.deferLater(reactor, 0.005, lambda: None)

    @defer.inlineCallbacks
    def connect(self, name: str) -> Generator[Any, Any, User]:
        """On the next node in turn (the first user on node A, the second
        on node B, ...)."""
        user = User(FakeClient(next(self._turns)))
        user.say(name)
        yield self.expect(user, f"WELCOME {name}")
        yield self.expect(user, "ROOMS ")
        return user


class RedisPostgresSearchTests(TwoNodesSearching, PrivateSearchContract):
    """The search contract, private conversations included, across two
    nodes (alice and carol on node A, bob and dave on node B)."""


class ClusterSearchTests(TwoNodesSearching, Searching):
    """What only cluster search has to get right."""

    def set_connections(self, allowed: bool) -> None:
        """Let the test database take connections, or refuse them and end
        those it has: PostgreSQL down, as far as the nodes can tell."""
        name = self.search_db.rsplit("=", 1)[1]
        admin = self.postgres.conninfo("postgres")
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {allowed}")
            if not allowed:
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s",
                    (name,),
                )

    @defer.inlineCallbacks
    def test_a_message_said_on_one_node_is_found_from_the_other(
        self,
    ) -> Generator[Any, Any, None]:
        """Alice (node A) finds what Bob said on node B, and Bob what Alice
        said, the moment each was acknowledged: the same lines on both."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(bob, "tea", "a kettle on node B")
        yield self.said(alice, "tea", "a kettle on node A")
        from_a = yield self.search(alice, "kettle")
        from_b = yield self.search(bob, "kettle")
        self.assertEqual(from_a, from_b)
        self.assertEqual(
            [line.split(" ", 5)[5] for line in from_a],
            ["a kettle on node A", "a kettle on node B"],
        )

    @defer.inlineCallbacks
    def test_postgres_down_is_unavailable_and_nothing_is_lost(
        self,
    ) -> Generator[Any, Any, None]:
        """With PostgreSQL unreachable a search is ``ERR UNAVAILABLE``
        saying so; the room talks on; once it is back, what was said
        meanwhile is found, each message once."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(alice, "tea", "before the outage")
        self.assertEqual(len((yield self.search(bob, "outage"))), 1)
        self.set_connections(False)
        yield self.said(alice, "tea", "during the outage")
        self.assertRegex((yield self.expect(bob, "MSG tea ")), "during the outage$")
        bob.say("/search outage")
        self.assertEqual(
            (yield self.expect(bob, "ERR ")),
            "ERR UNAVAILABLE /search cannot reach its database right now; "
            "try again in a moment",
        )
        self.set_connections(True)
        found = yield self.search(bob, "outage")
        self.assertEqual(
            [line.split(" ", 5)[5] for line in found],
            ["during the outage", "before the outage"],
        )
        self.assertEqual((yield self.search(alice, "outage")), found)

    @defer.inlineCallbacks
    def test_a_private_message_is_found_on_the_other_node_by_its_parties(
        self,
    ) -> Generator[Any, Any, None]:
        """alice (node A) writes to bob (node B) in private: bob finds it
        from node B, named ``@alice``, and alice from node A, named
        ``@bob``; carol, signed in on node A too, never does."""
        alice = yield self.account("alice")
        bob = yield self.account("bob")
        carol = yield self.account("carol")
        alice.say("/msg bob the spare key is under the mat")
        yield self.expect(bob, "PRIVMSG alice bob ")
        found = yield self.search(bob, "spare key")
        self.assertEqual(len(found), 1, found)
        self.assertRegex(
            found[0], r"^FOUND @alice 1 alice \S+ the spare key is under the mat$"
        )
        self.assertRegex((yield self.search(alice, "key")).pop(), r"^FOUND @bob 1 ")
        self.assertEqual((yield self.search(carol, "spare key")), [])
        carol.say("/search key in:@alice")
        self.assertEqual((yield self.expect(carol, "FOUND_END")), "FOUND_END 0")

    @defer.inlineCallbacks
    def test_a_room_gone_takes_its_messages(self) -> Generator[Any, Any, None]:
        """A room deleted and made again under the same name does not bring
        back the old room's messages."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.said(alice, "tea", "an old secret")
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea ")
        self.assertEqual((yield self.search(alice, "secret")), [])

    @defer.inlineCallbacks
    def test_a_node_without_search_db_is_indexed_too(
        self,
    ) -> Generator[Any, Any, None]:
        """What is said on a node that has no ``--search-db`` is found from
        one that has: the index is fed by Redis, not by the node."""
        plain = yield self.start_node("node-plain", None)
        carol = User(FakeClient(plain))
        carol.say("carol")
        yield self.expect(carol, "ROOMS ")
        carol.say("/create tea")
        yield self.expect(carol, "MEMBERS tea ")
        yield self.said(carol, "tea", "said where nobody indexes")
        alice = yield self.connect("alice")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea ")
        found = yield self.search(alice, "nobody indexes")
        self.assertRegex(found[0], r"^FOUND tea \d+ carol \S+ said where nobody")
