"""Registering, changing a password, resetting one, unregistering and
keeping push subscriptions, as the core decides them, on every back-end.

The core reads the account, decides (the name free, the password rule,
the old password right) and hands the back-end one change of the
account's record with its premises (:mod:`chatroom.core.accounts.accounts`:
the name still unregistered, the password hash still the one checked),
or of its push subscriptions (:mod:`chatroom.core.accounts.push`: fewer than the
most, the one to forget still kept).
:class:`AccountChangesContract` runs each of those rules through a
back-end and, for each kind of change, a premise that fails between the
core's read and the back-end's apply: the test changes the account in
between (the name registered by someone else, its password changed by
another device, the account gone, a subscription added or forgotten by
another device), and the user sees the decision made again on the
account as it is then.

It runs against the in-process back-end
(``tests/backends/local/test_account_changes.py``) and the Redis one on a
real redis-server (``tests/backends/redis/test_account_changes.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from chatroom.core.accounts.push import MOST_SUBSCRIPTIONS, Notifications, Subscription
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.services.accounts import AccountService
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient, chat_core, kept_account

CONFIG = ServerConfig(rate=0, rooms=())

FIRST, SECOND, THIRD = "first-password", "second-password", "third-password"
ADDRESS = "192.0.2.7"


class AccountsBase(ContractBase):
    """Users with accounts: the helpers of the contracts on accounts."""

    @property
    def accounts(self) -> AccountService:
        return self.server.registry.accounts

    @property
    def notifications(self) -> Notifications:
        return chat_core(self.server).notifications

    def between(
        self, racing: Callable[[], Awaitable[object]], service: Any = None
    ) -> None:
        """Run ``racing`` once, between the core's read of an account and
        the back-end's apply of the next change of one (of its record, as
        the account service hands it to the back-end, or as ``service``
        does, the push notifications): what the change rests on moves
        under it."""
        applier = service or self.accounts
        apply = applier.apply
        raced: list[bool] = []

        async def applying(change: Any) -> None:
            if not raced:
                raced.append(True)
                await racing()
            await apply(change)

        applier.apply = applying
        self.addCleanup(setattr, applier, "apply", apply)

    async def reset_by_operator(self, name: str, password: str) -> None:
        """The operator resets account ``name``'s password (chatroom-admin's
        ``accounts reset-password``)."""
        operator = operating.operator(self.server.config)
        await operating.reset_password(self.server.registry, operator, name, password)

    @defer.inlineCallbacks
    def registered(self, name: str, password: str) -> Generator[Any, Any, User]:
        """``name`` connects and registers with ``password``."""
        user = yield self.connect(name)
        user.say(f"/register {password}")
        yield self.expect(user, f"REGISTERED {name}")
        return user

    @defer.inlineCallbacks
    def exported(self, user: User) -> Generator[Any, Any, bytes]:
        """``user``'s ``/export``: the archive its link hands out."""
        self.server.http_url = "https://chat.example.org"
        user.say("/export")
        token = (yield self.expect(user, "EXPORT ")).split()[1].rsplit("/", 1)[1]
        archive: bytes = yield defer.Deferred.fromCoroutine(
            self.server.registry.users.take_export(token)
        )
        return archive

    @defer.inlineCallbacks
    def sign_in(self, name: str, password: str) -> Generator[Any, Any, str]:
        """A new connection's ``/login``: ``WELCOME`` or the refusal's code."""
        line = yield self.first_answer(f"/login {name} {password}")
        return line.split(" ")[1] if line.startswith("ERR ") else "WELCOME"

    @defer.inlineCallbacks
    def first_answer(self, said: str) -> Generator[Any, Any, str]:
        """A new connection says ``said``: its ``WELCOME`` or ``ERR`` line."""
        user = User(FakeClient(self.server))
        user.say(said)
        for _ in range(500):
            for prefix in ("WELCOME ", "ERR "):
                line = user.take(prefix)
                if line is not None:
                    return line
            yield self.wait()
        raise AssertionError(f"no answer to {said.split()[0]}; unread: {user.unread()}")


class AccountChangesContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    # -- the rules --------------------------------------------------------------

    @defer.inlineCallbacks
    def test_a_registered_name_is_refused(self) -> Generator[Any, Any, None]:
        """A newcomer's ``/register alice ...`` for alice's account is
        ``NAME_REGISTERED``; alice's password still signs in, the
        newcomer's does not."""
        yield self.registered("alice", FIRST)
        newcomer = User(FakeClient(self.server))
        yield self.refusal(newcomer, f"/register alice {SECOND}", "NAME_REGISTERED")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "BAD_PASSWORD")

    @defer.inlineCallbacks
    def test_a_new_password_signs_in_and_the_old_no_more(
        self,
    ) -> Generator[Any, Any, None]:
        """``/password OLD NEW``: ``PASSWORD_CHANGED``; the new one signs
        in, the old one is ``BAD_PASSWORD``; a wrong old one changes
        nothing; a new one too short is ``BAD_ARGS``."""
        alice = yield self.registered("alice", FIRST)
        yield self.refusal(alice, f"/password {THIRD} {SECOND}", "BAD_PASSWORD")
        yield self.refusal(alice, f"/password {FIRST} short", "BAD_ARGS")
        alice.say(f"/password {FIRST} {SECOND}")
        yield self.expect(alice, "PASSWORD_CHANGED alice")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "BAD_PASSWORD")

    @defer.inlineCallbacks
    def test_an_unregistered_name_is_free(self) -> Generator[Any, Any, None]:
        """``/unregister`` with a wrong password changes nothing; with the
        right one the account is gone (``NO_SUCH_ACCOUNT``), and the name
        can be registered again, with another password."""
        alice = yield self.registered("alice", FIRST)
        yield self.refusal(alice, f"/unregister {SECOND}", "BAD_PASSWORD")
        alice.say(f"/unregister {FIRST}")
        yield self.expect(alice, "UNREGISTERED alice")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "NO_SUCH_ACCOUNT")
        alice.say(f"/register {SECOND}")
        yield self.expect(alice, "REGISTERED alice")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "WELCOME")

    @defer.inlineCallbacks
    def devices(self) -> Generator[Any, Any, tuple[User, User, User, User]]:
        """alice registered on one device, which then took ``alicia`` with
        ``/nick`` (signed in to alice still); a laptop and a phone signed in
        to alice under her name (one seat, two devices); bob registered."""
        renamed = yield self.registered("alice", FIRST)
        renamed.say("/nick alicia")
        yield self.expect(renamed, "NICK alice alicia")
        laptop, phone = User(FakeClient(self.server)), User(FakeClient(self.server))
        for device in (laptop, phone):
            device.say(f"/login alice {FIRST}")
            yield self.expect(device, "WELCOME alice")
        bob = yield self.registered("bob", FIRST)
        return laptop, phone, renamed, bob

    @defer.inlineCallbacks
    def still_here(self, user: User) -> Generator[Any, Any, None]:
        """``user`` was told no ``BYE``, is still connected and answers."""
        user.say("/list")
        yield self.expect(user, "ROOMS ")
        self.assertFalse([line for line in user.lines if line.startswith("BYE")])
        self.assertFalse(user.client.closing)

    @defer.inlineCallbacks
    def test_unregistering_ends_the_accounts_other_devices(
        self,
    ) -> Generator[Any, Any, None]:
        """``/unregister`` on the laptop: the phone beside it (the same
        seat) and the device gone by ``alicia`` are told ``BYE account
        alice deleted``; the laptop is answered ``UNREGISTERED alice`` and
        stays, as alice signed in to nothing; bob is not touched."""
        laptop, phone, renamed, bob = yield self.devices()
        laptop.say(f"/unregister {FIRST}")
        yield self.expect(laptop, "UNREGISTERED alice")
        for device in (phone, renamed):
            yield self.expect(device, "BYE account alice deleted")
            self.assertTrue(device.client.closing)
        yield self.still_here(laptop)
        yield self.refusal(laptop, f"/password {FIRST} {SECOND}", "NOT_ALLOWED")
        yield self.still_here(bob)
        self.assertEqual((yield self.sign_in("alice", FIRST)), "NO_SUCH_ACCOUNT")

    @defer.inlineCallbacks
    def test_unregistering_under_another_name_ends_the_accounts_seat(
        self,
    ) -> Generator[Any, Any, None]:
        """The device gone by ``alicia`` unregisters: both devices of the
        seat under alice's name end, told why; ``alicia`` stays, signed
        in to nothing, and the name alice is free to take."""
        laptop, phone, renamed, _ = yield self.devices()
        renamed.say(f"/unregister {FIRST}")
        yield self.expect(renamed, "UNREGISTERED alice")
        for device in (laptop, phone):
            yield self.expect(device, "BYE account alice deleted")
        yield self.still_here(renamed)
        yield self.wait()
        renamed.say("/nick alice")
        yield self.expect(renamed, "NICK alicia alice")

    @defer.inlineCallbacks
    def test_a_wrong_password_ends_no_device(self) -> Generator[Any, Any, None]:
        """``/unregister`` with a wrong password: ``BAD_PASSWORD``, and every
        device stays signed in to alice."""
        laptop, phone, renamed, _ = yield self.devices()
        yield self.refusal(laptop, f"/unregister {SECOND}", "BAD_PASSWORD")
        yield self.wait()
        for device in (laptop, phone, renamed):
            yield self.still_here(device)
        self.assertEqual((yield self.sign_in("alice", FIRST)), "WELCOME")

    @defer.inlineCallbacks
    def test_an_operator_resets_a_password(self) -> Generator[Any, Any, None]:
        """``chatroom-admin accounts reset-password``: the new password
        signs in, the old one no more; an unknown name is
        ``NO_SUCH_ACCOUNT``."""
        yield self.registered("alice", FIRST)
        yield defer.ensureDeferred(self.reset_by_operator("alice", THIRD))
        self.assertEqual((yield self.sign_in("alice", THIRD)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "BAD_PASSWORD")
        unknown = defer.ensureDeferred(self.reset_by_operator("nobody", THIRD))
        failure = yield self.assertFailure(unknown, Exception)
        self.assertEqual(getattr(failure, "code", None), "NO_SUCH_ACCOUNT")

    # -- a premise failing between the read and the apply -------------------------

    @defer.inlineCallbacks
    def test_a_name_registered_meanwhile_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's registration is decided on her name being free; before
        it is applied, the name is registered elsewhere (another node, at
        the same moment). Hers is decided again: ``NAME_REGISTERED``, she
        is signed in to nothing, and the account is the other's."""
        alice = yield self.connect("alice")
        self.between(lambda: self.accounts.register("alice", SECOND, ADDRESS))
        yield self.refusal(alice, f"/register {FIRST}", "NAME_REGISTERED")
        yield self.refusal(alice, f"/password {FIRST} {THIRD}", "NOT_ALLOWED")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", FIRST)), "BAD_PASSWORD")

    @defer.inlineCallbacks
    def test_a_password_changed_by_another_device_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``/password FIRST SECOND`` is decided on FIRST being
        hers; before it is applied, her other device changes it to THIRD.
        Decided again, FIRST is no longer hers: ``BAD_PASSWORD``, and
        THIRD stays."""
        alice = yield self.registered("alice", FIRST)
        self.between(
            lambda: self.accounts.change_password("alice", FIRST, THIRD, ADDRESS)
        )
        yield self.refusal(alice, f"/password {FIRST} {SECOND}", "BAD_PASSWORD")
        self.assertEqual((yield self.sign_in("alice", THIRD)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "BAD_PASSWORD")

    @defer.inlineCallbacks
    def test_the_same_password_set_by_another_device_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """As above, but the other device keeps FIRST (it sets FIRST
        again, hashed anew): decided again, FIRST is still hers, and her
        change applies."""
        alice = yield self.registered("alice", FIRST)
        self.between(
            lambda: self.accounts.change_password("alice", FIRST, FIRST, ADDRESS)
        )
        alice.say(f"/password {FIRST} {SECOND}")
        yield self.expect(alice, "PASSWORD_CHANGED alice")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "WELCOME")

    @defer.inlineCallbacks
    def test_an_account_unregistered_by_another_device_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's password change is decided on her account; before it is
        applied, her other device unregisters it. Decided again, there is
        no account to change: ``NOT_ALLOWED``, and none is made."""
        alice = yield self.registered("alice", FIRST)
        session = self.server.registry.sessions.get(alice.client.protocol)
        assert session is not None
        token = session.token
        self.between(
            lambda: self.accounts.unregister("alice", FIRST, ADDRESS, "alice", token)
        )
        yield self.refusal(alice, f"/password {FIRST} {SECOND}", "NOT_ALLOWED")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "NO_SUCH_ACCOUNT")

    @defer.inlineCallbacks
    def test_an_unregistering_after_a_new_password_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``/unregister FIRST`` is decided on FIRST being hers;
        before it is applied, her other device sets THIRD. Decided again:
        ``BAD_PASSWORD``, and the account stays, with THIRD."""
        alice = yield self.registered("alice", FIRST)
        self.between(
            lambda: self.accounts.change_password("alice", FIRST, THIRD, ADDRESS)
        )
        yield self.refusal(alice, f"/unregister {FIRST}", "BAD_PASSWORD")
        self.assertEqual((yield self.sign_in("alice", THIRD)), "WELCOME")

    @defer.inlineCallbacks
    def test_a_reset_after_a_new_password_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """An operator's reset is decided on alice's password as read;
        before it is applied, she sets SECOND. Decided again on SECOND, the
        reset applies: the operator's password signs in, hers does not."""
        alice = yield self.registered("alice", FIRST)

        async def changed_by_alice() -> None:
            alice.say(f"/password {FIRST} {SECOND}")
            await self.expect(alice, "PASSWORD_CHANGED alice")

        self.between(changed_by_alice)
        yield defer.ensureDeferred(self.reset_by_operator("alice", THIRD))
        self.assertEqual((yield self.sign_in("alice", THIRD)), "WELCOME")
        self.assertEqual((yield self.sign_in("alice", SECOND)), "BAD_PASSWORD")

    # -- push subscriptions -----------------------------------------------------

    def subscribe(self, endpoint: str) -> defer.Deferred[None]:
        """alice's device subscribes at ``https://push.example/<endpoint>``."""
        made = Subscription(f"https://push.example/{endpoint}", "k" * 87, "a" * 22)
        return defer.ensureDeferred(self.notifications.subscribe("alice", made))

    @defer.inlineCallbacks
    def kept(self) -> Generator[Any, Any, list[str]]:
        """The endpoints alice keeps, sorted."""
        found = yield defer.ensureDeferred(self.notifications.store.of(["alice"]))
        return sorted(each.endpoint for each in found.get("alice", []))

    @defer.inlineCallbacks
    def refused(self, deferred: defer.Deferred[None]) -> Generator[Any, Any, str]:
        """The refusal's text (a ``BAD_ARGS``)."""
        failure = yield self.assertFailure(deferred, ChatError)
        self.assertEqual(failure.code, "BAD_ARGS")
        return str(failure.text)

    @defer.inlineCallbacks
    def fill(self, count: int) -> Generator[Any, Any, None]:
        """alice registered, keeping ``count`` subscriptions."""
        yield kept_account(self.server, "alice")
        for index in range(count):
            yield self.subscribe(str(index))

    @defer.inlineCallbacks
    def test_subscriptions_past_the_most_are_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """An account keeps at most MOST_SUBSCRIPTIONS: one more is refused;
        one at an endpoint it keeps replaces it; one forgotten makes room."""
        yield self.fill(MOST_SUBSCRIPTIONS)
        text = yield self.refused(self.subscribe("extra"))
        self.assertIn(f"at most {MOST_SUBSCRIPTIONS}", text)
        yield self.subscribe("0")
        self.assertEqual(len((yield self.kept())), MOST_SUBSCRIPTIONS)
        forgotten = self.notifications.unsubscribe("alice", "https://push.example/0")
        yield defer.ensureDeferred(forgotten)
        yield self.subscribe("extra")
        self.assertIn("https://push.example/extra", (yield self.kept()))

    @defer.inlineCallbacks
    def test_the_last_place_taken_by_another_device_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's subscription is decided on one place left; before it is
        applied, her other device takes it. Decided again: refused, and
        she keeps the most, not one more."""
        yield self.fill(MOST_SUBSCRIPTIONS - 1)
        self.between(lambda: self.subscribe("other"), self.notifications)
        text = yield self.refused(self.subscribe("late"))
        self.assertIn(f"at most {MOST_SUBSCRIPTIONS}", text)
        kept = yield self.kept()
        self.assertEqual(len(kept), MOST_SUBSCRIPTIONS)
        self.assertIn("https://push.example/other", kept)
        self.assertNotIn("https://push.example/late", kept)

    @defer.inlineCallbacks
    def test_a_subscription_forgotten_by_another_device_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's ``/push remove`` is decided on the subscription being
        kept; before it is applied, her other device forgets it. Decided
        again: there is none there (``BAD_ARGS``), and the other stays."""
        yield self.fill(2)
        endpoint = "https://push.example/0"

        def forgotten_elsewhere() -> Awaitable[None]:
            return self.notifications.unsubscribe("alice", endpoint)

        self.between(forgotten_elsewhere, self.notifications)
        unsubscribed = self.notifications.unsubscribe("alice", endpoint)
        text = yield self.refused(defer.ensureDeferred(unsubscribed))
        self.assertIn("no push subscription of yours", text)
        self.assertEqual((yield self.kept()), ["https://push.example/1"])
