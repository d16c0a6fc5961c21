"""A node's resume in steps of one slot (:mod:`chatroom.backends.redis.resume_steps`),
on a real redis-server: the server's step (``RESUME``) run alone, as a
node that died or lost its link before the rooms' steps leaves it, and a
room's step (``RESUME_ROOM``) run twice. A resume cut short is run again
from the start, so each step must be idempotent. The rooms-apart layout
runs :class:`HalfDoneResume` too (``tests/cluster/test_rooms_apart.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import node_scripts
from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend, redis_command


class HalfDoneResume(ContractBase):
    """A resume's steps, each alone or twice: what users see after the next
    full resume is what they saw before, and nothing is done twice."""

    def command(self, *args: Any) -> defer.Deferred[Any]:
        return redis_command(self.server, *args)

    def key(self, kind: str) -> str:
        """A key of the server's slot."""
        return redis_backend(self.server).cluster.prefix + kind

    def room_key(self, room: str, kind: str) -> str:
        """A key of room ``room``'s, in the layout the node uses."""
        calls = redis_backend(self.server).calls
        if calls.rooms_apart:
            tag = calls.prefix[1:].split("}", 1)[0]
            return f"{{{tag}/{room}}}:{kind}"
        return f"{calls.prefix}{kind}:{room}"

    def server_step(self) -> defer.Deferred[Any]:
        """The server's steps alone (``RESUME``, a chunk a call, and the
        index's), with the arguments the node's resume sends."""
        backend = redis_backend(self.server)
        head = {"node": backend.node.id, "ttl": int(backend.cluster.node_ttl * 1000)}
        head["now"] = int(backend.clock.seconds() * 1000)
        running = backend.node.resume_steps.server_steps(head, backend.held())
        return defer.Deferred.fromCoroutine(running)

    def room_step(self, step: dict[str, Any]) -> defer.Deferred[Any]:
        calls = redis_backend(self.server).calls
        running = calls.eval(node_scripts.RESUME_ROOM, step, always=True)
        return defer.Deferred.fromCoroutine(running)

    def full_resume(self) -> defer.Deferred[None]:
        """The node's next resume (after a lost link, say), done."""
        node = redis_backend(self.server).node
        node.start_resume()
        return node.when_available()

    @defer.inlineCallbacks
    def test_a_resume_cut_after_the_servers_step(self) -> Generator[Any, Any, None]:
        """Redis lost room tea and its members' rooms while alice and bob
        were in it, and the node's resume stopped after the server's step:
        the listing and both users' rooms name tea (the index first), its
        keys are still gone.
        The next resume makes it again with both seated, in their order,
        listed once, and they talk there as before."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        kinds = ("room", "members", "holding", "seats", "log", "history")
        yield self.command("DEL", *[self.room_key("tea", kind) for kind in kinds])
        yield self.command("HDEL", self.key("in"), "alice", "bob")
        yield self.server_step()
        self.assertIn(b"tea", (yield self.command("HKEYS", self.key("rooms"))))
        for u in ("alice", "bob"):
            rooms = yield self.command("HGET", self.key("in"), u)
            self.assertIn(b"tea", rooms.split())
        room = self.room_key("tea", "room")
        self.assertEqual((yield self.command("EXISTS", room)), 0)
        yield self.full_resume()
        members = yield self.command("ZRANGE", self.room_key("tea", "members"), 0, -1)
        self.assertEqual(members, [b"alice", b"bob"])
        listed = yield self.command("HKEYS", self.key("rooms"))
        self.assertEqual(listed.count(b"tea"), 1)
        alice.say("/who")
        who = yield self.expect(alice, "MEMBERS ")
        self.assertEqual(who, "MEMBERS tea alice bob")
        alice.say("hello again")
        yield self.expect(bob, "MSG tea alice ")

    @defer.inlineCallbacks
    def test_a_room_step_run_twice(self) -> Generator[Any, Any, None]:
        """tea's step run twice, as a resume run again after a lost link
        does, Redis two events behind what the node saw (a failover to a
        replica they had not reached): the room is moved past them once,
        nobody is seated again, and the room goes on from there."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("one")
        yield self.expect(bob, "MSG tea alice ")
        members = self.room_key("tea", "members")
        arrivals = yield self.command("ZRANGE", members, 0, -1, "WITHSCORES")
        seq = int((yield self.command("HGET", self.room_key("tea", "room"), "seq")))
        logged = yield self.command("LLEN", self.room_key("tea", "log"))
        reply = yield self.server_step()
        (step,) = [step for step in reply.steps if step["room"] == "tea"]
        step["row"][6] = seq + 2  # the node saw two events Redis no longer has
        first = yield self.room_step(step)
        second = yield self.room_step(step)
        self.assertEqual(int(first[2]), seq)  # where Redis was, for the log
        self.assertEqual(int(second[2]), seq + 2)
        self.assertEqual(second[3], [])  # nothing after what the node saw
        room = self.room_key("tea", "room")
        self.assertEqual(int((yield self.command("HGET", room, "seq"))), seq + 2)
        log = yield self.command("LLEN", self.room_key("tea", "log"))
        self.assertEqual(log, logged + 2)
        self.assertEqual(
            (yield self.command("ZRANGE", members, 0, -1, "WITHSCORES")), arrivals
        )
        yield self.full_resume()
        alice.say("two")
        self.assertIn("two", (yield self.expect(bob, "MSG tea alice ")))
        alice.say("/who")
        who = yield self.expect(alice, "MEMBERS ")
        self.assertEqual(who, "MEMBERS tea alice bob")

    @defer.inlineCallbacks
    def test_a_device_gone_leaves_the_rooms_copies(self) -> Generator[Any, Any, None]:
        """zed, held by another node, also had a device's session here that
        this node no longer has: a resume drops its hold, and the copy of
        who holds zed in zed's room (a room this node seats nobody in) goes
        with it, so the room no longer admits that session."""
        yield self.in_room("tea", "alice")
        node = redis_backend(self.server).node.id
        here = f"{node}:999"
        yield self.command("HSET", self.key("users"), "zed", "elsewhere:1 zed")
        yield self.command("SADD", self.key("holders:zed"), here)
        index = self.key(f"sessions:{node}")  # the node's index of its sessions
        yield self.command("HSET", index, "999", "zed")
        # zed's rooms as an older node wrote them: a set of its own, moved
        # into the rooms' hash at its use
        yield self.command("SADD", self.key("in:zed"), "tea")
        yield self.command("ZADD", self.room_key("tea", "members"), 9, "zed")
        holding = self.room_key("tea", "holding")
        yield self.command("HSET", holding, "zed", f"elsewhere:1 {here}")
        yield self.command("HSET", self.room_key("tea", "seats"), "zed", " zed")
        yield self.full_resume()
        self.assertEqual((yield self.command("HGET", holding, "zed")), b"elsewhere:1")
        self.assertEqual((yield self.command("SMEMBERS", self.key("holders:zed"))), [])
        self.assertFalse((yield self.command("HEXISTS", index, "999")))


class RedisHalfDoneResume(RedisRegistryTestCase, HalfDoneResume):
    """A resume's steps on one Redis, every key in the chat's one slot."""

    config = CONFIG
