"""Joins, creates and leaves in steps, one slot each, on a real redis-server.

A join or a create is the server's step (``ENTERING``: the user's rooms,
the listing) then the room's (a join's one step where the room's keys are
in the server's slot: ``JOIN``); a leave, a departure or a room dropped is
the room's step then the server's (``INDEX_LAST``)
(:mod:`chatroom.backends.redis.room_steps`). Here one runs without the
other, as a node that died between them leaves it: the indexes name a
room too many, which nobody notices, and the next cleanup clears it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import scripts
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.rooms import (
    AddMember,
    Exists,
    FewerRoomsThan,
    MakeRoom,
    RoomSeating,
)
from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend, redis_command


def making(room: str, u: str) -> DecidedChange:
    """u's create of ``room`` (a name key too), as the core decides it."""
    premises = (Exists(False), FewerRoomsThan(CONFIG.max_rooms))
    ops = (MakeRoom(room), AddMember(u, u))
    return DecidedChange(RoomSeating(room), premises, ops, (u,))


class HalfDoneMembership(ContractBase):
    """Each step of a join, a create and a leave without the other, in
    every layout (``tests/cluster/test_rooms_apart.py`` runs them with
    each room in a slot of its own)."""

    def step(self, script: Any, operands: dict[str, Any]) -> defer.Deferred[Any]:
        calls = redis_backend(self.server).calls
        return defer.Deferred.fromCoroutine(calls.eval(script, operands))

    def command(self, *args: Any) -> defer.Deferred[Any]:
        return redis_command(self.server, *args)

    def key(self, kind: str) -> str:
        """A key of the server's slot."""
        return redis_backend(self.server).cluster.prefix + kind

    @defer.inlineCallbacks
    def rooms_of(self, u: str) -> Generator[Any, Any, list[bytes]]:
        """The user's rooms as the server's index names them."""
        rooms = yield self.command("HGET", self.key("in"), u)
        return sorted((rooms or b"").split())

    @defer.inlineCallbacks
    def listed(self) -> Generator[Any, Any, list[bytes]]:
        """The rooms the server's listing names."""
        return sorted((yield self.command("HKEYS", self.key("rooms"))))

    @defer.inlineCallbacks
    def entering_alone(
        self, u: str, change: DecidedChange
    ) -> Generator[Any, Any, None]:
        """The server's step of u's entry by ``change``, and no room's step."""
        held = yield self.command("HGET", self.key("users"), u)
        token = held.partition(b" ")[0]
        operands = {"change": change, "user": u, "token": token}
        reply = yield self.step(scripts.ENTERING, operands)
        self.assertEqual(reply[0], b"OK")

    def without_the_step_after(self) -> None:
        """The node dies after each room's step, before the server's step
        after it: a leave, a departure, a room dropped leave the indexes
        as they were, until :meth:`with_the_step_after`."""
        steps = redis_backend(self.server).entries.steps

        async def died(*args: Any, **kwargs: Any) -> None:
            return None

        steps.index_last = died  # type: ignore[method-assign]

    def with_the_step_after(self) -> None:
        del redis_backend(self.server).entries.steps.index_last

    @defer.inlineCallbacks
    def test_a_join_whose_room_step_never_ran(self) -> Generator[Any, Any, None]:
        """The user's rooms name a room it is not in: its members see it
        not, a rename is no news there (and moves the entry along), the
        user joins it for real, and its name's end clears the entry."""
        (alice,) = yield self.in_room("tea", "alice")
        bob = yield self.connect("bob")
        seat = DecidedChange(
            RoomSeating("tea"), (), (AddMember("bob", "bob"),), ("bob",)
        )
        yield self.entering_alone("bob", seat)
        self.assertEqual((yield self.rooms_of("bob")), [b"tea"])
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")
        bob.say("/nick bobby")
        yield self.expect(bob, "NICK bob bobby")
        self.assertEqual((yield self.rooms_of("bobby")), [b"tea"])
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea alice bobby")
        self.assertEqual((yield self.expect(alice, "JOIN ")), "JOIN tea bobby")
        self.assertFalse([line for line in alice.lines if "NICK" in line])
        bob.say("/quit")
        yield self.expect(alice, "PART tea bobby")
        endings = redis_backend(self.server).endings  # its last step, after
        yield defer.Deferred.fromCoroutine(endings.released("bobby"))
        self.assertEqual((yield self.rooms_of("bobby")), [])

    @defer.inlineCallbacks
    def test_a_leave_whose_step_after_never_ran(self) -> Generator[Any, Any, None]:
        """A user left a room, its index still naming it: the room shows
        it gone, the user joins and leaves it again, and then it goes."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        self.without_the_step_after()
        bob.say("/leave")
        yield self.expect(bob, "LEFT tea")
        yield self.expect(alice, "PART tea bob")
        self.assertEqual((yield self.rooms_of("bob")), [b"tea"])
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")
        self.with_the_step_after()
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea alice bob")
        bob.say("/leave")
        yield self.expect(bob, "LEFT tea")
        self.assertEqual((yield self.rooms_of("bob")), [])

    @defer.inlineCallbacks
    def test_a_room_dropped_still_listed(self) -> Generator[Any, Any, None]:
        """The last member left a room, which went, the listing still naming
        it: the lobby does not show it, nobody can join it, and it is made
        again by the next create of its name (which the listing then names
        once); a drop done in full takes it off the listing."""
        (alice,) = yield self.in_room("cake", "alice")
        self.without_the_step_after()
        alice.say("/leave")
        yield self.expect(alice, "LEFT cake")
        self.assertIn(b"cake", (yield self.listed()))
        self.with_the_step_after()
        bob = yield self.connect("bob")
        bob.say("/list")
        self.assertEqual((yield self.expect(bob, "ROOMS ")), "ROOMS 1")  # general
        bob.say("/join cake")
        self.assertTrue((yield self.expect(bob, "ERR ")).startswith("ERR NO_SUCH_ROOM"))
        bob.say("/create cake")
        yield self.expect(bob, "MEMBERS cake bob")
        self.assertEqual((yield self.listed()).count(b"cake"), 1)
        bob.say("/leave")
        yield self.expect(bob, "LEFT cake")
        self.assertNotIn(b"cake", (yield self.listed()))
        self.assertEqual((yield self.rooms_of("bob")), [])

    @defer.inlineCallbacks
    def test_a_create_whose_room_step_never_ran(self) -> Generator[Any, Any, None]:
        """A room listed, and named by its maker's rooms, but never made:
        the lobby does not show it, a join finds no such room, a create
        makes it; a session ending with a room never made in its rooms
        ends."""
        alice = yield self.connect("alice")
        yield self.entering_alone("alice", making("cake", "alice"))
        self.assertIn(b"cake", (yield self.listed()))
        bob = yield self.connect("bob")
        bob.say("/list")
        self.assertEqual((yield self.expect(bob, "ROOMS ")), "ROOMS 1")  # general
        bob.say("/join cake")
        self.assertTrue((yield self.expect(bob, "ERR ")).startswith("ERR NO_SUCH_ROOM"))
        alice.say("/create cake")
        yield self.expect(alice, "MEMBERS cake alice")
        bob.say("/join cake")
        yield self.expect(bob, "MEMBERS cake alice bob")
        carol = yield self.connect("carol")
        yield self.entering_alone("carol", making("pie", "carol"))
        carol.say("/quit")  # its rooms' departures: none from pie, which is not
        for _ in range(500):
            if not (yield self.rooms_of("carol")):
                break
            yield self.wait()
        self.assertEqual((yield self.rooms_of("carol")), [])

    @defer.inlineCallbacks
    def test_a_session_lost_between_a_joins_steps(self) -> Generator[Any, Any, None]:
        """bob's connection is lost, and his release run, after his join
        was decided and before the room's step. Where the room has a slot
        of its own, the server's step ran before: the room's step seats
        him after his release, and his node takes him out again. Where the
        room's keys are in the server's slot, its one step finds the
        session gone and writes nothing. Either way nobody stays in the
        room for a session that is gone, and the node does not take that
        ``GONE`` for a harvest of its own: it does not resume, and alice
        is never told the cluster is unavailable."""
        (alice,) = yield self.in_room("tea", "alice")
        bob = yield self.connect("bob")
        calls = redis_backend(self.server).calls
        call = calls.call
        answered: list[bool] = []
        harvested: list[bool] = []
        calls.on_harvested = lambda: harvested.append(True)

        async def lost_before(script: Any, *args: Any, **kwargs: Any) -> Any:
            if script is not scripts.JOIN:
                return await call(script, *args, **kwargs)
            bob.client.lose()
            for _ in range(500):  # its release frees the name
                if await self.command("HGET", self.key("users"), "bob") is None:
                    break
                await self.wait()
            try:
                return await call(script, *args, **kwargs)
            finally:
                answered.append(True)

        calls.call = lost_before  # type: ignore[method-assign]
        bob.say("/join tea")
        if calls.rooms_apart:
            self.assertEqual((yield self.expect(alice, "JOIN ")), "JOIN tea bob")
            self.assertEqual(
                (yield self.expect(alice, "PART ")), "PART tea bob connection lost"
            )
        for _ in range(500):  # the room's step has answered
            if answered:
                break
            yield self.wait()
        del calls.call
        self.assertEqual(harvested, [])
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")
        self.assertFalse([line for line in alice.lines if "UNAVAILABLE" in line])
        self.assertEqual((yield self.rooms_of("bob")), [])
        if not calls.rooms_apart:  # no JOIN, no PART
            shown = [line for line in alice.lines if " tea bob" in line]
            self.assertEqual(shown, [])

    @defer.inlineCallbacks
    def test_a_join_refused_moves_nobody(self) -> Generator[Any, Any, None]:
        """The room entered takes its step before the room left takes its
        own: a join refused (full) leaves the joiner in the room it was in,
        its members shown nothing."""
        _alice, _bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        (dave, erin) = yield self.in_room("cake", "dave", "erin")
        dave.say("/join tea")
        self.assertEqual(
            (yield self.expect(dave, "ERR ")), "ERR ROOM_FULL tea is full (3)"
        )
        dave.say("still here")
        yield self.expect(erin, "MSG cake dave ")
        self.assertFalse([line for line in erin.lines if line.startswith("PART")])
        carol.say("/leave")
        yield self.expect(carol, "LEFT tea")
        dave.say("/join tea")
        yield self.expect(dave, "MEMBERS tea alice bob dave")
        self.assertEqual(
            (yield self.expect(erin, "PART ")), "PART cake dave left for tea"
        )
        for _ in range(500):  # with rooms apart, the server's index is the
            # leave's last step, after the room's PART went out
            if (yield self.rooms_of("dave")) == [b"tea"]:
                break
            yield self.wait()
        self.assertEqual((yield self.rooms_of("dave")), [b"tea"])


class RedisHalfDoneMembership(RedisRegistryTestCase, HalfDoneMembership):
    """Every key in one Redis."""

    config = CONFIG
