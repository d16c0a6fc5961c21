"""Device sessions on every back-end: ``/session new``, ``/session TOKEN``,
``/session end`` at the line door, each token kept only as its hash with
the accounts (:mod:`chatroom.core.accounts.sign_in_tokens`), and ended by
everything that should end it: ``/session end``, ``/logout ID`` of its
device, ``/password``, a reset, ``/unregister``, ``/delete-account``, and
30 days unused on the server's clock.

It runs against the in-process back-end on a SQLite file
(``tests/backends/local/test_sign_in_tokens.py``) and the Redis one on a
real redis-server (``tests/backends/redis/test_sign_in_tokens.py``); each
gives :meth:`SignInTokensContract.restarted`, a new server on the same
store, and :meth:`SignInTokensContract.later`, which moves the server's
clock on.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.sign_in_tokens import UNUSED_SECONDS, token_hash
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import FIRST, SECOND, AccountsBase
from tests.backends.contracts.handler import User
from tests.support import FakeClient

#: How a token is shown: 43 characters of base64url.
SHOWN = re.compile(r"^[A-Za-z0-9_-]{43}$")
DAY = 24 * 3600


class SignInTokensContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server``,
    :meth:`restarted` and :meth:`later`."""

    def restarted(self) -> defer.Deferred[DoorHub]:
        """A new server on the same store, as after a restart."""
        raise NotImplementedError

    def later(self, seconds: float) -> None:
        """The server's clock moves ``seconds`` on."""
        raise NotImplementedError

    @defer.inlineCallbacks
    def made(self, user: User) -> Generator[Any, Any, str]:
        """``user``'s ``/session new``: the token, shown as it must be."""
        user.say("/session new")
        line = yield self.expect(user, "SESSION ")
        _, token, seconds = line.split(" ")
        self.assertRegex(token, SHOWN)
        self.assertEqual(int(seconds), UNUSED_SECONDS)
        return token

    @defer.inlineCallbacks
    def device(self, said: str, name: str = "alice") -> Generator[Any, Any, User]:
        """A new connection signed in by ``said`` (``/login ...``,
        ``/session TOKEN``) to ``name``, its room list read."""
        user = User(FakeClient(self.server))
        user.say(said)
        yield self.expect(user, f"WELCOME {name}")
        yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def with_token(self, token: str) -> Generator[Any, Any, str]:
        """A new connection's ``/session TOKEN``: ``WELCOME`` or the code."""
        line = yield self.first_answer(f"/session {token}")
        return line.split(" ")[1] if line.startswith("ERR ") else "WELCOME"

    @defer.inlineCallbacks
    def devices(self, user: User) -> Generator[Any, Any, list[list[str]]]:
        """``/devices``: each ``DEVICE`` line's fields after the word."""
        user.say("/devices")
        rows: list[list[str]] = []
        while True:
            line = yield self.expect(user, "DEVICE")
            if line.startswith("DEVICES_END "):
                return rows
            rows.append(line.split(" ")[1:])

    # -- made and used -------------------------------------------------------------

    @defer.inlineCallbacks
    def test_a_token_signs_in_as_login_does(self) -> Generator[Any, Any, None]:
        """``/session new`` answers a token once; a new connection's
        ``/session TOKEN`` is welcomed as alice, one more of her devices in
        ``/devices`` (with its door); the store keeps the token's hash
        with the account, never the token."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        page = yield self.device(f"/session {token}")
        rows = yield self.devices(page)
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual([row[1] for row in rows], ["line", "line"])
        self.assertEqual(rows[1][3:], ["current"])
        store = self.accounts.store
        kept = yield defer.ensureDeferred(store.sign_in_token(token_hash(token)))
        self.assertIn('"account":"alice"', kept)
        self.assertNotIn(token, kept)
        self.assertEqual((yield defer.ensureDeferred(store.sign_in_token(token))), "")
        self.assertEqual((yield self.with_token(token)), "WELCOME")

    @defer.inlineCallbacks
    def test_wrong_and_misplaced(self) -> Generator[Any, Any, None]:
        """A token nobody was given is ``BAD_TOKEN``; ``/session TOKEN``
        once named is ``NOT_ALLOWED``, ``/session new`` before a name
        ``NO_NAME``, and ``/session`` alone ``BAD_ARGS``."""
        self.assertEqual((yield self.with_token("x" * 43)), "BAD_TOKEN")
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        yield self.refusal(alice, f"/session {token}", "NOT_ALLOWED")
        yield self.refusal(alice, "/session", "BAD_ARGS")
        guest = User(FakeClient(self.server))
        yield self.refusal(guest, "/session new", "NO_NAME")

    @defer.inlineCallbacks
    def test_only_an_accounts_own_sign_in_makes_one(
        self,
    ) -> Generator[Any, Any, None]:
        """A plain name and a sign-in with an app password are
        ``NOT_ALLOWED`` to make one; a token's own sign-in may make the
        next, which replaces it."""
        bob = yield self.connect("bob")
        yield self.refusal(bob, "/session new", "NOT_ALLOWED")
        alice = yield self.registered("alice", FIRST)
        alice.say("/app-password add irssi")
        password = (yield self.expect(alice, "APP_PASSWORD irssi ")).split(" ")[2]
        client = yield self.device(f"/login alice {password}")
        refused = yield self.refusal(client, "/session new", "NOT_ALLOWED")
        self.assertIn("app password (irssi)", refused)
        first = yield self.made(alice)
        page = yield self.device(f"/session {first}")
        second = yield self.made(page)
        self.assertEqual((yield self.with_token(first)), "BAD_TOKEN")
        self.assertEqual((yield self.with_token(second)), "WELCOME")

    @defer.inlineCallbacks
    def test_it_outlives_a_restart(self) -> Generator[Any, Any, None]:
        """A token made before a restart signs in after it."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        self.server = yield self.restarted()
        self.assertEqual((yield self.with_token(token)), "WELCOME")

    @defer.inlineCallbacks
    def test_thirty_days_unused(self) -> Generator[Any, Any, None]:
        """Used within 30 days it goes on (each use counts from then);
        30 days unused, it is ``BAD_TOKEN``."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        self.later(29 * DAY)
        self.assertEqual((yield self.with_token(token)), "WELCOME")
        self.later(29 * DAY)
        self.assertEqual((yield self.with_token(token)), "WELCOME")
        self.later(30 * DAY + 1)
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")
        store = self.accounts.store
        kept = yield defer.ensureDeferred(store.sign_in_token(token_hash(token)))
        self.assertEqual(kept, "")

    # -- ended -----------------------------------------------------------------------

    @defer.inlineCallbacks
    def test_session_end(self) -> Generator[Any, Any, None]:
        """``/session end`` on the device that signed in with it: answered
        ``SESSION_ENDED``, the device stays signed in, the token is dead;
        another device's token lives on."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        other = yield self.made((yield self.device(f"/login alice {FIRST}")))
        page = yield self.device(f"/session {token}")
        page.say("/session end")
        yield self.expect(page, "SESSION_ENDED")
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")
        self.assertEqual((yield self.with_token(other)), "WELCOME")
        page.say("/devices")
        yield self.expect(page, "DEVICES_END ")

    @defer.inlineCallbacks
    def test_logout_of_its_device_ends_it(self) -> Generator[Any, Any, None]:
        """``/logout ID`` of the device that signed in with a token ends
        the token with the device; so does that of the device that made
        one."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        page = yield self.device(f"/session {token}")
        rows = yield self.devices(page)
        number = rows[-1][0]
        alice.say(f"/logout {number}")
        yield self.expect(alice, f"LOGGED_OUT {number}")
        yield self.expect(page, "BYE ")
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")
        laptop = yield self.device(f"/login alice {FIRST}")
        made = yield self.made(laptop)
        rows = yield self.devices(laptop)
        alice.say(f"/logout {rows[-1][0]}")
        yield self.expect(laptop, "BYE ")
        self.assertEqual((yield self.with_token(made)), "BAD_TOKEN")

    @defer.inlineCallbacks
    def test_logout_of_a_device_still_signing_in_ends_it(
        self,
    ) -> Generator[Any, Any, None]:
        """The page's sign-in with a token is still going on (its rooms not
        yet shown) when it is one of alice's devices, listed in her
        ``/devices``: her ``/logout`` of it there and then closes it and
        ends the token, as it would a moment later. (Across nodes the
        moment is long: the other node lists the device while this one
        still seats it.)"""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        devices = self.server.registry.devices
        counted = devices.counted
        raced: list[str] = []

        async def counting(member: Any) -> None:
            await counted(member)
            if not raced:  # the page's device is numbered and listed now
                rows = await self.devices(alice)
                raced.append(rows[-1][0])
                alice.say(f"/logout {raced[0]}")
                await self.expect(alice, f"LOGGED_OUT {raced[0]}")

        devices.counted = counting  # type: ignore[method-assign]
        self.addCleanup(setattr, devices, "counted", counted)
        page = User(FakeClient(self.server))
        page.say(f"/session {token}")
        yield self.expect(page, "BYE ")
        self.assertTrue(raced)
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")

    @defer.inlineCallbacks
    def test_a_new_password_ends_them_all(self) -> Generator[Any, Any, None]:
        """``/password`` ends every token of the account (the one of the
        device that changed it too); another account's lives on."""
        alice = yield self.registered("alice", FIRST)
        phone = yield self.made(alice)
        laptop = yield self.made((yield self.device(f"/login alice {FIRST}")))
        bob = yield self.registered("bob", FIRST)
        bobs = yield self.made(bob)
        alice.say(f"/password {FIRST} {SECOND}")
        yield self.expect(alice, "PASSWORD_CHANGED alice")
        for token in (phone, laptop):
            self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")
        self.assertEqual((yield self.with_token(bobs)), "WELCOME")

    @defer.inlineCallbacks
    def test_a_reset_ends_them(self) -> Generator[Any, Any, None]:
        """The operator's reset of the password ends every token."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        yield defer.ensureDeferred(self.reset_by_operator("alice", SECOND))
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")

    @defer.inlineCallbacks
    def test_an_account_given_up_takes_them(self) -> Generator[Any, Any, None]:
        """``/unregister`` ends every token; whoever registers the name
        next is not signed in by one; ``/delete-account`` likewise."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        alice.say(f"/unregister {FIRST}")
        yield self.expect(alice, "UNREGISTERED alice")
        alice.say(f"/register {SECOND}")
        yield self.expect(alice, "REGISTERED alice")
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")
        again = yield self.made(alice)
        alice.say(f"/delete-account {SECOND}")
        yield self.expect(alice, "ACCOUNT_DELETED alice")
        self.assertEqual((yield self.with_token(again)), "BAD_TOKEN")

    @defer.inlineCallbacks
    def test_ended_while_used(self) -> Generator[Any, Any, None]:
        """A sign-in with a token read it; before its use is kept, the
        device holding it ends it: decided again, ``BAD_TOKEN``, and the
        token is not kept again."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.made(alice)
        sign_ins = self.accounts.sign_ins

        async def ended() -> None:
            await sign_ins.end(alice.client.protocol, "alice")

        self.between(ended, sign_ins)
        self.assertEqual((yield self.with_token(token)), "BAD_TOKEN")
        kept = yield defer.ensureDeferred(
            self.accounts.store.sign_in_token(token_hash(token))
        )
        self.assertEqual(kept, "")
