"""The operator's commands (chatroom-admin), for every registry.

:class:`OperatingContract` registers line users (``LineProtocol`` over
``StringTransport``), then locks, deletes and resets their accounts as the
operator does (:mod:`chatroom.core.operating`), and checks what the users
see. It runs against the in-process registry
(``tests/backends/local/test_operating.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_operating.py``).
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from chatroom.core.model.changes.server import NameHolding
from chatroom.core.model.errors import ChatError
from chatroom.core.policy.moderation import Actor
from tests.backends.contracts.handler import ContractBase, User
from tests.push_endpoint import Subscriber
from tests.support import FakeClient, chat_core

PASSWORD = "horse-battery-staple"


class OperatingContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    def done(self, call: Coroutine[Any, Any, Any]) -> defer.Deferred[Any]:
        return defer.Deferred.fromCoroutine(call)

    @property
    def operator(self) -> Actor:
        return operating.operator(self.server.config)

    @defer.inlineCallbacks
    def registered(self, name: str) -> Generator[Any, Any, User]:
        user = yield self.connect(name)
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, f"REGISTERED {name}")
        return user

    @defer.inlineCallbacks
    def test_names_and_search(self) -> Generator[Any, Any, None]:
        """Every account is listed; a search finds names containing the
        text, case aside."""
        for name in ("lina", "bob", "Linus"):
            yield self.registered(name)
        accounts = self.server.registry.accounts
        names = yield self.done(accounts.listed())
        self.assertEqual(names, ["bob", "lina", "Linus"])
        found = yield self.done(accounts.listed("LIN"))
        self.assertEqual(found, ["lina", "Linus"])

    @defer.inlineCallbacks
    def test_lock(self) -> Generator[Any, Any, None]:
        """A locked account's session ends with the reason, and it cannot
        sign in again; locking it twice is refused."""
        lina = yield self.registered("lina")
        mask = yield self.done(
            operating.lock(self.server.registry, self.operator, "Lina")
        )
        self.assertEqual(mask, "account:lina")
        yield self.expect(
            lina, "BYE banned from this server: account locked by chatroom"
        )
        again = User(FakeClient(self.server))
        again.say(f"/login lina {PASSWORD}")
        self.assertTrue((yield self.expect(again, "ERR ")).startswith("ERR BANNED"))
        with self.assertRaises(ChatError) as refused:
            yield self.done(operating.lock(self.server.registry, self.operator, "lina"))
        self.assertEqual(refused.exception.code, "BAD_ARGS")

    @defer.inlineCallbacks
    def test_delete(self) -> Generator[Any, Any, None]:
        """A deleted account's session ends as a kill does, its room told;
        the account is gone and its name free."""
        lina, bea = yield self.in_room("tea", "lina", "bea")
        lina.say(f"/register {PASSWORD}")
        yield self.expect(lina, "REGISTERED lina")
        deleted = yield self.done(
            operating.delete(self.server.registry, self.operator, "lina")
        )
        self.assertEqual(deleted, "lina")
        yield self.expect(lina, "BYE killed by chatroom: account deleted")
        yield self.expect(bea, "PART tea lina killed by chatroom: account deleted")
        names = yield self.done(self.server.registry.accounts.listed())
        self.assertEqual(names, [])
        yield self.connect("lina")
        with self.assertRaises(ChatError) as refused:
            yield self.done(
                operating.delete(self.server.registry, self.operator, "lina")
            )
        self.assertEqual(refused.exception.code, "NO_SUCH_ACCOUNT")

    @defer.inlineCallbacks
    def signed_in_twice(self, name: str, nick: str) -> Generator[Any, Any, list[User]]:
        """Account ``name`` registered on a device that then took ``nick``
        with ``/nick`` (signed in to it still), and signed in on a second
        device under its name."""
        renamed = yield self.registered(name)
        renamed.say(f"/nick {nick}")
        yield self.expect(renamed, f"NICK {name} {nick}")
        phone = User(FakeClient(self.server))
        phone.say(f"/login {name} {PASSWORD}")
        yield self.expect(phone, f"WELCOME {name}")
        return [renamed, phone]

    def untouched(self, user: User) -> defer.Deferred[str]:
        """``user`` was told no ``BYE`` and still answers."""
        self.assertFalse([line for line in user.lines if line.startswith("BYE")])
        user.say("/list")
        return self.expect(user, "ROOMS ")

    def reset(self, name: str, password: str = "") -> defer.Deferred[str]:
        """The operator resets account ``name``'s password."""
        return self.done(
            operating.reset_password(
                self.server.registry, self.operator, name, password
            )
        )

    @defer.inlineCallbacks
    def test_delete_ends_every_device_of_the_account(
        self,
    ) -> Generator[Any, Any, None]:
        """Every device signed in to the deleted account ends, one that
        took another name with ``/nick`` too; another account's does not."""
        devices = yield self.signed_in_twice("lina", "lena")
        bea = yield self.registered("bea")
        yield self.done(operating.delete(self.server.registry, self.operator, "lina"))
        for device in devices:
            yield self.expect(device, "BYE killed by chatroom: account deleted")
        yield self.untouched(bea)

    @defer.inlineCallbacks
    def test_reset_password(self) -> Generator[Any, Any, None]:
        """A new password, made up or given, signs in; a short one is refused."""
        yield self.registered("lina")
        made_up = yield self.reset("lina")
        self.assertEqual(len(made_up), 16)
        user = User(FakeClient(self.server))
        user.say(f"/login lina {made_up}")
        yield self.expect(user, "WELCOME lina")
        with self.assertRaises(ChatError) as refused:
            yield self.reset("lina", "short")
        self.assertEqual(refused.exception.code, "BAD_ARGS")
        with self.assertRaises(ChatError) as refused:
            yield self.reset("nobody", "long-enough")
        self.assertEqual(refused.exception.code, "NO_SUCH_ACCOUNT")

    @defer.inlineCallbacks
    def test_a_reset_ends_every_device_and_push_subscription(
        self,
    ) -> Generator[Any, Any, None]:
        """An operator's reset ends every device signed in to the account,
        one that took another name with ``/nick`` too, as a reset by mail
        does, and forgets its push subscriptions; another account's device
        and subscription stay."""
        devices = yield self.signed_in_twice("lina", "lena")
        bea = yield self.registered("bea")
        notifications = chat_core(self.server).notifications
        for account in ("lina", "bea"):
            subscriber = Subscriber(f"https://push.example/{account}")
            yield self.done(notifications.subscribe(account, subscriber.subscription))
        yield self.reset("lina", "long-enough")
        for device in devices:
            yield self.expect(device, "BYE password reset by chatroom")
        kept = yield self.done(notifications.store.of(["lina", "bea"]))
        self.assertEqual(
            {account: len(each) for account, each in kept.items()}, {"bea": 1}
        )
        yield self.untouched(bea)

    def give(self, room: str, account: str, actor: Actor | None = None) -> Any:
        registry = self.server.registry
        return self.done(
            registry.moderation.give_room_as(actor or self.operator, room, account)
        )

    @defer.inlineCallbacks
    def test_give_room(self) -> Generator[Any, Any, None]:
        """A room given to an account in it: the room sees the owner change
        and the account's user owns it (the former owner no longer); given
        to an account away, it is that account's user's on joining."""
        lina, bea = yield self.in_room("tea", "lina", "bea")
        bea.say(f"/register {PASSWORD}")
        yield self.expect(bea, "REGISTERED bea")
        given = yield self.give("Tea", "Bea")
        self.assertEqual(given, "tea")
        yield self.expect(lina, "OWNER tea bea")
        yield self.expect(bea, "OWNER tea bea")
        lina.say("/set keep off")
        yield self.expect(lina, "ERR NOT_ALLOWED only the owner of tea")
        bea.say("/set topic-lock on")
        yield self.expect(bea, "SET tea topic-lock on")

        cara = yield self.registered("cara")
        cara.say("/quit")
        yield self.give("tea", "cara")
        yield self.expect(bea, "OWNER tea cara")
        bea.say("/set topic-lock off")
        yield self.expect(bea, "ERR NOT_ALLOWED ")
        cara = User(FakeClient(self.server))
        cara.say(f"/login cara {PASSWORD}")
        yield self.expect(cara, "WELCOME cara")
        cara.say("/join tea")
        yield self.expect(cara, "MEMBERS tea ")
        cara.say("/set topic-lock off")
        yield self.expect(cara, "SET tea topic-lock off")

    @defer.inlineCallbacks
    def test_an_owner_who_renames_keeps_the_room(
        self,
    ) -> Generator[Any, Any, None]:
        """lina owns tea and renames: the room is Lena's, who still sets
        what an owner sets. Then her next rename is decided while she owns
        it, and the room is given to bea before the rename is applied: the
        owner moves with a rename only if it is still the renamer's, so bea
        keeps it and Lenna sets nothing."""
        lina, bea = yield self.in_room("tea", "lina", "bea")
        lina.say("/nick Lena")
        yield self.expect(bea, "NICK lina Lena")
        lina.say("/set topic-lock on")
        yield self.expect(bea, "SET tea topic-lock on Lena")
        bea.say(f"/register {PASSWORD}")
        yield self.expect(bea, "REGISTERED bea")

        async def given_meanwhile() -> None:
            await self.give("tea", "bea")
            await self.expect(bea, "OWNER tea bea")

        self.race_before("apply", given_meanwhile, subject=NameHolding)
        lina.say("/nick Lenna")
        yield self.expect(bea, "NICK Lena Lenna")
        lina.say("/set topic-lock off")
        refused = yield self.expect(lina, "ERR NOT_ALLOWED ")
        self.assertIn("only the owner and operators of tea", refused)
        bea.say("/set topic-lock off")
        yield self.expect(lina, "SET tea topic-lock off bea")

    @defer.inlineCallbacks
    def test_give_room_refused(self) -> Generator[Any, Any, None]:
        """An unknown room or account, a permanent room and anyone but an
        admin are refused, each with its code."""
        yield self.in_room("tea", "lina")
        yield self.registered("bea")
        for room, account, actor, code in (
            ("nowhere", "bea", None, "NO_SUCH_ROOM"),
            ("tea", "nobody", None, "NO_SUCH_ACCOUNT"),
            ("tea", "lina", None, "NO_SUCH_ACCOUNT"),  # a plain name
            ("general", "bea", None, "BAD_ARGS"),
            ("tea", "bea", Actor("bea", "bea"), "NOT_ALLOWED"),
        ):
            with self.assertRaises(ChatError) as refused:
                yield self.give(room, account, actor)
            self.assertEqual(refused.exception.code, code, (room, account))
