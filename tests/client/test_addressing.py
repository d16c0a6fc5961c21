"""What a line typed in a room's buffer is sent as (``/in ROOM LINE``)."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.addressing import addressed


class AddressedTests(unittest.TestCase):
    def test_room_lines_name_their_room(self) -> None:
        """Words, room commands, ``/command`` and a command the server does
        not have (a room's slash command) go to the room on screen; the
        server's other commands as they are."""
        for line in (
            "hello",
            "/me waves",
            "/command list",
            "/weather paris",
            "/Deploy",
        ):
            self.assertEqual(addressed("tea", line), f"/in tea {line}")
        for line in ("/join chai", "/msg bob hi", "/nick al", "/history @bob 5"):
            self.assertEqual(addressed("tea", line), line)
