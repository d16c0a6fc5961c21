"""``MODLOG #room [N]``: the moderation log read from IRC (issue 22).

Real :class:`IRCProtocol` sessions and a line user on ``StringTransport``
sharing one server on a ``task.Clock`` (as :mod:`tests.doors.irc.test_irc`): who may
read it, what they get, and the refusals' numerics.
"""

from __future__ import annotations

from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import STAMP


class IRCModlogTests(CapsTestCase):
    """ivy (IRC) made #tea and owns it; bob (line) and carl (IRC) are in;
    ivy kicked nobody yet, locked the topic, and bob tried nothing."""

    def setUp(self) -> None:
        super().setUp()
        self.ivy = self.capped("ivy", "batch", "labeled-response")
        self.ivy.send("JOIN #tea")
        self.bob = self.line("bob", "tea")
        self.carl = self.irc("carl")
        self.carl.send("JOIN #tea")
        self.ivy.send("MODE #tea +t")
        for client in (self.ivy, self.carl):
            client.received()
        self.bob.received()

    def test_the_owner_reads_the_log_as_notices(self) -> None:
        """ivy's topic lock and kick of bob are two NOTICEs to #tea, with
        the line door's fields, then the end with the count; carl, in the
        channel, sees none of it."""
        self.ivy.send("KICK #tea bob :be nice")
        self.ivy.received()
        self.carl.received()
        self.ivy.send("MODLOG #tea")
        self.assertEqual(
            self.ivy.received(),
            [
                f":chatroom NOTICE #tea :MODLOG tea {STAMP} ivy set topic-lock=on -",
                f":chatroom NOTICE #tea :MODLOG tea {STAMP} ivy kick bob be nice",
                ":chatroom NOTICE #tea :MODLOG_END tea 2",
            ],
        )
        self.assertEqual(self.carl.received(), [])
        self.ivy.send("MODLOG #TEA 1")
        self.assertEqual(
            self.ivy.received()[-2:],
            [
                f":chatroom NOTICE #TEA :MODLOG tea {STAMP} ivy kick bob be nice",
                ":chatroom NOTICE #TEA :MODLOG_END tea 1",
            ],
        )

    def test_an_operator_may_others_get_482(self) -> None:
        """carl, no operator, gets 482; once ivy gives him +o he reads the
        log, his own grant in it."""
        self.carl.send("MODLOG #tea")
        (refusal,) = self.carl.received()
        self.assertRegex(refusal, r"^:chatroom 482 carl #tea :only the owner")
        self.ivy.send("MODE #tea +o carl")
        self.carl.received()
        self.carl.send("MODLOG #tea 5")
        self.assertEqual(
            self.carl.received()[-2:],
            [
                f":chatroom NOTICE #tea :MODLOG tea {STAMP} ivy op carl -",
                ":chatroom NOTICE #tea :MODLOG_END tea 2",
            ],
        )

    def test_refusals(self) -> None:
        """Not in the channel: 442; no such channel: 403; not a channel:
        403; no parameter: 461; a count out of 1-200: FAIL MODLOG
        INVALID_PARAMS; nothing else is sent."""
        dora = self.irc("dora")
        dora.send("MODLOG #tea")
        self.assertEqual([line.split(" ")[1] for line in dora.received()], ["442"])
        for line, numeric in (
            ("MODLOG #nowhere", "403"),
            ("MODLOG ivy", "403"),
            ("MODLOG", "461"),
        ):
            self.ivy.send(line)
            self.assertEqual(
                [x.split(" ")[1] for x in self.ivy.received()], [numeric], line
            )
        for count in ("0", "201", "x"):
            self.ivy.send(f"MODLOG #tea {count}")
            self.assertEqual(
                self.ivy.received(),
                [
                    f":chatroom FAIL MODLOG INVALID_PARAMS #tea {count} "
                    ":MODLOG shows 1 to 200 entries"
                ],
            )

    def test_a_labeled_modlog_comes_in_one_batch(self) -> None:
        """With labeled-response and batch, the NOTICEs come in one
        labeled-response batch carrying the label."""
        self.ivy.send("@label=m1 MODLOG #tea")
        lines = self.ivy.received()
        self.assertEqual(tags_of(lines[0]), {"label": "m1"})
        self.assertRegex(
            untagged(lines[0]), r"^:chatroom BATCH \+\S+ labeled-response$"
        )
        self.assertEqual(
            [untagged(x) for x in lines[1:-1]],
            [
                f":chatroom NOTICE #tea :MODLOG tea {STAMP} ivy set topic-lock=on -",
                ":chatroom NOTICE #tea :MODLOG_END tea 1",
            ],
        )
        self.assertRegex(lines[-1], r"^:chatroom BATCH -\S+$")
