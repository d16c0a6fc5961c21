"""``/txn KEY LINE`` (issue 81), run against every registry.

A keyed line is done once per key of its sender, whatever kind of thing
it says, and answered ``ACK KEY TARGET ID`` after its usual replies; a
repeat is answered the same ``ACK`` and delivers nothing; the key with
another line is ``TXN_REUSED``; a refused line keeps no key. With the
in-process registry (``tests/backends/local/test_transactions.py``) and
a real ``redis-server`` (``tests/backends/redis/test_transactions.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.messages.private import told_once
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.transactions import KeyDoneError, KeyUnused
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import PrivateMessage
from chatroom.core.model.facts import Target
from tests.backends.contracts.rich import RichRoom, id_of
from tests.backends.contracts.say_premises import PremisesBase


class TransactionContract(RichRoom):
    """alice (plain), bob (ids) and carol (rich) in tea."""

    @defer.inlineCallbacks
    def test_a_key_says_it_once_and_a_repeat_gets_the_same_ack(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's keyed line: her own copy, then ``ACK K tea ID`` naming its
        id; bob gets it once under that id, alice once; sent again, carol
        gets the same ACK alone, and nobody anything else."""
        alice, bob, carol = yield self.rich_room()
        carol.say("/txn k1 anyone for tea?")
        own = yield self.expect(carol, "@")
        ack = yield self.expect(carol, "ACK ")
        self.assertEqual(ack, f"ACK k1 tea {id_of(own)}")
        self.assertEqual(id_of((yield self.expect(bob, "@"))), id_of(own))
        self.assertTrue((yield self.expect(alice, "MSG tea carol ")).endswith("tea?"))
        carol.say("/txn k1 anyone for tea?")
        self.assertEqual((yield self.expect(carol, "ACK ")), ack)
        carol.say("/txn k2 /say tea and after")
        yield self.expect(carol, "ACK k2 tea ")
        yield self.expect(bob, "@")
        self.assertTrue(bob.unread() == [], bob.unread())
        self.assertTrue(carol.unread() == [], carol.unread())

    @defer.inlineCallbacks
    def test_every_kind_is_done_once(self) -> Generator[Any, Any, None]:
        """``/me``, ``/say``, ``//text``, ``/reply``, ``/thread``, ``/edit``,
        ``/react``, ``/paste``, each twice with one key: carol (rich) gets
        each event once, and both ACKs are equal, naming its id."""
        _alice, bob, carol = yield self.rich_room()
        first = yield self.said(bob, carol, "the first")
        lines = {
            "edit": f"/edit {first} the first, edited",
            "react": f"/react {first} 👍",
            "reply": f"/reply {first} an answer",
            "thread": f"/thread {first} in a thread",
            "me": "/me waves",
            "say": "/say tea hello",
            "slash": "//shrug",
            "paste": r"/paste one\ntwo",
        }
        for key, line in lines.items():
            bob.say(f"/txn {key} {line}")
            ack = yield self.expect(bob, f"ACK {key} tea ")
            event = yield self.expect(carol, "@")
            self.assertEqual(ack.split(" ")[3], id_of(event), (line, event))
            bob.say(f"/txn {key} {line}")
            self.assertEqual((yield self.expect(bob, f"ACK {key} ")), ack)
        bob.say("/txn last the last")  # the repeats brought carol nothing
        self.assertTrue((yield self.expect(carol, "@")).endswith(" the last"))

    @defer.inlineCallbacks
    def test_a_key_reused_for_another_line_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """The key with other words, as ``/me``, or to another room is
        ``TXN_REUSED`` naming the key, and nothing is said; the key still
        answers its own words."""
        _alice, bob, carol = yield self.rich_room()
        bob.say("/txn KEY1 hello")
        ack = yield self.expect(bob, "ACK KEY1 tea ")
        yield self.expect(carol, "@")
        for other in ("/txn KEY1 goodbye", "/txn KEY1 /me hello"):
            reply = yield self.refusal(bob, other, "TXN_REUSED")
            self.assertIn("KEY1", reply)
        bob.say("/txn KEY1 hello")
        self.assertEqual((yield self.expect(bob, "ACK ")), ack)
        bob.say("after")
        self.assertTrue((yield self.expect(carol, "@")).endswith(" after"))

    @defer.inlineCallbacks
    def test_bad_keys_and_lines_are_bad_args(self) -> Generator[Any, Any, None]:
        """A key of 65 characters, ``a;b``, ``clé``, no line, a line no key
        carries, ``/txn`` alone: ``BAD_ARGS``; a 64-character key is
        accepted."""
        _alice, bob, _carol = yield self.rich_room()
        for line in (
            f"/txn {'k' * 65} hi",
            "/txn a;b hi",
            "/txn clé hi",
            "/txn K",
            "/txn K /join tea",
            "/txn K /topic x",
            "/txn",
        ):
            yield self.refusal(bob, line, "BAD_ARGS")
        bob.say(f"/txn {'k' * 64} long key")
        yield self.expect(bob, f"ACK {'k' * 64} tea ")

    @defer.inlineCallbacks
    def test_a_refused_line_keeps_no_key(self) -> Generator[Any, Any, None]:
        """``BAD_TEXT`` keeps no key: the key with good words is done."""
        _alice, bob, carol = yield self.rich_room()
        yield self.refusal(bob, "/txn K3 /say tea bad\x07words", "BAD_TEXT")
        bob.say("/txn K3 /say tea good words")
        yield self.expect(bob, "ACK K3 tea ")
        self.assertTrue((yield self.expect(carol, "@")).endswith(" good words"))

    @defer.inlineCallbacks
    def test_two_senders_keys_never_meet(self) -> Generator[Any, Any, None]:
        """alice's K and bob's K with the same words are two messages."""
        alice, bob, carol = yield self.rich_room()
        alice.say("/txn K same words")
        first = yield self.expect(alice, "ACK K tea ")
        bob.say("/txn K same words")
        second = yield self.expect(bob, "ACK K tea ")
        self.assertNotEqual(first, second)
        yield self.expect(carol, "@")
        yield self.expect(carol, "@")

    @defer.inlineCallbacks
    def test_a_repeat_after_leaving_the_room_is_answered(
        self,
    ) -> Generator[Any, Any, None]:
        """The room left since (bob is in cake now), the key still answers
        its first ACK; a key never used is refused as /say is."""
        _alice, bob, _carol = yield self.rich_room()
        bob.say("/txn left1 before I go")
        ack = yield self.expect(bob, "ACK left1 tea ")
        bob.say("/create cake")
        yield self.expect(bob, "MEMBERS cake")
        bob.say("/txn left1 /say tea before I go")
        self.assertEqual((yield self.expect(bob, "ACK ")), ack)
        yield self.refusal(bob, "/txn new1 /say tea hello", "NOT_IN_ROOM")
        bob.say("/leave cake")  # in no room: the lobby
        yield self.expect(bob, "ROOMS ")
        bob.say("/txn left1 /say tea before I go")
        self.assertEqual((yield self.expect(bob, "ACK ")), ack)
        yield self.refusal(bob, "/txn new2 /say tea hello", "NOT_IN_ROOM")

    @defer.inlineCallbacks
    def test_a_plain_names_private_message_is_told_once(
        self,
    ) -> Generator[Any, Any, None]:
        """Between plain names nothing is kept but the key: alice's keyed
        ``/msg bob`` is ``ACK K @bob -`` twice, and bob hears it once."""
        alice, bob, _carol = yield self.rich_room()
        alice.say("/txn pm1 /msg bob psst")
        ack = yield self.expect(alice, "ACK pm1 ")
        self.assertEqual(ack, "ACK pm1 @bob -")
        self.assertTrue((yield self.expect(bob, "PRIVMSG alice bob ")).endswith("psst"))
        alice.say("/txn pm1 /msg bob psst")
        self.assertEqual((yield self.expect(alice, "ACK pm1 ")), ack)
        alice.say("/msg bob after")
        after = yield self.expect(bob, "PRIVMSG alice bob ")
        self.assertTrue(after.endswith(" after"), after)

    @defer.inlineCallbacks
    def test_a_keyed_message_to_one_who_ignores_its_sender(
        self,
    ) -> Generator[Any, Any, None]:
        """bob's account ignores alice: her keyed ``/msg bob`` is answered
        ``ACK K @bob -`` as if told, and its repeat alike; the key is
        kept (another line with it is ``TXN_REUSED``); bob hears none of
        it, and her next message once he no longer ignores her."""
        alice, bob, _carol = yield self.rich_room()
        bob.say("/register a-long-enough-password")
        yield self.expect(bob, "REGISTERED bob")
        bob.say("/ignore alice")
        yield self.expect(bob, "IGNORED alice")
        alice.say("/txn pm2 /msg bob psst")
        ack = yield self.expect(alice, "ACK pm2 ")
        self.assertEqual(ack, "ACK pm2 @bob -")
        alice.say("/txn pm2 /msg bob psst")
        self.assertEqual((yield self.expect(alice, "ACK pm2 ")), ack)
        yield self.refusal(alice, "/txn pm2 /msg bob other words", "TXN_REUSED")
        bob.say("/unignore alice")
        yield self.expect(bob, "UNIGNORED alice")
        alice.say("/msg bob after")
        after = yield self.expect(bob, "@")
        self.assertTrue(after.endswith(" after"), after)
        self.assertEqual([line for line in bob.lines if "psst" in line], [])


