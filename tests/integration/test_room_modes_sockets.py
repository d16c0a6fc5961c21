"""A room's member limit, voices and moderation in the real service,
over sockets: IRC users and a line user in one room.

ivy (IRC) sets ``+l`` and ``+m`` on #tea, lina (line) sees them as ``SET``;
a third user is refused with ``471``, lina's words with ``ERR MODERATED``
until ivy gives her a voice.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase


class RoomModesOverSocketsTests(DoorsTestCase):
    """ivy (IRC) owns #tea; lina (line) is in it."""

    @defer.inlineCallbacks
    def test_limit_and_moderation_across_doors(self):
        """``+l 2`` refuses carl with 471; ``+m`` silences lina until
        ``+v lina``, after which ivy reads her message; NAMES shows ``+``."""
        ivy = yield self.irc("ivy")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: " 366 " in line)
        lina = yield self.client("lina")
        lina.say("/join tea")
        yield lina.expect_line("MEMBERS tea")
        ivy.say("MODE #tea +l 2")
        yield lina.expect_line("SET tea limit 2 ivy")
        carl = yield self.irc("carl")
        carl.say("JOIN #tea")
        full = yield carl.expect(lambda line: " 471 " in line)
        self.assertEqual(
            full, ":chatroom 471 carl #tea :Cannot join channel (+l): tea is full (2)"
        )
        ivy.say("MODE #tea +m")
        yield lina.expect_line("SET tea moderated on ivy")
        lina.say("anyone?")
        refusal = yield lina.expect_line("ERR MODERATED")
        self.assertIn("tea is moderated", refusal)
        ivy.say("MODE #tea +v lina")
        yield lina.expect_line("VOICE tea lina ivy")
        lina.say("thank you")
        said = yield ivy.expect(lambda line: " PRIVMSG #tea " in line)
        self.assertEqual(said, ":lina!lina@chatroom PRIVMSG #tea :thank you")
        ivy.say("NAMES #tea")
        names = yield ivy.expect(lambda line: " 353 " in line)
        self.assertTrue(names.endswith(":@ivy +lina"), names)

    @defer.inlineCallbacks
    def test_a_keyed_room_hides_its_members_from_outsiders(self):
        """Issue 21's privacy over sockets: lina (line) keys #den; carl
        (IRC, outside) gets NAMES with no 353 and WHO with no 352, then,
        once inside with the key, sees both members."""
        lina = yield self.client("lina")
        lina.say("/create den")
        yield lina.expect_line("MEMBERS den")
        lina.say("/set key sesame")
        yield lina.expect_line("SET den key")
        carl = yield self.irc("carl")
        carl.say("NAMES #den")
        carl.say("WHO #den")
        outside = yield carl.expect(lambda line: " 315 " in line)
        self.assertIn("#den", outside)
        self.assertFalse(
            [line for line in carl.lines if " 353 " in line or " 352 " in line]
        )
        carl.say("JOIN #den sesame")
        names = yield carl.expect(lambda line: " 353 " in line)
        self.assertTrue(names.endswith(":@lina carl"), names)
