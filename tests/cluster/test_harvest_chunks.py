"""A dead node's harvest in bounded chunks, on a real redis-server.

Redis runs one script at a time: a harvest that ended every session of a
node in one script (walking every user of the chat to find them) held
every other node's calls for seconds. Each node keeps an index of its
sessions (``P sessions:n``), and ``HARVEST`` ends at most
:data:`~chatroom.backends.redis.node_scripts.HARVEST_CHUNK` of them a
call, each chunk's ends run to their last step before the next is taken.
What Redis did is read from Redis itself: ``MONITOR`` shows each
``HARVEST`` call and the ends it started, and a second client's calls
are answered between the chunks. The rooms-apart layout runs
:class:`ChunkedHarvests` too (``tests/cluster/test_rooms_apart.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.protocols.basic import LineReceiver

from chatroom.backends.redis import node_scripts, scripts
from chatroom.backends.redis.redis_backend import RedisBackend
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.server import NameHeldBy, NameHolding, TakeName
from chatroom.core.model.config import ClusterConfig
from tests.backends.contracts.handler import CONFIG, ContractBase, User
from tests.cluster.redis_cluster import OneServerClusterRegistryTestCase
from tests.cluster.sentinels import ask
from tests.cluster.support import RedisRegistryTestCase, TwoNodeRegistryTestCase
from tests.support import redis_backend, redis_command, until

#: The dead node's crowd: enough for several chunks.
CROWD = 2000

#: Node two's heartbeat lifetime in :class:`ChunkedHarvests`: node one
#: beats each second, and finds node two dead three after its last beat.
#: Node two stops beating with its connections open, as a stopped process
#: would: node one harvests it with no ``--stall-grace``.
NODE_TTL = 3.0

#: Node one's heartbeat lifetime in :class:`HarvesterGone`: its own beats,
#: which would harvest ghost too, come only after the test.
QUIET_TTL = 600.0

#: A MONITOR line's quoted arguments.
_QUOTED = re.compile(r'"((?:\\.|[^"\\])*)"')


class Monitor(LineReceiver):
    """A ``MONITOR`` connection: every command Redis runs, as it runs it,
    scripts' own commands among them (their client ``lua``)."""

    delimiter = b"\r\n"

    def __init__(self) -> None:
        self.lines: list[str] = []

    def connectionMade(self) -> None:
        self.sendLine(b"MONITOR")

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line.decode(errors="replace"))

    def runs(self) -> list[tuple[int, list[list[str]]]]:
        """Each script call's commands, in order, and where (the line
        number) they start: a run of commands whose client is ``lua`` (a
        script's commands are never mixed with another's: it runs alone),
        each command its arguments, the command's name lower case."""
        found: list[tuple[int, list[list[str]]]] = []
        within = False
        for number, line in enumerate(self.lines):
            if " [0 lua] " not in line:
                within = False
                continue
            words = _QUOTED.findall(line)
            words[0] = words[0].lower()
            if not within:
                found.append((number, []))
                within = True
            found[-1][1].append(words)
        return found

    def position_of(self, command: str) -> list[int]:
        """Where (line numbers) a client other than a script ran ``command``."""
        return [
            number
            for number, line in enumerate(self.lines)
            if " [0 lua] " not in line
            and f'"{command.lower()}"' in line.lower().split("] ", 1)[-1][:40]
        ]


@defer.inlineCallbacks
def claimed(
    backend: RedisBackend, node: str, names: list[str]
) -> Generator[Any, Any, None]:
    """Sessions of ``node`` holding ``names``: their names claimed
    (``CLAIM``, as a node's sign-on does), in no room."""
    for start in range(0, len(names), 200):
        yield defer.gatherResults(
            [
                defer.Deferred.fromCoroutine(
                    backend.calls.eval(
                        scripts.CLAIM,
                        {
                            "change": DecidedChange(
                                NameHolding(name),
                                (NameHeldBy(""),),
                                (TakeName(f"{node}:{name}", name, ""),),
                            ),
                            "masks": [],
                        },
                        always=True,
                    )
                )
                for name in names[start : start + 200]
            ]
        )


