"""A node alive but silent is not taken for dead; a dead one is, at once.

Real processes: the node that stalls is a ``twistd chatroom`` process of
its own, stopped with ``SIGSTOP`` (as a node starved of CPU, or in a
collection of seconds, is to the others: alive, its connections open,
no beat) or killed with ``SIGKILL`` (the kernel closes its connections);
the other node is in the test's process, with a real ``redis-server``
(one; a Redis Cluster of three primaries; a primary behind Sentinel).
Alice is on the node that stalls, bob on the other, both in tea.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any

from twisted.internet import defer, reactor

from chatroom.core.model.config import CLUSTER_PREFIX
from tests.cluster.redis_cluster import RedisClusterTestCase
from tests.cluster.sentinels import SentinelTestCase, ask
from tests.cluster.support import ClusterTestCase
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import LineClient, connect_client, log_lines, until

if TYPE_CHECKING:
    _Base = ClusterTestCase
else:
    _Base = object

#: Where the survivor's IRC door listens.
LOCAL = "tcp:0:interface=127.0.0.1"

#: Both nodes' heartbeat lifetime: beats every half second.
NODE_TTL = "1.5"

#: A grace far longer than any wait of these tests for a harvest: a node
#: harvested within it was not waited for.
LONG_GRACE = "60"


class StalledNode(_Base):
    """A node stopped, or killed, with the survivor judging it on
    :meth:`redis_port`'s Redis (where the heartbeat keys are)."""

    #: The chat's keys' prefix.
    prefix = "chatroom:"

    def redis_port(self) -> defer.Deferred[int]:
        return defer.succeed(self.redis.port)

    def key(self, kind: str) -> str:
        return self.prefix + kind

    async def stalling(
        self, grace: str
    ) -> tuple[TwistdProcess, LineClient, LineClient]:
        """The survivor (in this process, ``--stall-grace`` ``grace``) and
        ``stalling`` (a process of its own); alice on stalling and bob on
        the survivor, both in tea."""
        survivor = await self.node("--stall-grace", grace, "--irc", LOCAL)
        process = spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1",
            "--redis", self.redis_url,
            "--node-id", "stalling",
            "--node-ttl", NODE_TTL,
            "--rate", "0",
        )  # fmt: skip
        port = await process.listening
        await process.when_output(b"node stalling: in the cluster")
        alice = await connect_client(reactor, port, "alice")
        self.clients.append(alice)
        alice.say("/create tea")
        await alice.expect_line("JOINED tea ")
        bob = await self.client(survivor, "bob")
        bob.say("/join tea")
        await alice.expect_line("JOIN tea bob")
        return process, alice, bob

    @defer.inlineCallbacks
    def ask_redis(self, *command: Any):
        return (yield ask((yield self.redis_port()), *command))

    @staticmethod
    async def harvest_logged(log: list[str]) -> list[str]:
        """Until the survivor logs that it harvested stalling (after the
        harvest's last step, which follows its users' departures)."""

        def harvested() -> list[str]:
            return [line for line in log if "harvested node stalling" in line]

        return await until(lambda: defer.succeed(harvested()), 10, "harvest logged")

    async def users_counted(self) -> int:
        """How many users ``LUSERS`` counts on every node, asked at the
        survivor by an IRC user there (``266``: the asker among them)."""
        carl = await self.irc_client(self.nodes[0], "carl")
        carl.say("LUSERS")
        every = await carl.expect(lambda line: " 266 " in line)
        return int(every.split()[-1])

    async def judged(self, times: int) -> None:
        """Until the survivor has asked Redis who is connected ``times``
        times since the statistics were reset: each time, it found
        stalling's heartbeat gone (it asks only then)."""

        async def asked() -> bool:
            stats = (await self.ask_redis("INFO", "commandstats")).decode()
            for line in stats.splitlines():
                if line.startswith("cmdstat_client|list:calls="):
                    return int(line.split("=")[1].split(",")[0]) >= times
            return False

        await until(lambda: defer.ensureDeferred(asked()), 20, f"{times} judgements")

    async def test_a_stopped_node_is_left_alone_within_its_grace(self) -> None:
        """stalling stopped for longer than --node-ttl (its key expires,
        and the survivor finds it gone three times, a whole --node-ttl
        and more), its connections still open: it is left alone, and
        LUSERS at the survivor still counts alice. Once it goes on, it
        says its heartbeat lapsed; alice and bob are still in tea
        together, neither saw anyone leave, and they talk."""
        log = log_lines(self)
        process, alice, bob = await self.stalling(LONG_GRACE)
        pid = process.transport.pid  # type: ignore[union-attr]
        await self.ask_redis("CONFIG", "RESETSTAT")
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(os.kill, pid, signal.SIGCONT)
        await until(
            lambda: self.ask_redis("EXISTS", self.key("stalled:stalling")),
            10,
            "stalling found stalled",
        )
        self.assertEqual(await self.ask_redis("EXISTS", self.key("alive:stalling")), 0)
        await self.judged(3)
        self.assertEqual(await self.users_counted(), 3)  # alice, bob and carl
        self.assertEqual(
            await self.ask_redis("SISMEMBER", self.key("nodes"), "stalling"), 1
        )

        os.kill(pid, signal.SIGCONT)
        await process.when_output(b"node stalling: its heartbeat lapsed")
        self.assertEqual(await self.ask_redis("EXISTS", self.key("alive:stalling")), 1)
        self.assertEqual(
            await self.ask_redis("EXISTS", self.key("stalled:stalling")), 0
        )
        bob.say("/who")
        self.assertEqual(await bob.expect_line("MEMBERS tea"), "MEMBERS tea alice bob")
        alice.say("still here")
        said = await bob.expect_line("MSG tea alice ")
        self.assertTrue(said.endswith(" still here"))
        for user in (alice, bob):
            self.assertEqual(
                [line for line in user.lines if line.startswith("PART ")], []
            )
        self.assertFalse(alice.is_closed)
        self.assertEqual([line for line in log if "harvested node" in line], [])
        self.assertTrue([line for line in log if "--stall-grace" in line])

    async def test_a_killed_node_is_harvested_without_waiting(self) -> None:
        """stalling killed (SIGKILL): the kernel closes its connections, and
        the survivor harvests it once its heartbeat key expires, far within
        the grace: bob sees alice go, and stalling was never taken for
        stalled."""
        log = log_lines(self)
        process, _alice, bob = await self.stalling(LONG_GRACE)
        process.transport.signalProcess("KILL")  # type: ignore[union-attr]
        part = await bob.expect_line("PART tea alice ").addTimeout(15, reactor)
        self.assertEqual(part, "PART tea alice server stalling went away")
        harvested = await self.harvest_logged(log)
        self.assertEqual(len(harvested), 1)
        self.assertIn("Redis holds no connection of it", harvested[0])
        self.assertEqual([line for line in log if "--stall-grace" in line], [])
        self.assertEqual(
            await self.ask_redis("SISMEMBER", self.key("nodes"), "stalling"), 0
        )


