"""An account's e-mail address and a password reset by mail, on every
back-end: ``/email``, ``/verify`` and ``/reset`` at the line door, the
account's mailbox written through the back-end's one change of its
record, resting on the mailbox as read (:class:`~chatroom.core.model.changes.
MailboxIs`), so that a code works once even when two devices (two
nodes) give it at the same moment.

The mail goes to :class:`KeptLetters`, which keeps each letter as a mail
server would: what the SMTP path does with a letter is
``tests/wiring/test_smtp.py``'s and ``tests/integration/test_email.py``'s,
with a real SMTP server.

It runs against the in-process back-end
(``tests/backends/local/test_mailbox.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_mailbox.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock

from chatroom.core.model.accountrecord import Mailbox, mailbox_of
from chatroom.core.model.codes import code_hash
from chatroom.core.model.letters import Letter
from chatroom.core.model.text import name_key
from chatroom.core.services.mailbox import MAILS_PER_HOUR, RESETS_PER_ADDRESS
from tests.backends.contracts.account_changes import (
    CONFIG,
    FIRST,
    SECOND,
    THIRD,
    AccountsBase,
)
from tests.backends.contracts.handler import User
from tests.push_endpoint import Subscriber
from tests.support import FakeClient


class KeptLetters:
    """A mailer whose mail server is a list: every letter is taken."""

    def __init__(self) -> None:
        self.letters: list[Letter] = []

    def send(self, letter: Letter) -> defer.Deferred[None]:
        self.letters.append(letter)
        return defer.succeed(None)

    def code(self) -> str:
        """The code in the newest letter."""
        found = re.search(r"/(?:verify|reset \S+) (\S+)", self.letters[-1].text)
        assert found is not None, self.letters[-1].text
        return found.group(1)


class AddressesBase(AccountsBase):
    """Accounts with a verified address: the helper of the contracts on mail."""

    @defer.inlineCallbacks
    def with_address(
        self, name: str, address: str, letters: KeptLetters
    ) -> Generator[Any, Any, User]:
        """``name`` registered, with ``address`` verified."""
        user = yield self.registered(name, FIRST)
        user.say(f"/email {address}")
        yield self.expect(user, f"EMAIL_PENDING {address}")
        user.say(f"/verify {letters.code()}")
        yield self.expect(user, f"EMAIL_VERIFIED {address}")
        return user


class MailboxContract(AddressesBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    def kept(self) -> KeptLetters:
        letters = KeptLetters()
        self.server.mailbox.mailer = letters
        return letters

    @defer.inlineCallbacks
    def mailbox(self, name: str) -> Generator[Any, Any, Mailbox]:
        """``name``'s mailbox as the back-end keeps it."""
        account = yield defer.ensureDeferred(self.accounts.store.get(name_key(name)))
        return mailbox_of(account)

    @defer.inlineCallbacks
    def test_an_address_is_kept_pending_then_verified(
        self,
    ) -> Generator[Any, Any, None]:
        """``/email ADDRESS`` keeps it pending, with the code's hash only;
        ``/verify CODE`` makes it verified and spends the code."""
        letters = self.kept()
        alice = yield self.registered("alice", FIRST)
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        code = letters.code()
        kept = yield self.mailbox("alice")
        self.assertEqual((kept.address, kept.verified), ("alice@example.org", False))
        self.assertEqual(kept.code, code_hash(code))
        account = yield defer.ensureDeferred(self.accounts.store.get("alice"))
        self.assertNotIn(code, account.mailbox)
        yield self.refusal(alice, "/verify ABCDEFGHJK", "BAD_CODE")
        alice.say(f"/verify {code}")
        yield self.expect(alice, "EMAIL_VERIFIED alice@example.org")
        alice.say("/email")
        yield self.expect(alice, "EMAIL alice@example.org verified")
        kept = yield self.mailbox("alice")
        self.assertEqual((kept.verified, kept.code), (True, ""))
        yield self.refusal(alice, f"/verify {code}", "BAD_CODE")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")

    @defer.inlineCallbacks
    def test_a_code_given_twice_at_once_works_once(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``/verify CODE`` is decided on the code being kept;
        before it applies, her other device verifies with the same code.
        Decided again on the mailbox as it is then: ``BAD_CODE``, and the
        address stays verified."""
        letters = self.kept()
        alice = yield self.registered("alice", FIRST)
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        code = letters.code()
        self.between(lambda: self.server.mailbox.verify("alice", code, "198.51.100.1"))
        yield self.refusal(alice, f"/verify {code}", "BAD_CODE")
        kept = yield self.mailbox("alice")
        self.assertTrue(kept.verified)

    @defer.inlineCallbacks
    def test_a_reset_code_sets_the_password_once(
        self,
    ) -> Generator[Any, Any, None]:
        """``/reset NAME`` mails a code to the verified address;
        ``/reset NAME CODE NEW`` sets the password (the old one no longer
        signs in), signs every device out and spends the code; an unknown
        name is answered the same and mails nothing."""
        letters = self.kept()
        alice = yield self.with_address("alice", "alice@example.org", letters)
        asker = User(FakeClient(self.server))
        asker.say("/reset nobody")
        yield self.expect(asker, "RESET_SENT nobody")
        self.assertEqual(len(letters.letters), 1)
        asker.say("/reset alice")
        yield self.expect(asker, "RESET_SENT alice")
        self.assertEqual(letters.letters[-1].to, "alice@example.org")
        code = letters.code()
        asker.say(f"/reset alice {code} {SECOND}")
        yield self.expect(asker, "PASSWORD_CHANGED alice")
        yield self.expect(alice, "BYE password reset")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "BAD_PASSWORD")
        yield self.refusal(asker, f"/reset alice {code} {THIRD}", "BAD_CODE")
        kept = yield self.mailbox("alice")
        self.assertEqual(
            (kept.address, kept.verified, kept.reset), ("alice@example.org", True, "")
        )

    @defer.inlineCallbacks
    def test_a_reset_ends_every_device_and_push_subscription(
        self,
    ) -> Generator[Any, Any, None]:
        """A reset by mail ends every device signed in to the account: one
        under its name, and one that took another name (``/nick``) and is
        signed in to it still; its push subscriptions are forgotten.
        Another account's device and subscription stay."""
        letters = self.kept()
        renamed = yield self.with_address("alice", "alice@example.org", letters)
        renamed.say("/nick alicia")
        yield self.expect(renamed, "NICK alice alicia")
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {FIRST}")
        yield self.expect(phone, "WELCOME alice")
        bob = yield self.registered("bob", FIRST)
        for account in ("alice", "bob"):
            subscriber = Subscriber(f"https://push.example/{account}")
            yield defer.ensureDeferred(
                self.notifications.subscribe(account, subscriber.subscription)
            )
        asker = User(FakeClient(self.server))
        asker.say("/reset alice")
        yield self.expect(asker, "RESET_SENT alice")
        asker.say(f"/reset alice {letters.code()} {SECOND}")
        yield self.expect(asker, "PASSWORD_CHANGED alice")
        yield self.expect(renamed, "BYE password reset")
        yield self.expect(phone, "BYE password reset")
        kept = yield defer.ensureDeferred(self.notifications.store.of(["alice", "bob"]))
        self.assertEqual(
            {account: len(each) for account, each in kept.items()}, {"bob": 1}
        )
        bob.say("/email")
        yield self.expect(bob, "EMAIL none")

    @defer.inlineCallbacks
    def test_mails_are_limited_per_account_and_resets_per_address(
        self,
    ) -> Generator[Any, Any, None]:
        """An account is mailed at most :data:`MAILS_PER_HOUR` an hour (its
        verification counts): past that a reset is answered the same and
        mailed nowhere, and its ``/email ADDRESS`` is ``RATE_LIMITED``. One
        address asks at most :data:`RESETS_PER_ADDRESS` resets an hour,
        whatever the names; another address still may."""
        letters = self.kept()
        alice = yield self.with_address("alice", "alice@example.org", letters)
        asker = User(FakeClient(self.server, host="198.51.100.7"))
        for _ in range(MAILS_PER_HOUR):
            asker.say("/reset alice")
            yield self.expect(asker, "RESET_SENT alice")
        self.assertEqual(len(letters.letters), MAILS_PER_HOUR)
        refused = yield self.refusal(alice, "/email alice@example.net", "RATE_LIMITED")
        self.assertIn("too many mails for this account", refused)
        alice.say("/email")
        yield self.expect(alice, "EMAIL alice@example.org verified")
        for _ in range(RESETS_PER_ADDRESS - MAILS_PER_HOUR):
            asker.say("/reset nobody")
            yield self.expect(asker, "RESET_SENT nobody")
        refused = yield self.refusal(asker, "/reset alice", "RATE_LIMITED")
        self.assertIn("too many resets from your address", refused)
        other = User(FakeClient(self.server, host="198.51.100.8"))
        other.say("/reset alice")
        yield self.expect(other, "RESET_SENT alice")
        self.assertEqual(len(letters.letters), MAILS_PER_HOUR)

    @defer.inlineCallbacks
    def test_a_reset_code_spent_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """Two resets with the same code at once: the first to apply sets
        its password; the other, decided again, is ``BAD_CODE``."""
        letters = self.kept()
        yield self.with_address("alice", "alice@example.org", letters)
        asker = User(FakeClient(self.server))
        asker.say("/reset alice")
        yield self.expect(asker, "RESET_SENT alice")
        code = letters.code()
        self.between(
            lambda: self.server.mailbox.reset("alice", code, THIRD, "198.51.100.1")
        )
        yield self.refusal(asker, f"/reset alice {code} {SECOND}", "BAD_CODE")
        self.assertEqual((yield self.sign_in("alice", THIRD)), "WELCOME")

    @defer.inlineCallbacks
    def test_the_export_holds_the_address_and_no_code(
        self,
    ) -> Generator[Any, Any, None]:
        """``/export`` holds the account's address and whether it is
        verified; neither a code mailed there nor its hash."""
        letters = self.kept()
        alice = yield self.with_address("alice", "alice@example.org", letters)
        asker = User(FakeClient(self.server))
        asker.say("/reset alice")
        yield self.expect(asker, "RESET_SENT alice")
        code = letters.code()
        archive = yield self.exported(alice)
        self.assertEqual(
            json.loads(archive)["account"]["email"],
            {"address": "alice@example.org", "verified": True},
        )
        for secret in (code, code_hash(code)):
            self.assertNotIn(secret, archive.decode())

    @defer.inlineCallbacks
    def test_an_address_goes_with_its_account(self) -> Generator[Any, Any, None]:
        """``/email remove`` forgets it; so does unregistering: the name
        registered again has none."""
        letters = self.kept()
        alice = yield self.with_address("alice", "alice@example.org", letters)
        alice.say("/email remove")
        yield self.expect(alice, "EMAIL none")
        self.assertEqual((yield self.mailbox("alice")), Mailbox())
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        alice.say(f"/unregister {FIRST}")
        yield self.expect(alice, "UNREGISTERED alice")
        alice.say(f"/register {SECOND}")
        yield self.expect(alice, "REGISTERED alice")
        alice.say("/email")
        yield self.expect(alice, "EMAIL none")

    @defer.inlineCallbacks
    def test_no_mail_server_is_said(self) -> Generator[Any, Any, None]:
        """Without ``--smtp``: ``EMAIL_PENDING``, then ``ERR MAIL_UNSENT``."""
        alice = yield self.registered("alice", FIRST)
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        refused = yield self.expect(alice, "ERR MAIL_UNSENT ")
        self.assertIn("no --smtp", refused)


#: A server with ``--require-email``.
REQUIRED = replace(CONFIG, require_email=True, verify_window=3600.0)


class RequiredEmailContract(AddressesBase):
    """``--require-email``; subclasses mix in a TestCase and provide a
    ``server`` configured with :data:`REQUIRED`."""

    @defer.inlineCallbacks
    def test_a_new_account_counts_once_it_verified_an_address(
        self,
    ) -> Generator[Any, Any, None]:
        """``REGISTERED``, then ``EMAIL_REQUIRED <name> <seconds>``; until
        an address is verified, signing in elsewhere is ``EMAIL_REQUIRED``
        (and ``/email remove`` does not lift it); then it signs in."""
        letters = KeptLetters()
        self.server.mailbox.mailer = letters
        alice = yield self.registered("alice", FIRST)
        required = yield self.expect(alice, "EMAIL_REQUIRED alice ")
        self.assertLessEqual(int(required.split(" ")[2]), 3600)
        self.assertGreater(int(required.split(" ")[2]), 3500)
        self.assertEqual((yield self.sign_in("alice", FIRST)), "EMAIL_REQUIRED")
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        alice.say("/email remove")
        yield self.expect(alice, "EMAIL none")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "EMAIL_REQUIRED")
        alice.say("/email alice@example.org")
        yield self.expect(alice, "EMAIL_PENDING alice@example.org")
        alice.say(f"/verify {letters.code()}")
        yield self.expect(alice, "EMAIL_VERIFIED alice@example.org")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")

    @defer.inlineCallbacks
    def test_an_unverified_account_goes_after_the_window(
        self,
    ) -> Generator[Any, Any, None]:
        """Past ``--verify-window``, an account that verified nothing is
        removed and its device closed; one that verified stays."""
        letters = KeptLetters()
        self.server.mailbox.mailer = letters
        alice = yield self.registered("alice", FIRST)
        yield self.with_verified("bob", letters)
        later = Clock()
        later.advance(self.server.clock.seconds() + 3601)
        self.server.mailbox.clock = later
        removed = yield defer.ensureDeferred(self.server.mailbox.remove_unverified())
        self.assertEqual(removed, 1)
        yield self.expect(alice, "BYE account removed: no e-mail address")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "NO_SUCH_ACCOUNT")
        self.assertEqual((yield self.sign_in("bob", FIRST)), "WELCOME")

    def with_verified(self, name: str, letters: KeptLetters) -> Any:
        return self.with_address(name, f"{name}@example.org", letters)
