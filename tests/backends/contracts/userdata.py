"""A user's own data, for every registry: ``/export`` and ``/delete-account``.

:class:`UserDataContract` runs against the in-process registry over a real
SQLite file (``tests/backends/local/test_userdata.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_userdata.py``). Each subclass
says what its store still holds of an account (:meth:`traces`): SQLite's
rows, Redis's keys.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.push import change_of, subscribing
from chatroom.core.messages.private import append, appended, conversation_key, kept_for
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
)
from chatroom.core.model.changes.files import AccountUploadTokens, IssueToken
from chatroom.core.model.changes.private import PartyRegistered
from chatroom.core.model.changes.settings import (
    AccountIgnores,
    AccountMarkers,
    AccountRooms,
    AccountSettings,
    Ignore,
    MarkerAtMost,
    RememberRoom,
    SetMarker,
    SetNotifyLevel,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Edited,
    Message,
    PrivateMessage,
    Reaction,
    StoredEvent,
)
from chatroom.core.model.facts import Target
from chatroom.core.model.subscription import Subscription
from chatroom.core.policy.userdata import ANONYMISE, DELETED_USER, author, erasure
from chatroom.core.server.bus import NO_COPY
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import IRCContractBase, User
from tests.backends.contracts.moderation import PASSWORD
from tests.doors.irc.test_irc import IRCClient
from tests.support import FakeClient, chat_core, seat_named

CONFIG = ServerConfig(rate=0, rooms=())
#: Where the tests' HTTP door would be.
BASE = "http://chat.test"


class UserDataContract(IRCContractBase):
    """Subclasses mix in a TestCase, provide ``server`` and :meth:`traces`."""

    def traces(self, account: str) -> defer.Deferred[list[str]]:
        """Whatever the store still holds that names ``account``: its
        account, markers, remembered rooms, private messages."""
        raise NotImplementedError

    @defer.inlineCallbacks
    def registered(self, name: str) -> Generator[Any, Any, User]:
        user = yield self.connect(name)
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, "REGISTERED")
        return user

    @defer.inlineCallbacks
    def talked(self) -> Generator[Any, Any, tuple[User, User, User]]:
        """alice and bob (accounts) in tea, each saying something (bob in
        the thread of alice's message too, which she then follows), alice
        reading it; alice and carol (an account) each writing to bob."""
        alice = yield self.registered("alice")
        bob = yield self.registered("bob")
        carol = yield self.registered("carol")
        for user in (alice, bob):
            user.say("/join tea" if user is bob else "/create tea")
            yield self.expect(user, "MEMBERS tea")
        alice.say("alice says hello")
        yield self.expect(bob, "MSG tea alice")
        bob.say("bob answers")
        yield self.expect(alice, "MSG tea bob")
        bob.say("/thread 1 bob threads")
        yield self.expect(alice, "MSG tea bob")
        bob.say("/threads")
        yield self.expect(bob, "THREADS_END")
        alice.say("/notify tea all")
        yield self.expect(alice, "NOTIFY tea all")
        alice.say("/profile set pronouns she/her")
        yield self.expect(alice, "PROFILE ")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS")
        alice.say("/read tea 2")
        yield self.wait()
        alice.say("/msg bob alice whispers")
        yield self.expect(bob, "PRIVMSG alice")
        carol.say("/msg bob carol whispers")
        yield self.expect(bob, "PRIVMSG carol")
        return alice, bob, carol

    @defer.inlineCallbacks
    def exported(self, user: User) -> Generator[Any, Any, dict[str, Any]]:
        """What ``user``'s ``/export`` link serves (taken once)."""
        self.server.http_url = BASE
        user.say("/export")
        line = yield self.expect(user, "EXPORT ")
        url = line.split()[1]
        self.assertTrue(url.startswith(f"{BASE}/export/"), url)
        token = url.rsplit("/", 1)[1]
        archive = yield defer.Deferred.fromCoroutine(
            self.server.registry.users.take_export(token)
        )
        again = yield defer.Deferred.fromCoroutine(
            self.server.registry.users.take_export(token)
        )
        self.assertIsNone(again)
        return dict(json.loads(archive))

    @defer.inlineCallbacks
    def test_export_is_the_users_own_data_only(self) -> Generator[Any, Any, None]:
        """alice's export holds her message, her marker, her room and her
        conversation with bob; never bob's room message, carol's
        conversation with bob, or a password hash; the link works once."""
        alice, _, _ = yield self.talked()
        archive = yield self.exported(alice)
        text = json.dumps(archive)
        self.assertEqual(archive["account"]["name"], "alice")
        said = [m["text"] for m in archive["room_messages"]]
        self.assertEqual(said, ["alice says hello"])
        self.assertEqual(archive["rooms"]["owned"], ["tea"])
        self.assertEqual(archive["rooms"]["remembered"], ["tea"])
        # Her own message to bob is read (a conversation's marker, @bob).
        self.assertEqual(archive["read_markers"], {"tea": 2, "@bob": 1})
        self.assertEqual(
            archive["threads"], [{"room": "tea", "root": 1, "following": True}]
        )
        self.assertEqual(archive["notify_levels"], {"tea": "all"})
        self.assertEqual(archive["profile"], {"pronouns": "she/her"})
        talks = archive["private_conversations"]
        self.assertEqual([t["with"] for t in talks], ["bob"])
        self.assertEqual([m["text"] for m in talks[0]["messages"]], ["alice whispers"])
        foreign_words = ("bob answers", "bob threads", "carol whispers", "argon2")
        for foreign in (*foreign_words, "SCRAM"):
            self.assertNotIn(foreign, text)

    @defer.inlineCallbacks
    def test_export_holds_kept_tag_messages(self) -> Generator[Any, Any, None]:
        """The TAGMSGs alice's IRC client sent, kept for event playback, are
        her data too: her export has the room's as kind ``tags`` and the
        conversation's with ``tags`` where a message has ``text``."""
        alice = yield self.registered("alice")
        yield self.registered("bob")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        irc = IRCClient(IRCFactory(self.server))
        irc.send(f"PASS alice:{PASSWORD}", "CAP REQ :message-tags echo-message")
        irc.send("NICK alice", "USER a 0 * :A", "CAP END", "JOIN #tea")
        yield self.heard(irc, "366")
        irc.send("@+x/tag=1 TAGMSG #tea", "@+x/tag=2 TAGMSG bob")
        yield self.heard(irc, "TAGMSG")
        yield self.heard(irc, "TAGMSG")
        archive = yield self.exported(alice)
        (kept,) = archive["room_messages"]
        self.assertEqual((kept["kind"], kept["tags"]), ("tags", "+x/tag=1"))
        (talk,) = archive["private_conversations"]
        (message,) = talk["messages"]
        self.assertEqual((message["to"], message["tags"]), ("bob", "+x/tag=2"))
        self.assertNotIn("text", message)

    @defer.inlineCallbacks
    def test_export_needs_an_account_and_http(self) -> Generator[Any, Any, None]:
        """A plain name is refused as other account-only commands are; a
        server without --http says exports need it."""
        plain = yield self.connect("dora")
        self.server.http_url = BASE
        plain.say("/export")
        line = yield self.expect(plain, "ERR ")
        self.assertEqual(line, "ERR NOT_ALLOWED you are not signed in to an account")
        alice = yield self.registered("alice")
        self.server.http_url = ""
        alice.say("/export")
        line = yield self.expect(alice, "ERR ")
        self.assertIn("exports need --http", line)

    @defer.inlineCallbacks
    def test_a_wrong_password_deletes_nothing(self) -> Generator[Any, Any, None]:
        """``BAD_PASSWORD``, and the account is all there: what is new is at
        most the count of the failure that slows the next guess."""
        alice, _, _ = yield self.talked()
        before = yield self.traces("alice")
        alice.say("/delete-account wrong-password")
        line = yield self.expect(alice, "ERR ")
        self.assertTrue(line.startswith("ERR BAD_PASSWORD"), line)
        after = yield self.traces("alice")
        self.assertEqual([t for t in after if ":guesses:" not in t], before)
        self.assertTrue(before)

    @defer.inlineCallbacks
    def test_deleting_leaves_nothing_behind(self) -> Generator[Any, Any, None]:
        """``ACCOUNT_DELETED alice`` then ``BYE`` on every device; no
        account, marker, remembered room or private message of alice's
        stays; bob's history shows her message by deleted-user; the name
        is free; carol's conversation with bob is untouched."""
        alice, bob, _ = yield self.talked()
        second = User(FakeClient(self.server))
        second.say(f"/login alice {PASSWORD}")
        yield self.expect(second, "WELCOME alice")
        alice.say(f"/delete-account {PASSWORD}")
        self.assertEqual(
            (yield self.expect(alice, "ACCOUNT_DELETED")), "ACCOUNT_DELETED alice"
        )
        yield self.expect(alice, "BYE")
        yield self.expect(second, "BYE")
        self.assertEqual((yield self.traces("alice")), [])
        bob.say("/history 5")
        lines = []
        for _ in range(2):
            lines.append((yield self.expect(bob, "HISTORY tea")))
        self.assertIn("deleted-user", lines[0])
        self.assertIn("alice says hello", lines[0])
        self.assertIn(" bob ", lines[1])
        bob.say("/history @alice 5")
        yield self.expect(bob, "ERR NO_SUCH_USER")
        bob.say("/history @carol 5")
        yield self.expect(bob, "PRIVMSG carol bob")
        yield self.expect(bob, "HISTORY_END @carol 1")
        again = yield self.connect("alice")
        again.say(f"/register {PASSWORD}")
        yield self.expect(again, "REGISTERED")
        taken = User(FakeClient(self.server))
        taken.say("deleted-user")
        self.assertTrue((yield self.expect(taken, "ERR BAD_NAME")))

    @defer.inlineCallbacks
    def test_deleting_ends_every_device_whatever_its_name(
        self,
    ) -> Generator[Any, Any, None]:
        """``/delete-account`` on one device ends every device signed in to
        the account: one that took another name with ``/nick`` (signed in
        to it still) gets ``BYE account alice deleted`` as the deleting
        one does; bob's device is not touched, and nothing of alice's
        stays."""
        renamed, bob, _ = yield self.talked()
        renamed.say("/nick alicia")
        yield self.expect(renamed, "NICK alice alicia")
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {PASSWORD}")
        yield self.expect(phone, "WELCOME alice")
        phone.say(f"/delete-account {PASSWORD}")
        yield self.expect(phone, "ACCOUNT_DELETED alice")
        for device in (phone, renamed):
            yield self.expect(device, "BYE account alice deleted")
        self.assertEqual((yield self.traces("alice")), [])
        self.assertFalse([line for line in bob.lines if line.startswith("BYE")])
        bob.say("/list")
        yield self.expect(bob, "ROOMS ")

    @defer.inlineCallbacks
    def test_a_devices_write_come_after_the_deletion_keeps_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """Writes of alice's own records decided by a device before her
        deletion (one on a node that had not yet heard of its end), applied
        after it: her read marker, a notification level, a remembered room
        and an ignored name. None of them is kept."""
        alice, _, _ = yield self.talked()
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE account alice deleted")
        self.assertEqual((yield self.traces("alice")), [])
        late = [
            DecidedChange(
                AccountMarkers("alice"),
                (MarkerAtMost("tea", 3),),
                (SetMarker("tea", 3),),
            ),
            DecidedChange(
                AccountSettings("alice"), (), (SetNotifyLevel("tea", "all"),)
            ),
            DecidedChange(AccountRooms("alice"), (), (RememberRoom("tea"),)),
            DecidedChange(AccountIgnores("alice"), (), (Ignore("carol"),)),
        ]
        for change in late:
            yield defer.ensureDeferred(chat_core(self.server).backend.apply(change))
        self.assertEqual((yield self.traces("alice")), [])

    def kept_for_the_account(self, account: str) -> list[DecidedChange]:
        """Writes of what is kept for ``account`` as a node decides them on
        the account being registered: a private message from carol kept
        for it (nobody signed in to it), a push subscription (``/push
        add``), an upload token (``/token``)."""
        message = PrivateMessage("carol", account, "2026-11-27T02:00:00Z", "hi", id="1")
        subscription = Subscription(f"https://push.example/{account}", "key", "auth")
        return [
            kept_for(
                Target(account, account),
                conversation_key("carol", account),
                message,
                100,
                NO_COPY,
            ),
            change_of(account, subscribing(account, [], subscription, "")),
            DecidedChange(
                AccountUploadTokens(account),
                (Registered(),),
                (IssueToken(f"token-of-{account}", self.server.clock.seconds() + 60),),
            ),
        ]

    @defer.inlineCallbacks
    def what_is_kept_for(self, account: str) -> Generator[Any, Any, list[object]]:
        """What the back-end keeps of :meth:`kept_for_the_account`'s writes:
        messages waiting, subscriptions, whom the token names."""
        backend = chat_core(self.server).backend
        waiting = yield defer.ensureDeferred(
            backend.messages.conversations.waiting(account)
        )
        pushed = yield defer.ensureDeferred(backend.accounts.push.of([account]))
        token = yield defer.ensureDeferred(
            backend.accounts.upload_tokens.account(f"token-of-{account}")
        )
        return [waiting, pushed.get(account, []), token]

    @defer.inlineCallbacks
    def alice_deleted_dave_away(self) -> Generator[Any, Any, None]:
        """:meth:`talked`, then dave registered and signed out, and alice's
        account deleted."""
        alice, _, _ = yield self.talked()
        dave = yield self.registered("dave")
        dave.say("/quit")
        yield self.wait()
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE account alice deleted")

    @defer.inlineCallbacks
    def test_what_is_kept_for_an_account_deleted_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """A private message kept for alice, a push subscription and an
        upload token, each decided on her account by a node that had not
        yet heard of its deletion and applied after it: each is refused on
        its premise that she is registered, and nothing of it is kept. The
        same writes for dave, registered and away, are kept."""
        yield self.alice_deleted_dave_away()
        backend = chat_core(self.server).backend
        for change in self.kept_for_the_account("alice"):
            refused = defer.ensureDeferred(backend.apply(change))
            refusal = yield self.assertFailure(refused, PremiseFailedError)
            self.assertIsInstance(refusal.premise, Registered)
        self.assertEqual((yield self.what_is_kept_for("alice")), [0, [], None])
        self.assertEqual((yield self.traces("alice")), [])
        for change in self.kept_for_the_account("dave"):
            yield defer.ensureDeferred(backend.apply(change))
        waiting, pushed, token = yield self.what_is_kept_for("dave")
        self.assertEqual((waiting, len(pushed), token), (1, 1, "dave"))

    @defer.inlineCallbacks
    def test_a_conversation_with_an_account_deleted_meanwhile_keeps_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's private message to alice, decided on alice's account by a
        node that had not yet heard of its deletion and appended to their
        conversation after it: refused on its premise that alice is
        registered (carol is told ``NO_SUCH_USER``, as for a message kept
        for her), and no conversation names her again. The same message
        to dave, registered and away, is kept in theirs."""
        yield self.alice_deleted_dave_away()
        yield self.appended_late("carol", "alice", refused="NO_SUCH_USER")
        yield self.appended_late("carol", "dave")
        self.assertEqual((yield self.traces("alice")), [])

    @defer.inlineCallbacks
    def test_a_message_kept_from_an_account_deleted_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's private message kept for dave (away), decided before her
        account's deletion took what waits from her, and applied after:
        refused on its premise that alice is registered, and nothing of
        hers waits for dave; carol's is kept."""
        yield self.alice_deleted_dave_away()
        backend = chat_core(self.server).backend
        dave = Target("dave", "dave")
        for sender in ("alice", "carol"):
            message = PrivateMessage(sender, "dave", "2026-11-27T02:00:00Z", "hi")
            message.id = "1"
            key = conversation_key(sender, "dave")
            change = kept_for(dave, key, message, 100, NO_COPY, sender)
            if sender == "alice":
                refusal = yield self.assertFailure(
                    defer.ensureDeferred(backend.apply(change)), PremiseFailedError
                )
                self.assertEqual(refusal.premise, PartyRegistered("alice"))
            else:
                yield defer.ensureDeferred(backend.apply(change))
        self.assertEqual((yield self.what_is_kept_for("dave"))[0], 1)
        self.assertEqual((yield self.traces("alice")), [])

    @defer.inlineCallbacks
    def appended_late(
        self, sender: str, recipient: str, refused: str = ""
    ) -> Generator[Any, Any, None]:
        """A private message from account ``sender`` to account
        ``recipient``, appended to their conversation as decided before
        alice's deletion: kept, or refused on alice's ``PartyRegistered``
        (the sender told ``refused``) and nothing kept."""
        backend = chat_core(self.server).backend
        key = conversation_key(sender, recipient)
        message = PrivateMessage(sender, recipient, "2026-11-27T02:00:00Z", "hi")
        found = Target(recipient, recipient)
        change = appended(key, message, found, sender)
        if refused:
            refusal = yield self.assertFailure(
                defer.ensureDeferred(backend.apply(change)), PremiseFailedError
            )
            self.assertEqual(refusal.premise, PartyRegistered("alice"))
            told = defer.ensureDeferred(
                append(backend.apply, key, message, found, sender)
            )
            answer = yield self.assertFailure(told, ChatError)
            self.assertEqual(answer.code, refused)  # what the sender sees
        else:
            yield defer.ensureDeferred(backend.apply(change))
        kept = yield defer.ensureDeferred(
            backend.messages.conversations.page(key, 10, None)
        )
        self.assertEqual([e.text for e in kept], [] if refused else ["hi"])

    @defer.inlineCallbacks
    def test_a_subscription_for_an_account_gone_is_not_allowed(
        self,
    ) -> Generator[Any, Any, None]:
        """``/push add`` decided for alice's account after it was
        unregistered (her device's node had not heard yet): ``NOT_ALLOWED``,
        and no subscription is kept."""
        alice = yield self.registered("alice")
        alice.say(f"/unregister {PASSWORD}")
        yield self.expect(alice, "UNREGISTERED alice")
        subscription = Subscription("https://push.example/alice", "key", "auth")
        notifications = chat_core(self.server).notifications
        adding = defer.ensureDeferred(notifications.subscribe("alice", subscription))
        refusal = yield self.assertFailure(adding, ChatError)
        self.assertEqual(refusal.code, "NOT_ALLOWED")
        self.assertEqual((yield self.what_is_kept_for("alice"))[1], [])

    @defer.inlineCallbacks
    def test_a_message_from_an_account_deleted_meanwhile_keeps_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's private message to dave, decided by a node that had not
        yet heard that her account was deleted and appended to their
        conversation after it: refused on its premise that alice, the
        sender, is registered (she is told ``NOT_ALLOWED``), and no
        conversation names her again. The same message from carol is kept."""
        yield self.alice_deleted_dave_away()
        yield self.appended_late("alice", "dave", refused="NOT_ALLOWED")
        yield self.appended_late("carol", "dave")
        self.assertEqual((yield self.traces("alice")), [])

    @defer.inlineCallbacks
    def test_what_waits_for_others_goes_with_its_sender(
        self,
    ) -> Generator[Any, Any, None]:
        """A private message alice sent to dave while nobody was signed in
        to his account waits for him; alice deletes her account before he
        comes: dave's next sign-in finds nothing of hers, but what carol
        sent him meanwhile is still there."""
        dave = yield self.registered("dave")
        dave.say("/quit")
        yield self.wait()
        alice = yield self.registered("alice")
        carol = yield self.registered("carol")
        alice.say("/msg dave a secret for later")
        yield self.expect(alice, "PRIVMSG alice dave")
        carol.say("/msg dave carol was here")
        yield self.expect(carol, "PRIVMSG carol dave")
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE")
        back = User(FakeClient(self.server))
        back.say(f"/login dave {PASSWORD}")
        yield self.expect(back, "WELCOME dave")
        yield self.expect(back, "PRIVMSG carol dave")
        back.say("/list")
        yield self.expect(back, "ROOMS")
        self.assertFalse([line for line in back.lines if "a secret for later" in line])

    @defer.inlineCallbacks
    def test_removing_drops_the_room_messages(self) -> Generator[Any, Any, None]:
        """With --on-delete remove, alice's room message is gone from bob's
        history; his own stays."""
        self.set_on_delete("remove")
        alice, bob, _ = yield self.talked()
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE")
        bob.say("/history 5")
        line = yield self.expect(bob, "HISTORY tea")
        self.assertIn("bob answers", line)
        self.assertNotIn("alice says hello", " ".join(bob.unread()))

    @defer.inlineCallbacks
    def history(self, name: str) -> Generator[Any, Any, list[StoredEvent]]:
        """Room tea's stored events, as the back-end gives them to ``name``."""
        member, session = seat_named(self.server, name)
        events = yield defer.ensureDeferred(
            chat_core(self.server).backend.messages.history(
                member, session, "tea", 20, None
            )
        )
        return list(events)

    @defer.inlineCallbacks
    def test_an_erasure_decided_before_an_edit_is_decided_again(
        self,
    ) -> Generator[Any, Any, None]:
        """The erasure of alice's words in tea was decided on her message
        as read; she edits it on another device before it is applied: the
        room's change is refused and nothing of it is applied (bob still
        sees her name on the edited message). Her deletion, decided on the
        words as they are then, anonymises the message as edited."""
        alice, bob, _ = yield self.talked()
        core = chat_core(self.server)
        (tea,) = yield defer.ensureDeferred(
            core.backend.accounts.user_data.words("alice")
        )
        change = erasure("alice", ANONYMISE, tea)
        assert change is not None
        (said,) = [e for e in tea.events if isinstance(e, Message)]
        alice.say(f"/edit {said.id} alice says hi")
        yield self.expect(bob, "MSG tea alice")
        yield self.wait()
        yield self.assertFailure(
            defer.ensureDeferred(core.backend.apply(change)), FactsChangedError
        )
        kept = yield self.history("bob")
        (message,) = [e for e in kept if isinstance(e, Message) and e.id == said.id]
        self.assertEqual((message.user, message.text), ("alice", "alice says hi"))
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE")
        kept = yield self.history("bob")
        (message,) = [e for e in kept if isinstance(e, Message) and e.id == said.id]
        self.assertEqual((message.user, message.text), (DELETED_USER, "alice says hi"))
        self.assertEqual([e for e in kept if author(e) == "alice"], [])

    @defer.inlineCallbacks
    def test_removing_takes_what_depends_on_the_messages(
        self,
    ) -> Generator[Any, Any, None]:
        """With --on-delete remove, alice's edit of her message and bob's
        reaction to it go with it; bob's own messages (his answer in her
        message's thread too), and his reaction to one, stay."""
        self.set_on_delete("remove")
        alice, bob, _ = yield self.talked()
        kept = yield self.history("bob")
        (hers, his, _threaded) = [e for e in kept if isinstance(e, Message)]
        alice.say(f"/edit {hers.id} alice says hi")
        yield self.expect(bob, "MSG tea alice")
        bob.say(f"/react {hers.id} +1")
        bob.say(f"/react {his.id} +1")
        bob.say("reacted")
        yield self.expect(alice, "MSG tea bob")
        kept = yield self.history("bob")
        targets = [e.target for e in kept if isinstance(e, Edited | Reaction)]
        self.assertEqual(sorted(targets), sorted([hers.id, hers.id, his.id]))
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "BYE")
        kept = yield self.history("bob")
        said = [(e.user, e.text) for e in kept if isinstance(e, Message)]
        self.assertEqual(
            said,
            [("bob", "bob answers"), ("bob", "bob threads"), ("bob", "reacted")],
        )
        self.assertEqual(
            [(e.target, e.user) for e in kept if isinstance(e, Edited | Reaction)],
            [(his.id, "bob")],
        )

    def set_on_delete(self, how: str) -> None:
        """``--on-delete how`` from now on."""
        core = chat_core(self.server)
        core.reconfigure(replace(core.config, on_delete=how))
