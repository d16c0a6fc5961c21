"""The terminal client when the server ends its session (killed, logged out,
signed in elsewhere), and a room's key asked for on joining."""

from __future__ import annotations

from tests.client.support import (
    SIZE,
    screen_text,
)
from tests.client.test_accounts import PASSWORD, SignInTestCase
from tests.client.test_controller import ControllerTestCase


class SessionEndedTests(SignInTestCase):
    """A BYE that means "do not come back on your own"."""

    def wide_text(self) -> str:
        return "\n".join(screen_text(self.screen, (200, 24)))

    def ended_by(self, reason: str) -> None:
        self.signed_in()
        self.server.say(f"BYE {reason}")
        self.server.drop()

    def test_signed_in_elsewhere_stops_reconnecting(self) -> None:
        """Taken over by another session: no automatic reconnect (that would
        take the account back, for ever); the user is told, the retry key
        reconnects and signs in on request."""
        self.ended_by("signed in elsewhere")
        self.clock.advance(300)
        self.assertEqual(self.server.attempts, 1)
        text = self.wide_text()
        self.assertIn("signed in from somewhere else", text)
        self.assertIn("Not reconnecting", text)
        self.assertIn("disconnected for good", self.model.status)
        self.screen.keypress(SIZE, "ctrl r")
        self.assertEqual(self.server.attempts, 2)
        self.server.say("HELLO chatroom 1 hi")
        self.assertEqual(self.server.sent(), [f"/login alice {PASSWORD}"])

    def test_killed_stops_reconnecting(self) -> None:
        """Killed by an admin: said, and no reconnect loop."""
        self.ended_by("killed by root: flooding")
        self.clock.advance(300)
        self.assertIn("killed by root: flooding", self.wide_text())
        self.assertEqual(self.server.attempts, 1)

    def test_banned_stops_reconnecting(self) -> None:
        """Banned from the server: said, and no reconnect loop."""
        self.ended_by("banned from this server: flooding")
        self.clock.advance(300)
        self.assertIn("banned from this server: flooding", self.wide_text())
        self.assertEqual(self.server.attempts, 1)

    def test_listed_address_stops_reconnecting(self) -> None:
        """Refused because a blocklist lists the address: said, and no
        reconnect loop (it would only be refused again), as the page does."""
        self.ended_by("your address is listed by dnsbl.example.org")
        self.clock.advance(300)
        self.assertIn("listed by dnsbl.example.org", self.wide_text())
        self.assertEqual(self.server.attempts, 1)

    def test_signed_out_by_another_device_stops_reconnecting(self) -> None:
        """Ended by another device's /logout: said, and no reconnect (it
        would undo the sign-out)."""
        self.ended_by("signed out from device 2")
        self.clock.advance(300)
        self.assertIn("signed out from device 2", self.wide_text())
        self.assertEqual(self.server.attempts, 1)

    def test_a_deleted_account_stops_reconnecting(self) -> None:
        """The account was deleted (/delete-account on any device): said,
        and no reconnect (its password is no more)."""
        self.ended_by("account alice deleted")
        self.clock.advance(300)
        self.assertIn("account alice deleted", self.wide_text())
        self.assertEqual(self.server.attempts, 1)

    def test_ordinary_bye_still_reconnects(self) -> None:
        """A shutdown is not the end: the client comes back as before."""
        self.ended_by("server shutting down")
        self.clock.advance(1)
        self.assertEqual(self.server.attempts, 2)


class RoomKeyTests(ControllerTestCase):
    """A room with a key is rejoined with the key the user typed."""

    def test_key_used_on_resume(self) -> None:
        """``/join tea KEY`` typed: after a reconnect ``/join tea KEY since ID``."""
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.server.sent()
        self.controller.submit("/join tea s3cret")
        self.assertEqual(self.server.sent(), ["/join tea s3cret"])
        self.server.say("JOINED tea 1 256", "MEMBERS tea alice")
        self.server.say("@7 MSG tea bob 2026-11-21T18:04:05.123Z hi")
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.assertEqual(
            self.server.sent(), ["alice", "/watch on", "/join tea s3cret since 7"]
        )
