"""The terminal client's status line: what the controller tells the user
about the connection."""

from __future__ import annotations

from tests.client.test_controller import ControllerTestCase


class StatusTests(ControllerTestCase):
    """The status bar: a live countdown, retry now, and the lag."""

    def test_countdown_and_retry_now(self) -> None:
        """The wait is counted down each second; the retry key connects at once."""
        self.into_room()
        self.server.refuse = True
        self.server.drop()
        self.clock.advance(1)  # first retry fails; next in 2s
        self.assertIn("retry in 2s", self.model.status)
        self.clock.advance(1)
        self.assertIn("retry in 1s", self.model.status)
        self.assertLessEqual(len(self.model.status), 80 - 2)
        attempts = self.server.attempts
        self.controller.retry_now()
        self.assertEqual(self.server.attempts, attempts + 1)

    def test_lag_measured(self) -> None:
        """A PING on connecting measures the round trip, shown in the model."""
        self.server.sent()
        self.assertIn("lag1", self.server.pings)
        self.clock.advance(0.04)
        self.server.say("PONG lag1")
        self.assertAlmostEqual(self.model.lag or 0, 0.04)
