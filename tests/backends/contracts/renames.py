"""Renamed rooms, run against every registry: ``/rename``.

With the in-process registry (``tests/backends/local/test_renames.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock

from chatroom.core.hooks import HOOK_PATH
from tests.backends.contracts.account import PASSWORD
from tests.backends.contracts.handler import CONFIG, ContractBase, User
from tests.backends.contracts.webhook import BASE, body
from tests.support import FakeClient


class RenamesContract(ContractBase):
    """alice (an account) owns tea; bob is a member. Subclasses give the
    server's ``clock``, which pushes the lobby's changes."""

    clock: Clock

    def lobby_pushed(self) -> defer.Deferred[None]:
        """A lobby interval later (``CONFIG``'s: a second)."""
        self.clock.advance(CONFIG.lobby_interval)
        return self.wait()

    @defer.inlineCallbacks
    def owned_tea(self) -> Generator[Any, Any, list[User]]:
        alice = yield self.connect("alice")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea")
        yield self.expect(alice, "JOIN tea bob")
        return [alice, bob]

    @defer.inlineCallbacks
    def test_everything_moves_with_the_room(self) -> Generator[Any, Any, None]:
        """``/rename chai REASON``: both members hear ``RENAMED tea chai
        alice REASON`` and talk on in chai; its history, pins, moderation
        log, notification level and read marker are chai's; a lobby
        watcher hears the rename and the new entry."""
        alice, bob = yield self.owned_tea()
        alice.say("rules: be kind")
        yield self.expect(bob, "MSG tea alice ")
        alice.say("/pin 1")
        yield self.expect(bob, "PIN tea 1 alice")
        alice.say("/notify tea all")
        yield self.expect(alice, "NOTIFY tea all")
        alice.say("/read tea 1")
        yield self.wait()
        watcher = yield self.connect("dave")
        watcher.say("/watch on")
        yield self.expect(watcher, "LOBBY")
        alice.say("/rename chai less tea, more spice")
        renamed = "RENAMED tea chai alice less tea, more spice"
        self.assertEqual((yield self.expect(alice, "RENAMED ")), renamed)
        self.assertEqual((yield self.expect(bob, "RENAMED ")), renamed)
        pushed = self.lobby_pushed
        self.assertEqual((yield self.expect(watcher, "RENAMED ", pushed)), renamed)
        self.assertEqual((yield self.expect(watcher, "ROOM_GONE ")), "ROOM_GONE tea")
        self.assertEqual((yield self.expect(watcher, "ROOM ")), "ROOM chai 2 3")
        bob.say("still here")
        self.assertRegex(
            (yield self.expect(alice, "MSG ")), r"^MSG chai bob \S+ still here$"
        )
        alice.say("/history 5")
        self.assertRegex(
            (yield self.expect(alice, "HISTORY ")),
            r"^HISTORY chai alice \S+ rules: be kind$",
        )
        alice.say("/pins")
        self.assertRegex(
            (yield self.expect(alice, "PINNED ")), r"^PINNED chai 1 alice \S+ rules"
        )
        alice.say("/notify chai")
        self.assertEqual((yield self.expect(alice, "NOTIFY ")), "NOTIFY chai all")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD ")), "UNREAD chai 1 0")
        alice.say("/modlog")
        yield self.expect(alice, "MODLOG_END chai 2")
        logged = [line.split()[4:6] for line in alice.lines if "MODLOG chai" in line]
        self.assertEqual(logged, [["pin", "1"], ["rename", "tea"]])

    @defer.inlineCallbacks
    def test_a_doors_sent_positions_move_with_the_room(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's IRC door has sent her tea up to event 7 (and a chai
        deleted long ago up to 3): renamed chai, the room keeps her position
        as chai's, the old chai's gone with it, so her IRC client rejoining
        chai is replayed only what it missed; deleted, the room's position
        goes with it."""
        alice, _bob = yield self.owned_tea()
        users = self.server.registry.users

        def sent() -> defer.Deferred[dict[str, int]]:
            state = defer.ensureDeferred(users.door_state("alice", "irc"))
            return state.addCallback(lambda state: state.sent)

        kept = {"tea": 7, "chai": 3, "cafe": 5}
        yield defer.ensureDeferred(users.keep_sent("alice", "irc", kept))
        yield defer.ensureDeferred(users.keep_sent("alice", "web", {"tea": 6}))
        alice.say("/rename chai more spice")
        yield self.expect(alice, "RENAMED ")
        self.assertEqual((yield sent()), {"chai": 7, "cafe": 5})
        web = yield defer.ensureDeferred(users.door_state("alice", "web"))
        self.assertEqual(web.sent, {"chai": 6})
        alice.say("/delete chai")
        yield self.expect(alice, "DELETED chai alice")
        for _ in range(20):  # the deletion's last step may follow DELETED
            if (yield sent()) == {"cafe": 5}:
                break
            yield self.wait()
        self.assertEqual((yield sent()), {"cafe": 5})

    @defer.inlineCallbacks
    def test_every_device_follows(self) -> Generator[Any, Any, None]:
        """alice's phone (her account's second device, in tea too) hears
        the rename her first device made, and speaks in chai."""
        alice, bob = yield self.owned_tea()
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "WELCOME alice")
        phone.say("/join tea")
        yield self.expect(phone, "MEMBERS tea")
        alice.say("/rename chai")
        self.assertEqual(
            (yield self.expect(phone, "RENAMED ")), "RENAMED tea chai alice"
        )
        phone.say("from the phone")
        self.assertRegex(
            (yield self.expect(bob, "MSG ")), r"^MSG chai alice \S+ from the phone$"
        )

    @defer.inlineCallbacks
    def test_a_secret_room_is_renamed_out_of_sight(self) -> Generator[Any, Any, None]:
        """A secret room (``/set secret on``) is renamed for its members;
        a lobby watcher, who was never shown it, hears nothing of it."""
        alice, bob = yield self.owned_tea()
        alice.say("/set secret on")
        yield self.expect(bob, "SET tea ")
        watcher = yield self.connect("dave")
        watcher.say("/watch on")
        yield self.expect(watcher, "LOBBY")
        alice.say("/rename chai")
        self.assertEqual((yield self.expect(bob, "RENAMED ")), "RENAMED tea chai alice")
        yield self.lobby_pushed()
        self.assertEqual(watcher.take("RENAMED "), None)
        self.assertEqual(watcher.take("ROOM chai"), None)

    @defer.inlineCallbacks
    def test_the_old_name_leads_to_the_room(self) -> Generator[Any, Any, None]:
        """Within ``--rename-grace`` a ``/join tea`` joins chai and a
        ``/create tea`` is refused; renamed back, tea is tea again and chai
        leads there; once the room is deleted its former names are free."""
        alice, bob = yield self.owned_tea()
        alice.say("/rename chai")
        self.assertEqual((yield self.expect(bob, "RENAMED ")), "RENAMED tea chai alice")
        carol = yield self.connect("carol")
        carol.say("/join tea")
        self.assertEqual((yield self.expect(carol, "JOINED ")), "JOINED chai 3 3")
        yield self.expect(alice, "JOIN chai carol")
        dave = yield self.connect("dave")
        yield self.refusal(dave, "/create TEA", "ROOM_EXISTS")
        alice.say("/rename tea")
        self.assertEqual(
            (yield self.expect(carol, "RENAMED ")), "RENAMED chai tea alice"
        )
        yield self.refusal(dave, "/join chai", "ROOM_FULL")  # chai leads to tea
        bob.say("/leave")
        yield self.expect(alice, "PART tea bob")
        dave.say("/join chai")
        self.assertEqual((yield self.expect(dave, "JOINED ")), "JOINED tea 3 3")
        alice.say("/delete tea")
        yield self.expect(dave, "DELETED tea alice")
        dave.say("/create chai")  # a deleted room's former name is free
        yield self.expect(dave, "MEMBERS chai dave")

    @defer.inlineCallbacks
    def test_who_may_rename_and_to_what(self) -> Generator[Any, Any, None]:
        """Only the owner: a member is ``NOT_ALLOWED``; another room's name
        is ``ROOM_EXISTS``; a bad name ``BAD_NAME``; its own name
        ``BAD_ARGS``; a new case of its own name is a rename; nothing
        refused was heard."""
        alice, bob = yield self.owned_tea()
        carol = yield self.connect("carol")
        carol.say("/create coffee")
        yield self.expect(carol, "MEMBERS coffee")
        yield self.refusal(bob, "/rename chai", "NOT_ALLOWED")
        yield self.refusal(alice, "/rename COFFEE", "ROOM_EXISTS")
        yield self.refusal(alice, "/rename no/slash", "BAD_NAME")
        yield self.refusal(alice, "/rename tea", "BAD_ARGS")
        yield self.refusal(alice, "/rename", "BAD_ARGS")
        alice.say("/rename Tea")
        self.assertEqual((yield self.expect(bob, "RENAMED ")), "RENAMED tea Tea alice")
        self.assertEqual(bob.take("RENAMED "), None)
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS Tea alice bob")

    @defer.inlineCallbacks
    def test_a_name_taken_meanwhile(self) -> Generator[Any, Any, None]:
        """Carol makes chai between the core's read and the back-end's
        apply of alice's rename: the name is no longer free, nothing is
        applied, the core decides again and refuses ``ROOM_EXISTS``; tea
        talks on as tea."""
        alice, bob = yield self.owned_tea()
        carol = yield self.connect("carol")

        async def racing() -> None:
            carol.say("/create chai")
            await self.expect(carol, "MEMBERS chai")

        self.race_before("apply", racing)
        yield self.refusal(alice, "/rename chai", "ROOM_EXISTS")
        self.assertEqual(bob.take("RENAMED "), None)
        bob.say("hello")
        self.assertRegex((yield self.expect(alice, "MSG ")), r"^MSG tea bob \S+ hello$")

    @defer.inlineCallbacks
    def test_the_owner_changed_meanwhile(self) -> Generator[Any, Any, None]:
        """alice's phone takes her out of tea between the core's read and
        the back-end's apply of her rename: tea is bob's now, so the
        rename's premise (its owner as read) fails, nothing is applied,
        and decided again it is ``NOT_ALLOWED``; tea talks on as tea. (A
        scratch room, ``keep off``: an account's own room would stay hers.)"""
        alice, bob = yield self.owned_tea()
        alice.say("/set keep off")
        yield self.expect(bob, "SET tea keep off alice")
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "WELCOME alice")
        phone.say("/join tea")
        yield self.expect(phone, "MEMBERS tea")

        async def racing() -> None:
            phone.say("/leave tea")
            await self.expect(bob, "PART tea alice")

        self.race_before("apply", racing)
        yield self.refusal(alice, "/rename chai", "NOT_ALLOWED")
        self.assertEqual(bob.take("RENAMED "), None)
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob")
        yield self.refusal(bob, "/join chai", "NO_SUCH_ROOM")

    @defer.inlineCallbacks
    def test_a_webhook_posts_to_the_new_name(self) -> Generator[Any, Any, None]:
        """alice's hook ``ci`` of tea, posted to after tea is chai: its
        message is chai's, and its address is the same."""
        alice, bob = yield self.owned_tea()
        self.server.webhook_base = BASE
        alice.say("/webhook add ci")
        secret = (yield self.expect(alice, "WEBHOOK ci ")).split(" ")[2]
        alice.say("/rename chai")
        self.assertEqual((yield self.expect(bob, "RENAMED ")), "RENAMED tea chai alice")
        secret = secret.removeprefix(BASE + HOOK_PATH)
        posted = self.server.registry.webhooks.post(secret, body(text="deployed"))
        event = yield defer.Deferred.fromCoroutine(posted)
        self.assertEqual((event.room, event.text), ("chai", "deployed"))
        self.assertRegex(
            (yield self.expect(bob, "MSG ")), r"^MSG chai ci\S* \S+ deployed$"
        )
