"""A big room (``--big-room``, chatroom.core.rooms.big_rooms) through the IRC door."""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCTestCase

NOTICE = (
    ":chatroom NOTICE #tea :{} members: arrivals and departures are shown only "
    "for members who speak; /who lists everyone"
)


class IRCBigRoomTests(IRCTestCase):
    """Past ``--big-room`` 2, IRC users see what line users see."""

    config = ServerConfig(rate=0, big_room=2)

    def test_a_quiet_join_shows_the_announced_names_and_a_notice(self) -> None:
        """dave joins a room of two quietly: bob (IRC) is not told, and
        dave's NAMES lists the announced members and dave, then a NOTICE
        with the true count; an explicit NAMES lists everyone."""
        line, (bob,) = self.line_room("alice", "bob")
        erin = self.irc("erin")
        erin.send("JOIN #tea")
        erin.received()
        dave = self.irc("dave")
        dave.send("JOIN #tea")
        self.assertEqual(
            dave.received(),
            [
                ":dave!dave@chatroom JOIN :#tea",
                ":chatroom 353 dave = #tea :@alice bob dave",
                ":chatroom 366 dave #tea :End of /NAMES list",
                NOTICE.format(4),
            ],
        )
        self.assertEqual(bob.received(), [])
        self.assertEqual(line.received(), [])
        dave.send("NAMES #tea")
        self.assertEqual(
            dave.received()[0], ":chatroom 353 dave = #tea :@alice bob erin dave"
        )

    def test_first_words_bring_the_join_and_a_silent_one_parts_unseen(
        self,
    ) -> None:
        """A quiet IRC member's first PRIVMSG comes after its JOIN; one that
        never spoke parts without anyone hearing."""
        line, (bob,) = self.line_room("alice", "bob")
        dave, erin = self.irc("dave"), self.irc("erin")
        dave.send("JOIN #tea")
        erin.send("JOIN #tea")
        dave.received()
        erin.received()
        dave.send("PRIVMSG #tea :hello")
        self.assertEqual(
            bob.received(),
            [
                ":dave!dave@chatroom JOIN :#tea",
                ":dave!dave@chatroom PRIVMSG #tea :hello",
            ],
        )
        self.assertEqual(line.received()[0], "JOIN tea dave")
        erin.send("PART #tea")
        self.assertEqual(bob.received(), [])
        self.assertEqual(line.received(), [])
        dave.send("PART #tea :bye")
        self.assertEqual(bob.received(), [":dave!dave@chatroom PART #tea :bye"])
