"""A room's metadata (IRC's ``METADATA #room``), run against every registry.

With the in-process registry (``tests/backends/local/test_room_metadata.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_room_metadata.py``):
kept with the room's settings (its policy), written as the ``metadata``
moderation command by the owner and operators, read by members, heard by
``rich`` members as ``ROOM_METADATA``, and moved with a rename. The line
door has no command for it, so the tests call the core as the IRC door
does.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.errors import ChatError
from chatroom.core.model.member import Member
from chatroom.core.policy.moderation import ROOM_METADATA_KEYS, Action
from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.handler import ContractBase, User


class RoomMetadataContract(ContractBase):
    """alice (an account, ``rich``) owns tea; bob (plain) is a member."""

    def member(self, name: str) -> Member:
        for member, session in self.server.registry.sessions.named():
            if session.name == name:
                return member
        raise AssertionError(f"{name} is not connected")

    def set(self, name: str, room: str, key: str, value: str) -> defer.Deferred[None]:
        action = Action("metadata", key, value)
        moderation = self.server.registry.moderation
        return defer.ensureDeferred(
            moderation.moderate(self.member(name), room, action)
        )

    def read(self, name: str, room: str) -> defer.Deferred[dict[str, str]]:
        rooms = self.server.registry.rooms
        return defer.ensureDeferred(rooms.room_metadata(self.member(name), room))

    @defer.inlineCallbacks
    def refused(self, deferred: defer.Deferred[Any]) -> Generator[Any, Any, str]:
        """The code ``deferred`` failed with."""
        try:
            yield deferred
        except ChatError as refusal:
            return refusal.code
        raise AssertionError("not refused")

    @defer.inlineCallbacks
    def owned_tea(self) -> Generator[Any, Any, list[User]]:
        alice = yield self.connect("alice")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        alice.say("/caps rich")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea")
        yield self.expect(alice, "JOIN tea bob")
        return [alice, bob]

    @defer.inlineCallbacks
    def test_the_owner_sets_members_read(self) -> Generator[Any, Any, None]:
        """alice sets tea's display name: she (``rich``) hears
        ``ROOM_METADATA``, bob (not ``rich``) nothing; both read it; bob,
        no operator, may not set it; carol, not in tea, may not read it;
        a key unset goes; CLEAR empties it."""
        alice, bob = yield self.owned_tea()
        yield self.set("alice", "tea", "display-name", "Tea Room")
        line = yield self.expect(alice, "ROOM_METADATA ")
        self.assertEqual(line, "ROOM_METADATA tea display-name alice Tea Room")
        self.assertEqual((yield self.read("bob", "tea")), {"display-name": "Tea Room"})
        code = yield self.refused(self.set("bob", "tea", "avatar", "x"))
        self.assertEqual(code, "NOT_ALLOWED")
        yield self.connect("carol")
        self.assertEqual((yield self.refused(self.read("carol", "tea"))), "NOT_IN_ROOM")
        yield self.set("alice", "tea", "color", "green")
        yield self.set("alice", "tea", "display-name", "")
        self.assertEqual((yield self.read("alice", "tea")), {"color": "green"})
        yield self.set("alice", "tea", "*", "")
        self.assertEqual((yield self.read("bob", "tea")), {})
        self.assertIsNone(bob.take("ROOM_METADATA"))

    @defer.inlineCallbacks
    def test_what_a_room_keeps(self) -> Generator[Any, Any, None]:
        """A key no key can be, a value over 400 bytes and one key past
        the most a room keeps are refused."""
        yield self.owned_tea()
        for key, value in (("Bad!", "x"), ("color", "é" * 201)):
            code = yield self.refused(self.set("alice", "tea", key, value))
            self.assertEqual(code, "BAD_ARGS")
        for number in range(ROOM_METADATA_KEYS):
            yield self.set("alice", "tea", f"key{number}", "v")
        code = yield self.refused(self.set("alice", "tea", "one-more", "v"))
        self.assertEqual(code, "BAD_ARGS")
        self.assertEqual(len((yield self.read("alice", "tea"))), ROOM_METADATA_KEYS)

    @defer.inlineCallbacks
    def test_it_moves_with_a_rename(self) -> Generator[Any, Any, None]:
        """After ``/rename chai``, chai has what tea had."""
        alice, bob = yield self.owned_tea()
        yield self.set("alice", "tea", "display-name", "Tea Room")
        alice.say("/rename chai")
        yield self.expect(bob, "RENAMED tea chai")
        self.assertEqual((yield self.read("bob", "chai")), {"display-name": "Tea Room"})
