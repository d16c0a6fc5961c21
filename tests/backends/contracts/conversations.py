"""Private conversations that stay, as their sides see them, on every back-end.

An account's conversations are kept by the server with their unread counts
(docs/protocol.md, *Private conversations*): ``/conversations`` lists them,
the newest first, each with how many of the other side's messages came
after the account's read marker there; ``/read @USER ID`` moves that
marker, as a room's, and the account's other devices are told
``READ @USER ID``; ``/unread`` counts the conversations with news; the
account's own messages are never unread. Every device of the sender gets
its copy of a message it sends, and ``/history @USER`` pages a
conversation in time order, both sides' messages in it.

:class:`ConversationsContract` runs against the in-process back-end
(``tests/backends/local/test_conversations.py``) and Redis
(``tests/backends/redis/test_conversations.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.wire.lines import parse_event
from tests.backends.contracts.handler import User
from tests.backends.contracts.moderation import PASSWORD, SignedInBase
from tests.support import FakeClient

CONFIG = ServerConfig(rate=0, room_capacity=5, max_rooms=5, history=5)


class ConversationsContract(SignedInBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def conversations(
        self, user: User
    ) -> Generator[Any, Any, list[tuple[str, str, str]]]:
        """``/conversations`` as ``user`` reads it: (user, unread, last id)
        per line, in order; its end's count checked."""
        user.say("/conversations")
        listed = []
        line = yield self.expect(user, "CONVERSATION")
        while line.startswith("CONVERSATION "):
            event = parse_event(line)
            self.assertTrue(event.field("time").endswith("Z"), line)
            listed.append(
                (event.field("user"), event.field("unread"), event.field("last"))
            )
            line = yield self.expect(user, "CONVERSATION")
        self.assertEqual(line, f"CONVERSATIONS_END {len(listed)}")
        return listed

    @defer.inlineCallbacks
    def said(self, sender: User, to: User, *texts: str) -> Generator[Any, Any, None]:
        """``sender`` writes ``texts`` to ``to``, who gets each (and the
        sender its copy)."""
        for text in texts:
            sender.say(f"/msg {self.name_of(to)} {text}")
            for user in (sender, to):
                line = yield self.expect(user, "PRIVMSG ")
                self.assertTrue(line.endswith(" " + text), line)

    def name_of(self, user: User) -> str:
        """The name ``user`` signed in with (its ``WELCOME``)."""
        welcome = next(line for line in user.lines if line.startswith("WELCOME "))
        return welcome.split()[1]

    @defer.inlineCallbacks
    def test_listed_newest_first_with_their_unread_counts(
        self,
    ) -> Generator[Any, Any, None]:
        """bob writes twice to alice, then carol once: alice's list has
        carol first (1 unread), then bob (2); bob's has alice with none
        (his own messages). alice reads bob's up to 2, and answers carol:
        neither is unread any more, and carol's is still the newest."""
        alice = yield self.signed_in("alice")
        bob = yield self.signed_in("bob")
        carol = yield self.signed_in("carol")
        yield self.said(bob, alice, "one", "two")
        yield self.said(carol, alice, "hey")
        self.assertEqual(
            (yield self.conversations(alice)),
            [("carol", "1", "1"), ("bob", "2", "2")],
        )
        self.assertEqual((yield self.conversations(bob)), [("alice", "0", "2")])
        alice.say("/read @bob 2")
        self.assertEqual((yield self.expect(alice, "READ ")), "READ @bob 2")
        yield self.said(alice, carol, "hello carol")
        self.assertEqual(
            (yield self.conversations(alice)),
            [("carol", "0", "2"), ("bob", "0", "2")],
        )
        self.assertEqual((yield self.conversations(carol)), [("alice", "1", "2")])

    @defer.inlineCallbacks
    def test_a_marker_only_moves_forward_and_is_told_to_the_other_devices(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's phone reads bob's conversation up to 1: her laptop is
        told ``READ @bob 1``; an older id changes nothing and tells
        nobody; the laptop's list shows 1 unread of 2."""
        laptop = yield self.signed_in("alice")
        phone = yield self.signed_in("alice")
        bob = yield self.signed_in("bob")
        yield self.said(bob, laptop, "one", "two")
        yield self.expect(phone, "PRIVMSG bob ")
        phone.say("/read @bob 1")
        self.assertEqual((yield self.expect(phone, "READ ")), "READ @bob 1")
        self.assertEqual((yield self.expect(laptop, "READ ")), "READ @bob 1")
        phone.say("/read @bob 0")
        self.assertEqual((yield self.expect(phone, "READ ")), "READ @bob 1")
        self.assertEqual((yield self.conversations(laptop)), [("bob", "1", "2")])
        self.assertNotIn("READ @bob 1", laptop.unread())

    @defer.inlineCallbacks
    def test_unread_counts_the_conversations_with_news(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``/unread`` has ``UNREAD @bob 2 2`` before its end, and
        nothing for a conversation she has read."""
        alice = yield self.signed_in("alice")
        bob = yield self.signed_in("bob")
        carol = yield self.signed_in("carol")
        yield self.said(bob, alice, "one", "two")
        yield self.said(carol, alice, "hi")
        alice.say("/read @carol 1")
        yield self.expect(alice, "READ @carol 1")
        alice.say("/unread")
        self.assertEqual((yield self.expect(alice, "UNREAD")), "UNREAD @bob 2 2")
        self.assertEqual((yield self.expect(alice, "UNREAD")), "UNREAD_END")

    @defer.inlineCallbacks
    def test_refusals(self) -> Generator[Any, Any, None]:
        """A plain name keeps no conversations; a marker past the newest
        message, a name that is nobody, a bare ``@`` are refused."""
        plain = yield self.connect("plain")
        yield self.refused(plain, "/conversations", "NOT_ALLOWED")
        yield self.refused(plain, "/read @plain 1", "NOT_ALLOWED")
        alice = yield self.signed_in("alice")
        bob = yield self.signed_in("bob")
        yield self.said(bob, alice, "one")
        yield self.refused(alice, "/read @bob 2", "BAD_ARGS")
        yield self.refused(alice, "/read @nobody 1", "NO_SUCH_USER")
        yield self.refused(alice, "/read @ 1", "BAD_ARGS")
        yield self.refused(alice, "/conversations now", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_what_was_kept_while_away_is_unread_at_sign_in(
        self,
    ) -> Generator[Any, Any, None]:
        """bob writes to alice while nobody is signed in to her account:
        signed in, she gets his message and her list counts it unread."""
        alice = yield self.signed_in("alice")
        alice.say("/quit")
        yield self.expect(alice, "BYE ")
        alice.client.lose()
        bob = yield self.signed_in("bob")
        bob.say("/msg alice while you were out")
        yield self.expect(bob, "PRIVMSG bob alice ")
        alice = User(FakeClient(self.server))
        alice.say(f"/login alice {PASSWORD}")
        yield self.expect(alice, "WELCOME alice")
        yield self.expect(alice, "PRIVMSG bob alice ")
        self.assertEqual((yield self.conversations(alice)), [("bob", "1", "1")])

    @defer.inlineCallbacks
    def test_every_device_of_the_sender_gets_its_copy(
        self,
    ) -> Generator[Any, Any, None]:
        """alice writes to bob from her laptop: her phone gets the message
        at once, as she sent it, and so does bob."""
        laptop = yield self.signed_in("alice")
        phone = yield self.signed_in("alice")
        bob = yield self.signed_in("bob")
        laptop.say("/msg bob sent from the laptop")
        for user in (laptop, phone, bob):
            line = yield self.expect(user, "PRIVMSG ")
            self.assertTrue(line.startswith("PRIVMSG alice bob "), line)
            self.assertTrue(line.endswith(" sent from the laptop"), line)

    @defer.inlineCallbacks
    def test_history_is_both_sides_in_time_order(
        self,
    ) -> Generator[Any, Any, None]:
        """alice and bob take turns: each one's ``/history @other 50`` has
        all six messages, both sides', oldest first, then its end."""
        alice = yield self.signed_in("alice")
        bob = yield self.signed_in("bob")
        for turn in range(3):
            yield self.said(alice, bob, f"alice {turn}")
            yield self.said(bob, alice, f"bob {turn}")
        for user, other in ((alice, "bob"), (bob, "alice")):
            user.say(f"/history @{other} 50")
            said = []
            for _ in range(6):
                said.append((yield self.expect(user, "PRIVMSG ")).split(" ", 4)[4])
            self.assertEqual(
                said, ["alice 0", "bob 0", "alice 1", "bob 1", "alice 2", "bob 2"]
            )
            end = yield self.expect(user, "HISTORY_END ")
            self.assertEqual(end, f"HISTORY_END @{other} 6")
