"""A Redis Cluster (``--redis cluster://``): the nodes find the primary of
the chat's slot, follow the cluster's own failover, and acknowledge a
message only once that primary's replica has it (``WAIT``).

Real processes throughout: six ``redis-server`` made one cluster by
``redis-cli --cluster create`` (``tests/cluster/redis_cluster.py``), nodes
connected with ``--redis cluster://...``, and the slot's primary killed
with ``SIGKILL`` under traffic, or failed over while it keeps running.
"""

from __future__ import annotations

from twisted.internet import defer, reactor

from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.wire.lines import parse_event
from chatroom.wiring.clusterlayout import LAYOUT_KEY, ONE_SLOT
from tests.cluster.redis_cluster import RedisClusterTestCase
from tests.cluster.sentinels import ask
from tests.cluster.test_sentinel import (
    acknowledged,
    alice_chatting,
    nothing_acknowledged_lost,
    redis_links,
    said,
)
from tests.support import free_port, redis_backend, until


class RedisClusterTests(RedisClusterTestCase):
    """Nodes on a Redis Cluster, in the order of a primary's life, with a
    chat of the one-slot layout (recorded, as an older chat's is once a
    node has read it: :mod:`chatroom.wiring.clusterlayout`)."""

    node_options = ("--rate", "0", "--node-ttl", "15", "--redis-timeout", "2")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        yield ask((yield self.slot_primary()), "SET", LAYOUT_KEY, ONE_SLOT)

    def peers(self, nodes) -> set[int]:
        """The ports every Redis link of ``nodes`` is connected to."""
        return {
            link.connection.transport.getPeer().port
            for node in nodes
            for link in redis_links(redis_backend(node.server))
            if link.connection is not None
        }

    @defer.inlineCallbacks
    def test_nodes_chat_through_the_primary_of_the_chats_slot(self):
        """Given two servers of the cluster, neither of them the slot's
        primary and the first not running, two nodes find that primary and
        chat as with redis://: every key is on it (one slot, one atomic
        script each), and each message is in its replica before its sender
        sees it."""
        primary = yield self.slot_primary()
        others = [port for port in self.servers if port != primary]
        self.redis_url = f"cluster://127.0.0.1:{free_port()},127.0.0.1:{others[0]}"
        one, two, alice, bob = yield self.alice_and_bob_in("tea")
        alice.say("hello through the cluster")
        yield bob.expect(said("tea", "alice", "hello through the cluster"))
        yield alice.expect(said("tea", "alice", "hello through the cluster"))
        self.assertEqual(acknowledged(alice, "tea"), ["hello through the cluster"])
        self.assertEqual(self.peers([one, two]), {primary})
        self.assertEqual(redis_backend(two.server).cluster.replicas, 1)
        keys = yield ask(primary, "DBSIZE")
        self.assertGreater(int(keys), 5)
        for port in others:  # the other primaries and every replica serve none
            role = yield ask(port, "ROLE")
            if role[0] == b"master":
                self.assertEqual(int((yield ask(port, "DBSIZE"))), 0)

    @defer.inlineCallbacks
    def test_events_go_by_sharded_pub_sub(self):
        """A room's events stay in the chat's shard: both nodes hold a
        sharded subscription to the room's channel on the slot's primary,
        a message is published with SPUBLISH and never PUBLISH (which the
        cluster would carry to every one of its nodes), and the message
        arrives. Only the lobby's changes goes by PUBLISH (a room's script on
        any shard may send it): a watcher on one node hears a room made on
        the other."""
        one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        watcher = yield self.client(one, "watcher")
        watcher.say("/watch on")
        yield watcher.expect_line("LOBBY watching")
        primary = yield self.slot_primary()
        counts = yield ask(
            primary, "PUBSUB", "SHARDNUMSUB", f"{CLUSTER_PREFIX}chan:tea"
        )
        self.assertEqual(counts[1], 2)
        before = yield self.publishes(primary)
        alice.say("sharded")
        yield bob.expect(said("tea", "alice", "sharded"))
        after = yield self.publishes(primary)
        self.assertGreater(after["cmdstat_spublish"], before["cmdstat_spublish"])
        self.assertEqual(after["cmdstat_publish"], before["cmdstat_publish"])
        bob.say("/create news")
        self.assertEqual((yield watcher.expect_line("ROOM news ")), "ROOM news 1 256")

    @defer.inlineCallbacks
    def publishes(self, port: int):
        """How many ``PUBLISH`` and ``SPUBLISH`` the server on ``port`` ran."""
        stats = (yield ask(port, "INFO", "commandstats")).decode()
        calls = {
            line.split(":")[0]: int(line.split("calls=")[1].split(",")[0])
            for line in stats.splitlines()
            if line.startswith("cmdstat_")
        }
        return {
            name: calls.get(name, 0) for name in ("cmdstat_publish", "cmdstat_spublish")
        }

    @defer.inlineCallbacks
    def test_failover_under_traffic_loses_no_acknowledged_message(self):
        """SIGKILL the slot's primary while alice talks: meanwhile she hears
        ERR UNAVAILABLE and every connection stays open; the cluster
        promotes the replica, the nodes follow it (its scripts and
        subscriptions made again), chat resumes, and every message alice
        saw acknowledged is in the room's history, once and in order."""
        one, two, alice, bob = yield self.alice_and_bob_in("live")
        ticker, sent = yield alice_chatting(self, alice, bob)
        old = yield self.slot_primary()
        replica = yield self.replica_of(old)
        yield self.servers[old].stop()  # SIGKILL
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        # Redis unreachable ("try again"), or the primary gone while her
        # message waited for its replica ("... so this was not sent").
        self.assertTrue("try again" in refused or "was not sent" in refused, refused)

        def promoted():
            return self.slot_primary(replica).addCallback(lambda port: port == replica)

        yield until(promoted, 30, "the cluster promotes the replica")

        def followed():
            backends = [redis_backend(node.server) for node in (one, two)]
            return defer.succeed(all(backend.available for backend in backends))

        yield until(followed, 10, "both nodes serving again")
        self.assertEqual(self.peers([one, two]), {replica})
        # Scripts are not replicated: the nodes sent them again (NOSCRIPT).
        stats = yield ask(replica, "INFO", "commandstats")
        self.assertIn(b"cmdstat_eval:", stats)
        # The old primary comes back, empty, as the new one's replica, so
        # that messages can be confirmed again (as an operator would, with
        # CLUSTER MEET and CLUSTER REPLICATE; its cluster file went with it).
        restarted = self.cluster_server(old)
        yield restarted.start()
        self.addCleanup(restarted.stop)
        self.servers[old] = restarted
        bus = str(self.bus_ports[replica])
        yield ask(old, "CLUSTER", "MEET", "127.0.0.1", str(replica), bus)
        replica_id = yield ask(replica, "CLUSTER", "MYID")

        def knows_the_new_primary():
            return ask(old, "CLUSTER", "NODES").addCallback(lambda n: replica_id in n)

        yield until(knows_the_new_primary, 10, "the restarted server met the cluster")
        yield ask(old, "CLUSTER", "REPLICATE", replica_id)
        yield nothing_acknowledged_lost(self, alice, bob, ticker, sent)

    @defer.inlineCallbacks
    def test_a_primary_the_cluster_demoted_is_left(self):
        """A failover while the old primary keeps running (an operator's
        ``CLUSTER FAILOVER`` on the replica): the old primary, a replica
        now, answers the nodes' scripts that it does not serve the slot;
        each node's links leave it (the subscriber's too, which would still
        hear the cluster's messages there, out of order with the node's
        commands), ask the cluster again, and chat on the new one."""
        one, two, alice, bob = yield self.alice_and_bob_in("tea")
        old = yield self.slot_primary()
        replica = yield self.replica_of(old)

        def promoted():
            return self.slot_primary(old).addCallback(lambda port: port == replica)

        # A manual failover the replica cannot finish in Redis's 5 s (a
        # loaded machine) is given up by Redis: asked again, as an
        # operator would.
        for attempt in range(1, 4):
            yield ask(replica, "CLUSTER", "FAILOVER")
            try:
                yield until(promoted, 20, "the cluster promotes the replica")
                break
            except AssertionError:
                if attempt == 3:
                    raise
        role = yield ask(old, "ROLE")
        self.assertEqual(role[0], b"slave")  # still running, as a replica
        # alice's message reaches the old primary first, or the new one:
        # refused (try again) while her node leaves the old one, never lost
        # in it.
        mine = said("tea", "alice", "on the new primary")
        alice.say("on the new primary")
        answer = yield alice.expect(
            lambda line: mine(line) or line.startswith("ERR UNAVAILABLE ")
        )
        if answer.startswith("ERR UNAVAILABLE "):

            def serving():
                return defer.succeed(redis_backend(one.server).available)

            yield until(serving, 10, "alice's node serving again")
            alice.say("on the new primary")
        yield bob.expect(mine)
        yield alice.expect(mine)

        def left():  # each node's links leave the old primary as they use it
            bob.say("/topic tea")  # bob's node asks Redis too
            return defer.succeed(self.peers([one, two]) == {replica})

        yield until(left, 10, "every link of both nodes on the new primary")

    @defer.inlineCallbacks
    def test_the_chats_slot_migrated_under_traffic_loses_nothing(self):
        """The chat's slot moved to another primary while alice talks, as
        ``redis-cli --cluster reshard`` moves one (``SETSLOT IMPORTING`` and
        ``MIGRATING``, ``MIGRATE`` of its keys, ``SETSLOT NODE``): each
        node's first command afterwards is refused (try again) while its
        links leave the old primary; then both chat on the new one, and
        every message alice saw acknowledged is in the history, once and
        in order."""
        one, two, alice, bob = yield self.alice_and_bob_in("live")
        ticker, sent = yield alice_chatting(self, alice, bob)
        target = yield self.migrate_slot()

        def moved():  # bob's node moves once it asks Redis something
            bob.say("/topic live")
            return defer.succeed(self.peers([one, two]) == {target})

        yield until(moved, 10, "every link of both nodes on the new primary")
        yield nothing_acknowledged_lost(self, alice, bob, ticker, sent)
        stored = [
            parse_event(line).text
            for line in bob.lines
            if line.startswith("HISTORY live alice ")
        ]
        self.assertEqual(len(stored), len(set(stored)))  # none stored twice

    @defer.inlineCallbacks
    def test_a_node_that_only_listens_follows_the_moved_slot(self):
        """The slot moved while bob's node only listens (its heartbeat is
        20 s away): Redis ends that node's sharded subscriptions with a
        ``sunsubscribe`` nobody asked for, the node subscribes again on the
        new primary, and alice's next message reaches bob within 10 s.
        (That the unasked ``sunsubscribe`` alone moves the link is pinned by
        ``tests/backends/redis/test_subscriber.py``: here other calls of the node
        may move it first.)"""
        self.node_options = ("--rate", "0", "--node-ttl", "60", "--redis-timeout", "2")
        one, _two, alice, bob = yield self.alice_and_bob_in("calm")
        target = yield self.migrate_slot()

        def moved():  # alice's node moves once it asks Redis something
            alice.say("/topic calm")
            return defer.succeed(self.peers([one]) == {target})

        yield until(moved, 10, "every link of alice's node on the new primary")
        yield redis_backend(one.server).when_available()
        alice.say("after the move")
        heard = bob.expect(said("calm", "alice", "after the move"))
        yield heard.addTimeout(10, reactor)

    @defer.inlineCallbacks
    def migrate_slot(self):
        """Move the chat's slot to another primary as ``redis-cli --cluster
        reshard`` does (``SETSLOT IMPORTING`` and ``MIGRATING``, ``MIGRATE``
        of its keys, ``SETSLOT NODE``); the new primary's port."""
        source = yield self.slot_primary()
        others = []
        for port in self.servers:
            role = yield ask(port, "ROLE")
            if role[0] == b"master" and port != source:
                others.append(port)
        target = others[0]
        slot = yield ask(source, "CLUSTER", "KEYSLOT", CLUSTER_PREFIX)
        source_id = yield ask(source, "CLUSTER", "MYID")
        target_id = yield ask(target, "CLUSTER", "MYID")
        yield ask(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        yield ask(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        while True:
            keys = yield ask(source, "CLUSTER", "GETKEYSINSLOT", slot, "10")
            if not keys:
                break
            yield ask(
                source, "MIGRATE", "127.0.0.1", str(target), "", "0", "5000",
                "KEYS", *keys,
            )  # fmt: skip
        for port in (target, source, *others[1:]):
            yield ask(port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
        return target