class StalledNodeTests(StalledNode, ClusterTestCase):
    """On one Redis: a node stopped, killed, or stopped past its grace."""

    timeout = 60
    node_options = ("--rate", "0", "--node-ttl", NODE_TTL)

    async def test_a_node_stopped_past_its_grace_is_harvested(self) -> None:
        """stalling stopped past a grace of 2 s: the survivor leaves it
        alone first, then harvests it (bob sees alice go), its
        connections still open."""
        log = log_lines(self)
        process, _alice, bob = await self.stalling("2")
        pid = process.transport.pid  # type: ignore[union-attr]
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(os.kill, pid, signal.SIGCONT)
        part = await bob.expect_line("PART tea alice ").addTimeout(30, reactor)
        self.assertEqual(part, "PART tea alice server stalling went away")
        spared = [line for line in log if "left alone for 2 s" in line]
        self.assertEqual(len(spared), 1)
        harvested = await self.harvest_logged(log)
        self.assertEqual(len(harvested), 1)
        self.assertIn("--stall-grace", harvested[0])
        self.assertEqual(
            await self.ask_redis("SISMEMBER", self.key("nodes"), "stalling"), 0
        )


class StalledNodeOnRedisClusterTests(StalledNode, RedisClusterTestCase):
    """On a Redis Cluster of three primaries (rooms apart): every node's
    commands and heartbeat links go to the primary of the chat's slot,
    where the heartbeat keys are, and the survivor reads ``CLIENT LIST``
    there."""

    node_options = ("--rate", "0", "--node-ttl", NODE_TTL)
    prefix = CLUSTER_PREFIX

    def redis_port(self) -> defer.Deferred[int]:
        return self.slot_primary()


class StalledNodeBehindSentinelTests(StalledNode, SentinelTestCase):
    """Behind Sentinel: the links go to the primary the Sentinels name,
    where the survivor reads ``CLIENT LIST``."""

    node_options = ("--rate", "0", "--node-ttl", NODE_TTL)
