"""Accounts, moderation and admins as users see them, for every registry.

:class:`ModerationContract` drives real :class:`LineProtocol` connections
(over ``StringTransport``) through sign-ins, kicks, bans, invitations, keys
and admin commands, and checks every line each user sees. It runs against
the in-process registry (``tests/backends/local/test_moderation.py``) and the Redis one
on a real redis-server (``tests/backends/redis/test_moderation.py``): the
rules are written once, so what users see must not depend on the mode.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.wire.lines import parse_time
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient

#: ``root`` is a server admin once signed in.
CONFIG = ServerConfig(rate=0, room_capacity=5, max_rooms=5, history=2, admins=("root",))

PASSWORD = "horse-battery-staple"


def from_mallory(user: User) -> list[str]:
    """What ``user`` was shown that mallory said or did to it."""
    return [
        line
        for line in user.lines
        if line.startswith(
            ("MSG tea mallory ", "ACTION tea mallory ", "PRIVMSG mallory ")
        )
    ]


class SignedInBase(ContractBase):
    """Users who sign in to accounts (``root`` is an admin), and refusals."""

    @defer.inlineCallbacks
    def signed_in(
        self, name: str, password: str = PASSWORD, host: str = "127.0.0.1"
    ) -> Generator[Any, Any, User]:
        """A user who signs in to ``name`` (from ``host``), registering it
        first if needed."""
        user = User(FakeClient(self.server, host))
        user.say(f"/login {name} {password}")
        line = yield self.expect(user, "")
        while not line.startswith(("WELCOME", "ERR")):
            line = yield self.expect(user, "")
        if line.startswith("ERR NO_SUCH_ACCOUNT"):
            user.say(name)
            yield self.expect(user, f"WELCOME {name}")
            yield self.expect(user, "ROOMS ")
            user.say(f"/register {password}")
            self.assertEqual(
                (yield self.expect(user, "REGISTERED ")), f"REGISTERED {name}"
            )
        else:
            self.assertEqual(line, f"WELCOME {name}")
            yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def refused(self, user: User, line: str, code: str) -> Generator[Any, Any, str]:
        user.say(line)
        reply = yield self.expect(user, "ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))
        return reply

    @defer.inlineCallbacks
    def enter(
        self, user: User, room: str, create: bool = False
    ) -> Generator[Any, Any, None]:
        user.say(f"/{'create' if create else 'join'} {room}")
        yield self.expect(user, f"MEMBERS {room} ")


class ModerationContract(SignedInBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    # -- accounts ----------------------------------------------------------

    @defer.inlineCallbacks
    def test_a_registered_name_is_its_account_holders(
        self,
    ) -> Generator[Any, Any, None]:
        """Once registered, the name is refused bare, by /nick and with a
        wrong password; the right password signs in."""
        alice = yield self.signed_in("alice")
        alice.say("/quit")
        yield self.expect(alice, "BYE ")
        alice.client.lose()
        mallory = User(FakeClient(self.server))
        reply = yield self.refused(mallory, "alice", "NAME_REGISTERED")
        self.assertIn("/login alice PASSWORD", reply)
        yield self.refused(mallory, "/login alice wrong-password", "BAD_PASSWORD")
        yield self.refused(mallory, "/login nobody whatever1", "NO_SUCH_ACCOUNT")
        mallory.say("mallory")
        yield self.expect(mallory, "WELCOME mallory")
        yield self.refused(mallory, "/nick ALICE", "NAME_REGISTERED")
        yield self.refused(mallory, "/login alice " + PASSWORD, "NOT_ALLOWED")
        yield self.refused(mallory, "/register short", "BAD_ARGS")
        back = yield self.signed_in("alice")
        back.say("/nick alice2")
        yield self.expect(back, "NICK alice alice2")
        back.say("/nick Alice")
        yield self.expect(back, "NICK alice2 Alice")

    @defer.inlineCallbacks
    def test_signing_in_elsewhere_adds_a_device(
        self,
    ) -> Generator[Any, Any, None]:
        """A second sign-in is one more device (issue 20): the first session
        is not ended and the room hears neither PART nor a second JOIN; the
        new device's message reaches the room and the first device."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea")
        yield self.expect(alice, "JOIN tea bob")
        laptop = yield self.signed_in("alice")
        yield self.enter(laptop, "tea")
        laptop.say("hello from the laptop")
        for user in (bob, alice, laptop):
            line = yield self.expect(user, "MSG tea alice ")
            self.assertTrue(line.endswith(" hello from the laptop"), line)
        for user, prefix in ((alice, "BYE"), (bob, "PART"), (bob, "JOIN tea alice")):
            self.assertFalse([x for x in user.unread() if x.startswith(prefix)])
        self.assertFalse(alice.client.closing)

    @defer.inlineCallbacks
    def test_password_change_and_unregister(self) -> Generator[Any, Any, None]:
        """The new password works and the old does not; unregistering frees
        the name for anyone once its holder has gone."""
        alice = yield self.signed_in("alice")
        yield self.refused(
            alice, "/password wrong-password new-password", "BAD_PASSWORD"
        )
        alice.say(f"/password {PASSWORD} new-password")
        self.assertEqual(
            (yield self.expect(alice, "PASSWORD_CHANGED ")), "PASSWORD_CHANGED alice"
        )
        other = User(FakeClient(self.server))
        yield self.refused(other, f"/login alice {PASSWORD}", "BAD_PASSWORD")
        yield self.refused(alice, "/unregister wrong-password", "BAD_PASSWORD")
        alice.say("/unregister new-password")
        self.assertEqual(
            (yield self.expect(alice, "UNREGISTERED ")), "UNREGISTERED alice"
        )
        alice.say("/quit")
        yield self.expect(alice, "BYE ")
        alice.client.lose()
        other.say("alice")
        yield self.expect(other, "WELCOME alice")
        bob = yield self.connect("bob")
        yield self.refused(bob, "/password a-password another-one", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_passwords_never_reach_anyone(self) -> Generator[Any, Any, None]:
        """No line to anybody, on success or failure, carries a password."""
        watcher = yield self.connect("watcher")
        yield self.enter(watcher, "general")
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "general")
        alice.say(f"/password {PASSWORD} second-secret")
        yield self.expect(alice, "PASSWORD_CHANGED")
        yield self.refused(alice, "/unregister third-secret", "BAD_PASSWORD")
        stranger = User(FakeClient(self.server))
        yield self.refused(stranger, "/login alice fourth-secret", "BAD_PASSWORD")
        for user in (watcher, alice, stranger):
            for line in user.lines:
                for secret in (
                    PASSWORD,
                    "second-secret",
                    "third-secret",
                    "fourth-secret",
                ):
                    self.assertNotIn(secret, line)

    # -- kicking and operators ---------------------------------------------

    @defer.inlineCallbacks
    def test_kick_sends_the_user_to_the_lobby(self) -> Generator[Any, Any, None]:
        """The kicked user gets KICKED and the room list; the others KICK."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        yield self.refused(bob, "/kick carol", "NOT_ALLOWED")
        alice.say("/kick bob being rude")
        self.assertEqual(
            (yield self.expect(bob, "KICKED ")), "KICKED tea alice being rude"
        )
        yield self.expect(bob, "ROOMS ")
        for user in (alice, carol):
            self.assertEqual(
                (yield self.expect(user, "KICK ")), "KICK tea bob alice being rude"
            )
        yield self.refused(bob, "hello?", "NOT_IN_ROOM")
        carol.say("still here")
        yield self.expect(alice, "MSG tea carol ")
        self.assertEqual([line for line in bob.unread() if "still here" in line], [])
        yield self.refused(alice, "/kick nobody", "NO_SUCH_USER")
        yield self.refused(alice, "/kick alice", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_a_kick_of_a_member_gone_meanwhile_kicks_nobody(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's kick of bob was decided with bob in the room; he left
        before it was applied: the kick rests on his place in the room, so
        it is decided again on the room as it is, and refused; carol sees
        bob's own departure and no kick, and bob is told nothing of it; the
        room's moderation log, written with the change, records no kick."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")

        async def bob_leaves() -> None:
            bob.say("/leave")
            await self.expect(carol, "PART tea bob")

        self.race_before("apply", bob_leaves)
        reply = yield self.refused(alice, "/kick bob rude", "NO_SUCH_USER")
        self.assertEqual(reply, "ERR NO_SUCH_USER nobody called bob is in tea")
        carol.say("still here")
        yield self.expect(alice, "MSG tea carol ")
        self.assertEqual([line for line in carol.unread() if "KICK" in line], [])
        self.assertEqual([line for line in bob.unread() if "KICK" in line], [])
        alice.say("/modlog")
        self.assertEqual((yield self.expect(alice, "MODLOG_END")), "MODLOG_END tea 0")

    @defer.inlineCallbacks
    def test_operators_moderate_but_cannot_touch_the_owner(
        self,
    ) -> Generator[Any, Any, None]:
        """/op lets bob kick; bob cannot kick the owner or op others; /deop ends it."""
        alice, bob, carol, _dave = yield self.in_room(
            "tea", "alice", "bob", "carol", "dave"
        )
        alice.say("/op bob")
        for user in (alice, bob, carol):
            self.assertEqual((yield self.expect(user, "OP ")), "OP tea bob alice")
        reply = yield self.refused(bob, "/kick alice", "NOT_ALLOWED")
        self.assertIn("owns tea", reply)
        yield self.refused(bob, "/op carol", "NOT_ALLOWED")
        bob.say("/kick carol")
        self.assertEqual(
            (yield self.expect(carol, "KICKED ")), "KICKED tea bob no reason given"
        )
        alice.say("/deop bob")
        yield self.expect(bob, "DEOP tea bob alice")
        yield self.refused(bob, "/kick dave", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_an_operator_who_registered_in_the_room_hears_operator_messages(
        self,
    ) -> Generator[Any, Any, None]:
        """carol registers her name while in the room, then is made an
        operator (of her account): ``/opmsg`` reaches her, as the room now
        knows her account."""
        alice, carol, bob = yield self.in_room("tea", "alice", "carol", "bob")
        carol.say(f"/register {PASSWORD}")
        yield self.expect(carol, "REGISTERED carol")
        alice.say("/op carol")
        yield self.expect(carol, "OP tea carol alice")
        bob.say("/opmsg the kettle is on")
        line = yield self.expect(carol, "OPMSG ")
        self.assertIn("the kettle is on", line)

    @defer.inlineCallbacks
    def test_a_plain_operator_is_not_inherited_by_the_next_holder_of_the_name(
        self,
    ) -> Generator[Any, Any, None]:
        """Operator status given to a plain name ends with that session."""
        alice, bob, _carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/op bob")
        yield self.expect(bob, "OP tea bob alice")
        bob.say("/quit")
        yield self.expect(bob, "BYE ")
        bob.client.lose()
        impostor = yield self.connect("bob")
        yield self.enter(impostor, "tea")
        yield self.refused(impostor, "/kick carol", "NOT_ALLOWED")

    # -- bans --------------------------------------------------------------

    @defer.inlineCallbacks
    def test_a_ban_by_account_survives_renames_and_reconnects(
        self,
    ) -> Generator[Any, Any, None]:
        """A signed-in user banned is kicked, and stays out under any name."""
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        bob = yield self.signed_in("bob")
        yield self.enter(bob, "tea")
        alice.say("/ban bob")
        self.assertEqual(
            (yield self.expect(alice, "BAN ")), "BAN tea account:bob alice"
        )
        self.assertEqual(
            (yield self.expect(alice, "KICK ")), "KICK tea bob alice banned"
        )
        self.assertEqual((yield self.expect(bob, "KICKED ")), "KICKED tea alice banned")
        yield self.refused(bob, "/join tea", "BANNED")
        bob.say("/nick robert")
        yield self.expect(bob, "NICK bob robert")
        yield self.refused(bob, "/join tea", "BANNED")
        bob.say("/quit")
        yield self.expect(bob, "BYE ")
        bob.client.lose()
        again = yield self.signed_in("bob")
        again.say("/nick bobby")
        yield self.expect(again, "NICK bob bobby")
        yield self.refused(again, "/join tea", "BANNED")
        alice.say("/bans")
        self.assertEqual((yield self.expect(alice, "BANS ")), "BANS tea account:bob")
        alice.say("/unban bob")
        self.assertEqual(
            (yield self.expect(alice, "UNBAN ")), "UNBAN tea account:bob alice"
        )
        yield self.enter(again, "tea")

    @defer.inlineCallbacks
    def test_a_ban_by_name_holds_against_whoever_uses_it(
        self,
    ) -> Generator[Any, Any, None]:
        """A plain user is banned by name; the name stays banned after they go."""
        alice, carol = yield self.in_room("tea", "alice", "carol")
        alice.say("/ban carol")
        self.assertEqual((yield self.expect(alice, "BAN ")), "BAN tea name:carol alice")
        yield self.expect(carol, "KICKED tea alice banned")
        carol.say("/quit")
        yield self.expect(carol, "BYE ")
        carol.client.lose()
        again = yield self.connect("Carol")
        yield self.refused(again, "/join tea", "BANNED")
        yield self.refused(alice, "/ban alice", "NOT_ALLOWED")

    # -- private rooms -----------------------------------------------------

    @defer.inlineCallbacks
    def test_invite_only_rooms_need_an_invitation(self) -> Generator[Any, Any, None]:
        """Uninvited joins get INVITE_ONLY; the invitee hears INVITED and gets in."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/set invite-only on")
        for user in (alice, bob):
            self.assertEqual(
                (yield self.expect(user, "SET ")), "SET tea invite-only on alice"
            )
        dave = yield self.connect("dave")
        yield self.refused(dave, "/join tea", "INVITE_ONLY")
        yield self.refused(bob, "/invite dave", "NOT_ALLOWED")
        alice.say("/invite dave")
        self.assertEqual((yield self.expect(dave, "INVITED ")), "INVITED tea alice")
        self.assertEqual((yield self.expect(bob, "INVITE ")), "INVITE tea dave alice")
        yield self.enter(dave, "tea")
        yield self.refused(alice, "/invite nobody", "NO_SUCH_USER")

    @defer.inlineCallbacks
    def test_secret_rooms_are_listed_to_members_only(
        self,
    ) -> Generator[Any, Any, None]:
        """/set secret on (operators): /list leaves the room out for others
        and shows it to its members; anyone may still join it by name."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.refused(bob, "/set secret on", "NOT_ALLOWED")
        alice.say("/set secret on")
        yield self.expect(bob, "SET tea secret on alice")
        alice.say("/list")  # general and tea
        self.assertEqual((yield self.expect(alice, "ROOMS ")), "ROOMS 2")
        dave = yield self.connect("dave")
        dave.say("/list")  # general only
        self.assertEqual((yield self.expect(dave, "ROOMS ")), "ROOMS 1")
        yield self.enter(dave, "tea")
        alice.say("/set secret off")
        yield self.expect(alice, "SET tea secret off alice")
        carol = yield self.connect("carol")
        carol.say("/list")
        self.assertEqual((yield self.expect(carol, "ROOMS ")), "ROOMS 2")

    @defer.inlineCallbacks
    def test_keyed_rooms_need_the_key(self) -> Generator[Any, Any, None]:
        """No key or a wrong one gets BAD_KEY; the room is told the key is on,
        not what it is; the right key gets in."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/set key s3cret")
        self.assertEqual((yield self.expect(alice, "SET ")), "SET tea key on alice")
        bob = yield self.connect("bob")
        yield self.refused(bob, "/join tea", "BAD_KEY")
        yield self.refused(bob, "/join tea wrong", "BAD_KEY")
        bob.say("/join tea s3cret")
        yield self.expect(bob, "MEMBERS tea ")
        bob.say("/info")
        self.assertEqual((yield self.expect(bob, "INFO tea key")), "INFO tea key on")
        alice.say("/info")
        self.assertEqual(
            (yield self.expect(alice, "INFO tea key")), "INFO tea key s3cret"
        )
        yield self.refused(alice, "/set key since", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_topic_lock_and_info(self) -> Generator[Any, Any, None]:
        """With topic-lock on only owner and operators set the topic; /info
        shows every setting."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.refused(bob, "/set topic-lock on", "NOT_ALLOWED")
        alice.say("/set topic-lock on")
        yield self.expect(bob, "SET tea topic-lock on alice")
        yield self.refused(bob, "/topic mine now", "NOT_ALLOWED")
        alice.say("/topic Tea and biscuits")
        yield self.expect(bob, "TOPIC tea alice Tea and biscuits")
        alice.say("/op bob")
        yield self.expect(bob, "OP tea bob alice")
        bob.say("/topic Coffee")
        yield self.expect(alice, "TOPIC tea bob Coffee")
        bob.say("/info")
        info = []
        line = yield self.expect(bob, "INFO")
        while line.startswith("INFO "):
            info.append(line)
            line = yield self.expect(bob, "INFO")
        self.assertEqual(line, "INFO_END tea")
        self.assertEqual(
            info,
            [
                "INFO tea owner alice",
                "INFO tea operators bob",
                "INFO tea invite-only off",
                "INFO tea key off",
                "INFO tea topic-lock on",
                "INFO tea keep off",
                "INFO tea secret off",
                "INFO tea bans 0",
                "INFO tea limit off",
                "INFO tea moderated off",
                "INFO tea voiced -",
                "INFO tea external off",
            ],
        )
        yield self.refused(alice, "/set colour blue", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_kept_rooms_stay_empty_and_belong_to_the_account(
        self,
    ) -> Generator[Any, Any, None]:
        """Only a signed-in owner keeps a room; it stays when empty, and the
        account owns it again on coming back."""
        (plain,) = yield self.in_room("cafe", "plain")
        yield self.refused(plain, "/set keep on", "NOT_ALLOWED")
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea", create=True)
        alice.say("/set keep on")
        yield self.expect(alice, "SET tea keep on alice")
        alice.say("/leave")
        yield self.expect(alice, "LEFT tea")
        rooms = yield self.expect(alice, "ROOMS ")
        listing = [line for line in alice.unread() if line.startswith("ROOM ")]
        self.assertIn("ROOM tea 0 5", listing, rooms)
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea")
        yield self.refused(bob, "/delete tea", "NOT_ALLOWED")
        yield self.enter(alice, "tea")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "OWNER ")), "OWNER tea alice")
        alice.say("/kick bob")
        yield self.expect(bob, "KICKED tea alice")

    @defer.inlineCallbacks
    def test_a_reason_that_cannot_be_shown_is_no_reason(
        self,
    ) -> Generator[Any, Any, None]:
        """A kick's reason holding an escape sequence is not refused: the
        kick is done, with the reason of a kick without one (one rule for
        every reason, at every door: chatroom.core.policy.rules.reason)."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/kick bob \x1b[2Jgone")
        self.assertEqual(
            (yield self.expect(bob, "KICKED ")), "KICKED tea alice no reason given"
        )
        self.assertEqual(
            (yield self.expect(carol, "KICK ")), "KICK tea bob alice no reason given"
        )

    # -- server admins -----------------------------------------------------

    @defer.inlineCallbacks
    def test_admins_kill_ban_and_announce(self) -> Generator[Any, Any, None]:
        """Non-admins are refused; root's /kill, /gban and /announce reach
        their targets; a server ban stops the account signing in."""
        bob = yield self.signed_in("bob")
        carol = yield self.connect("carol")
        for command in ("/kill bob", "/gban bob", "/announce hi", "/gbans"):
            yield self.refused(carol, command, "NOT_ALLOWED")
        root = yield self.signed_in("root")
        root.say("/announce maintenance at noon")
        for user in (bob, carol, root):
            self.assertEqual(
                (yield self.expect(user, "ANNOUNCE ")),
                "ANNOUNCE root maintenance at noon",
            )
        root.say("/kill carol spamming")
        self.assertEqual(
            (yield self.expect(carol, "BYE ")), "BYE killed by root: spamming"
        )
        self.assertEqual(
            (yield self.expect(root, "KILLED ")), "KILLED carol root spamming"
        )
        dave = yield self.connect("dave")
        root.say("/kill dave \x07ring")
        self.assertEqual(
            (yield self.expect(dave, "BYE ")), "BYE killed by root: no reason given"
        )
        self.assertEqual(
            (yield self.expect(root, "KILLED ")), "KILLED dave root no reason given"
        )
        root.say("/gban bob")
        self.assertEqual((yield self.expect(root, "GBAN ")), "GBAN account:bob root")
        self.assertEqual(
            (yield self.expect(bob, "BYE ")),
            "BYE banned from this server: no reason given",
        )
        again = User(FakeClient(self.server))
        yield self.refused(again, f"/login bob {PASSWORD}", "BANNED")
        root.say("/gbans")
        self.assertEqual((yield self.expect(root, "GBANS")), "GBANS account:bob")
        root.say("/gunban bob")
        yield self.expect(root, "GUNBAN account:bob root")
        yield self.signed_in("bob")

    @defer.inlineCallbacks
    def connect_from(self, host: str, name: str) -> Generator[Any, Any, User]:
        """A plain user called ``name``, connected from ``host``."""
        user = User(FakeClient(self.server, host))
        user.say(name)
        yield self.expect(user, f"WELCOME {name}")
        yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def test_a_network_ban(self) -> Generator[Any, Any, None]:
        """``/gban ip:127.0.0.2`` ends the session from there and refuses
        the next one before it chooses a name, while 127.0.0.3 chats on;
        a ``/30`` covers both; ``/gunban`` lifts it."""
        root = yield self.signed_in("root", host="192.0.2.1")
        mallory = yield self.connect_from("127.0.0.2", "mallory")
        carol = yield self.connect_from("127.0.0.3", "carol")
        yield self.enter(carol, "tea", create=True)
        yield self.refused(carol, "/gban ip:127.0.0.2", "NOT_ALLOWED")
        root.say("/gban ip:127.0.0.2 spam from a proxy")
        self.assertEqual((yield self.expect(root, "GBAN ")), "GBAN ip:127.0.0.2 root")
        self.assertEqual(
            (yield self.expect(mallory, "BYE ")),
            "BYE banned from this server: spam from a proxy",
        )
        again = User(FakeClient(self.server, "127.0.0.2"))
        self.assertEqual(
            (yield self.expect(again, "BYE ")),
            "BYE banned from this server: spam from a proxy",
        )
        self.assertEqual(
            again.lines, ["BYE banned from this server: spam from a proxy"]
        )
        again.say("mallory2")  # nothing it sends is run
        self.assertEqual(again.unread(), [])
        carol.say("still here")
        self.assertEqual(
            (yield self.expect(carol, "MSG ")).split()[:3], ["MSG", "tea", "carol"]
        )
        root.say("/gbans")
        self.assertEqual((yield self.expect(root, "GBANS")), "GBANS ip:127.0.0.2")
        root.say("/gunban ip:127.0.0.2")
        yield self.expect(root, "GUNBAN ip:127.0.0.2 root")
        yield self.connect_from("127.0.0.2", "mallory")
        root.say("/gban ip:127.0.0.1/30")  # 127.0.0.0 to .3
        self.assertEqual(
            (yield self.expect(root, "GBAN ")), "GBAN ip:127.0.0.0/30 root"
        )
        self.assertEqual(
            (yield self.expect(carol, "BYE ")),
            "BYE banned from this server: no reason given",
        )
        mapped = User(FakeClient(self.server, "::ffff:127.0.0.3"))
        yield self.expect(mapped, "BYE banned from this server")
        yield self.connect_from("127.0.0.4", "dave")
        yield self.refused(root, "/gban ip:127.0.0.0/30", "BAD_ARGS")
        yield self.refused(root, "/gban ip:300.1.2.3", "BAD_ARGS")
        yield self.refused(root, "/gban ip:0.0.0.0/0", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_ignore(self) -> Generator[Any, Any, None]:
        """After ``/ignore mallory``, neither of alice's devices hears
        mallory's messages, actions or private messages, and mallory is
        not told; after ``/unignore`` both do again. A kick by mallory as
        the room's owner still reaches alice; an invitation does not."""
        mallory = yield self.connect("mallory")
        yield self.enter(mallory, "tea", create=True)
        phone = yield self.signed_in("alice")
        laptop = yield self.signed_in("alice")
        for device in (phone, laptop):
            yield self.enter(device, "tea")
        carol = yield self.connect("carol")
        yield self.enter(carol, "tea")
        yield self.refused(carol, "/ignore mallory", "ACCOUNT_REQUIRED")
        yield self.refused(phone, "/ignore alice", "BAD_ARGS")
        phone.say("/ignore Mallory")
        self.assertEqual((yield self.expect(phone, "IGNORED ")), "IGNORED Mallory")
        yield self.refused(laptop, "/ignore mallory", "BAD_ARGS")  # the account's
        mallory.say("buy my stuff")
        mallory.say("/me waves")
        mallory.say("/msg alice psst")
        self.assertTrue((yield self.expect(mallory, "PRIVMSG ")).endswith(" psst"))
        carol.say("hello")  # after mallory's, in the same room
        for device in (phone, laptop):
            yield self.expect(device, "MSG tea carol ")
            self.assertEqual(from_mallory(device), [])
        laptop.say("/ignores")
        self.assertEqual((yield self.expect(laptop, "IGNORES")), "IGNORES mallory")
        laptop.say("/unignore mallory")
        yield self.expect(laptop, "UNIGNORED mallory")
        mallory.say("/msg alice again")
        mallory.say("back")
        for device in (phone, laptop):
            self.assertTrue(
                (yield self.expect(device, "MSG tea mallory ")).endswith(" back")
            )
            # The conversation and the room keep no order between them (each
            # room in a slot of its own): again may have come before back.
            heard = [x for x in device.lines if "PRIVMSG mallory alice " in x]
            if not heard:
                heard.append((yield self.expect(device, "PRIVMSG mallory alice ")))
            self.assertTrue(heard[0].endswith(" again"))
        phone.say("/ignore mallory")
        yield self.expect(phone, "IGNORED mallory")
        mallory.say("/kick alice out")
        self.assertEqual(
            (yield self.expect(phone, "KICKED ")), "KICKED tea mallory out"
        )
        mallory.say("/create den")
        yield self.expect(mallory, "MEMBERS den ")
        mallory.say("/invite alice")
        yield self.expect(mallory, "INVITE den alice mallory")
        carol.say("/msg alice after")
        for device in (phone, laptop):
            yield self.expect(device, "PRIVMSG carol alice ")
            self.assertFalse([x for x in device.lines if x.startswith("INVITED")])

    @defer.inlineCallbacks
    def test_a_join_replays_nothing_of_an_ignored_name(
        self,
    ) -> Generator[Any, Any, None]:
        """The history a join replays leaves out what an ignored name said,
        and has it again after ``/unignore``."""
        mallory = yield self.connect("mallory")
        yield self.enter(mallory, "tea", create=True)
        mallory.say("spam spam")
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea")
        bob.say("hello all")
        yield self.expect(mallory, "MSG tea bob ")
        alice = yield self.signed_in("alice")
        alice.say("/ignore mallory")
        yield self.expect(alice, "IGNORED ")
        alice.say("/join tea")
        yield self.expect(alice, "HISTORY tea bob ")
        replayed = [line for line in alice.lines if line.startswith("HISTORY ")]
        self.assertEqual([line.split()[2] for line in replayed], ["bob"])
        alice.say("/unignore mallory")
        yield self.expect(alice, "UNIGNORED ")
        alice.say("/leave")
        yield self.expect(alice, "LEFT tea")
        alice.say("/join tea")
        yield self.expect(alice, "HISTORY tea mallory ")
        yield self.expect(alice, "HISTORY tea bob ")

    @defer.inlineCallbacks
    def test_history_leaves_out_an_ignored_name(self) -> Generator[Any, Any, None]:
        """``/history`` (of the room, of a thread and of a private
        conversation) leaves out what an ignored name said, reading older
        pages in place of it, and has it again after ``/unignore``."""
        bob = yield self.connect("bob")
        yield self.enter(bob, "tea", create=True)
        bob.say("hello all")
        mallory = yield self.signed_in("mallory")
        yield self.enter(mallory, "tea")
        yield self.expect(mallory, "HISTORY tea bob ")
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea")
        mallory.say("/thread 1 spam in a thread")
        for n in range(4):
            mallory.say(f"spam {n}")
        alice.say("/msg mallory hello there")
        yield self.expect(mallory, "PRIVMSG alice mallory ")
        mallory.say("/msg alice psst")
        while not (yield self.expect(alice, "MSG tea mallory ")).endswith("spam 3"):
            pass
        # The room and the conversation keep no order between them (each
        # room in a slot of its own): psst may have come before spam 3.
        if not [x for x in alice.lines if "PRIVMSG mallory alice " in x]:
            yield self.expect(alice, "PRIVMSG mallory alice ")
        alice.say("/ignore mallory")
        yield self.expect(alice, "IGNORED ")
        alice.lines[:] = alice.unread()
        alice.seen = 0
        alice.say("/history 2")
        self.assertEqual(
            (yield self.expect(alice, "HISTORY_END ")), "HISTORY_END tea 1"
        )
        said = [x.split()[2] for x in alice.lines if x.startswith("HISTORY ")]
        self.assertEqual(said, ["bob"])
        alice.say("/history thread 1 10")
        yield self.expect(alice, "HISTORY_END tea 1")
        alice.say("/history @mallory 1")  # an older page in place of psst
        mine = yield self.expect(alice, "PRIVMSG ")
        self.assertTrue(mine.endswith(" hello there"), mine)
        yield self.expect(alice, "HISTORY_END @mallory 1")
        self.assertEqual(from_mallory(alice), [])
        self.assertFalse([x for x in alice.lines if "spam" in x or "psst" in x])
        alice.say("/unignore mallory")
        yield self.expect(alice, "UNIGNORED ")
        alice.say("/history 2")
        yield self.expect(alice, "HISTORY tea mallory ")
        self.assertTrue(
            (yield self.expect(alice, "HISTORY tea mallory ")).endswith(" spam 3")
        )
        alice.say("/history @mallory 10")
        yield self.expect(alice, "HISTORY_END @mallory 2")

    @defer.inlineCallbacks
    def test_a_moderator_or_admin_acting_as_one_is_never_ignored(
        self,
    ) -> Generator[Any, Any, None]:
        """alice ignores mallory (tea's owner) and root (an admin): mallory's
        topic and root's announcement still reach her, while mallory's
        message in tea does not, live or in ``/history``."""
        mallory = yield self.connect("mallory")
        yield self.enter(mallory, "tea", create=True)
        root = yield self.signed_in("root")
        alice = yield self.signed_in("alice")
        yield self.enter(alice, "tea")
        for name in ("mallory", "root"):
            alice.say(f"/ignore {name}")
            yield self.expect(alice, "IGNORED ")
        mallory.say("spam")
        mallory.say("/topic be kind")
        self.assertEqual(
            (yield self.expect(alice, "TOPIC ")), "TOPIC tea mallory be kind"
        )
        root.say("/announce maintenance at noon")
        self.assertEqual(
            (yield self.expect(alice, "ANNOUNCE ")),
            "ANNOUNCE root maintenance at noon",
        )
        alice.say("/history 10")
        yield self.expect(alice, "HISTORY_END tea ")
        self.assertFalse([x for x in alice.lines if "spam" in x])

    @defer.inlineCallbacks
    def test_an_ignore_list_goes_with_its_account(self) -> Generator[Any, Any, None]:
        """alice ignores mallory, then unregisters: whoever registers alice
        again ignores nobody."""
        alice = yield self.signed_in("alice")
        alice.say("/ignore mallory")
        yield self.expect(alice, "IGNORED ")
        alice.say(f"/unregister {PASSWORD}")
        yield self.expect(alice, "UNREGISTERED ")
        alice.say(f"/register {PASSWORD}")
        yield self.expect(alice, "REGISTERED ")
        alice.say("/ignores")
        self.assertEqual((yield self.expect(alice, "IGNORES")), "IGNORES")

    @defer.inlineCallbacks
    def test_the_servers_modlog(self) -> Generator[Any, Any, None]:
        """Server bans, their lifting, lockdowns and kills are in the
        server's log, which admins read with ``/modlog server``."""
        root = yield self.signed_in("root")
        carol = yield self.connect("carol")
        yield self.refused(carol, "/modlog server", "NOT_ALLOWED")
        root.say("/gban ip:203.0.113.0/24 1h spam")
        yield self.expect(root, "GBAN ")
        root.say("/lockdown accounts")
        yield self.expect(root, "LOCKDOWN ")
        root.say("/lockdown off")
        yield self.expect(root, "LOCKDOWN ")
        root.say("/gunban ip:203.0.113.0/24")
        yield self.expect(root, "GUNBAN ")
        root.say("/kill carol flooding")
        yield self.expect(root, "KILLED ")
        root.say("/modlog server")
        lines: list[str] = []
        while not lines or not lines[-1].startswith("MODLOG_END"):
            lines.append((yield self.expect(root, "MODLOG")))
        self.assertEqual(
            [line.split(" ", 3)[:2] + line.split(" ")[4:] for line in lines[:-1]],
            [
                ["MODLOG", "*", "gban", "ip:203.0.113.0/24", "spam"],
                ["MODLOG", "*", "lockdown", "accounts", "-"],
                ["MODLOG", "*", "lockdown", "off", "-"],
                ["MODLOG", "*", "gunban", "ip:203.0.113.0/24", "-"],
                ["MODLOG", "*", "kill", "carol", "flooding"],
            ],
        )
        self.assertEqual(lines[-1], "MODLOG_END * 5")
        self.assertTrue(all(line.split()[3] == "root" for line in lines[:-1]))

    @defer.inlineCallbacks
    def test_lockdown(self) -> Generator[Any, Any, None]:
        """``/lockdown accounts`` refuses plain names and registering while
        ``/login`` works; ``closed`` refuses all but an admin's sign-in;
        ``off`` restores. Connected users stay; only admins hear it."""
        alice = yield self.signed_in("alice")
        alice.say("/quit")
        yield self.expect(alice, "BYE ")
        root = yield self.signed_in("root")
        carol = yield self.connect("carol")
        yield self.refused(carol, "/lockdown accounts", "NOT_ALLOWED")
        yield self.refused(carol, "/lockdown", "NOT_ALLOWED")
        root.say("/lockdown")
        self.assertEqual((yield self.expect(root, "LOCKDOWN ")), "LOCKDOWN off -")
        yield self.refused(root, "/lockdown maybe", "BAD_ARGS")
        root.say("/lockdown accounts")
        self.assertEqual(
            (yield self.expect(root, "LOCKDOWN ")), "LOCKDOWN accounts root"
        )
        newcomer = User(FakeClient(self.server))
        reply = yield self.refused(newcomer, "mallory", "ACCOUNT_REQUIRED")
        self.assertIn("locked down", reply)
        yield self.refused(
            newcomer, f"/register mallory {PASSWORD}", "REGISTRATION_CLOSED"
        )
        yield self.signed_in("alice")
        root.say("/lockdown closed")
        self.assertEqual((yield self.expect(root, "LOCKDOWN ")), "LOCKDOWN closed root")
        yield self.refused(User(FakeClient(self.server)), "dave", "SERVER_CLOSED")
        yield self.refused(
            User(FakeClient(self.server)), f"/login alice {PASSWORD}", "SERVER_CLOSED"
        )
        yield self.signed_in("root")  # an admin's sign-in: a second device
        carol.say("/join general")  # connected before: stays
        yield self.expect(carol, "MEMBERS general")
        self.assertFalse(any(line.startswith("LOCKDOWN") for line in carol.unread()))
        root.say("/lockdown off")
        self.assertEqual((yield self.expect(root, "LOCKDOWN ")), "LOCKDOWN off root")
        yield self.connect("dave")

    @defer.inlineCallbacks
    def test_a_timed_ban_shows_its_end(self) -> Generator[Any, Any, None]:
        """``/gban MASK 2h REASON``: ``GBAN`` and ``/gbans`` carry its end
        (two hours from now, on the server's clock); the banned user is
        told the reason."""
        root = yield self.signed_in("root")
        bob = yield self.connect("bob")
        now = self.server.clock.seconds()
        root.say("/gban bob 2h flooding")
        reply = yield self.expect(root, "GBAN ")
        mask, by, until = reply.split()[1:]
        self.assertEqual((mask, by), ("name:bob", "root"))
        self.assertLess(abs(parse_time(until) - (now + 7200)), 5, until)
        self.assertEqual(
            (yield self.expect(bob, "BYE ")), "BYE banned from this server: flooding"
        )
        root.say("/gbans")
        self.assertEqual((yield self.expect(root, "GBANS")), f"GBANS name:bob@{until}")
        yield self.refused(root, "/gban carol 0s", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_admins_delete_any_room(self) -> Generator[Any, Any, None]:
        """An admin's /delete needs no ownership (permanent rooms still stay)."""
        (alice,) = yield self.in_room("tea", "alice")
        root = yield self.signed_in("root")
        yield self.refused(root, "/delete general", "NOT_ALLOWED")
        root.say("/delete tea")
        self.assertEqual((yield self.expect(alice, "DELETED ")), "DELETED tea root")
