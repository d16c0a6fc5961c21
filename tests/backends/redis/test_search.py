"""``/search`` in cluster mode: PostgreSQL's index, the same from every node.

The search contract, private conversations included, runs on two nodes
sharing a real redis-server and a real PostgreSQL (the session's,
``tests/cluster/postgres.py``; a database per test): users connect to the
nodes in turn, so what one says on node A is searched for from node B.
Then what only a cluster has: a node without ``--search-db`` refuses
plainly; PostgreSQL down is ``ERR UNAVAILABLE`` for the searcher while the
room talks on, and what was said meanwhile is found once it is back; a
private message said on one node is found by its recipient on the other,
and by nobody else. And, of rooms (whose events the index reads from
their history in Redis; run in the layout where each room has a slot of
its own too): a room gone or made again under its name takes the old
room's messages out of the index; two nodes catching up one room at once
leave each message once, as it reads now; a message said where no
searching node hears is found by a later search; what a node hears is
indexed without anyone searching.
"""

from __future__ import annotations

import itertools
from collections.abc import Generator
from typing import Any

import psycopg
from twisted.internet import defer, protocol, reactor, task
from twisted.internet.interfaces import IProtocol

from chatroom.backends.redis import search_postgres
from chatroom.backends.redis.search import DRAIN_INTERVAL, ClusterSearch
from chatroom.core.model.config import ClusterConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.wiring.registries import RedisRegistry
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.search import (
    SEARCH_CONFIG,
    PrivateSearchContract,
    Searching,
    Stepping,
)
from tests.cluster.postgres import NO_POSTGRES, POSTGRES_BIN, REQUIRED, session_postgres
from tests.cluster.support import (
    RedisRegistryTestCase,
    RedisTestCase,
    SteppedReactor,
    stepped_registry,
)
from tests.support import FakeClient


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
        self.servers: list[DoorHub] = []
        self.registries: list[RedisRegistry] = []
        for node in ("a", "b"):
            yield self.start_node(f"node-{node}", self.search_db)
        self.server = self.servers[0]
        self._turns = itertools.cycle(self.servers)

    @defer.inlineCallbacks
    def start_node(
        self, node_id: str, search_db: str | None
    ) -> Generator[Any, Any, DoorHub]:
        cluster = self.cluster_config(node_id, search_db)
        registry = stepped_registry(self.config, cluster, self.stepped)
        server = DoorHub(self.config, clock=self.stepped, registry=registry)
        server.start()
        self.addCleanup(self._stop, server, registry)
        yield registry.backend.when_available()
        self.servers.append(server)
        self.registries.append(registry)
        return server

    def cluster_config(self, node_id: str, search_db: str | None) -> ClusterConfig:
        """How node ``node_id`` reaches the test's Redis."""
        return ClusterConfig(
            RedisAddress.parse(self.redis_url), node_id=node_id, search_db=search_db
        )

    def _stop(self, server: DoorHub, registry: RedisRegistry):
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

    def searcher(self, node: int) -> ClusterSearch:
        """Node ``node``'s (0: A, 1: B) share of the index."""
        searcher = self.registries[node].backend.message_steps.searcher
        assert searcher is not None
        return searcher

    def indexed(self, room: str) -> list[tuple[int, str]]:
        """Room ``room``'s rows in PostgreSQL, as the nodes left them: each
        message's id and text, in id order."""
        with search_postgres.connect(self.search_db, 5) as db:
            rows = db.execute(
                "SELECT id, body FROM chatroom_search WHERE room = %s ORDER BY id",
                (room,),
            ).fetchall()
        return [(int(id_), str(body)) for id_, body in rows]

    def cursor(self, room: str) -> tuple[str | None, int] | None:
        with search_postgres.connect(self.search_db, 5) as db:
            row = db.execute(
                "SELECT inc, last_id FROM chatroom_search_rooms WHERE room = %s",
                (room,),
            ).fetchone()
        return None if row is None else (row[0], int(row[1]))

    @defer.inlineCallbacks
    def said_with_id(self, user: User, text: str) -> Generator[Any, Any, int]:
        """``user`` (with ``/caps rich``) says ``text``: its id."""
        user.say(text)
        return int((yield self.expect(user, "@")).split()[0][1:])


class RedisPostgresSearchTests(TwoNodesSearching, PrivateSearchContract):
    """The search contract, private conversations included, across two
    nodes (alice and carol on node A, bob and dave on node B)."""


