"""``MODLOG #room [N]`` at the IRC door of the real service, over sockets.

The owner of a channel reads its moderation log, with a step a line user
took; a member who is no operator is refused with ``482``.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase


class IRCModlogOverSocketsTests(DoorsTestCase):
    """ivy (IRC) owns #tea; lina (line) and carl (IRC) are in it."""

    @defer.inlineCallbacks
    def test_the_owner_reads_it_others_are_refused(self):
        """ivy locks the topic and makes lina an operator; lina kicks carl;
        ivy's MODLOG shows the three steps as NOTICEs, then the count; carl,
        back and no operator, gets 482."""
        ivy = yield self.irc("ivy")
        ivy.say("JOIN #tea")
        yield ivy.expect(lambda line: " 366 " in line)
        lina = yield self.client("lina")
        lina.say("/join tea")
        yield lina.expect_line("MEMBERS tea")
        carl = yield self.irc("carl")
        carl.say("JOIN #tea")
        yield carl.expect(lambda line: " 366 " in line)
        ivy.say("MODE #tea +t")
        ivy.say("MODE #tea +o lina")
        yield lina.expect_line("OP tea lina ivy")
        lina.say("/kick carl off you go")
        yield carl.expect(lambda line: " KICK #tea carl " in line)
        ivy.say("MODLOG #tea")
        end = yield ivy.expect(lambda line: "MODLOG_END" in line)
        self.assertEqual(end, ":chatroom NOTICE #tea :MODLOG_END tea 3")
        log = [line for line in ivy.lines if " NOTICE #tea :MODLOG " in line]
        self.assertEqual(
            [line.split(" ", 6)[6] for line in log],
            ["ivy set topic-lock=on -", "ivy op lina -", "lina kick carl off you go"],
        )
        carl.say("JOIN #tea")
        yield carl.expect(lambda line: " 366 " in line)
        carl.say("MODLOG #tea 10")
        refusal = yield carl.expect(lambda line: " 482 " in line)
        self.assertTrue(refusal.startswith(":chatroom 482 carl #tea :"), refusal)
