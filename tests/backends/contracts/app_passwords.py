"""App passwords on every back-end: ``/app-password add|list|remove`` at the
line door, each kept as a hash in the account's record, written through
the back-end's one change of it resting on them as read
(:class:`~chatroom.core.model.changes.accounts.AppPasswordsAre`), so that two devices
adding the same label at once keep one.

An app password signs in at ``/login`` and nowhere that changes the
account: not ``/password``, ``/unregister`` or ``/delete-account``.

It runs against the in-process back-end on a SQLite file
(``tests/backends/local/test_app_passwords.py``) and the Redis one on a
real redis-server (``tests/backends/redis/test_app_passwords.py``); each
gives :meth:`AppPasswordsContract.restarted`, a new server on the same
store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.accountrecord import app_passwords_of
from chatroom.core.services.app_passwords import MOST_APP_PASSWORDS
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import FIRST, SECOND, AccountsBase
from tests.backends.contracts.handler import User
from tests.backends.contracts.oidc import ALICE, KeptTokens, with_provider
from tests.support import FakeClient

#: How an app password is shown: five dashed groups of four.
SHOWN = re.compile(r"[a-z2-9]{4}(-[a-z2-9]{4}){4}")


class AppPasswordsContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server`` and
    :meth:`restarted`."""

    def restarted(self) -> defer.Deferred[DoorHub]:
        """A new server on the same store, as after a restart."""
        raise NotImplementedError

    @defer.inlineCallbacks
    def added(self, user: User, label: str) -> Generator[Any, Any, str]:
        """``user`` makes an app password labelled ``label``: the password."""
        user.say(f"/app-password add {label}")
        line = yield self.expect(user, f"APP_PASSWORD {label} ")
        password = line.split(" ")[2]
        self.assertRegex(password, SHOWN)
        return password

    @defer.inlineCallbacks
    def listed(self, user: User) -> Generator[Any, Any, list[str]]:
        """``/app-password list``: the labels, in order."""
        user.say("/app-password list")
        labels: list[str] = []
        while True:
            line = yield self.expect(user, "APP_PASSWORD")
            if line.startswith("APP_PASSWORDS_END "):
                self.assertEqual(line, f"APP_PASSWORDS_END {len(labels)}")
                return labels
            event, label, made = line.split(" ")
            self.assertEqual(event, "APP_PASSWORD_MADE")
            self.assertRegex(made, r"^\d{4}-\d\d-\d\dT")
            labels.append(label)

    @defer.inlineCallbacks
    def test_an_app_password_signs_in_and_only_its_hash_is_kept(
        self,
    ) -> Generator[Any, Any, None]:
        """``/app-password add irssi`` answers a password once; it signs in
        at ``/login`` (typed in capitals, without its dashes, too), as
        does the account's own; the record keeps a hash, not the password;
        a wrong one in its shape is ``BAD_PASSWORD``."""
        alice = yield self.registered("alice", FIRST)
        password = yield self.added(alice, "irssi")
        self.assertEqual((yield self.sign_in("alice", password)), "WELCOME")
        typed = password.replace("-", "").upper()
        self.assertEqual((yield self.sign_in("alice", typed)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")
        wrong = password[:-1] + ("a" if password[-1] != "a" else "b")
        self.assertEqual((yield self.sign_in("alice", wrong)), "BAD_PASSWORD")
        account = yield defer.ensureDeferred(self.accounts.store.get("alice"))
        self.assertNotIn(password.replace("-", ""), account.app_passwords)
        [kept] = app_passwords_of(account)
        self.assertEqual((kept.label, kept.id), ("irssi", password[:4]))
        self.assertTrue(kept.hash.startswith("$argon2id$"), kept.hash)

    @defer.inlineCallbacks
    def test_an_app_password_changes_nothing_of_the_account(
        self,
    ) -> Generator[Any, Any, None]:
        """Signed in with it or not, an app password is ``BAD_PASSWORD`` to
        ``/password``, ``/unregister`` and ``/delete-account``."""
        yield self.registered("alice", FIRST)
        owner = User(FakeClient(self.server))
        owner.say(f"/login alice {FIRST}")
        yield self.expect(owner, "WELCOME alice")
        password = yield self.added(owner, "phone")
        yield self.refusal(owner, f"/password {password} {SECOND}", "BAD_PASSWORD")
        yield self.refusal(owner, f"/unregister {password}", "BAD_PASSWORD")
        yield self.refusal(owner, f"/delete-account {password}", "BAD_PASSWORD")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", password)), "WELCOME")

    @defer.inlineCallbacks
    def test_one_cannot_be_made_into_more(self) -> Generator[Any, Any, None]:
        """A session signed in with an app password lists them, but makes
        or removes none, and gives or removes no address (a reset's mail
        would go there): ``NOT_ALLOWED``; one signed in with the account's
        own password does."""
        alice = yield self.registered("alice", FIRST)
        password = yield self.added(alice, "irssi")
        client = User(FakeClient(self.server))
        client.say(f"/login alice {password}")
        yield self.expect(client, "WELCOME alice")
        self.assertEqual((yield self.listed(client)), ["irssi"])
        for line in (
            "/app-password add more",
            "/app-password remove irssi",
            "/email mallory@example.org",
            "/email remove",
        ):
            refused = yield self.refusal(client, line, "NOT_ALLOWED")
            self.assertIn("app password (irssi)", refused)
        owner = User(FakeClient(self.server))
        owner.say(f"/login alice {FIRST}")
        yield self.expect(owner, "WELCOME alice")
        yield self.added(owner, "more")

    @defer.inlineCallbacks
    def test_an_account_with_no_password_gets_its_clients_in(
        self,
    ) -> Generator[Any, Any, None]:
        """An account made by a sign-in through an OpenID provider has no
        password: the page, signed in with the provider's ticket, makes an
        app password, which signs a client in at ``/login``."""
        oidc = with_provider(self.server, KeptTokens())
        account = yield defer.ensureDeferred(oidc.signed_in(ALICE))
        page = User(FakeClient(self.server))
        page.say(f"/oidc {oidc.ticket(account)}")
        yield self.expect(page, f"WELCOME {account.name}")
        password = yield self.added(page, "terminal")
        self.assertEqual((yield self.sign_in(account.name, password)), "WELCOME")

    @defer.inlineCallbacks
    def test_listing_and_removing(self) -> Generator[Any, Any, None]:
        """``list`` names each by label, oldest first, never a password;
        ``remove`` ends one (it signs in no more; the other still does);
        a label kept already is ``NAME_TAKEN``, one not kept ``BAD_ARGS``."""
        alice = yield self.registered("alice", FIRST)
        self.assertEqual((yield self.listed(alice)), [])
        irssi = yield self.added(alice, "irssi")
        phone = yield self.added(alice, "phone")
        self.assertEqual((yield self.listed(alice)), ["irssi", "phone"])
        yield self.refusal(alice, "/app-password add irssi", "NAME_TAKEN")
        yield self.refusal(alice, "/app-password add two words", "BAD_ARGS")
        alice.say("/app-password remove irssi")
        yield self.expect(alice, "APP_PASSWORD_REMOVED irssi")
        yield self.refusal(alice, "/app-password remove irssi", "BAD_ARGS")
        self.assertEqual((yield self.listed(alice)), ["phone"])
        self.assertEqual((yield self.sign_in("alice", irssi)), "BAD_PASSWORD")
        self.assertEqual((yield self.sign_in("alice", phone)), "WELCOME")

    @defer.inlineCallbacks
    def test_a_plain_name_has_none(self) -> Generator[Any, Any, None]:
        """A name signed in to no account is ``NOT_ALLOWED``."""
        bob = yield self.connect("bob")
        yield self.refusal(bob, "/app-password add irssi", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_one_label_added_twice_at_once_is_kept_once(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``add irssi`` is decided on her app passwords as read;
        before it applies, her other device adds ``irssi`` too. Decided
        again: ``NAME_TAKEN``, and the other's password is the one kept."""
        alice = yield self.registered("alice", FIRST)
        other: list[str] = []

        async def meanwhile() -> None:
            other.append(await self.server.app_passwords.add("alice", "irssi"))

        self.between(meanwhile)
        yield self.refusal(alice, "/app-password add irssi", "NAME_TAKEN")
        self.assertEqual((yield self.listed(alice)), ["irssi"])
        self.assertEqual((yield self.sign_in("alice", other[0])), "WELCOME")

    @defer.inlineCallbacks
    def test_an_account_keeps_at_most_so_many(self) -> Generator[Any, Any, None]:
        alice = yield self.registered("alice", FIRST)
        for number in range(MOST_APP_PASSWORDS):
            yield defer.ensureDeferred(
                self.server.app_passwords.add("alice", f"app{number}")
            )
        yield self.refusal(alice, "/app-password add onemore", "BAD_ARGS")

    @defer.inlineCallbacks
    def test_kept_across_a_restart(self) -> Generator[Any, Any, None]:
        """After a restart the app password signs in and is listed."""
        alice = yield self.registered("alice", FIRST)
        password = yield self.added(alice, "weechat")
        self.server = yield self.restarted()
        self.assertEqual((yield self.sign_in("alice", password)), "WELCOME")
        owner = User(FakeClient(self.server))
        owner.say(f"/login alice {password}")
        yield self.expect(owner, "WELCOME alice")
        self.assertEqual((yield self.listed(owner)), ["weechat"])

    @defer.inlineCallbacks
    def test_the_export_names_them_by_label_only(
        self,
    ) -> Generator[Any, Any, None]:
        """``/export`` lists each by label and when it was made; neither
        the password nor its hash is in it."""
        alice = yield self.registered("alice", FIRST)
        password = yield self.added(alice, "irssi")
        archive = yield self.exported(alice)
        [listed] = json.loads(archive)["account"]["app_passwords"]
        self.assertEqual(sorted(listed), ["label", "made"])
        self.assertEqual(listed["label"], "irssi")
        text = archive.decode()
        for secret in (password, password.replace("-", ""), "argon2"):
            self.assertNotIn(secret, text)

    @defer.inlineCallbacks
    def test_they_go_with_the_account(self) -> Generator[Any, Any, None]:
        """Unregistered, the name registered again has none, and the old
        app password signs in to nothing."""
        alice = yield self.registered("alice", FIRST)
        password = yield self.added(alice, "irssi")
        alice.say(f"/unregister {FIRST}")
        yield self.expect(alice, "UNREGISTERED alice")
        alice.say(f"/register {SECOND}")
        yield self.expect(alice, "REGISTERED alice")
        self.assertEqual((yield self.listed(alice)), [])
        self.assertEqual((yield self.sign_in("alice", password)), "BAD_PASSWORD")