class KeyedTellContract(PremisesBase):
    """A keyed private message between plain names, kept nowhere but its
    key, as the core decides it (:func:`told_once`): one change of the
    sender's keys, told and its key kept by the back-end's ``apply`` in
    one step, or neither."""

    #: alice's key ``pm1``, as ``/txn pm1 /msg bob psst`` decides it (its
    #: line's fingerprint: a hash, as :func:`transactions.asked` makes it).
    KEYED = KeyUnused("~alice", "pm1", "5eed0f1a", "@bob", 0.0)

    def told(self, session: str, text: str = "psst") -> DecidedChange:
        """alice's keyed message to bob, told to bob's session ``session``."""
        said = PrivateMessage("alice", "bob", "2026-11-26 10:00:00", text)
        return told_once(self.KEYED, Target("bob", session=session), said)

    def record(self) -> defer.Deferred[Any]:
        """What alice's key ``pm1`` did, as kept (None: nothing)."""
        read = self.core().backend.messages.key_record("~alice", "pm1", "@bob")
        return self.done(read)

    @defer.inlineCallbacks
    def test_told_once_and_its_repeat_answered_from_its_key(
        self,
    ) -> Generator[Any, Any, None]:
        """Applied, bob is told it and the key is kept with no id; applied
        again, it is the key's record (:class:`KeyDoneError`), and bob is
        told nothing more: the next line he hears is alice's plain one."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        token = self.seat("bob")[1].token
        yield self.done(self.core().backend.apply(self.told(token)))
        heard = yield self.expect(bob, "PRIVMSG alice bob ")
        self.assertTrue(heard.endswith(" psst"), heard)
        record = yield self.record()
        self.assertEqual(
            (record.line, record.target, record.id), (self.KEYED.line, "@bob", "")
        )
        again = self.done(self.core().backend.apply(self.told(token, "psst again")))
        done = yield self.assertFailure(again, KeyDoneError)
        self.assertEqual(done.record.target, "@bob")
        self.assertEqual(done.record.id, "")
        alice.say("/msg bob after")
        after = yield self.expect(bob, "PRIVMSG alice bob ")
        self.assertTrue(after.endswith(" after"), after)

    @defer.inlineCallbacks
    def test_to_a_session_gone_it_is_no_such_user_and_keeps_no_key(
        self,
    ) -> Generator[Any, Any, None]:
        """Decided on bob's session, applied once he has quit and come back
        on another: ``NO_SUCH_USER``, the new bob told nothing, the key not
        kept; decided again on his session now, he is told it once."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        gone = self.seat("bob")[1].token
        bob.say("/quit")
        yield self.expect(alice, "PART tea bob")
        bob = yield self.connect("bob")
        applying = self.done(self.core().backend.apply(self.told(gone)))
        refused = yield self.assertFailure(applying, ChatError)
        self.assertEqual(refused.code, "NO_SUCH_USER")
        self.assertIsNone((yield self.record()))
        now = self.seat("bob")[1].token
        yield self.done(self.core().backend.apply(self.told(now, "now")))
        heard = yield self.expect(bob, "PRIVMSG alice bob ")
        self.assertTrue(heard.endswith(" now"), heard)
        alice.say("/msg bob after")
        after = yield self.expect(bob, "PRIVMSG alice bob ")
        self.assertTrue(after.endswith(" after"), after)
