"""Mail for what an account missed, on every back-end: mentions and private
messages reaching an account with a verified address while none of its
devices is active, mailed as one digest after the rule's wait, on the
rule's clock (:mod:`chatroom.core.accounts.missed_mail`).

The mail goes to :class:`~tests.backends.contracts.mailbox.KeptLetters`;
what the SMTP path does with a digest is
``tests/wiring/test_missed_mail.py``'s, with a real SMTP server.

It runs against the in-process back-end
(``tests/backends/local/test_missed_mail.py``, everything on one
``task.Clock``) and the Redis one on a real redis-server
(``tests/backends/redis/test_missed_mail.py``: the registry on the
reactor, the rule on a ``task.Clock`` of its own).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.missed_mail import GATHER, LISTED, MissedMail
from chatroom.core.model.letters import Letter, Mailer
from tests.backends.contracts.account_changes import CONFIG as ACCOUNTS
from tests.backends.contracts.account_changes import FIRST
from tests.backends.contracts.handler import User
from tests.backends.contracts.mailbox import AddressesBase, KeptLetters
from tests.support import FakeClient, chat_core

#: No connection times out while the clock runs through the idle minutes.
CONFIG = replace(
    ACCOUNTS, rooms=("tea",), login_timeout=1e6, ping_interval=1e6, mail_idle=30.0
)
#: ``--mail-idle`` in seconds.
IDLE = CONFIG.mail_idle * 60


class MissedMailContract(AddressesBase):
    """Subclasses mix in a TestCase, provide ``server`` (with
    :data:`CONFIG`) and :meth:`pass_time`."""

    def pass_time(self, seconds: float) -> None:
        """Let ``seconds`` pass on the rule's clock."""
        raise NotImplementedError

    @property
    def missed(self) -> MissedMail:
        return chat_core(self.server).missed_mail

    #: What the server was built to mail with (its letters are read).
    mail_sender: Mailer | None

    def mailer(self) -> KeptLetters:
        assert isinstance(self.mail_sender, KeptLetters)
        return self.mail_sender

    @defer.inlineCallbacks
    def mailable(
        self, name: str, letters: KeptLetters, room: str = "tea"
    ) -> Generator[Any, Any, User]:
        """``name`` registered, with a verified address, in ``room``."""
        user = yield self.with_address(name, f"{name}@example.org", letters)
        user.say(f"/join {room}")
        yield self.expect(user, f"MEMBERS {room} ")
        return user

    @defer.inlineCallbacks
    def away(self, *users: User) -> Generator[Any, Any, None]:
        """Each of ``users`` quits; ``--mail-idle`` passes; which accounts
        have a verified address is read again."""
        for user in users:
            user.say("/quit")
        yield self.wait()
        self.pass_time(IDLE + 1)
        yield defer.ensureDeferred(self.missed.refresh())

    @defer.inlineCallbacks
    def mailed(
        self, letters: KeptLetters, before: int, count: int = 1
    ) -> Generator[Any, Any, list[Letter]]:
        """The letters after the first ``before``, once there are ``count``."""
        for _ in range(200):
            if len(letters.letters) >= before + count:
                break
            yield self.wait()
        yield self.wait()
        return letters.letters[before:]

    @defer.inlineCallbacks
    def said(self, user: User, room: str, *texts: str) -> Generator[Any, Any, None]:
        """``user`` says ``texts`` in ``room``, each looked at by the rule."""
        for text in texts:
            yield self.looked_at(lambda text=text: user.say(text))
            yield self.expect(user, f"MSG {room} ")

    @defer.inlineCallbacks
    def looked_at(self, saying: Any) -> Generator[Any, Any, None]:
        """Call ``saying``, then wait until the rule has looked at the
        message it sends all the way (held or not)."""
        before = self.missed.considered
        saying()
        for _ in range(200):
            if self.missed.considered > before:
                return
            yield self.wait()
        raise AssertionError("the rule never looked at the message")

    @defer.inlineCallbacks
    def test_missed_mentions_arrive_as_one_mail(self) -> Generator[Any, Any, None]:
        """alice is away; bob mentions her ten times: nothing before the
        rule's wait, then one mail to her verified address listing all
        ten; nothing more after."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        yield self.away(alice)
        before = len(letters.letters)
        yield self.said(bob, "tea", *(f"alice: question {n}" for n in range(10)))
        self.pass_time(GATHER - 1)
        self.assertEqual((yield self.mailed(letters, before, 0)), [])
        self.pass_time(2)
        [letter] = yield self.mailed(letters, before)
        self.assertEqual(letter.to, "alice@example.org")
        self.assertEqual(letter.subject, "10 messages you missed on chatroom")
        for n in range(10):
            self.assertIn(f"bob in tea: alice: question {n}\n", letter.text)
        self.assertIn("/set mail off", letter.text)
        self.pass_time(IDLE + GATHER)
        self.assertEqual(len((yield self.mailed(letters, before, 2))), 1)

    @defer.inlineCallbacks
    def test_not_while_a_device_is_active(self) -> Generator[Any, Any, None]:
        """alice's device is active: bob's mention mails nothing. Once it
        has been idle for ``--mail-idle``, the next mention is mailed,
        alone."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        yield defer.ensureDeferred(self.missed.refresh())
        before = len(letters.letters)
        yield self.said(alice, "tea", "here I am")
        yield self.said(bob, "tea", "alice: seen this?")
        self.pass_time(GATHER + 1)
        self.assertEqual((yield self.mailed(letters, before, 0)), [])
        self.pass_time(IDLE)
        yield self.said(bob, "tea", "alice: and this?")
        self.pass_time(GATHER + 1)
        [letter] = yield self.mailed(letters, before)
        self.assertEqual(letter.subject, "You were mentioned on chatroom")
        self.assertIn("alice: and this?", letter.text)
        self.assertNotIn("seen this", letter.text)

    @defer.inlineCallbacks
    def test_a_device_back_in_time_drops_what_was_held(
        self,
    ) -> Generator[Any, Any, None]:
        """alice is away when bob mentions her, but signs in and speaks
        before the mail goes: it does not go."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        yield self.away(alice)
        before = len(letters.letters)
        yield self.said(bob, "tea", "alice: are you there?")
        self.pass_time(GATHER / 2)
        back = User(FakeClient(self.server))
        back.say(f"/login alice {FIRST}")
        yield self.expect(back, "WELCOME alice")
        back.say("/join tea")
        yield self.expect(back, "MEMBERS tea ")
        yield self.said(back, "tea", "I am now")
        self.pass_time(GATHER)
        self.assertEqual((yield self.mailed(letters, before, 0)), [])

    @defer.inlineCallbacks
    def test_not_with_mail_off(self) -> Generator[Any, Any, None]:
        """``/set mail off``: alice is mailed nothing; carol, named in the
        same messages, is; ``/set mail on`` again mails alice too."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        carol = yield self.mailable("carol", letters)
        alice.say("/set mail off")
        yield self.expect(alice, "MAIL off")
        yield self.away(alice, carol)
        before = len(letters.letters)
        yield self.said(bob, "tea", "alice carol: lunch?")
        self.pass_time(GATHER + 1)
        [letter] = yield self.mailed(letters, before)
        self.assertEqual(letter.to, "carol@example.org")
        self.assertEqual(len((yield self.mailed(letters, before, 2))), 1)
        back = User(FakeClient(self.server))
        back.say(f"/login alice {FIRST}")
        yield self.expect(back, "WELCOME alice")
        back.say("/set mail on")
        yield self.expect(back, "MAIL on")
        yield self.away(back)
        yield self.said(bob, "tea", "alice: now?")
        self.pass_time(GATHER + 1)
        letter = (yield self.mailed(letters, before, 2))[-1]
        self.assertEqual(letter.to, "alice@example.org")

    @defer.inlineCallbacks
    def test_a_muted_room_mails_nothing_but_private_messages_do(
        self,
    ) -> Generator[Any, Any, None]:
        """``/notify tea none``: mentions in tea are not mailed; a private
        message is, as one; a plain name's ``/set mail`` is NOT_ALLOWED."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        alice.say("/notify tea none")
        yield self.expect(alice, "NOTIFY tea none")
        yield self.away(alice)
        before = len(letters.letters)
        yield self.said(bob, "tea", "alice: muted?")
        self.pass_time(GATHER + 1)
        self.assertEqual((yield self.mailed(letters, before, 0)), [])
        yield self.looked_at(lambda: bob.say("/msg alice a word in private"))
        self.pass_time(GATHER + 1)
        [letter] = yield self.mailed(letters, before)
        self.assertIn("bob, privately: a word in private", letter.text)
        plain = yield self.connect("dora")
        yield self.refusal(plain, "/set mail off", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_only_a_verified_address_is_mailed(self) -> Generator[Any, Any, None]:
        """An address still pending is mailed nothing."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.registered("alice", FIRST)
        alice.say("/join tea")
        yield self.expect(alice, "MEMBERS tea ")
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        yield self.away(alice)
        before = len(letters.letters)
        yield self.said(bob, "tea", "alice: pending?")
        self.pass_time(GATHER + 1)
        self.assertEqual((yield self.mailed(letters, before, 0)), [])

    @defer.inlineCallbacks
    def test_a_long_absence_is_one_mail_per_idle_time(
        self,
    ) -> Generator[Any, Any, None]:
        """Mentions keep coming after the first mail: the next one goes
        ``--mail-idle`` after it, holding all of them (at most
        :data:`LISTED` listed, and how many more)."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        yield self.away(alice)
        before = len(letters.letters)
        yield self.said(bob, "tea", "alice: one")
        self.pass_time(GATHER + 1)
        yield self.mailed(letters, before)
        yield self.said(bob, "tea", *(f"alice: {n}" for n in range(LISTED + 5)))
        self.pass_time(IDLE - 2)
        self.assertEqual(len((yield self.mailed(letters, before, 1))), 1)
        self.pass_time(2)
        [_, letter] = yield self.mailed(letters, before, 2)
        self.assertIn("... and 5 more", letter.text)
        self.assertEqual(
            letter.subject, f"{LISTED + 5} messages you missed on chatroom"
        )
