"""Rooms that belong to someone, as their members see them, on every back-end.

A room made by a signed-in account is the account's (docs/protocol.md,
*Rooms*): it stays the account's while its devices come and go, nobody
else being told ``OWNER`` when they go, and it is kept when empty, with
its settings and history, until its owner or an admin deletes it. It
passes on only when its owner hands it over (``/owner USER``), an admin
gives it away, or the account is deleted. A plain name's room is a
scratch room, as every room was: handed to its longest-present member
when its owner goes, gone when empty; so is an account's room after
``/set keep off``.

:class:`OwnedRoomsContract` runs against the in-process back-end
(``tests/backends/local/test_owned_rooms.py``) and Redis
(``tests/backends/redis/test_owned_rooms.py``): the rules are the core's,
so what users see must not depend on where rooms are kept.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.operating import operator
from tests.backends.contracts.handler import User
from tests.backends.contracts.moderation import PASSWORD, SignedInBase
from tests.support import FakeClient

#: ``root`` is a server admin once signed in.
CONFIG = ServerConfig(rate=0, room_capacity=5, max_rooms=6, history=5, admins=("root",))


class OwnedRoomsContract(SignedInBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def info(self, user: User, room: str) -> Generator[Any, Any, dict[str, str]]:
        """``/info`` as ``user`` reads it: setting → value."""
        user.say("/info")
        settings: dict[str, str] = {}
        line = yield self.expect(user, "INFO")
        while not line.startswith("INFO_END"):
            _, where, setting, value = line.split(" ", 3)
            self.assertEqual(where, room)
            settings[setting] = value
            line = yield self.expect(user, "INFO")
        return settings

    @defer.inlineCallbacks
    def gone(self, user: User) -> Generator[Any, Any, None]:
        """``user`` quits and its connection closes."""
        user.say("/quit")
        yield self.expect(user, "BYE ")
        user.client.lose()

    @defer.inlineCallbacks
    def told_no_owner(self, user: User, after: str) -> Generator[Any, Any, None]:
        """``user`` hears ``after`` and then, up to the end of an ``/info``
        it asks for (the room's news before it), no ``OWNER`` change: the
        room's owner did not pass on."""
        yield self.expect(user, after)
        start = user.seen
        user.say("/info")
        yield self.expect(user, "INFO_END ")
        told = [line for line in user.lines[start:] if line.startswith("OWNER ")]
        self.assertEqual(told, [], user.lines[start:])

    @defer.inlineCallbacks
    def test_an_accounts_room_is_kept_and_stays_its_own(
        self,
    ) -> Generator[Any, Any, None]:
        """alice (an account) makes tea, which starts kept; when her device
        goes, bob is told no new owner and /info names her account; bob
        leaves and tea stays, empty, with its history; alice comes back and
        owns it again, and bob can neither delete it nor set it."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        settings = yield self.info(alice, "tea")
        self.assertEqual((settings["owner"], settings["keep"]), ("alice", "on"))
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea")
        alice.say("a line worth keeping")
        yield self.expect(bob, "MSG tea alice ")
        yield self.gone(alice)
        yield self.told_no_owner(bob, "PART tea alice")
        settings = yield self.info(bob, "tea")
        self.assertEqual(settings["owner"], "account:alice")
        yield self.refused(bob, "/set topic-lock on", "NOT_ALLOWED")
        yield self.refused(bob, "/delete tea", "NOT_ALLOWED")
        bob.say("/leave")
        yield self.expect(bob, "LEFT tea")
        bob.say("/list")
        listed = yield self.expect(bob, "ROOM tea ")
        self.assertTrue(listed.startswith("ROOM tea 0 "), listed)
        alice = yield self.signed_in("alice")
        alice.say("/join tea")  # put back in it already, or now
        yield self.expect(alice, "MEMBERS tea ")
        history = [line for line in alice.unread() if line.startswith("HISTORY ")]
        self.assertIn("a line worth keeping", " ".join(history))
        yield self.enter(bob, "tea")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "OWNER ")), "OWNER tea alice")
        settings = yield self.info(bob, "tea")
        self.assertEqual(settings["owner"], "alice")

    @defer.inlineCallbacks
    def test_the_owner_or_an_admin_deletes_a_kept_room(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's tea and den, left empty, stay until she deletes tea from
        the lobby (told ``DELETED`` as its members would be) and root, an
        admin, deletes den; bob may delete neither."""
        alice = yield self.signed_in("alice")
        for room in ("tea", "den"):
            yield self.enter(alice, room, create=True)
            alice.say("/leave")
            yield self.expect(alice, f"LEFT {room}")
        bob = yield self.connect("bob")
        yield self.refused(bob, "/delete tea", "NOT_ALLOWED")
        alice.say("/delete tea")
        self.assertEqual((yield self.expect(alice, "DELETED ")), "DELETED tea alice")
        yield self.refused(alice, "/join tea", "NO_SUCH_ROOM")
        root = yield self.signed_in("root")
        root.say("/delete den")
        self.assertEqual((yield self.expect(root, "DELETED ")), "DELETED den root")
        yield self.refused(bob, "/join den", "NO_SUCH_ROOM")

    @defer.inlineCallbacks
    def test_the_owner_is_every_device_of_the_account(
        self,
    ) -> Generator[Any, Any, None]:
        """alice is in tea from two devices; one goes, then the other: bob
        is told no new owner either time, and the room is still hers."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        phone = yield self.signed_in("alice")
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea")
        yield self.gone(phone)
        alice.say("still here")
        yield self.told_no_owner(bob, "MSG tea alice ")
        yield self.gone(alice)
        yield self.told_no_owner(bob, "PART tea alice")
        settings = yield self.info(bob, "tea")
        self.assertEqual(settings["owner"], "account:alice")

    @defer.inlineCallbacks
    def test_a_plain_names_room_is_a_scratch_room(
        self,
    ) -> Generator[Any, Any, None]:
        """bob (a plain name) makes cafe: not kept; it passes to carol when
        he goes, and goes when she leaves it."""
        bob, carol = yield self.in_room("cafe", "bob", "carol")
        settings = yield self.info(carol, "cafe")
        self.assertEqual((settings["owner"], settings["keep"]), ("bob", "off"))
        yield self.gone(bob)
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER cafe carol")
        carol.say("/leave")
        yield self.expect(carol, "LEFT cafe")
        yield self.refused(carol, "/join cafe", "NO_SUCH_ROOM")

    @defer.inlineCallbacks
    def test_keep_off_makes_a_scratch_room(self) -> Generator[Any, Any, None]:
        """alice's room set ``keep off`` passes on when she goes and is
        gone once empty, as a plain name's room."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        alice.say("/set keep off")
        yield self.expect(alice, "SET tea keep off alice")
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea")
        yield self.gone(alice)
        self.assertEqual((yield self.expect(bob, "OWNER ")), "OWNER tea bob")
        bob.say("/leave")
        yield self.expect(bob, "LEFT tea")
        yield self.refused(bob, "/join tea", "NO_SUCH_ROOM")

    @defer.inlineCallbacks
    def test_the_owner_hands_it_over(self) -> Generator[Any, Any, None]:
        """alice hands tea to bob (an account): every member hears it, bob
        sets what an owner sets and alice no longer; the room is bob's
        while his device is away, and alice's leaving tells nobody of a
        new owner."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        bob = yield self.signed_in("bob")
        yield self.enter(bob, "tea")
        carol = yield self.connect("carol")
        yield self.enter(carol, "tea")
        yield self.refused(bob, "/owner bob", "NOT_ALLOWED")
        yield self.refused(alice, "/owner carol", "NOT_ALLOWED")  # no account
        yield self.refused(alice, "/owner dave", "NO_SUCH_USER")
        yield self.refused(alice, "/owner alice", "BAD_ARGS")
        yield self.refused(alice, "/owner", "BAD_ARGS")
        alice.say("/owner bob")
        for user in (alice, bob, carol):
            self.assertEqual((yield self.expect(user, "OWNER ")), "OWNER tea bob")
        yield self.refused(alice, "/set topic-lock on", "NOT_ALLOWED")
        bob.say("/set topic-lock on")
        yield self.expect(carol, "SET tea topic-lock on bob")
        yield self.gone(bob)
        yield self.told_no_owner(carol, "PART tea bob")
        settings = yield self.info(carol, "tea")
        self.assertEqual(settings["owner"], "account:bob")
        yield self.gone(alice)
        yield self.told_no_owner(carol, "PART tea alice")
        bob = yield self.signed_in("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea ")
        bob.say("/set topic-lock off")
        yield self.expect(carol, "SET tea topic-lock off bob")

    @defer.inlineCallbacks
    def test_a_scratch_room_is_handed_over(self) -> Generator[Any, Any, None]:
        """bob, a plain name, hands his cafe to alice (an account): it is
        hers, and still a scratch room; a plain name cannot take it."""
        bob = yield self.connect("bob")
        yield self.enter(bob, "cafe", create=True)
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "cafe")
        bob.say("/owner alice")
        self.assertEqual((yield self.expect(alice, "OWNER ")), "OWNER cafe alice")
        settings = yield self.info(bob, "cafe")
        self.assertEqual((settings["owner"], settings["keep"]), ("alice", "off"))
        yield self.refused(bob, "/kick alice", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_an_admin_hands_a_room_over(self) -> Generator[Any, Any, None]:
        """root, an admin, hands alice's tea to bob with /owner, and the
        operator's ``rooms give`` hands it back to alice while she is away:
        the room is always someone's account's, and no device's leaving
        changes whose."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        bob = yield self.signed_in("bob")
        yield self.enter(bob, "tea")
        root = yield self.signed_in("root")
        yield self.enter(root, "tea")
        root.say("/owner bob")
        self.assertEqual((yield self.expect(alice, "OWNER ")), "OWNER tea bob")
        yield self.gone(alice)
        yield self.told_no_owner(root, "PART tea alice")
        given = yield defer.ensureDeferred(
            self.server.registry.moderation.give_room_as(
                operator(self.server.config), "tea", "alice"
            )
        )
        self.assertEqual(given, "tea")
        yield self.expect(root, "OWNER tea alice")
        yield self.gone(bob)
        yield self.told_no_owner(root, "PART tea bob")
        settings = yield self.info(root, "tea")
        self.assertEqual(settings["owner"], "account:alice")
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(
                self.server.registry.moderation.give_room_as(
                    operator(self.server.config), "tea", "nobody"
                )
            )

    @defer.inlineCallbacks
    def test_ownership_is_an_accounts_whatever_name_it_joins_as(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's device that took another name is the owner too."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        yield self.gone(alice)
        other = User(FakeClient(self.server))
        other.say(f"/login alice {PASSWORD}")
        yield self.expect(other, "WELCOME alice")
        other.say("/nick ally")
        yield self.expect(other, "NICK alice ally")
        other.say("/join tea")
        yield self.expect(other, "MEMBERS tea ")
        other.say("/set topic-lock on")
        yield self.expect(other, "SET tea topic-lock on ally")

    # -- an account deleted --------------------------------------------------

    @defer.inlineCallbacks
    def test_an_unregistered_accounts_room_passes_on(
        self,
    ) -> Generator[Any, Any, None]:
        """alice gives up her account: tea goes to carol, its
        longest-present member but alice (now a plain name), and is carol's
        scratch room; bob, who came later, is told so too."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        carol = yield self.connect("carol")
        yield self.enter(carol, "tea")
        bob = yield self.signed_in("bob")
        yield self.enter(bob, "tea")
        alice.say(f"/unregister {PASSWORD}")
        yield self.expect(alice, "UNREGISTERED alice")
        self.assertIn("OWNER tea carol", alice.lines)
        for user in (carol, bob):
            self.assertEqual((yield self.expect(user, "OWNER ")), "OWNER tea carol")
        settings = yield self.info(bob, "tea")
        self.assertEqual((settings["owner"], settings["keep"]), ("carol", "off"))
        yield self.refused(alice, "/set topic-lock on", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_a_deleted_accounts_room_passes_to_an_account(
        self,
    ) -> Generator[Any, Any, None]:
        """alice deletes her account: her device goes, then tea is bob's
        account's, kept as it was, and nobody else is told of an owner."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        bob = yield self.signed_in("bob")
        yield self.enter(bob, "tea")
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "ACCOUNT_DELETED alice")
        yield self.expect(alice, "BYE ")
        alice.client.lose()
        yield self.expect(bob, "PART tea alice")
        yield self.told_no_owner(bob, "OWNER tea bob")
        settings = yield self.info(bob, "tea")
        self.assertEqual((settings["owner"], settings["keep"]), ("bob", "on"))
        yield self.gone(bob)
        carol = yield self.connect("carol")
        yield self.enter(carol, "tea")
        settings = yield self.info(carol, "tea")
        self.assertEqual(settings["owner"], "account:bob")

    @defer.inlineCallbacks
    def test_an_empty_room_of_a_deleted_account_goes(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's den is empty when her account goes: nobody keeps it any
        more, and it goes with its history; a new account called alice
        owns nothing of the old one's, and makes den anew."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "den", create=True)
        alice.say("notes to self")
        yield self.expect(alice, "MSG den alice ")
        alice.say("/leave")
        yield self.expect(alice, "LEFT den")
        alice.say(f"/unregister {PASSWORD}")
        yield self.expect(alice, "UNREGISTERED alice")
        yield self.gone(alice)
        again = yield self.signed_in("alice")
        yield self.refused(again, "/join den", "NO_SUCH_ROOM")
        yield self.enter(again, "den", create=True)
        history = [line for line in again.unread() if line.startswith("HISTORY ")]
        self.assertEqual(history, [])
        settings = yield self.info(again, "den")
        self.assertEqual((settings["owner"], settings["keep"]), ("alice", "on"))
