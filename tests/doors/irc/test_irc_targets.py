"""Commands with several targets at the IRC door: ``NAMES #a,#b`` and
``KICK #chan a,b``, within the bounds ``TARGMAX`` gives.

Real :class:`IRCProtocol` objects over ``StringTransport`` on one server
and a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); comments name the irctest
server test (``progval/irctest``) that checks the same thing.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCTestCase


class MultiNamesTests(IRCTestCase):
    """NAMES with several channels (irctest names testNamesMultipleChannels)."""

    def test_names_of_two_channels_end_once(self) -> None:
        """Each channel's 353, then one 366 naming both as sent."""
        nick = self.irc("nick1")
        nick.send("JOIN #chan1", "JOIN #chan2")
        nick.received()
        nick.send("NAMES #chan1,#chan2")
        self.assertEqual(
            nick.received(),
            [
                ":chatroom 353 nick1 = #chan1 :@nick1",
                ":chatroom 353 nick1 = #chan2 :@nick1",
                ":chatroom 366 nick1 #chan1,#chan2 :End of /NAMES list",
            ],
        )

    def test_missing_and_secret_channels_have_no_names(self) -> None:
        """A channel nobody made and a secret one the asker is not in add no
        353 to the list; the one 366 still ends it."""
        owner = self.irc("owner")
        owner.send("JOIN #open", "JOIN #hush", "MODE #hush +s")
        other = self.irc("other")
        other.send("NAMES #hush,#nowhere,#open")
        self.assertEqual(
            other.received(),
            [
                ":chatroom 353 other = #open :@owner",
                ":chatroom 366 other #hush,#nowhere,#open :End of /NAMES list",
            ],
        )

    def test_names_past_targmax_is_407(self) -> None:
        """005 says NAMES:10; an eleventh channel is 407, the ten are
        answered."""
        nick = self.irc("nick1")
        chans = ",".join(f"#c{n}" for n in range(11))
        nick.send(f"NAMES {chans}")
        self.assertEqual(
            nick.received()[-2:],
            [
                f":chatroom 366 nick1 {chans.rpartition(',')[0]} :End of /NAMES list",
                ":chatroom 407 nick1 #c10 :Too many targets",
            ],
        )


class MultiKickTests(IRCTestCase):
    """KICK with several nicks (irctest kick testMultiKickMessages)."""

    def setUp(self) -> None:
        super().setUp()
        self.foo = self.irc("foo")
        self.foo.send("JOIN #chan")
        self.members = [self.irc(nick) for nick in ("bar", "baz", "qux")]
        for member in self.members:
            member.send("JOIN #chan")
        for client in (self.foo, *self.members):
            client.received()

    def test_one_channel_many_nicks(self) -> None:
        """KICK #chan bar,baz :bye: one KICK line each, as RFC 2812 says a
        server sends them; both are out."""
        self.foo.send("KICK #chan bar,baz :bye")
        expected = [
            ":foo!foo@chatroom KICK #chan bar :bye",
            ":foo!foo@chatroom KICK #chan baz :bye",
        ]
        self.assertEqual(self.members[2].received(), expected)
        self.foo.send("NAMES #chan")
        self.assertEqual(self.foo.received()[-2], ":chatroom 353 foo = #chan :@foo qux")

    def test_channels_paired_with_nicks(self) -> None:
        """KICK #chan,#chan bar,baz pairs each channel with its nick; counts
        that differ are 461 and kick nobody."""
        self.foo.send("KICK #chan,#chan bar :bye")
        self.assertEqual(self.foo.numerics(), ["461"])
        self.foo.send("KICK #chan,#chan bar,baz :bye")
        self.assertEqual(
            self.members[2].received(),
            [
                ":foo!foo@chatroom KICK #chan bar :bye",
                ":foo!foo@chatroom KICK #chan baz :bye",
            ],
        )

    def test_each_nick_refused_on_its_own(self) -> None:
        """A nick not in the channel is 441; the others are kicked."""
        self.foo.send("KICK #chan nobody,bar :bye")
        self.assertEqual(
            self.foo.received(),
            [
                ":chatroom 441 foo nobody #chan :They aren't on that channel",
                ":foo!foo@chatroom KICK #chan bar :bye",
            ],
        )

    def test_kick_past_targmax_is_407(self) -> None:
        """005 says KICK:4; a fifth nick is 407."""
        self.foo.send("KICK #chan a,b,c,d,bar :bye")
        self.assertEqual(
            self.foo.received()[-1], ":chatroom 407 foo bar :Too many targets"
        )
        self.assertEqual(self.members[0].received(), [])
