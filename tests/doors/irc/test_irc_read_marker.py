"""``draft/read-marker`` at the IRC door: ``MARKREAD`` over the core's markers.

bob (line) says three messages in tea a second apart; alice (IRC) reads
them. Real :class:`IRCProtocol` objects over ``StringTransport`` and a
``task.Clock``, as in :mod:`tests.doors.irc.test_irc_replies`.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase

#: The times of bob's three messages (the clock starts at .500 and moves a
#: second before each of the last two).
SAID = [f"2026-11-21T18:04:0{n}.500Z" for n in (5, 6, 7)]


class IRCReadMarkerTests(CapsTestCase):
    """bob owns tea, where he said three messages; alice (IRC, with
    ``draft/read-marker``) is in."""

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.line("bob")
        self.bob.send("/create tea")
        self.bob.send("one")
        for text in ("two", "three"):
            self.clock.advance(1)
            self.bob.send(text)
        self.alice = self.capped("alice", "draft/read-marker")
        self.alice.send("JOIN #tea")
        self.joined = self.alice.received()
        self.bob.received()

    def markread(self, *params: str) -> list[str]:
        """alice's MARKREAD and what she gets back."""
        self.alice.send(" ".join(("MARKREAD", *params)))
        return self.alice.received()

    def test_capability_and_join(self) -> None:
        """CAP LS offers draft/read-marker; a JOIN brings the marker (none
        yet) before 366, and a rejoin the one set since."""
        irc = IRCClient(self.factory)
        irc.send("CAP LS 302")
        offered = [cap for line in irc.received() for cap in line.split()]
        self.assertIn("draft/read-marker", offered)
        marks = [x for x in self.joined if " MARKREAD " in x]
        self.assertEqual(marks, [":chatroom MARKREAD #tea *"])
        end = next(i for i, x in enumerate(self.joined) if " 366 " in x)
        self.assertLess(self.joined.index(marks[0]), end)
        self.markread("#tea", f"timestamp={SAID[1]}")
        self.alice.send("PART #tea", "JOIN #tea")
        marks = [x for x in self.alice.received() if " MARKREAD " in x]
        self.assertEqual(marks, [f":chatroom MARKREAD #tea timestamp={SAID[1]}"])

    def test_set_moves_forward_only(self) -> None:
        """A timestamp is the newest message said by then; an older one
        than the marker is answered with the marker in force; a get gives
        the marker."""
        self.assertEqual(
            self.markread("#tea", f"timestamp={SAID[1]}"),
            [f":chatroom MARKREAD #tea timestamp={SAID[1]}"],
        )
        self.assertEqual(
            self.markread("#tea", f"timestamp={SAID[0]}"),
            [f":chatroom MARKREAD #tea timestamp={SAID[1]}"],
        )
        between = "2026-11-21T18:04:07.000Z"  # after "two", before "three"
        self.assertEqual(
            self.markread("#tea", f"timestamp={between}"),
            [f":chatroom MARKREAD #tea timestamp={between}"],
        )
        self.assertEqual(
            self.markread("#tea", "timestamp=2030-01-01T00:00:00.000Z"),
            [f":chatroom MARKREAD #tea timestamp={SAID[2]}"],
        )
        self.assertEqual(
            self.markread("#tea"), [f":chatroom MARKREAD #tea timestamp={SAID[2]}"]
        )

    def test_own_time_is_shown_while_it_holds(self) -> None:
        """The time alice set comes back as she said it (even before the
        first message); a later one wins; a nick's marker is kept too."""
        early = "2020-01-01T00:00:00.000Z"
        self.assertEqual(
            self.markread("#tea", f"timestamp={early}"),
            [f":chatroom MARKREAD #tea timestamp={early}"],
        )
        self.assertEqual(
            self.markread("#tea", f"timestamp={SAID[2]}"),
            [f":chatroom MARKREAD #tea timestamp={SAID[2]}"],
        )
        self.markread("bob", f"timestamp={SAID[1]}")
        self.assertEqual(
            self.markread("bob"), [f":chatroom MARKREAD bob timestamp={SAID[1]}"]
        )

    def test_refusals(self) -> None:
        """No target, setting in a channel alice is not in, a bad timestamp:
        FAIL; a nick or channel with no marker is ``*``."""
        self.assertEqual(
            self.markread(),
            [":chatroom FAIL MARKREAD NEED_MORE_PARAMS :Missing parameters"],
        )
        self.assertEqual(
            self.markread("#coffee", f"timestamp={SAID[0]}"),
            [":chatroom FAIL MARKREAD INVALID_PARAMS #coffee :Not in that channel"],
        )
        self.assertEqual(
            self.markread("#tea", "timestamp=yesterday"),
            [
                ":chatroom FAIL MARKREAD INVALID_PARAMS timestamp=yesterday"
                " :Invalid timestamp"
            ],
        )
        self.assertEqual(
            self.markread("#tea", "*")[0].split()[:4],
            [":chatroom", "FAIL", "MARKREAD", "INVALID_PARAMS"],
        )
        self.assertEqual(self.markread("carol"), [":chatroom MARKREAD carol *"])
        self.assertEqual(self.markread("#coffee"), [":chatroom MARKREAD #coffee *"])
