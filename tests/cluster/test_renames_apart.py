"""A room's rename with each room in a slot of its own, on two nodes.

There a rename is journalled steps on three slots
(:mod:`chatroom.backends.redis.room_renames`): the two-node rename test
runs in that layout, and a rename whose node stopped after any one of
its steps is finished by the other node's resume (or its harvest of a
dead node, a join of the old name, a rename to the same new name),
members on both nodes
hearing ``RENAMED`` once, the room's
history and members moved, nothing left of the journal or the sealed
keys (the layout's check after each test).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.scripts import Script
from chatroom.core.model import errors
from chatroom.core.moderation.modlog import ModAction, ModEntry
from tests.backends.contracts.handler import CONFIG
from tests.cluster.redis_cluster import RoomsApartRegistryTestCase
from tests.cluster.support import TwoNodeRegistryTestCase
from tests.cluster.test_renames_cluster import TwoNodeRenameTests
from tests.support import redis_backend, redis_command


class RoomsApartTwoNodeRenameTests(RoomsApartRegistryTestCase, TwoNodeRenameTests):
    """The two-node rename (a member and a watcher on the other node, a
    message said while that node moves to the new channel), each room in
    a slot of its own."""


class _CutAfter:
    """A node's calls that stop answering at one script: the node
    stopped there, its rename journalled and half done."""

    def __init__(self, calls: RedisCalls, stop_at: Script) -> None:
        self._calls = calls
        self._stop_at = stop_at

    def __getattr__(self, name: str) -> Any:
        return getattr(self._calls, name)

    async def step(self, script: Script, *args: Any, **kwargs: Any) -> Any:
        if script is self._stop_at:
            raise errors.unavailable()
        return await self._calls.step(script, *args, **kwargs)

    async def call(self, script: Script, *args: Any, **kwargs: Any) -> Any:
        if script is self._stop_at:
            raise errors.unavailable()
        return await self._calls.call(script, *args, **kwargs)


class RenameCutShortTests(RoomsApartRegistryTestCase, TwoNodeRegistryTestCase):
    """alice owns tea on node one and renames it to matcha; bob is in it on
    node two. Node one stops answering before one of the steps. (On the
    cluster of three primaries, tea's slot, matcha's and the server's are
    each on a primary of its own.)"""

    config = CONFIG

    @defer.inlineCallbacks
    def half_done(self, stop_at: Script) -> Generator[Any, Any, list[Any]]:
        """The rename cut before ``stop_at``: alice is told
        ``UNAVAILABLE``, the journal is kept."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea ")
        alice.say("before the rename")
        yield self.expect(alice, "MSG tea alice ")
        bob = yield self.on_two("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea ")
        yield self.expect(alice, "JOIN tea bob")
        renames = redis_backend(self.server).renames
        calls = renames.calls
        renames.calls = _CutAfter(calls, stop_at)  # type: ignore[assignment]
        if stop_at is scripts.RENAMED_ROOM:  # done but for the journal's end
            alice.say("/rename matcha")
            yield self.expect(alice, "RENAMED tea matcha alice")
        else:
            yield self.refusal(alice, "/rename matcha", "UNAVAILABLE")
        renames.calls = calls
        journal = yield redis_command(self.server, "HLEN", self.journal)
        self.assertEqual(journal, 1)
        return [alice, bob]

    @property
    def journal(self) -> str:
        return redis_backend(self.server).calls.prefix + "room-renames"

    @defer.inlineCallbacks
    def finished(
        self, alice: Any, bob: Any, members: str = "alice bob", told: bool = False
    ) -> Generator[Any, Any, None]:
        """Both members heard ``RENAMED`` once (alice, the renamer, ``told``
        already as her own rename's answer); matcha has tea's history and
        its members, and talks on both nodes, and its moderation log the
        rename's entry once (carried in the journal, recorded by the
        restore, whichever node ran it); the journal is gone."""
        for user in (bob,) if told else (alice, bob):
            self.assertEqual(
                (yield self.expect(user, "RENAMED ")), "RENAMED tea matcha alice"
            )
        bob.say("/history 5")
        self.assertRegex(
            (yield self.expect(bob, "HISTORY ")),
            r"^HISTORY matcha alice \S+ before the rename$",
        )
        bob.say("/who")
        self.assertEqual(
            (yield self.expect(bob, "MEMBERS ")), f"MEMBERS matcha {members}"
        )
        bob.say("after")
        self.assertRegex(
            (yield self.expect(alice, "MSG ")), r"^MSG matcha bob \S+ after$"
        )
        self.assertEqual(alice.take("RENAMED "), None)
        self.assertEqual(bob.take("RENAMED "), None)
        self.assertEqual((yield redis_command(self.server, "HLEN", self.journal)), 0)
        logged = yield self.modlog("matcha")
        self.assertEqual(
            [(e.by, e.action, e.target) for e in logged],
            [("alice", ModAction.RENAME, "tea")],
        )

    def modlog(self, room: str) -> defer.Deferred[list[ModEntry]]:
        """Room ``room``'s moderation log, as node two reads it."""
        return defer.Deferred.fromCoroutine(
            self.other.backend.moderation.modlog.read(room, 10)
        )

    @defer.inlineCallbacks
    def resumed_after(self, stop_at: Script) -> Generator[Any, Any, None]:
        """Cut before ``stop_at``, the other node's next resume finishes
        the rename."""
        alice, bob = yield self.half_done(stop_at)
        node = self.other.backend.node
        node.start_resume()
        yield node.when_available()
        yield self.finished(alice, bob, told=stop_at is scripts.RENAMED_ROOM)

    def test_cut_before_the_seal(self) -> defer.Deferred[None]:
        return self.resumed_after(scripts.RENAME_SEAL)

    def test_cut_before_the_restore(self) -> defer.Deferred[None]:
        return self.resumed_after(scripts.RENAME_RESTORE)

    def test_cut_before_the_indexes_follow(self) -> defer.Deferred[None]:
        return self.resumed_after(scripts.RENAME_SWITCH)

    def test_cut_before_the_old_room_is_dropped(self) -> defer.Deferred[None]:
        return self.resumed_after(scripts.RENAME_DROP)

    def test_cut_before_the_journal_goes(self) -> defer.Deferred[None]:
        """Everything done but the journal's end: members heard
        ``RENAMED`` from the drop already, and the resume drops the
        journal without telling them again."""
        return self.resumed_after(scripts.RENAMED_ROOM)

    @defer.inlineCallbacks
    def test_a_harvest_finishes_it(self) -> Generator[Any, Any, None]:
        """Cut after the old room was sealed: node two's next harvest (of
        a node whose heartbeat stopped; here none has, so it ends nobody)
        finishes the rename first."""
        alice, bob = yield self.half_done(scripts.RENAME_RESTORE)
        yield defer.Deferred.fromCoroutine(
            self.other.backend.harvest("contract", False, 0)
        )
        yield self.finished(alice, bob)

    @defer.inlineCallbacks
    def test_a_join_of_the_old_name_finishes_it(self) -> Generator[Any, Any, None]:
        """Cut after the old room was sealed: carol's ``/join tea`` finishes
        the rename and joins matcha."""
        alice, bob = yield self.half_done(scripts.RENAME_RESTORE)
        carol = yield self.on_two("carol")
        carol.say("/join tea")
        self.assertEqual((yield self.expect(carol, "JOINED ")), "JOINED matcha 3 3")
        yield self.finished(alice, bob, "alice bob carol")

    @defer.inlineCallbacks
    def test_a_rename_to_the_same_name_finishes_it(self) -> Generator[Any, Any, None]:
        """Cut after the old room was sealed: carol's rename of her room
        coffee to matcha finishes tea's rename first, and is refused
        ``ROOM_EXISTS``: matcha is tea's."""
        alice, bob = yield self.half_done(scripts.RENAME_RESTORE)
        carol = yield self.on_two("carol")
        carol.say("/create coffee")
        yield self.expect(carol, "MEMBERS coffee ")
        yield self.refusal(carol, "/rename matcha", "ROOM_EXISTS")
        yield self.finished(alice, bob)

    @defer.inlineCallbacks
    def test_the_new_name_taken_meanwhile_rolls_it_back(
        self,
    ) -> Generator[Any, Any, None]:
        """Cut after the seal, and room matcha made meanwhile in its own
        slot: the rename is rolled back at the restore, tea talks on as
        tea, nobody heard ``RENAMED``, and no log records it."""
        alice, bob = yield self.half_done(scripts.RENAME_RESTORE)
        carol = yield self.on_two("carol")
        carol.say("/create matcha")
        yield self.expect(carol, "MEMBERS matcha ")
        node = self.other.backend.node
        node.start_resume()
        yield node.when_available()
        for _ in range(100):
            if not (yield redis_command(self.server, "HLEN", self.journal)):
                break
            yield self.wait()
        self.assertEqual((yield redis_command(self.server, "HLEN", self.journal)), 0)
        bob.say("still tea")
        self.assertRegex(
            (yield self.expect(alice, "MSG ")), r"^MSG tea bob \S+ still tea$"
        )
        self.assertEqual(alice.take("RENAMED "), None)
        self.assertEqual(bob.take("RENAMED "), None)
        self.assertEqual((yield self.modlog("tea")), [])
