"""A Redis without replicas, and ``--redis-replicas`` (docs/operations.md).

At start a node compares ``--redis-replicas`` with the replicas Redis's
primaries have (:mod:`chatroom.wiring.replication`): left to its default,
it waits for what they have, saying so in its log; given, and more than
they have, the node refuses to start in one line naming the option. So a
message is never refused for want of a replica that was never there (its
room had it all the same: a retry would send it twice), and never
acknowledged with fewer replicas than asked.
"""

from __future__ import annotations

import tempfile

from twisted.internet import defer, error
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from chatroom.wiring.replication import Primary, TooFewReplicasError, settled
from tests.cluster.redis_cluster import emptied_three_primaries
from tests.cluster.sentinels import (
    SERVICE,
    SentinelProcess,
    SentinelTestCase,
    ask,
)
from tests.cluster.support import ClusterTestCase
from tests.integration.test_operator import twistd
from tests.support import LineClient, free_port, log_lines, until

HERE = "tcp:0:interface=127.0.0.1"


@defer.inlineCallbacks
def acknowledged_once(case: unittest.TestCase, alice: LineClient, bob: LineClient):
    """alice, in room tea with bob, says a line: bob gets it once, and she
    gets it as her acknowledgement, not ``ERR UNAVAILABLE``."""
    alice.say("brewing")
    yield bob.expect(lambda line: line.endswith(" brewing"))
    answer = yield alice.expect(lambda line: line.endswith(" brewing"))
    case.assertTrue(answer.startswith("MSG tea alice "), answer)
    alice.say("poured")  # bob's lines up to it hold every copy he got
    yield alice.expect_line("MSG tea alice ")
    yield bob.expect(lambda line: line.endswith(" poured"))
    heard = [line for line in bob.lines if line.endswith(" brewing")]
    case.assertEqual(len(heard), 1, bob.lines)
    case.assertEqual([line for line in alice.lines if line.startswith("ERR")], [])


@defer.inlineCallbacks
def refused(case: unittest.TestCase, *options: str):
    """``twistd chatroom OPTIONS`` exits 1 before it listens; fires with
    what it wrote on stderr."""
    process = twistd(case, "--port", HERE, *options)
    (ended,) = yield process.ended
    ended.trap(error.ProcessTerminated)
    case.assertEqual(ended.value.exitCode, 1, process.out + process.err)
    case.assertNotIn(b"listening", process.out)
    return process.err.decode()


class ReplicalessClusterTests(ClusterTestCase):
    """The shared Redis Cluster of three primaries, none with a replica."""

    @defer.inlineCallbacks
    def start_redis(self):
        ports = yield emptied_three_primaries()
        self.redis_url = "cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)

    @defer.inlineCallbacks
    def test_default_options_acknowledge_once(self):
        """With the default options a message is acknowledged to its sender
        and reaches the room's other member, on another node, once; each
        node says in its log that it waits for no replica, and how to make
        it refuse to start instead."""
        logged = log_lines(self)
        _, _, alice, bob = yield self.alice_and_bob_in("tea")
        yield acknowledged_once(self, alice, bob)
        said = [line for line in logged if line.startswith("--redis-replicas 0 ")]
        self.assertEqual(len(said), 2, logged)
        self.assertRegex(
            said[0],
            r"^--redis-replicas 0 \(not given\): the primary 127\.0\.0\.1:\d+ has "
            r"no replica, so a message is acknowledged once its primary has it; "
            r"give --redis-replicas 1 to refuse to start with fewer$",
        )

    @defer.inlineCallbacks
    def test_replicas_asked_for_refuse_to_start(self):
        """``--redis-replicas 1`` given: twistd exits 1, saying in one line
        that a primary has none."""
        err = yield refused(self, "--redis", self.redis_url, "--redis-replicas", "1")
        self.assertRegex(
            err,
            r"^chatroom: --redis-replicas 1: the primary 127\.0\.0\.1:\d+ has no "
            r"replica \(add replicas, or give --redis-replicas 0\)\n$",
        )


