"""A big room over real sockets, at every door: ``twistd chatroom``'s service
with ``--big-room 3`` (a low threshold, so four users make a big room).

lina (line), ivy (IRC) and wes (browser) fill ``general``; a fourth user
joins quietly, and each door's user sees its arrival only when it speaks.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase


class BigRoomSocketTests(DoorsTestCase):
    """What members of a room past ``--big-room`` see, door by door."""

    options = (
        "--rate",
        "0",
        "--http",
        "tcp:0:interface=127.0.0.1",
        "--big-room",
        "3",
    )

    @defer.inlineCallbacks
    def test_a_quiet_joiner_is_shown_at_every_door_when_it_speaks(self):
        """quinn's join is seen by nobody; its first message comes after
        its JOIN at the line, IRC and browser doors; its welcome counts
        four members and says why it lists fewer, and ``/who`` lists all."""
        lina, ivy, wes = yield self.three_in_general()
        quinn = yield self.client("quinn")
        quinn.say("/join general")
        joined = yield quinn.expect_line("JOINED general")
        self.assertEqual(joined.split()[2], "4")
        notice = yield quinn.expect_line("NOTICE general")
        self.assertIn("4 members: arrivals and departures", notice)
        lina.say("before")
        yield lina.expect_line("MSG general lina")
        quinn.say("hello everyone")
        arrival = yield lina.expect(lambda line: "quinn" in line)
        self.assertEqual(arrival, "JOIN general quinn")
        message = yield lina.expect(lambda line: "quinn" in line)
        self.assertTrue(message.startswith("MSG general quinn "), message)
        ircer_join = yield ivy.expect(lambda line: line.startswith(":quinn!"))
        self.assertEqual(ircer_join, ":quinn!quinn@chatroom JOIN :#general")
        ircer_message = yield ivy.expect(lambda line: line.startswith(":quinn!"))
        self.assertEqual(
            ircer_message, ":quinn!quinn@chatroom PRIVMSG #general :hello everyone"
        )
        web_join = yield wes.expect(lambda line: "quinn" in line)
        self.assertEqual(web_join, "JOIN general quinn")
        wes.say("/who")
        members = yield wes.expect_line("MEMBERS general")
        self.assertEqual(members, "MEMBERS general lina ivy wes quinn")

    @defer.inlineCallbacks
    def test_a_quiet_member_leaves_unseen(self):
        """A fourth member that never spoke quits: no PART at any door
        (the next line everyone gets is lina's message)."""
        lina, ivy, wes = yield self.three_in_general()
        quinn = yield self.client("quinn")
        quinn.say("/join general")
        yield quinn.expect_line("MEMBERS general")
        quinn.say("/quit bye")
        yield quinn.closed
        lina.say("after")
        nxt = yield wes.expect(lambda line: line.startswith(("PART", "MSG")))
        self.assertTrue(nxt.startswith("MSG general lina "), nxt)
        irc_next = yield ivy.expect(
            lambda line: " PART " in line or " PRIVMSG " in line
        )
        self.assertIn("PRIVMSG #general :after", irc_next)
