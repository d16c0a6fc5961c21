"""Renames and sign-ins whose rooms' steps never ran, on a real redis-server.

``CLAIM`` and ``SIGN`` change a member on the server's keys, then the node
writes each of its rooms' copies of it, a room a step
(:mod:`chatroom.backends.redis.copies`). :class:`HalfDoneNames` runs the
server's step alone, as a node that died between the steps leaves it, and
shows what the next step over the name makes of it, in every layout.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import scripts
from chatroom.backends.redis.redis_backend import RedisBackend
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.names import HeldName, SetAccount
from chatroom.core.model.changes.server import NameHeldBy, NameHolding, TakeName
from chatroom.core.services import claims
from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend, redis_command


class HalfDoneNames(ContractBase):
    """A rename or a sign-in whose rooms' steps never ran."""

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

    def ask(self, *command: str) -> defer.Deferred[Any]:
        return redis_command(self.server, *command)

    @defer.inlineCallbacks
    def token(self, u: str) -> Generator[Any, Any, str]:
        held = yield self.ask("HGET", self.key("users"), u)
        return str(held.decode().partition(" ")[0])

    def step(self, script: Any, **operands: Any) -> defer.Deferred[Any]:
        calls = self.backend().calls
        return defer.Deferred.fromCoroutine(calls.call(script, operands, refusals={}))

    def renaming(
        self, old: str, new: str, token: str, owner_follows: bool = True
    ) -> defer.Deferred[Any]:
        """``CLAIM`` of a rename of ``old`` to ``new`` (shown capitalized)
        by the session ``token`` holding it, the name free."""
        op = TakeName(token, new.capitalize(), "", old, owner_follows)
        change = DecidedChange(NameHolding(new), (NameHeldBy(""),), (op,))
        return self.step(scripts.CLAIM, change=change, masks=[])

    @defer.inlineCallbacks
    def test_a_rename_left_half_done_by_a_dead_node_leaves_no_ghost(
        self,
    ) -> Generator[Any, Any, None]:
        """The server's step alone: the server has the new name, the room
        still lists the old one (what its members were last told), and the
        journal says so. The node's harvest (the session's end) moves the
        old seat to the new name before its departure: no room keeps a
        member nothing would remove."""
        yield self.in_room("tea", "alice", "bob")
        token = yield self.token("alice")
        reply = yield self.renaming("alice", "alicia", token)
        self.assertEqual(reply[0], b"IN_ROOM")
        members = self.key("members", "tea")
        self.assertEqual(
            (yield self.ask("ZRANGE", members, "0", "-1")), [b"alice", b"bob"]
        )
        renaming = yield self.ask("HGET", self.key("renaming"), "alicia")
        self.assertEqual(renaming, b"1 alice")  # the owner follows; the keys
        yield defer.Deferred.fromCoroutine(self.backend().harvest("contract", True, 0))
        self.assertEqual((yield self.ask("ZRANGE", members, "0", "-1")), [])
        self.assertFalse((yield self.ask("EXISTS", self.key("renaming"))))
        self.assertFalse((yield self.ask("EXISTS", self.key("users"))))

    @defer.inlineCallbacks
    def test_a_half_done_rename_is_finished_as_it_was_decided(
        self,
    ) -> Generator[Any, Any, None]:
        """Whether a room's owner follows a rename is the core's decision,
        which the server's step journals with the keys to move: a node
        that finishes the rename runs each room's step with the journal as
        it is (as a session's end, a harvest or a resume finds it pending),
        and the room moves the owner as the journal says, deciding nothing.
        Journalled to move, alice's room is alicia's; journalled not to,
        carl's stays the former key's."""
        journals = (("tea", "alice", "alicia", 1), ("cafe", "carl", "carlos", 0))
        for room, old, new, moves in journals:
            yield self.in_room(room, old, "bob" + room)
            token = yield self.token(old)
            reply = yield self.renaming(old, new, token, bool(moves))
            _, rooms, record, _ = reply
            renaming = yield self.ask("HGET", self.key("renaming"), new)
            self.assertEqual(renaming, f"{moves} {old}".encode())
            refresh = self.backend().copies.refresh
            yield defer.Deferred.fromCoroutine(
                refresh(new, rooms, record, renaming.split())
            )
            members = yield self.ask("ZRANGE", self.key("members", room), "0", "-1")
            self.assertEqual(members, [new.encode(), f"bob{room}".encode()])
            owner = yield self.ask("HGET", self.key("room", room), "owner")
            self.assertEqual(owner, (new if moves else old).encode())
            self.assertFalse((yield self.ask("HEXISTS", self.key("renaming"), new)))

    @defer.inlineCallbacks
    def test_the_next_rename_finishes_one_half_done(
        self,
    ) -> Generator[Any, Any, None]:
        """A rename whose rooms' steps did not run (the room shows the old
        name, and hears no news of the rename; the renamed member is not a
        member there until they do) is finished by the member's next
        rename: the room moves both former keys, keeping its arrival order,
        and the member speaks there."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        copies = self.backend().copies
        refresh = copies.refresh

        async def never_ran(*args: Any) -> None:
            copies.refresh = refresh  # type: ignore[method-assign]

        copies.refresh = never_ran  # type: ignore[method-assign,assignment]
        alice.say("/nick Alicia")
        # The room's copy never heard of Alicia, so its step of the news
        # publishes nothing there (ROOM_NEWS), and the renamer is told alone.
        yield self.expect(alice, "NICK alice Alicia")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea alice bob")
        alice.say("/nick Ally")
        yield self.expect(bob, "NICK Alicia Ally")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea Ally bob")
        self.assertFalse((yield self.ask("EXISTS", self.key("renaming"))))
        alice.say("back")
        self.assertTrue((yield self.expect(bob, "MSG tea Ally ")).endswith(" back"))

    @defer.inlineCallbacks
    def test_a_sign_in_whose_rooms_never_heard_is_refreshed_by_the_next(
        self,
    ) -> Generator[Any, Any, None]:
        """``SIGN``'s server step alone: the room's copy still has the
        account as it was, and its member still speaks there (who holds
        it did not change); the next sign-in writes every room's copy."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        token = yield self.token("alice")
        yield self.step(scripts.SIGN, user="alice", token=token, account="alice")
        seats = self.key("seats", "tea")
        self.assertEqual((yield self.ask("HGET", seats, "alice")), b" alice")
        alice.say("still here")
        yield self.expect(bob, "MSG tea alice ")
        named = self.backend().sessions.named()
        member, session = next((m, s) for m, s in named if s.name == "alice")
        signing = DecidedChange(HeldName("alice"), (), (SetAccount("alice"),))
        yield defer.ensureDeferred(self.backend().apply(signing, member, session))
        self.assertEqual((yield self.ask("HGET", seats, "alice")), b"alice alice")

    @defer.inlineCallbacks
    def test_a_takeover_ends_the_holder_then_claims(
        self,
    ) -> Generator[Any, Any, None]:
        """A claim that takes a name over (the core decides it on the
        claim's facts: the name held by another session) ends its holder
        first (its departure from its rooms), then renames the claimant,
        whose seat in each room takes the name, its arrival kept."""
        alice, _bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        backend = self.backend()
        named = backend.sessions.named()
        member, session = next((m, s) for m, s in named if s.name == "bob")

        async def apply(change: DecidedChange) -> None:
            await backend.apply(change, member, session)

        yield defer.Deferred.fromCoroutine(
            claims.claim(
                apply,
                backend.clock,
                session,
                "alice",
                "alice",
                True,
                True,
                None,
                lambda facts: None,
            )
        )
        yield self.expect(carol, "PART tea alice")
        self.assertTrue(alice.client.closing)
        members = yield self.ask("ZRANGE", self.key("members", "tea"), "0", "-1")
        self.assertEqual(members, [b"alice", b"carol"])
        held = yield self.ask("HGET", self.key("holding", "tea"), "alice")
        self.assertEqual(held.decode(), session.token)
        seat = yield self.ask("HGET", self.key("seats", "tea"), "alice")
        self.assertEqual(seat, b"alice alice")


class RedisHalfDoneNamesTests(RedisRegistryTestCase, HalfDoneNames):
    """Every key in one Redis."""

    config = CONFIG
