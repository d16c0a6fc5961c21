"""Sessions' ends in steps of one slot (:mod:`chatroom.backends.redis.endings`),
on a real redis-server: the server's step (``RELEASE``, ``KILL``,
``HARVEST``) run alone, as a node that died before the rooms' steps and
the server's last leaves it, then the cleanup that finishes it. The
rooms-apart layout runs :class:`HalfDoneEndings` too
(``tests/cluster/test_rooms_apart.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from twisted.internet import defer, reactor, task

from chatroom.backends.redis import accounts, node_scripts, scripts
from chatroom.backends.redis.endings import ENDED_FOR, telling
from chatroom.backends.redis.redis_backend import RELEASE_TRIES, RedisBackend
from chatroom.core.model import errors
from chatroom.core.model.changes.moderation import sessions_ended
from chatroom.core.moderation.modlog import (
    MODLOG_KEEP,
    SERVER_LOG,
    ModAction,
    ModEntry,
    recording,
)
from tests.backends.contracts.handler import CONFIG, ContractBase, User
from tests.cluster.support import RedisRegistryTestCase
from tests.support import FakeClient, log_lines, redis_backend, redis_command


class HalfDoneEndings(ContractBase):
    """A session's end cut short after its server's step: its user's rooms
    still list it, its name is taken by no session, and the next release
    of that session finishes it."""

    def backend(self) -> RedisBackend:
        return redis_backend(self.server)

    def key(self, kind: str, room: str = "") -> str:
        """A key of the layout: the server's, or room ``room``'s."""
        prefix = self.backend().calls.prefix
        if not room:
            return prefix + kind
        if self.backend().calls.rooms_apart:
            return "{" + prefix[1 : prefix.index("}")] + "/" + room + "}:" + kind
        return f"{prefix}{kind}:{room}"

    def ask(self, *command: Any) -> defer.Deferred[Any]:
        return redis_command(self.server, *command)

    def eval(self, script: Any, operands: dict[str, Any]) -> defer.Deferred[Any]:
        calls = self.backend().calls
        return defer.Deferred.fromCoroutine(calls.eval(script, operands, always=True))

    def members(self, room: str) -> defer.Deferred[Any]:
        return self.ask("ZRANGE", self.key("members", room), "0", "-1")

    @defer.inlineCallbacks
    def token(self, u: str) -> Generator[Any, Any, str]:
        held = yield self.ask("HGET", self.key("users"), u)
        return str(held.decode().partition(" ")[0])

    def rooms_steps_never_run(self) -> Callable[[], None]:
        """The ends' rooms' steps fail, as if their node died there, until
        the function returned is called: the server's last step never
        runs either, however often the node runs the end again."""
        steps = self.backend().room_steps
        applied = steps.applied

        async def died(*args: Any, **kwargs: Any) -> Any:
            raise errors.unavailable()

        def restored() -> None:
            steps.applied = applied  # type: ignore[method-assign]

        steps.applied = died  # type: ignore[method-assign]
        self.addCleanup(restored)
        return restored

    def patiently(self) -> defer.Deferred[None]:
        """A wait between looks that outlasts a claim's wait for an end
        under way (``--redis-timeout``) in :meth:`expect`'s 500 looks."""
        return task.deferLater(reactor, 0.02, lambda: None)

    def released(self, u: str) -> defer.Deferred[None]:
        return defer.Deferred.fromCoroutine(self.backend().endings.released(u))

    @defer.inlineCallbacks
    def test_a_release_cut_after_the_servers_step(self) -> Generator[Any, Any, None]:
        """bob quits and his node dies after ``RELEASE``'s server step (it
        runs the end again, a bounded number of times, and says it gave
        up): the room still lists him (what alice was last told), no
        session holds him, and his name is nobody's to claim yet. The
        node's next resume
        finds the session it no longer has (``tidy``) and releases it
        again, which carries the end on: alice sees bob leave, and the
        name is free. A claim of the name meanwhile waits for the end to
        be finished, as long as a Redis reply may take, then is refused."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        token = yield self.token("bob")
        log = log_lines(self)
        restored = self.rooms_steps_never_run()
        bob.say("/quit")
        yield self.expect(bob, "BYE")
        bob.client.lose()
        yield self.released("bob")
        self.assertEqual((yield self.members("tea")), [b"alice", b"bob"])
        self.assertEqual(
            (yield self.eval(scripts.HOLDS, {"user": "bob", "token": token})), b"GONE"
        )
        impostor = User(FakeClient(self.server))
        impostor.say("bob")
        yield self.expect(impostor, "ERR NAME_TAKEN", wait=self.patiently)
        alice.say("/who")
        who = yield self.expect(alice, "MEMBERS ")
        self.assertEqual(who, "MEMBERS tea alice bob")
        gave_up = [line for line in log if "stays taken" in line]
        self.assertEqual(
            gave_up,
            [
                f"the release of bob failed {RELEASE_TRIES} times: it stays "
                "taken until this node next resumes"
            ],
        )
        restored()
        node = self.backend().node
        node.start_resume()
        yield node.when_available()
        yield self.expect(alice, "PART tea bob")
        yield self.released("bob")
        self.assertEqual((yield self.members("tea")), [b"alice"])
        self.assertFalse((yield self.ask("EXISTS", self.key("ending"))))
        yield self.connect("bob")

    @defer.inlineCallbacks
    def test_a_kill_cut_after_the_servers_step(self) -> Generator[Any, Any, None]:
        """A ``/kill``'s server step alone (the bans' script: the admin's
        node died after it): bob's session is told to end, and its node
        releases it, which carries the end on: alice sees bob leave saying
        why, and the name is free; the kill's entry is in the server's log,
        recorded by that step."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        entry = ModEntry("t", "root", ModAction.KILL, "bob", "enough")
        token = yield self.token("bob")
        logged = recording(SERVER_LOG, [entry])
        kill = sessions_ended("", "bob", "enough", logged, token)
        operands = {"change": kill, "orders": {}, "keep": MODLOG_KEEP}
        reply = yield self.eval(accounts.APPLY_BANS, {**operands, **telling("enough")})
        self.assertEqual(reply[0], b"OK")
        read = self.backend().modlog.read(SERVER_LOG, 5)
        self.assertEqual((yield defer.Deferred.fromCoroutine(read)), [entry])
        ended = self.key(f"ended:{self.backend().node.id}")  # for a node out of touch
        self.assertEqual((yield self.ask("HVALS", ended)), [b"enough"])
        self.assertTrue(
            ENDED_FOR - 60_000 < (yield self.ask("PTTL", ended)) <= ENDED_FOR
        )
        yield self.expect(bob, "BYE")
        self.assertTrue((yield self.expect(alice, "PART tea bob")).endswith("enough"))
        yield self.released("bob")
        self.assertEqual((yield self.members("tea")), [b"alice"])
        self.assertFalse((yield self.ask("HEXISTS", self.key("users"), "bob")))
        self.assertFalse((yield self.ask("EXISTS", self.key("ending"))))

    @defer.inlineCallbacks
    def test_a_harvest_cut_after_the_servers_step(
        self,
    ) -> Generator[Any, Any, None]:
        """``HARVEST``'s server step alone: every user of the node marked
        ending, the rooms still full, the node's index of its sessions
        still listing them and the node still registered (so that the next
        beat harvests it again); the next harvest finishes it and then
        forgets the node."""
        yield self.in_room("tea", "alice", "bob")
        node = self.backend().node.id
        chunk = node_scripts.HARVEST_CHUNK
        harvest = {"node": node, "own": True, "chunk": chunk, "harvester": node}
        yield self.eval(node_scripts.HARVEST, {**harvest, "lease": 60000})
        self.assertEqual((yield self.members("tea")), [b"alice", b"bob"])
        ending = yield self.ask("HKEYS", self.key("ending"))
        self.assertEqual(sorted(ending), [b"alice", b"bob"])
        indexed = yield self.ask("HVALS", self.key("sessions:" + node))
        self.assertEqual(sorted(indexed), [b"alice", b"bob"])
        self.assertTrue((yield self.ask("SISMEMBER", self.key("nodes"), node)))
        yield defer.Deferred.fromCoroutine(self.backend().harvest(node, True, 0))
        self.assertEqual((yield self.members("tea")), [])
        self.assertFalse((yield self.ask("EXISTS", self.key("users"))))
        self.assertFalse((yield self.ask("EXISTS", self.key("ending"))))
        self.assertFalse((yield self.ask("EXISTS", self.key("sessions:" + node))))
        self.assertFalse((yield self.ask("SISMEMBER", self.key("nodes"), node)))


class RedisHalfDoneEndingsTests(RedisRegistryTestCase, HalfDoneEndings):
    """Every key in one Redis."""

    config = CONFIG