class Harvests(ContractBase):
    """What the harvest tests ask Redis."""

    def backend(self) -> RedisBackend:
        return redis_backend(self.server)

    def key(self, kind: str) -> str:
        return self.backend().calls.prefix + kind

    def ask(self, *command: Any) -> defer.Deferred[Any]:
        return redis_command(self.server, *command)

    def gone(self, *command: Any) -> defer.Deferred[bool]:
        """Until ``command``'s answer is false: a wait for a key to go."""
        return until(
            lambda: self.ask(*command).addCallback(lambda held: not held),
            60,
            f"{command} false",
        )

    @defer.inlineCallbacks
    def sessions_of(self, node: str) -> Generator[Any, Any, list[str]]:
        """The names whose own sessions are ``node``'s, by ``P users``."""
        held = yield self.ask("HGETALL", self.key("users"))
        pairs = zip(held[::2], held[1::2], strict=True)
        return sorted(u.decode() for u, v in pairs if v.decode().startswith(f"{node}:"))


class ChunkedHarvests(Harvests):
    """Node two holds carol (in tea, with alice of node one) and a crowd of
    cheap sessions (their names claimed, nothing else); a third node,
    ``living``, beats and holds a few more. Node two stops beating."""

    other: Any
    redis: Any
    on_two: Callable[[str], defer.Deferred[User]]

    def redis_port(self) -> int:
        return int(getattr(self, "cluster_port", 0) or self.redis.port)

    @defer.inlineCallbacks
    def monitored(self) -> Generator[Any, Any, Monitor]:
        monitor = Monitor()
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.redis_port())
        yield connectProtocol(endpoint, monitor)
        self.addCleanup(monitor.transport.loseConnection)  # type: ignore[union-attr]
        yield until(lambda: defer.succeed(monitor.lines), 5, "MONITOR's +OK")
        return monitor

    @defer.inlineCallbacks
    def test_a_crowd_is_harvested_a_chunk_at_a_time(self) -> Generator[Any, Any, None]:
        """Node two's heartbeat lapses: node one's beat finds it dead and
        harvests it. Carol leaves tea (alice sees her go), every one of
        the crowd's names is free, and node two is forgotten; it took one
        ``HARVEST`` call per chunk, none ending more than a chunk, and a
        second client's calls (reading the dead node's index) were
        answered between them, finding it part-way. The living node's
        sessions, and alice's, are untouched."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        carol = yield self.on_two("carol")
        carol.say("/join tea")
        yield self.expect(alice, "JOIN tea carol")
        yield claimed(self.backend(), "two", [f"c{n}" for n in range(CROWD)])
        living = [f"l{number}" for number in range(50)]
        yield self.ask("SET", self.key("alive:living"), "1", "PX", 600000)
        yield self.ask("SADD", self.key("nodes"), "living")
        yield claimed(self.backend(), "living", living)
        index = self.key("sessions:two")
        self.assertEqual((yield self.ask("HLEN", index)), CROWD + 1)
        monitor = yield self.monitored()
        seen: list[int] = []

        def look() -> defer.Deferred[Any]:
            # A probe that goes unanswered (a loaded machine) is a probe
            # not counted, not a failure: the prober must keep running.
            probe = ask(self.redis_port(), "HLEN", index)
            return probe.addCallbacks(seen.append, lambda _: None)

        prober = task.LoopingCall(look)
        prober.start(0.01)
        self.addCleanup(lambda: prober.stop() if prober.running else None)
        # Node two stops beating, as a node frozen or cut off does.
        self.other.backend.node._heartbeat.stop()
        yield self.gone("SISMEMBER", self.key("nodes"), "two")
        prober.stop()
        forgotten = f'"SREM" "{self.key("nodes")}" "two"'
        yield until(
            lambda: defer.succeed(any(forgotten in line for line in monitor.lines)),
            10,
            "MONITOR's news of HARVESTED",
        )
        part = yield self.expect(alice, "PART tea carol")
        self.assertEqual(part, "PART tea carol server two went away")
        self.assertEqual((yield self.sessions_of("two")), [])
        self.assertFalse((yield self.ask("EXISTS", index)))
        self.assertFalse((yield self.ask("EXISTS", self.key("ending"))))
        self.assertFalse((yield self.ask("EXISTS", self.key("harvesting:two"))))
        self.assertEqual((yield self.sessions_of("living")), sorted(living))
        self.assertEqual(
            (yield self.ask("HLEN", self.key("sessions:living"))), len(living)
        )
        self.assertEqual((yield self.sessions_of("contract")), ["alice"])
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")

        chunks = [
            (at, run)
            for at, run in monitor.runs()
            if any(words[:2] == ["hrandfield", index] for words in run)
        ]
        ending = self.key("ending")
        ended = [
            sum(words[:2] == ["hset", ending] for words in run) for _, run in chunks
        ]
        self.assertEqual(sum(ended), CROWD + 1)
        self.assertLessEqual(max(ended), node_scripts.HARVEST_CHUNK)
        self.assertLess(node_scripts.HARVEST_CHUNK, CROWD)
        most = -(-(CROWD + 1) // node_scripts.HARVEST_CHUNK)
        self.assertGreaterEqual(len([count for count in ended if count]), most)
        # The second client's reads were answered between the chunks.
        self.assertTrue([n for n in seen if 0 < n < CROWD + 1], seen[-20:])
        first, last = chunks[0][0], chunks[-1][0]
        between = [n for n in monitor.position_of("HLEN") if first < n < last]
        self.assertTrue(between, "no other client's call between the chunks")


class RedisChunkedHarvestTests(TwoNodeRegistryTestCase, ChunkedHarvests):
    """Every key in one Redis."""

    config = CONFIG
    timeout = 120

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=NODE_TTL, stall_grace=0)


class ClusterChunkedHarvestTests(
    OneServerClusterRegistryTestCase, TwoNodeRegistryTestCase, ChunkedHarvests
):
    """On a Redis Cluster, every key in the chat's slot (the index's too)."""

    config = CONFIG
    timeout = 120

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=NODE_TTL, stall_grace=0)


class HarvesterGone(Harvests):
    """A harvester that dies mid-way, a node that comes back mid-way
    (``ghost``'s sessions, their names claimed), and a node's resume that
    finds many sessions it no longer has: each ended a chunk at a time."""

    def harvest(self, node: str) -> defer.Deferred[bool]:
        return defer.Deferred.fromCoroutine(self.backend().harvest(node, False, 0))

    @defer.inlineCallbacks
    def test_the_next_harvester_carries_on(self) -> Generator[Any, Any, None]:
        """Another node (``gone``) took the first chunk of ghost's sessions
        and died there: they are marked ending, and the rest untouched.
        While its lease holds, node one's harvest does nothing; once it
        lapses, node one ends them all, those cut short too, and forgets
        ghost."""
        yield claimed(self.backend(), "ghost", [f"g{n}" for n in range(600)])
        chunk = node_scripts.HARVEST_CHUNK
        reply = yield defer.Deferred.fromCoroutine(
            self.backend().calls.eval(
                node_scripts.HARVEST,
                {
                    "node": "ghost",
                    "own": False,
                    "chunk": chunk,
                    "harvester": "gone",
                    "lease": 60000,
                },
            )
        )
        self.assertEqual(int(reply[4]), chunk)
        self.assertEqual((yield self.ask("HLEN", self.key("ending"))), chunk)
        yield self.ask("SADD", self.key("nodes"), "ghost")  # registered, not beating
        self.assertFalse((yield self.harvest("ghost")))
        self.assertEqual((yield self.ask("HLEN", self.key("ending"))), chunk)
        self.assertEqual((yield self.ask("HLEN", self.key("sessions:ghost"))), 600)
        yield self.ask("PEXPIRE", self.key("harvesting:ghost"), 1)
        yield self.gone("EXISTS", self.key("harvesting:ghost"))
        self.assertTrue((yield self.harvest("ghost")))
        self.assertEqual((yield self.sessions_of("ghost")), [])
        self.assertFalse((yield self.ask("EXISTS", self.key("ending"))))
        self.assertFalse((yield self.ask("EXISTS", self.key("sessions:ghost"))))
        self.assertFalse((yield self.ask("SISMEMBER", self.key("nodes"), "ghost")))

    @defer.inlineCallbacks
    def test_a_node_back_mid_way_keeps_the_rest(self) -> Generator[Any, Any, None]:
        """ghost's sessions are harvested a chunk at a time; it beats again
        after the first chunk: the harvest stops there, the sessions the
        first chunk did not take are still ghost's, and ghost is no longer
        registered, so that its next beat resumes it."""
        yield claimed(self.backend(), "ghost", [f"t{n}" for n in range(400)])
        yield self.ask("SADD", self.key("nodes"), "ghost")
        endings = self.backend().endings
        step = endings.end
        taken: list[int] = []

        async def then_back(*args: Any, **kwargs: Any) -> Any:
            reply = await step(*args, **kwargs)
            taken.append(int(reply[4]))
            await redis_command(self.server, "SET", self.key("alive:ghost"), "1")
            return reply

        endings.end = then_back  # type: ignore[method-assign]
        self.addCleanup(setattr, endings, "end", step)
        self.assertFalse((yield self.harvest("ghost")))
        self.assertEqual(taken, [node_scripts.HARVEST_CHUNK, 0])
        left = 400 - node_scripts.HARVEST_CHUNK
        self.assertEqual(len((yield self.sessions_of("ghost"))), left)
        self.assertEqual((yield self.ask("HLEN", self.key("sessions:ghost"))), left)
        self.assertFalse((yield self.ask("SISMEMBER", self.key("nodes"), "ghost")))
        self.assertFalse((yield self.ask("EXISTS", self.key("harvesting:ghost"))))

    @defer.inlineCallbacks
    def test_a_resume_releases_what_it_no_longer_has_a_chunk_at_a_time(
        self,
    ) -> Generator[Any, Any, None]:
        """Redis has 600 sessions of node one that it no longer has (as
        after a restart under the same id): its resume releases them a
        chunk at a time, and their names are free."""
        node = self.backend().node
        yield claimed(self.backend(), node.id, [f"s{n}" for n in range(600)])
        endings = self.backend().endings
        step = endings.end
        released: list[int] = []

        async def counted(script: Any, operands: Any, **kwargs: Any) -> Any:
            if script is scripts.RELEASE:
                released.append(len(operands["changes"]))
            return await step(script, operands, **kwargs)

        endings.end = counted  # type: ignore[method-assign,assignment]
        self.addCleanup(setattr, endings, "end", step)
        node.start_resume()
        yield node.when_available()
        yield self.gone("EXISTS", self.key(f"sessions:{node.id}"))
        self.assertEqual((yield self.sessions_of(node.id)), [])
        chunk = node_scripts.HARVEST_CHUNK
        self.assertEqual(released, [chunk, chunk, 600 - 2 * chunk])


class RedisHarvesterGoneTests(RedisRegistryTestCase, HarvesterGone):
    """Every key in one Redis."""

    config = CONFIG

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=QUIET_TTL)


class OlderStore(Harvests):
    """A store from before the nodes' indexes of their sessions."""

    @defer.inlineCallbacks
    def test_its_dead_nodes_sessions_all_end(self) -> Generator[Any, Any, None]:
        """ghost's 1,500 sessions were claimed by a version that kept no
        index (none, and no mark that the store has them): the beats index
        the users a chunk at a time, and ghost, dead, is forgotten only
        once every one of its sessions has ended."""
        yield claimed(self.backend(), "ghost", [f"o{n}" for n in range(1500)])
        yield self.ask("DEL", self.key("sessions:ghost"), self.key("sessions-indexed"))
        yield self.ask("SADD", self.key("nodes"), "ghost")  # registered, not beating
        yield self.gone("SISMEMBER", self.key("nodes"), "ghost")
        self.assertEqual((yield self.sessions_of("ghost")), [])
        self.assertTrue((yield self.ask("EXISTS", self.key("sessions-indexed"))))
        self.assertFalse((yield self.ask("EXISTS", self.key("sessions-indexing"))))
        self.assertEqual((yield self.sessions_of("contract")), [])


class RedisOlderStoreTests(RedisRegistryTestCase, OlderStore):
    """Every key in one Redis."""

    config = CONFIG

    def cluster_config(self) -> ClusterConfig:
        return replace(super().cluster_config(), node_ttl=NODE_TTL, stall_grace=0)


class MovingSessions(Harvests):
    """Each node's index follows its sessions."""

    on_two: Callable[[str], defer.Deferred[User]]

    @defer.inlineCallbacks
    def indexed(self, node: str) -> Generator[Any, Any, list[bytes]]:
        return sorted((yield self.ask("HVALS", self.key(f"sessions:{node}"))))

    @defer.inlineCallbacks
    def test_a_user_back_through_another_node(self) -> Generator[Any, Any, None]:
        """bob, on node one, loses his connection and comes back through
        node two with his name: node one's index no longer lists him, node
        two's does; a rename moves his entry to the new name; gone, he is
        in neither."""
        alice = yield self.connect("alice")
        bob = yield self.connect("bob")
        self.assertEqual((yield self.indexed("contract")), [b"alice", b"bob"])
        bob.client.lose()
        yield self.gone("HEXISTS", self.key("users"), "bob")
        self.assertEqual((yield self.indexed("contract")), [b"alice"])
        bob = yield self.on_two("bob")
        self.assertEqual((yield self.indexed("two")), [b"bob"])
        bob.say("/nick robert")
        yield self.expect(bob, "NICK ")
        self.assertEqual((yield self.indexed("two")), [b"robert"])
        bob.client.lose()
        yield self.gone("EXISTS", self.key("sessions:two"))
        self.assertEqual((yield self.indexed("contract")), [b"alice"])
        alice.client.lose()


class RedisMovingSessionsTests(TwoNodeRegistryTestCase, MovingSessions):
    """Every key in one Redis."""

    config = CONFIG
