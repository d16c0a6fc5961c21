"""An account given up at the line door (and the page, which speaks it):
``/unregister PASSWORD`` answers the device that asked ``UNREGISTERED
NAME`` and leaves it connected, signed in to nothing; every other device
signed in to the account is told ``BYE account NAME deleted`` and closed
(docs/protocol.md, *Accounts*)."""

from __future__ import annotations

from tests.support import FakeClient, ProtocolTestCase

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
