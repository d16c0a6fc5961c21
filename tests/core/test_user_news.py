"""News of a user reaches each user who shares rooms with it once, at every door.

A rename (and IRC's ``AWAY``, ``SETNAME``) is one event made by the core and
told once to each neighbour (:meth:`chatroom.core.backend.Backend.tell_neighbours`),
however many rooms they share: no door drops repeats. Users of the three
doors (IRC, the line protocol, the web door, which is the line protocol over
a WebSocket) share three rooms here; real protocols over ``StringTransport``.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.web.socket import AS_FRAMES
from tests.doors.irc.test_ircv3 import CapsTestCase
from tests.support import FakeClient

ROOMS = ("tea", "coffee", "juice")


class WebClient:
    """A web door user: the line protocol framed as WebSocket text frames."""

    def __init__(self, protocol: LineProtocol) -> None:
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", "127.0.0.1", 45678)
        )
        self.protocol = protocol
        protocol.makeConnection(self.transport)

    def send(self, line: str) -> None:
        self.protocol.dataReceived(line.encode("utf-8") + b"\r\n")

    def received(self) -> list[str]:
        """The text of each frame sent since the last call."""
        data, lines = self.transport.value(), []
        self.transport.clear()
        while data:
            assert data[0] == 0x81, data  # one unmasked text frame
            size, start = data[1], 2
            if size == 126:
                size, start = int.from_bytes(data[2:4], "big"), 4
            lines.append(data[start : start + size].decode("utf-8"))
            data = data[start + size :]
        return lines


class NewsOnceTests(CapsTestCase):
    """alice (IRC), bob (IRC), carol (line, ``/caps multi``) and dave (web,
    ``/caps multi``) are all in tea, coffee and juice."""

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.capped("alice", "away-notify", "setname")
        self.bob = self.capped("bob", "away-notify", "setname")
        self.carol = FakeClient(self.server)
        self.dave = WebClient(LineProtocol(self.server, AS_FRAMES))
        for user, name in ((self.carol, "carol"), (self.dave, "dave")):
            user.send(name)
            user.send("/caps multi")
        for client in (self.alice, self.bob):
            client.send("JOIN " + ",".join(f"#{room}" for room in ROOMS))
        for user in (self.carol, self.dave):
            for room in ROOMS:
                user.send(f"/join {room}")
        self.read()

    def read(self) -> None:
        for user in (self.alice, self.bob, self.carol, self.dave):
            user.received()

    def test_an_irc_users_rename_is_one_nick_at_every_door(self) -> None:
        """alice's NICK reaches bob, carol and dave once each."""
        self.alice.send("NICK alicia")
        self.assertEqual(self.bob.received(), [":alice!alice@chatroom NICK :alicia"])
        self.assertEqual(self.carol.received(), ["NICK alice alicia"])
        self.assertEqual(self.dave.received(), ["NICK alice alicia"])

    def test_a_line_users_rename_is_one_nick_at_every_door(self) -> None:
        """carol's /nick reaches alice (IRC), dave (web) and carol herself
        once each."""
        self.carol.send("/nick caroline")
        self.assertEqual(
            self.alice.received(), [":carol!carol@chatroom NICK :caroline"]
        )
        self.assertEqual(self.dave.received(), ["NICK carol caroline"])
        self.assertEqual(self.carol.received(), ["NICK carol caroline"])

    def test_away_and_setname_once(self) -> None:
        """alice's AWAY and SETNAME reach bob once each; the line and web
        users are shown nothing of them."""
        self.alice.send("AWAY :lunch", "SETNAME :Alice A.")
        self.assertEqual(
            self.bob.received(),
            [
                ":alice!alice@chatroom AWAY :lunch",
                ":alice!alice@chatroom SETNAME :Alice A.",
            ],
        )
        self.assertEqual(self.carol.received(), [])
        self.assertEqual(self.dave.received(), [])