class ClusterRoomSearchTests(TwoNodesSearching, Searching):
    """What only cluster search has to get right about rooms (run in the
    layout where each room has a slot of its own too,
    ``tests/cluster/test_rooms_apart.py``)."""

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
    def test_a_room_made_again_does_not_show_the_old_rooms_messages(
        self,
    ) -> Generator[Any, Any, None]:
        """The old room's messages were indexed; the room goes (its last
        members leave) and is made again under the same name on the other
        node: a search finds only the new room's messages, and the old
        room's rows are gone from PostgreSQL."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(bob, "tea", "an old secret")
        self.assertEqual(len((yield self.search(alice, "secret"))), 1)
        for user in (alice, bob):
            user.say("/leave")
            yield self.expect(user, "ROOMS ")
        bob.say("/create tea")
        yield self.expect(bob, "MEMBERS tea ")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea ")
        self.assertEqual((yield self.search(alice, "secret")), [])
        yield self.said(bob, "tea", "a new secret")
        found = yield self.search(alice, "secret")
        self.assertEqual([line.split(" ", 5)[5] for line in found], ["a new secret"])
        self.assertEqual([text for _, text in self.indexed("tea")], ["a new secret"])

    @defer.inlineCallbacks
    def test_two_nodes_catching_up_one_room_at_once(
        self,
    ) -> Generator[Any, Any, None]:
        """Both nodes catch up the room at the same moment, again and
        again, between messages, edits and deletions: the index ends with
        each message once, as it reads now, none deleted, and the room's
        cursor at its newest event."""
        alice, _bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/caps rich")
        yield self.expect(alice, "CAPS ")
        both = [self.searcher(0), self.searcher(1)]
        expected: dict[int, str] = {}
        newest = 0
        for n in range(6):
            kept = yield self.said_with_id(alice, f"cup {n} teh")
            gone = yield self.said_with_id(alice, f"gone {n}")
            yield defer.gatherResults([s.caught_up(["tea"]) for s in both])
            alice.say(f"/edit {kept} cup {n} the")
            yield self.expect(alice, "@")
            alice.say(f"/redact {gone}")
            yield self.expect(alice, "@")
            newest = yield self.said_with_id(alice, f"after {n}")
            expected[kept], expected[newest] = f"cup {n} the", f"after {n}"
            yield defer.gatherResults([s.caught_up(["tea"]) for s in both])
        self.assertEqual(self.indexed("tea"), sorted(expected.items()))
        inc, last = self.cursor("tea") or ("", 0)
        self.assertEqual(last, newest)
        self.assertTrue(inc)

    @defer.inlineCallbacks
    def test_a_node_without_search_db_is_indexed_too(
        self,
    ) -> Generator[Any, Any, None]:
        """What is said on a node that has no ``--search-db`` is found from
        one that has: the index reads Redis, not the node. Said while no
        searching node had a member in the room, it is in no one's
        background drain (nothing in PostgreSQL after it); a search from a
        node that then joins finds it, the drains stopped: the search
        itself caught the room up."""
        for node in (0, 1):
            self.searcher(node)._loop.stop()
        plain = yield self.start_node("node-plain", None)
        carol = User(FakeClient(plain))
        carol.say("carol")
        yield self.expect(carol, "ROOMS ")
        carol.say("/create tea")
        yield self.expect(carol, "MEMBERS tea ")
        yield self.said(carol, "tea", "said where nobody indexes")
        self.assertEqual((self.indexed("tea"), self.cursor("tea")), ([], None))
        alice = yield self.connect("alice")
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea ")
        found = yield self.search(alice, "nobody indexes")
        self.assertEqual(len(found), 1, found)
        self.assertRegex(found[0], r"^FOUND tea \d+ carol \S+ said where nobody")

    @defer.inlineCallbacks
    def test_the_background_drain_indexes_a_room_it_hears(
        self,
    ) -> Generator[Any, Any, None]:
        """Nobody searches: a drain or two after a message (one every
        :data:`DRAIN_INTERVAL`), the node whose member heard it has put it
        in PostgreSQL. Waited for as long as the test may take, not a
        number of drains: a loaded machine may run them late."""
        alice, _bob = yield self.in_room("tea", "alice", "bob")
        yield self.said(alice, "tea", "indexed in the background")
        while not self.indexed("tea"):
            yield task.deferLater(reactor, DRAIN_INTERVAL / 10, lambda: None)
        self.assertEqual(
            [text for _, text in self.indexed("tea")], ["indexed in the background"]
        )


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
