"""An account given up at the line door (and the page, which speaks it):
``/unregister PASSWORD`` answers the device that asked ``UNREGISTERED
NAME`` and leaves it connected, signed in to nothing; every other device
signed in to the account is told ``BYE account NAME deleted`` and closed,
and its upload tokens and push subscriptions are forgotten
(docs/protocol.md, *Accounts*)."""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.accounts.files import FileService
from chatroom.core.metered import metered
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.wiring.registries import local_registry
from tests.push_endpoint import Subscriber
from tests.support import (
    FakeClient,
    ProtocolTestCase,
    chat_core,
    in_place,
    local_server,
)

PASSWORD = "correct horse battery staple"


class UnregisterTests(ProtocolTestCase):
    def devices(self) -> tuple[FakeClient, FakeClient, FakeClient, FakeClient]:
        """alice registered on a device that then took ``alicia`` with
        ``/nick``; a laptop and a phone signed in to alice under her name;
        bob registered."""
        renamed = self.connect("alice")
        renamed.send(f"/register {PASSWORD}")
        renamed.send("/nick alicia")
        self.assertEqual(renamed.received(), ["REGISTERED alice", "NICK alice alicia"])
        laptop, phone = self.connect(), self.connect()
        for device in (laptop, phone):
            device.send(f"/login alice {PASSWORD}")
            self.assertEqual(device.received()[0], "WELCOME alice")
        bob = self.connect("bob")
        bob.send(f"/register {PASSWORD}")
        self.assertEqual(bob.received(), ["REGISTERED bob"])
        return laptop, phone, renamed, bob

    def test_unregister_ends_the_other_devices(self) -> None:
        """The laptop's ``/unregister``: the phone and ``alicia`` are told
        ``BYE account alice deleted`` and closed; the laptop is answered
        and stays, its ``/password`` refused (signed in to nothing); bob
        hears nothing of it."""
        laptop, phone, renamed, bob = self.devices()
        laptop.send(f"/unregister {PASSWORD}")
        self.assertEqual(laptop.received(), ["UNREGISTERED alice"])
        for device in (phone, renamed):
            self.assertIn("BYE account alice deleted", device.received())
            self.assertTrue(device.closing)
        self.assertFalse(laptop.closing)
        laptop.send(f'/password "{PASSWORD}" another-password')
        self.assertError(laptop, "NOT_ALLOWED")
        self.assertFalse([line for line in bob.received() if line.startswith("BYE")])
        self.assertFalse(bob.closing)

    def test_a_wrong_password_ends_nothing(self) -> None:
        """``/unregister`` with a wrong password: ``BAD_PASSWORD``, and no
        device is told anything."""
        laptop, phone, renamed, _ = self.devices()
        laptop.send("/unregister not the password")
        self.assertError(laptop, "BAD_PASSWORD")
        for device in (phone, renamed):
            self.assertEqual(device.received(), [])
            self.assertFalse(device.closing)


class MeteredUnregisterTests(UnregisterTests):
    """The same, through the registry a server serving ``/metrics`` hands
    its doors (each service's operations timed)."""

    def setUp(self) -> None:
        super().setUp()
        registry = metered(local_registry(self.config, self.clock, hashing=in_place))
        registry.start()
        self.server = DoorHub(self.config, self.clock, registry, None)


class UnregisterForgetsAccessTests(unittest.TestCase):
    """What let the account's devices in without a session goes with it: a
    ``/token`` names nobody after ``/unregister``, and no Web Push
    subscription is kept (nor would reach whoever registers the name
    next)."""

    def test_tokens_and_subscriptions_go(self) -> None:
        server = local_server(ServerConfig(files_dir=self.mktemp()), Clock())
        alice = FakeClient(server)
        for line in ("alice", f"/register {PASSWORD}", "/token"):
            alice.send(line)
        [given] = [line for line in alice.received() if line.startswith("TOKEN ")]
        token = given.split(" ")[1]
        phone = Subscriber("https://push.example/phone").subscription
        alice.send(f"/push add {phone.endpoint} {phone.p256dh} {phone.auth}")
        self.assertEqual(alice.received(), ["PUSH ADDED"])
        files, core = server.registry.files, chat_core(server)
        assert files is not None
        self.assertEqual(self.successResultOf(account_of(files, token)), "alice")
        alice.send(f"/unregister {PASSWORD}")
        self.assertEqual(alice.received(), ["UNREGISTERED alice"])
        self.assertIsNone(self.successResultOf(account_of(files, token)))
        kept = defer.ensureDeferred(core.notifications.store.of(["alice"]))
        self.assertEqual(self.successResultOf(kept), {})
        alice.send("/token")
        self.assertEqual(alice.received()[0].split(" ")[:2], ["ERR", "NOT_ALLOWED"])


def account_of(files: FileService, token: str) -> defer.Deferred[str | None]:
    """Whom ``token`` names now (None: nobody)."""
    return defer.ensureDeferred(files.tokens.account(token))
