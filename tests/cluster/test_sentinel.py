"""Redis behind Sentinel: the nodes find the primary, follow a failover,
and acknowledge a message only once a replica has it (``WAIT``).

Real processes throughout: a primary, a replica and three Sentinels
(``tests/cluster/sentinels.py``), nodes connected with ``--redis
sentinel://...``, and the primary killed with ``SIGKILL`` under traffic.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from twisted.internet import defer, task
from twisted.trial.unittest import TestCase

from chatroom.backends.redis.redis_backend import RedisBackend
from chatroom.redisclient.link import RedisLink
from chatroom.wire.lines import parse_event
from tests.cluster.sentinels import SERVICE, SentinelTestCase, ask
from tests.support import LineClient, free_port, redis_backend, until

#: What a sender is told of a message no replica confirmed.
UNCONFIRMED = "ERR UNAVAILABLE no replica of Redis confirmed it, so this was not sent: "


def acknowledged(client: LineClient, room: str) -> list[str]:
    """The texts of ``client``'s own messages it saw come back (its
    acknowledgements), in order."""
    own = f"MSG {room} {client_name(client)} "
    return [parse_event(line).text for line in client.lines if line.startswith(own)]


def said(room: str, user: str, text: str) -> Callable[[str], bool]:
    """Whether a line is ``user``'s message ``text`` in ``room``."""
    return lambda line: (
        line.startswith(f"MSG {room} {user} ") and line.endswith(f" {text}")
    )


def redis_links(backend: RedisBackend) -> tuple[RedisLink, ...]:
    """A node's three links to Redis."""
    return (backend.commands, backend.subscriber, backend.heartbeat)


@defer.inlineCallbacks
def alice_chatting(test: TestCase, alice: LineClient, bob: LineClient):
    """alice says ``tick N`` in room ``live`` every 40 ms, and after her
    first 50 every 120 ms, 190 in all: fires with the ticker and what she
    sent once both heard her.

    Paced so that she is still talking some 19 s on, however long a
    loaded machine takes to fail over, while every line she says still
    fits the room's last 200 events (``/history 200``)."""
    sent: list[str] = []
    calls = itertools.count()

    def chatter() -> None:
        call = next(calls)
        if len(sent) < 190 and (len(sent) < 50 or call % 3 == 0):
            sent.append(f"tick {len(sent)}")
            alice.say(sent[-1])

    ticker = task.LoopingCall(chatter)
    ticker.start(0.04)
    test.addCleanup(lambda: ticker.stop() if ticker.running else None)
    yield bob.expect(said("live", "alice", "tick 5"))
    yield alice.expect(said("live", "alice", "tick 5"))
    return ticker, sent


@defer.inlineCallbacks
def nothing_acknowledged_lost(
    test: TestCase,
    alice: LineClient,
    bob: LineClient,
    ticker: task.LoopingCall,
    sent: list[str],
):
    """After a failover, while alice's ``ticker`` says ``sent`` in room
    ``live``: her messages are acknowledged again, both stayed connected,
    bob hears her (his node subscribed again), and every message she saw
    acknowledged is in the room's history, once and in the order sent."""
    seen_before = len(acknowledged(alice, "live"))

    def chatting_again():
        return defer.succeed(len(acknowledged(alice, "live")) > seen_before + 3)

    yield until(chatting_again, 20, "alice's messages acknowledged again")
    ticker.stop()
    test.assertFalse(alice.is_closed or bob.is_closed)
    alice.say("done")
    yield alice.expect(said("live", "alice", "done"))
    yield bob.expect(said("live", "alice", "done"))  # subscribed again

    bob.say("/history 200")
    yield bob.expect_line("HISTORY_END live ")
    stored = {
        parse_event(line).text
        for line in bob.lines
        if line.startswith("HISTORY live alice ")
    }
    acked = acknowledged(alice, "live")
    test.assertGreater(len(acked), 10)
    test.assertEqual([text for text in acked if text not in stored], [])
    # Nothing was acknowledged twice, or out of the order it was sent.
    test.assertEqual(acked, sorted(set(acked), key=[*sent, "done"].index))


def client_name(client: LineClient) -> str:
    """The name the server welcomed ``client`` with."""
    welcome = next(line for line in client.lines if line.startswith("WELCOME "))
    return welcome.split()[1]


