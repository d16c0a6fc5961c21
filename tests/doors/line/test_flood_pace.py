"""Flood control at a person's pace, with the product's default limits
(issue 79, point 10 of the second day): what a client sends by itself
never uses up its person's ``--burst``, and a person typing never waits.

A page signing in asks, by itself, each room's members, settings, pins,
marker and history, and profiles; its person then types a line every
0.4 s, switching rooms between them (the client's ``/focus`` and
``/read`` going out by themselves at each switch). Each line is said the
moment it is sent (its ``MSG`` before the clock moves on) and no ``SLOW``
comes. A flood, of typed lines or of background queries, is still
slowed and told, in the words a person reads: "1 line a second".
"""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from chatroom.core.policy.flood import OWN_BURST
from tests.support import FakeClient, ProtocolTestCase

PASSWORD = "correct horse staple"


class PersonsPaceTests(ProtocolTestCase):
    """The product's default limits (``--rate 1``, ``--burst 20``)."""

    config = ServerConfig()

    def signed_in(self, name: str, *rooms: str) -> FakeClient:
        """``name``'s account, made on one connection and signed in on a
        fresh one as a page does: its own queries of each of ``rooms``
        (made by ``name`` if new) sent in one read, as a client sends
        them on signing in."""
        first = self.connect(name)
        first.send("/caps multi")
        first.send(f"/register {PASSWORD}")
        for room in rooms:
            first.send(f"/join {room}")
            if any(line.startswith("ERR NO_SUCH_ROOM") for line in first.received()):
                first.send(f"/create {room}")
        first.send("/quit")
        self.clock.advance(60)  # a new day: every bucket full
        page = FakeClient(self.server)
        page.received()
        background = ["/caps ids multi", f"/login {name} {PASSWORD}", "/unread"]
        for room in rooms:
            background += [
                f"/in {room} /who",
                f"/in {room} /info",
                f"/in {room} /pins",
                f"/notify {room}",
                f"/in {room} /history 20",
                f"/profile {name}",
                f"/in {room} /typing done",
            ]
        background += ["/session new", "/devices", "/watch on", f"/focus {rooms[0]}"]
        page.send("".join(f"{line}\r\n" for line in background).encode())
        lines = page.received()
        self.assertIn(f"WELCOME {name}", lines)
        self.assertEqual([line for line in lines if line.startswith("SLOW")], [])
        return page

    def test_fifteen_lines_switching_rooms_are_said_at_once(self) -> None:
        """After the sign-in's own queries, 15 short lines 0.4 s apart, the
        room switched (``/focus``, ``/in``) between them, each said at
        once in its room, and no ``SLOW``."""
        bob = self.connect("bob")
        bob.send("/caps multi")
        for room in ("tea", "cafe"):
            bob.send(f"/create {room}")
        alice = self.signed_in("alice", "tea", "cafe")
        bob.received()
        rooms = ["cafe"] * 10 + ["tea"] * 5
        shown = "tea"
        for number, room in enumerate(rooms):
            if room != shown:  # the client, switching rooms by itself
                alice.send(f"/focus {room}")
                alice.send(f"/in {room} /read 1")
                alice.send(f"/in {room} /history 20")
                shown = room
            alice.send(f"/in {room} line {number}")
            said = [line for line in bob.received() if line.startswith("MSG ")]
            self.assertEqual(len(said), 1, (number, said))
            self.assertTrue(said[0].startswith(f"MSG {room} alice "), said)
            self.assertTrue(said[0].endswith(f" line {number}"), said)
            alice.send("/in " + room + " /typing done")  # the client's own
            self.clock.advance(0.4)
        told = alice.received()
        self.assertEqual([line for line in told if line.startswith("SLOW")], [])

    def test_a_flood_is_still_slowed_and_told_in_words(self) -> None:
        """40 lines at once: 20 go at once, the rest wait their turn (one a
        second), told ``SLOW 1 ... more than 1 line a second``."""
        alice, bob = self.in_room("alice", "bob")
        self.clock.advance(60)
        alice.send(b"".join(b"spam %d\n" % number for number in range(40)))
        slow = [line for line in alice.received() if line.startswith("SLOW ")]
        self.assertEqual(
            slow,
            [
                "SLOW 1 you are sending more than 1 line a second: your lines"
                " wait their turn"
            ],
        )
        self.assertEqual(len(bob.received()), 20)
        self.clock.advance(1)
        self.assertEqual(len(bob.received()), 1)

    def test_a_flood_of_queries_is_bounded_too(self) -> None:
        """A client's own queries have a bound of their own: past it they
        take the person's tokens, then wait and are told ``SLOW`` like any
        line."""
        (alice,) = self.in_room("alice")
        self.clock.advance(60)
        count = OWN_BURST + 20 + 5
        alice.send(b"".join(b"/who\n" for _ in range(count)))
        told = alice.received()
        self.assertEqual(len([x for x in told if x.startswith("SLOW ")]), 1)
        self.assertEqual(len([x for x in told if x.startswith("MEMBERS ")]), count - 5)
        self.clock.advance(10)
        told = alice.received()
        self.assertEqual(len([x for x in told if x.startswith("MEMBERS ")]), 5)

    def test_limits_keeps_its_shape(self) -> None:
        """``/limits``: ``LIMITS <rate> <burst> <backlog>``, the burst 20 now."""
        alice = self.connect("alice")
        alice.send("/limits")
        self.assertEqual(alice.received(), ["LIMITS 1 20 100"])
