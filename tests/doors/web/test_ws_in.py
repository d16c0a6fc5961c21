"""``/in ROOM LINE`` through the web door (``/ws`` speaks the line
protocol): the page addresses what is typed in a room's view to that
room, whatever the connection's current room is, and reads the answers
for that room; and its own queries use none of its person's flood
allowance (issue 79)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.site import build_site
from tests.doors.test_connection_cost import WebClient
from tests.support import NOW, FakeClient, local_server


class WebInTests(unittest.TestCase):
    """A page in tea then cafe (cafe current), bob in tea over the line door."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)
        self.server = local_server(ServerConfig(), self.clock)  # default limits
        self.bob = FakeClient(self.server)
        self.bob.send("bob")
        self.bob.send("/create tea")
        self.bob.received()
        self.page = WebClient(build_site(self.server))
        self.page.send("/caps multi", "alice", "/join tea", "/create cafe")
        self.page.received()
        self.bob.received()

    def test_a_line_and_a_command_go_to_the_named_room(self) -> None:
        """``/in tea hello`` reaches bob in tea; ``/in tea /who`` is
        answered ``MEMBERS tea``; a plain line still goes to cafe."""
        self.page.send("/in tea hello from the page")
        said = self.bob.received()
        self.assertEqual(len(said), 1, said)
        self.assertTrue(said[0].startswith("MSG tea alice "), said)
        self.page.send("/in tea /who")
        self.assertIn(b"MEMBERS tea bob alice", self.page.received())
        self.page.send("typed in cafe")
        self.assertIn(b"MSG cafe alice ", self.page.received())
        self.assertEqual(self.bob.received(), [])

    def test_the_pages_own_queries_leave_its_person_the_burst(self) -> None:
        """Forty of the page's own queries at once, then twenty typed lines:
        every line said at once, no ``SLOW``."""
        self.clock.advance(60)
        self.page.send(*(["/in tea /who", "/in cafe /info"] * 20))
        for number in range(20):
            self.page.send(f"/in tea line {number}")
        said = [line for line in self.bob.received() if line.startswith("MSG ")]
        self.assertEqual(len(said), 20)
        self.assertNotIn(b"SLOW", self.page.received())