class SentinelTests(SentinelTestCase):
    """Nodes behind Sentinel, in the order of a primary's life."""

    node_options = ("--rate", "0", "--node-ttl", "15", "--redis-timeout", "2")

    @defer.inlineCallbacks
    def test_nodes_find_the_primary_through_sentinel(self):
        """Given Sentinels (the first of them down), two nodes reach the
        primary and chat as with redis://, each message in Redis's replica
        before its sender sees it."""
        dead = f"127.0.0.1:{free_port()}"
        self.redis_url = self.redis_url.replace("sentinel://", f"sentinel://{dead},")
        _one, two, alice, bob = yield self.alice_and_bob_in("tea")
        alice.say("hello through sentinel")
        yield bob.expect_line("MSG tea alice ")
        yield alice.expect_line("MSG tea alice ")
        self.assertEqual(acknowledged(alice, "tea"), ["hello through sentinel"])
        link = redis_backend(two.server).commands.connection
        self.assertEqual(link.transport.getPeer().port, self.primary.port)
        self.assertEqual(redis_backend(two.server).cluster.replicas, 1)

    @defer.inlineCallbacks
    def test_failover_under_traffic_loses_no_acknowledged_message(self):
        """SIGKILL the primary while alice talks: meanwhile she hears ERR
        UNAVAILABLE and every connection stays open; the Sentinels promote
        the replica, the nodes follow it (its scripts and subscriptions made
        again), chat resumes, and every message alice saw acknowledged is in
        the room's history."""
        one, two, alice, bob = yield self.alice_and_bob_in("live")
        ticker, sent = yield alice_chatting(self, alice, bob)
        old_port = self.primary.port
        yield self.primary.stop()  # SIGKILL
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        # Redis unreachable ("try again"), or the primary gone while her
        # message waited for its replica ("... so this was not sent").
        self.assertTrue("try again" in refused or "was not sent" in refused, refused)

        def promoted():
            return self.primary_port().addCallback(lambda port: port != old_port)

        yield until(promoted, 20, "the Sentinels promote the replica")
        new_port = yield self.primary_port()
        self.assertEqual(new_port, self.replica.port)

        def followed():
            backends = [redis_backend(node.server) for node in (one, two)]
            return defer.succeed(all(backend.available for backend in backends))

        # Well before the nodes' TTL: their links try the Sentinels at
        # least once a second (tests/backends/redis/test_link_backoff.py).
        yield until(followed, 10, "both nodes serving again")
        for node in (one, two):
            backend = redis_backend(node.server)
            for link in redis_links(backend):
                self.assertEqual(link.connection.transport.getPeer().port, new_port)
        # Scripts are not replicated: the nodes sent them again (NOSCRIPT).
        stats = yield ask(new_port, "INFO", "commandstats")
        self.assertIn(b"cmdstat_eval:", stats)
        # The old primary comes back as the new one's replica, so that
        # messages can be confirmed again.
        self.primary = self.replica_of(new_port, old_port)
        yield self.primary.start()
        self.addCleanup(self.primary.stop)
        yield nothing_acknowledged_lost(self, alice, bob, ticker, sent)

    @defer.inlineCallbacks
    def test_a_demoted_primary_still_running_is_left_at_once(self):
        """A failover while the old primary keeps running (the Sentinels
        lost sight of it; here ``SENTINEL FAILOVER``): the nodes hear the
        Sentinels announce the new primary and move every link to it while
        the old one still says it is the primary. They do not wait the ten
        seconds the Sentinels take to make it a replica: until then it
        takes their writes, no replica confirms them, and users of nodes
        still on it chat apart from the rest."""
        one, two, alice, bob = yield self.alice_and_bob_in("tea")
        old_port = self.primary.port
        yield ask(self.sentinels[0].port, "SENTINEL", "FAILOVER", SERVICE)

        def promoted():
            return self.primary_port().addCallback(lambda port: port != old_port)

        yield until(promoted, 20, "the Sentinels promote the replica")
        new_port = yield self.primary_port()

        def moved():
            backends = [redis_backend(node.server) for node in (one, two)]
            links = [link.connection for b in backends for link in redis_links(b)]
            on_new = all(
                link is not None and link.transport.getPeer().port == new_port
                for link in links
            )
            # Connected is not yet serving: until a node has subscribed
            # again and re-registered, alice would be told to try again.
            return defer.succeed(on_new and all(b.available for b in backends))

        yield until(moved, 5, "both nodes serving from the new primary")
        role = yield ask(old_port, "ROLE")
        self.assertEqual(role[0], b"master")  # not yet made a replica
        alice.say("on the new primary")
        yield bob.expect(said("tea", "alice", "on the new primary"))

    @defer.inlineCallbacks
    def test_a_message_no_replica_confirmed_is_refused_to_its_sender(self):
        """With the replica gone, alice's message is refused with its text
        (its sender never sees it acknowledged), though bob may see it; once
        a replica is back her messages are acknowledged again."""
        _one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        yield self.replica.stop()
        alice.say("anyone keeping this?")
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertEqual(refused, UNCONFIRMED + "anyone keeping this?")
        yield bob.expect_line("MSG tea alice ")  # published, not confirmed

        yield self.replica.start()
        yield until(self.replica_in_sync, 10, "the replica back in sync")
        alice.say("and now?")
        yield alice.expect_line("MSG tea alice ")
        self.assertEqual(acknowledged(alice, "tea"), ["and now?"])
        self.assertFalse(alice.is_closed)