class SentinelWithoutReplicaTests(ClusterTestCase):
    """The test's Redis as a primary without a replica, watched by a
    Sentinel; the nodes go through it (``sentinel://``)."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        directory = tempfile.TemporaryDirectory(prefix="chatroom-sentinel-")
        self.addCleanup(directory.cleanup)
        sentinel = SentinelProcess(free_port(), directory.name, self.redis.port)
        yield sentinel.start()
        self.addCleanup(sentinel.stop)
        self.redis_url = f"sentinel://127.0.0.1:{sentinel.port}/{SERVICE}"

    @defer.inlineCallbacks
    def test_default_options_acknowledge(self):
        """With the default options a message is acknowledged to its sender
        and reaches the room's other member once, and the node says why in
        its log."""
        logged = log_lines(self)
        _, _, alice, bob = yield self.alice_and_bob_in("tea")
        yield acknowledged_once(self, alice, bob)
        self.assertIn(
            f"--redis-replicas 0 (not given): the primary {SERVICE} "
            f"(127.0.0.1:{self.redis.port}) has no replica, so a message is "
            "acknowledged once its primary has it; give --redis-replicas 1 to "
            "refuse to start with fewer",
            logged,
        )

    @defer.inlineCallbacks
    def test_replicas_asked_for_in_the_file_refuse_to_start(self):
        """``redis-replicas = 1`` in ``--config``'s file: twistd exits 1, in
        one line."""
        directory = FilePath(self.mktemp())
        directory.makedirs()
        path = directory.child("chatroom.toml")
        path.setContent(b"redis-replicas = 1\n")
        err = yield refused(self, "--config", path.path, "--redis", self.redis_url)
        self.assertEqual(
            err,
            f"chatroom: --redis-replicas 1: the primary {SERVICE} "
            f"(127.0.0.1:{self.redis.port}) has no replica (add replicas, or "
            "give --redis-replicas 0)\n",
        )


class OneRedisTests(ClusterTestCase):
    """One Redis without a replica (``redis://``: 0 by default)."""

    @defer.inlineCallbacks
    def test_replicas_asked_for_refuse_to_start(self):
        """``--redis-replicas 1``: twistd exits 1, in one line."""
        err = yield refused(self, "--redis", self.redis_url, "--redis-replicas", "1")
        self.assertEqual(
            err,
            f"chatroom: --redis-replicas 1: the primary 127.0.0.1:{self.redis.port} "
            "has no replica (add replicas, or give --redis-replicas 0)\n",
        )


class ReplicaDownAtStartTests(SentinelTestCase):
    """Behind Sentinel, the primary's replica down as a node starts."""

    @defer.inlineCallbacks
    def test_node_starts_and_refuses_messages(self):
        """With ``--redis-replicas 1`` and the replica stopped (Sentinel
        still lists it, down), the node starts, says in its log that
        messages are refused until the replica is back, and refuses them:
        never acknowledged with fewer replicas than asked."""
        yield self.replica.stop()

        @defer.inlineCallbacks
        def seen_down():
            replicas = yield ask(
                self.sentinels[0].port, "SENTINEL", "REPLICAS", SERVICE
            )
            return all(b"s_down" in b"".join(replica) for replica in replicas)

        yield until(seen_down, 10, "the Sentinel sees the replica down")
        logged = log_lines(self)
        node = yield self.node("--redis-replicas", "1", "--redis-timeout", "1")
        alice = yield self.client(node, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        alice.say("anyone keeping this?")
        answer = yield alice.expect(lambda line: line.endswith(" keeping this?"))
        self.assertTrue(answer.startswith("ERR UNAVAILABLE "), answer)
        self.assertIn(
            f"--redis-replicas 1: the primary {SERVICE} "
            f"(127.0.0.1:{self.primary.port}) has 1 replica, 0 connected now: "
            "messages are refused (ERR UNAVAILABLE) until 1 is connected",
            logged,
        )


class SettledTests(unittest.TestCase):
    """What a node waits for, on the primaries found (no Redis needed)."""

    def test_default_follows_the_fewest(self):
        """Left to its default, the number falls to the fewest replicas a
        primary has, never rises above the default."""
        primaries = [Primary("a", 2, 2), Primary("b", 0, 0)]
        self.assertEqual(settled(1, False, primaries), 0)
        self.assertEqual(settled(1, False, [Primary("a", 2, 2)]), 1)

    def test_given_refuses_fewer(self):
        """Given, more than a primary has is refused, naming that primary."""
        primaries = [Primary("a", 2, 2), Primary("b", 1, 1)]
        self.assertEqual(settled(1, True, primaries), 1)
        with self.assertRaises(TooFewReplicasError) as refusal:
            settled(2, True, primaries)
        self.assertEqual(
            str(refusal.exception),
            "--redis-replicas 2: the primary b has 1 replica (add replicas, or "
            "give --redis-replicas 1)",
        )

    def test_a_replica_down_is_still_waited_for(self):
        """A replica the primary has but is not connected to now keeps the
        number, given or not: messages are refused until it is back."""
        primaries = [Primary("a", 1, 0)]
        self.assertEqual(settled(1, False, primaries), 1)
        self.assertEqual(settled(1, True, primaries), 1)
