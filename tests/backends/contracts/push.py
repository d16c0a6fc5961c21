"""Web Push for every registry: subscriptions kept, and pushes that reach a
real push service on 127.0.0.1.

:class:`PushContract` drives real :class:`LineProtocol` connections (over
``StringTransport``) and the server's real sender
(:class:`~chatroom.wiring.webpush.WebPushSender`, twisted.web's Agent)
to a :class:`~tests.push_endpoint.PushEndpoint`, which decrypts each push
with the subscription's own keys and checks its VAPID signature. It runs
against the in-process registry (``tests/backends/local/test_push.py``) and the Redis
one on a real redis-server (``tests/backends/redis/test_push.py``).

The sender's connections go through the server's guard
(:class:`~chatroom.wiring.outbound.OutboundGuard`), which excepts only the
test's push service: an endpoint on loopback, a private or link-local
address, or a name for one (``localhost``), is refused at ``/push add``,
and one kept anyway is never connected to (a :class:`Listener` on its
port sees nothing).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor, task

from chatroom.core.accounts.push import (
    Notifications,
    Subscription,
    change_of,
    subscribing,
)
from chatroom.core.model.config import ServerConfig
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.webpush import WebPushSender
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.moderation import PASSWORD
from tests.push_endpoint import Listener, PushEndpoint, Subscriber, b64url
from tests.support import chat_core, kept_account

#: Pushes after a minute without a device; the test's push service is on
#: 127.0.0.1 over http.
CONFIG = ServerConfig(rate=0, push_idle=60.0, push_allow_http=("http://127.0.0.1:",))


#: A user and its subscriber (its browser's keys).
Phoned = tuple[User, Subscriber]


class PushContract(ContractBase):
    """Subclasses mix in a TestCase, provide ``server`` (with
    :data:`CONFIG`) and :meth:`pass_idle`."""

    def pass_idle(self) -> None:
        """Let ``--push-idle`` seconds pass (the registry's clock)."""
        raise NotImplementedError

    @property
    def notifications(self) -> Notifications:
        return chat_core(self.server).notifications

    def endpoint(self) -> PushEndpoint:
        """A push service of the test's own, which the server sends to:
        its port is the one exception of the sender's guard."""
        endpoint = PushEndpoint().start()
        self.addCleanup(endpoint.port.stopListening)
        allowed = f"127.0.0.1:{endpoint.port.getHost().port}"
        guard = OutboundGuard(reactor, OutboundPolicy.parse([allowed]))
        self.sender = WebPushSender(guard, reactor)
        self.notifications.sender = self.sender
        return endpoint

    def listener(self) -> Listener:
        """A port on 127.0.0.1 that no push may reach."""
        listener = Listener().start()
        self.addCleanup(listener.port.stopListening)
        return listener

    @defer.inlineCallbacks
    def registered(self, name: str, room: str = "general") -> Generator[Any, Any, User]:
        """``name`` registered and in ``room``."""
        user = yield self.connect(name)
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, "REGISTERED")
        user.say(f"/join {room}")
        yield self.expect(user, f"JOINED {room}")
        return user

    def subscribed(self, account: str, subscriber: Subscriber) -> Any:
        return defer.ensureDeferred(
            self.notifications.subscribe(account, subscriber.subscription)
        )

    def kept(self, account: str) -> Any:
        found = defer.ensureDeferred(self.notifications.store.of([account]))
        return found.addCallback(lambda kept: kept.get(account, []))

    @defer.inlineCallbacks
    def gone(self, user: User) -> Generator[Any, Any, None]:
        """Every device of the account quits; ``--push-idle`` passes."""
        user.say("/quit")
        yield self.wait()
        self.pass_idle()

    # -- what is kept ------------------------------------------------------------

    @defer.inlineCallbacks
    def test_subscriptions_belong_to_the_account(self) -> Generator[Any, Any, None]:
        """Kept by endpoint (the same one again replaces it), moved to
        another account that subscribes the same browser, removed one at a
        time; the server's key is made once and kept."""
        phone, laptop = (
            Subscriber("https://push.example/a"),
            Subscriber("https://push.example/b"),
        )
        for name in ("alice", "bob"):
            yield kept_account(self.server, name)
        yield self.subscribed("alice", phone)
        yield self.subscribed("alice", laptop)
        yield self.subscribed("alice", phone)
        self.assertEqual(
            sorted(s.endpoint for s in (yield self.kept("alice"))),
            ["https://push.example/a", "https://push.example/b"],
        )
        yield self.subscribed("bob", laptop)
        self.assertEqual((yield self.kept("alice")), [phone.subscription])
        self.assertEqual((yield self.kept("bob")), [laptop.subscription])
        yield defer.ensureDeferred(
            self.notifications.unsubscribe("alice", phone.endpoint)
        )
        self.assertEqual((yield self.kept("alice")), [])
        first = yield defer.ensureDeferred(self.notifications.server_key())
        again = yield defer.ensureDeferred(self.notifications.store.server_key("b"))
        self.assertEqual(first, again)
        self.assertIn("PRIVATE KEY", first)

    @defer.inlineCallbacks
    def test_deleting_the_account_forgets_them(self) -> Generator[Any, Any, None]:
        """``/delete-account`` takes the account's subscriptions with it."""
        alice = yield self.registered("alice")
        yield self.subscribed("alice", Subscriber("https://push.example/a"))
        alice.say(f"/delete-account {PASSWORD}")
        yield self.expect(alice, "ACCOUNT_DELETED")
        self.assertEqual((yield self.kept("alice")), [])

    @defer.inlineCallbacks
    def test_the_line_doors_commands(self) -> Generator[Any, Any, None]:
        """``/push add`` (keys as a browser gives them, padded or not) and
        ``/push remove``, signed in; ``/push key`` the server's VAPID key;
        clear refusals otherwise."""
        phone = Subscriber("https://push.example/phone")
        auth = b64url(phone.auth)
        anonymous = yield self.connect("guest")
        anonymous.say(f"/push add {phone.endpoint} {phone.p256dh} {auth}")
        line = yield self.expect(anonymous, "ERR ")
        self.assertTrue(line.startswith("ERR NOT_ALLOWED "), line)
        alice = yield self.registered("alice")
        alice.say(f"/push add {phone.endpoint} {phone.p256dh}= {auth}==")
        yield self.expect(alice, "PUSH ADDED")
        self.assertEqual((yield self.kept("alice")), [phone.subscription])
        for wrong in (
            f"/push add http://push.example/x {phone.p256dh} {auth}",
            f"/push add {phone.endpoint} {phone.p256dh[:-4]} {auth}",
            "/push remove https://push.example/none",
            "/push add",
            "/push",
        ):
            alice.say(wrong)
            line = yield self.expect(alice, "ERR ")
            self.assertTrue(line.startswith("ERR BAD_ARGS "), (wrong, line))
        alice.say(f"/push remove {phone.endpoint}")
        yield self.expect(alice, "PUSH REMOVED")
        self.assertEqual((yield self.kept("alice")), [])
        alice.say("/push key")
        line = yield self.expect(alice, "PUSH KEY ")
        self.assertEqual(
            line, f"PUSH KEY {(yield self.server.registry.users.push_key())}"
        )

    def test_internal_endpoints_are_refused(self) -> Any:
        """``/push add`` with an endpoint on loopback (as an address, mapped
        into IPv6, or as ``localhost``), on a private, CGNAT or link-local
        address (cloud metadata), is refused ``BAD_ARGS`` and not kept;
        the listener on that loopback port saw no connection."""
        return defer.ensureDeferred(self._internal_refused())

    async def _internal_refused(self) -> None:
        self.endpoint()
        listener = self.listener()
        keys = Subscriber("https://unused.example/")
        alice = await self.registered("alice")
        for endpoint in (
            f"https://127.0.0.1:{listener.number}/push",
            f"https://[::ffff:127.0.0.1]:{listener.number}/push",
            f"https://localhost:{listener.number}/push",
            f"https://[::1]:{listener.number}/push",
            "https://10.0.0.1/push",
            "https://192.168.1.1/push",
            "https://100.64.0.1/push",
            "https://169.254.169.254/latest/meta-data/",
        ):
            alice.say(f"/push add {endpoint} {keys.p256dh} {b64url(keys.auth)}")
            # waiting on the real reactor: a name's resolution takes a thread
            line = await self.expect(alice, "ERR ", self.wait_real)
            self.assertEqual(
                line, "ERR BAD_ARGS the endpoint is not a public address", endpoint
            )
        self.assertEqual((await self.kept("alice")), [])
        self.assertEqual(listener.connected, [])

    def test_a_kept_internal_endpoint_is_never_contacted(self) -> Any:
        """A subscription kept for ``localhost`` (as one kept while its
        name answered a public address would be): bob's mention of gone
        alice reaches her other, allowed, subscription; the guard refuses
        this one at the push (and says so), and its listener saw nothing."""
        return defer.ensureDeferred(self._kept_internal())

    async def _kept_internal(self) -> None:
        endpoint = self.endpoint()
        listener = self.listener()
        inside = Subscriber(f"https://localhost:{listener.number}/alice")
        phone = Subscriber(endpoint.base + "alice-phone")
        alice = await self.registered("alice")
        kept = change_of("alice", subscribing("alice", [], inside.subscription, ""))
        await defer.ensureDeferred(self.notifications.apply(kept))
        await self.subscribed("alice", phone)
        bob = await self.registered("bob")
        await self.gone(alice)
        bob.say("alice: the kettle")
        await self.expect(bob, "MSG general bob ")
        await endpoint.arrived(1)
        for _ in range(500):
            if self.sender.refused:
                break
            await self.wait_real()
        self.assertEqual(self.sender.refused, 1)
        self.assertEqual(listener.connected, [])
        self.assertEqual(len(endpoint.received), 1)

    # -- what is pushed ----------------------------------------------------------

    def test_a_mention_and_a_private_message_reach_a_gone_account(self) -> Any:
        """With every device of alice gone, bob's mention of her in
        general and his private message each reach her push service,
        VAPID-signed by the server's key, and decrypt with her keys to the
        room (null for the private message), the sender and the text."""
        return defer.ensureDeferred(self._reach_a_gone_account())

    async def _reach_a_gone_account(self) -> None:
        endpoint = self.endpoint()
        phone = Subscriber(endpoint.base + "alice-phone")
        alice = await self.registered("alice")
        alice.say(f"/push add {phone.endpoint} {phone.p256dh} {b64url(phone.auth)}")
        await self.expect(alice, "PUSH ADDED")
        bob = await self.registered("bob")
        await self.gone(alice)
        bob.say("alice: the tea is ready")
        await self.expect(bob, "MSG general bob ")
        bob.say("/msg alice come down")
        await self.expect(bob, "PRIVMSG bob alice ")
        pushes = await endpoint.arrived(2)
        server_key = await self.server.registry.users.push_key()
        opened = [phone.opened(push, server_key) for push in pushes]
        self.assertEqual(
            sorted(opened, key=lambda payload: str(payload["text"])),
            [
                {
                    "from": "bob",
                    "text": "alice: the tea is ready",
                    "room": "general",
                    "count": 1,
                },
                {"from": "bob", "text": "come down", "room": None, "count": 1},
            ],
        )
        self.assertEqual({push.path for push in pushes}, {"/alice-phone"})

    async def phones(self) -> tuple[PushEndpoint, Phoned, Phoned]:
        """A push service; alice and carol registered in general, each
        with a subscription to it."""
        endpoint = self.endpoint()
        phoned = []
        for name in ("alice", "carol"):
            phone = Subscriber(endpoint.base + name)
            user = await self.registered(name)
            await self.subscribed(name, phone)
            phoned.append((user, phone))
        return endpoint, phoned[0], phoned[1]

    def test_a_connected_account_is_not_pushed_to(self) -> Any:
        """alice, signed in and just active, is mentioned and sent a
        private message: her push service hears nothing; carol, gone, is
        pushed to for the same mention (so the pushes were sent)."""
        return defer.ensureDeferred(self._connected())

    async def _connected(self) -> None:
        endpoint, (alice, _), (carol, _) = await self.phones()
        bob = await self.registered("bob")
        await self.gone(carol)
        alice.say("I am here")
        await self.expect(bob, "MSG general alice ")
        bob.say("/msg alice psst")
        await self.expect(alice, "PRIVMSG bob alice ")
        bob.say("alice carol: lunch?")
        await self.expect(alice, "MSG general bob ")
        pushes = await endpoint.arrived(1)
        self.assertEqual([push.path for push in pushes], ["/carol"])
        self.assertEqual(len(endpoint.received), 1)

    def test_notification_levels_mute_and_widen(self) -> Any:
        """alice muted general (``/notify general none``): bob's mention of
        her pushes nothing, his private message still does; carol asked
        for everything (``all``): bob's chatter that names nobody reaches
        her."""
        return defer.ensureDeferred(self._levels())

    async def _levels(self) -> None:
        endpoint, (alice, alice_phone), (carol, carol_phone) = await self.phones()
        for user, level in ((alice, "none"), (carol, "all")):
            user.say(f"/notify general {level}")
            await self.expect(user, f"NOTIFY general {level}")
        bob = await self.registered("bob")
        await self.gone(alice)
        await self.gone(carol)
        # A cluster node looks for every message's readers among the
        # subscribers it knows, a copy read again within seconds.
        for _ in range(500):
            known = self.notifications.store.subscribers()
            if known is not None and "carol" in known:
                break
            await self.wait_real()
        bob.say("the kettle is on")
        await self.expect(bob, "MSG general bob ")
        pushes = await endpoint.arrived(1)
        self.assertEqual([push.path for push in pushes], ["/carol"])
        server_key = await self.server.registry.users.push_key()
        opened = carol_phone.opened(pushes[0], server_key)
        self.assertEqual(opened["text"], "the kettle is on")
        bob.say("alice: tea?")
        await self.expect(bob, "MSG general bob ")
        bob.say("/msg alice tea?")
        await self.expect(bob, "PRIVMSG bob alice ")
        pushes = await endpoint.arrived(2)
        self.assertEqual(pushes[1].path, "/alice")
        self.assertIsNone(alice_phone.opened(pushes[1], server_key)["room"])

    def test_a_followed_threads_message_is_pushed(self) -> Any:
        """alice asked in general and left; bob's answer in her message's
        thread names nobody, and reaches her push service: she follows the
        thread she started. carol, who follows nothing there, hears of it
        only when named."""
        return defer.ensureDeferred(self._followed_thread())

    async def _followed_thread(self) -> None:
        endpoint, (alice, alice_phone), (carol, _) = await self.phones()
        alice.say("/caps ids")
        await self.expect(alice, "CAPS ")
        alice.say("who wants tea?")
        root = (await self.expect(alice, "@")).split()[0][1:]
        bob = await self.registered("bob")
        await self.gone(alice)
        await self.gone(carol)
        for _ in range(500):  # as above: the subscribers a node knows
            known = self.notifications.store.subscribers()
            if known is not None and "alice" in known:
                break
            await self.wait_real()
        bob.say(f"/thread {root} me please")
        await self.expect(bob, "MSG general bob ")
        bob.say("carol: and you?")
        await self.expect(bob, "MSG general bob ")
        pushes = await endpoint.arrived(2)
        self.assertEqual(sorted(push.path for push in pushes), ["/alice", "/carol"])
        (to_alice,) = [push for push in pushes if push.path == "/alice"]
        server_key = await self.server.registry.users.push_key()
        self.assertEqual(alice_phone.opened(to_alice, server_key)["text"], "me please")

    def test_an_ignored_name_pushes_nothing(self) -> Any:
        """alice ignores mallory and goes: mallory's mention of her and
        private message push nothing; bob's, sent after them, each reach
        her push service, and are all it hears."""
        return defer.ensureDeferred(self._ignored())

    async def _ignored(self) -> None:
        endpoint, (alice, alice_phone), _ = await self.phones()
        alice.say("/ignore mallory")
        await self.expect(alice, "IGNORED mallory")
        mallory = await self.registered("mallory")
        bob = await self.registered("bob")
        await self.gone(alice)
        for sender in (mallory, bob):
            sender.say("alice: buy now")
            await self.expect(sender, "MSG general ")
            sender.say("/msg alice psst")
            await self.expect(sender, "PRIVMSG ")
        pushes = await endpoint.arrived(2)
        server_key = await self.server.registry.users.push_key()
        self.assertEqual(
            sorted(
                (push.path, alice_phone.opened(push, server_key)["from"])
                for push in pushes
            ),
            [("/alice", "bob"), ("/alice", "bob")],
        )
        self.assertEqual(len(endpoint.received), 2)

    def test_a_subscription_answered_410_is_forgotten(self) -> Any:
        """The push service says the subscription is gone: the server
        forgets it (and keeps the account's other one)."""
        return defer.ensureDeferred(self._answered_410())

    async def _answered_410(self) -> None:
        endpoint = self.endpoint()
        endpoint.answers["/old"] = 410
        old, new = Subscriber(endpoint.base + "old"), Subscriber(endpoint.base + "new")
        alice = await self.registered("alice")
        await self.subscribed("alice", old)
        await self.subscribed("alice", new)
        bob = await self.registered("bob")
        await self.gone(alice)
        bob.say("/msg alice are you there")
        await endpoint.arrived(2)
        for _ in range(500):
            kept: list[Subscription] = await self.kept("alice")
            if len(kept) == 1:
                break
            await self.wait_real()
        self.assertEqual(kept, [new.subscription])

    def wait_real(self) -> Any:
        """A moment of the real reactor (the push service's answer)."""
        return task.deferLater(reactor, 0.01, lambda: None)
