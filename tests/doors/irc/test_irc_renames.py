"""Renamed rooms at the IRC door: IRCv3 ``draft/channel-rename``.

A client with the capability hears ``RENAME #old #new :reason``; one
without it the specification's fallback, ``PART #old`` then ``JOIN #new``
with the join's topic and names (none for a new case of the same name).
An op's ``RENAME`` renames a room for every door; refusals are the
specification's ``FAIL RENAME`` replies or ``482``. Real
:class:`IRCProtocol` objects over ``StringTransport`` with a line user, as
in :mod:`tests.doors.irc.test_irc_threads`.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import CapsTestCase

RENAME = "draft/channel-rename"


class IRCRenameTests(CapsTestCase):
    """alice (IRC, ``draft/channel-rename``) owns #tea, whose topic is set;
    carol (IRC, no capability) and bob (line) are in it."""

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.capped("alice", RENAME)
        self.carol = self.capped("carol")
        self.alice.send("JOIN #tea", "TOPIC #tea :green or black")
        self.carol.send("JOIN #tea")
        self.bob = self.line("bob")
        self.bob.send("/join tea")
        for client in (self.alice, self.carol):
            client.received()
        self.bob.received()

    def test_rename_with_and_without_the_capability(self) -> None:
        """alice's ``RENAME``: she hears it as sent; carol parts #tea with a
        reason naming #chai, alice and why, and joins #chai with its topic
        and names, then a NOTICE there says what happened (irssi closes
        #tea's window on the PART, reason and all); bob hears
        ``RENAMED``; all talk on in #chai."""
        self.alice.send("RENAME #tea #chai :more spice")
        self.assertEqual(
            self.alice.received(),
            [":alice!alice@chatroom RENAME #tea #chai :more spice"],
        )
        lines = self.carol.received()
        self.assertEqual(
            lines[:2],
            [
                ":carol!carol@chatroom PART #tea"
                " :renamed to #chai by alice: more spice",
                ":carol!carol@chatroom JOIN :#chai",
            ],
        )
        self.assertIn(":chatroom 332 carol #chai :green or black", lines)
        names = [line for line in lines if " 353 " in line]
        self.assertEqual(len(names), 1)
        self.assertTrue(names[0].endswith(":@alice carol bob"), names)
        self.assertEqual(lines[-2], ":chatroom 366 carol #chai :End of /NAMES list")
        self.assertEqual(
            lines[-1], ":chatroom NOTICE #chai :alice renamed #tea to #chai: more spice"
        )
        self.assertEqual(self.bob.received(), ["RENAMED tea chai alice more spice"])
        self.carol.send("PRIVMSG #chai :here")
        self.assertEqual(
            self.alice.received(), [":carol!carol@chatroom PRIVMSG #chai :here"]
        )

    def test_a_rename_without_a_reason_says_who(self) -> None:
        """Without a reason, the PART still names the new channel and who
        renamed it, and the NOTICE in the new channel says it again."""
        self.alice.send("RENAME #tea #chai")
        lines = self.carol.received()
        self.assertEqual(
            lines[0], ":carol!carol@chatroom PART #tea :renamed to #chai by alice"
        )
        self.assertEqual(
            lines[-1], ":chatroom NOTICE #chai :alice renamed #tea to #chai"
        )

    def test_the_old_name_joins_the_renamed_room(self) -> None:
        """Within ``--rename-grace`` a ``JOIN #tea`` joins #chai: ``JOIN
        #chai`` and its names, and dave talks there."""
        self.alice.send("RENAME #tea #chai")
        self.alice.received()
        self.bob.received()
        dave = self.capped("dave")
        dave.send("JOIN #tea")
        lines = dave.received()
        self.assertEqual(lines[0], ":dave!dave@chatroom JOIN :#chai")
        self.assertIn(":chatroom 366 dave #chai :End of /NAMES list", lines)
        self.assertFalse(any(" 403 " in line for line in lines), lines)
        dave.send("PRIVMSG #chai :hello")
        self.assertRegex(self.bob.received()[-1], r"^MSG chai dave \S+ hello$")

    def test_a_new_case_needs_no_fallback(self) -> None:
        """``RENAME #tea #Tea``: alice hears it; carol, without the
        capability, hears nothing and talks on; the room is called Tea."""
        self.alice.send("RENAME #tea #Tea")
        self.assertEqual(
            self.alice.received(), [":alice!alice@chatroom RENAME #tea #Tea :"]
        )
        self.assertEqual(self.carol.received(), [])
        self.assertEqual(self.bob.received(), ["RENAMED tea Tea alice"])

    def test_refusals(self) -> None:
        """carol is no op: ``482``; a name taken: ``CHANNEL_NAME_IN_USE``;
        a name that is no channel: ``CANNOT_RENAME``; nothing changed."""
        self.bob.send("/create coffee")  # and out of tea
        self.alice.received()
        self.carol.received()
        self.carol.send("RENAME #tea #chai")
        self.assertEqual(
            self.carol.received(),
            [":chatroom 482 carol #tea :only the owner of tea can rename it"],
        )
        self.alice.send("RENAME #tea #coffee :why not")
        self.assertEqual(
            self.alice.received(),
            [
                ":chatroom FAIL RENAME CHANNEL_NAME_IN_USE #tea #coffee "
                ":The channel name is already taken"
            ],
        )
        self.alice.send("RENAME #tea chai")
        (failed,) = self.alice.received()
        self.assertTrue(
            failed.startswith(":chatroom FAIL RENAME CANNOT_RENAME "), failed
        )
        self.assertEqual(self.carol.received(), [])

    def test_the_capability_is_offered(self) -> None:
        """``CAP LS 302`` names it, and ``CAP REQ`` gets it."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302")
        offered = [
            o for line in client.received() for o in line.split(" :", 1)[1].split()
        ]
        self.assertIn(RENAME, offered)
        client.send(f"CAP REQ :{RENAME}")
        self.assertEqual(client.received(), [f":chatroom CAP * ACK :{RENAME}"])
