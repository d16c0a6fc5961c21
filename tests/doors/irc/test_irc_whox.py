"""IRCv3 WHOX at the IRC door: ``WHO mask %fields[,token]`` answered with
``354``s, and who ``WHO`` lists from a secret room.

Real :class:`IRCProtocol` objects over ``StringTransport`` with line users
on one server and a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); comments name
the irctest server test (``progval/irctest`` who.py) that checks the same.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase


class WhoxTests(AccountsCase):
    """WHO with a % second parameter."""

    def registered(self, nick: str, user: str, real: str) -> IRCClient:
        """An IRC client with its own USER name and realname."""
        client = IRCClient(self.factory)
        client.send(f"NICK {nick}", f"USER {user} 0 * :{real}")
        client.received()
        return client

    def test_isupport_says_whox(self) -> None:
        """005 carries WHOX, which irctest looks for before any WHOX test."""
        client = IRCClient(self.factory)
        client.send("NICK alice", "USER alice 0 * :A")
        tokens = {
            token
            for line in client.received()
            if " 005 " in line
            for token in line.split(" :")[0].split(" ")[3:]
        }
        self.assertIn("WHOX", tokens)

    def test_every_field_in_ergos_order_whatever_was_asked(self) -> None:
        """%tcuihsnfdlaor,123 and the same letters reversed give the same
        354: token, channel, user, hidden address, host, server, nick,
        flags, hops, idle seconds, account (0: none), op level, realname
        (irctest who testWhoxFull, testWhoxFullReversed)."""
        cool = self.registered("coolNick", "myusernam", "My UniqueReal Name")
        cool.send("JOIN #chan")
        other = self.irc("other")
        other.send("JOIN #chan")
        other.received()
        self.clock.advance(7)
        expected = [
            ":chatroom 354 other 123 * myusernam 255.255.255.255 chatroom "
            "chatroom coolNick H 0 7 0 0 :My UniqueReal Name",
            ":chatroom 315 other coolNick :End of WHO list",
        ]
        other.send("WHO coolNick %tcuihsnfdlaor,123")
        self.assertEqual(other.received(), expected)
        other.send("WHO coolNick %roaldfnshiuct,123")
        self.assertEqual(other.received(), expected)

    def test_channel_fields_and_token(self) -> None:
        """WHO #chan %tcnf,321: each member with the channel and @ for its
        owner; the token marks every reply (irctest who testWhoxToken)."""
        cool = self.registered("coolNick", "myusernam", "Real")
        cool.send("JOIN #chan")
        other = self.irc("other")
        other.send("JOIN #chan", "AWAY :lunch")
        other.received()
        other.send("WHO #chan %tcnf,321")
        self.assertEqual(
            other.received(),
            [
                ":chatroom 354 other 321 #chan coolNick :H@",
                ":chatroom 354 other 321 #chan other :G",
                ":chatroom 315 other #chan :End of WHO list",
            ],
        )

    def test_one_field_each(self) -> None:
        """Each field alone is one 354 with that value (irctest who
        testWhoxOneChar)."""
        self.registered("coolNick", "myusernam", "Real Name")
        other = self.irc("other")
        values = {
            "c": "*",
            "u": "myusernam",
            "i": "255.255.255.255",
            "h": "chatroom",
            "s": "chatroom",
            "n": "coolNick",
            "f": "H",
            "d": "0",
            "l": "0",
            "a": "0",
            "o": "0",
            "r": "Real Name",
        }
        for field, value in values.items():
            other.send(f"WHO coolNick %{field}")
            self.assertEqual(
                other.received(),
                [
                    f":chatroom 354 other :{value}",
                    ":chatroom 315 other coolNick :End of WHO list",
                ],
                field,
            )

    def test_flags_say_bot_as_plain_who_does(self) -> None:
        """%nf shows a bot's B after H, as 352 does, so WHOX clients see
        the same flags."""
        bot = self.irc("robo")
        bot.send("MODE robo +B")
        other = self.irc("other")
        other.send("WHO robo %nf", "WHO robo")
        lines = other.received()
        self.assertEqual(lines[0], ":chatroom 354 other robo :HB")
        self.assertIn(" robo HB :0 ", lines[2])

    def test_token_must_be_up_to_three_digits(self) -> None:
        """A token that is not 1-3 digits is answered as 0, never echoed:
        the specification allows no other."""
        self.registered("coolNick", "u", "R")
        other = self.irc("other")
        other.send("WHO coolNick %tn,abcd")
        self.assertEqual(other.received()[0], ":chatroom 354 other 0 :coolNick")

    def test_account_of_a_signed_in_user(self) -> None:
        """%na shows the account a user signed in to, under another nick,
        and 0 for someone signed in to none (irctest who testWhoxAccount,
        testWhoxNoAccount)."""
        self.account("coolAcct")
        cool = IRCClient(self.factory)
        cool.send(f"PASS coolAcct:{PASSWORD}", "NICK coolNick", "USER u 0 * :R")
        cool.received()
        self.irc("plain")
        other = self.irc("other")
        other.send("WHO coolNick %na", "WHO plain %na")
        self.assertEqual(
            other.received(),
            [
                ":chatroom 354 other coolNick :coolAcct",
                ":chatroom 315 other coolNick :End of WHO list",
                ":chatroom 354 other plain :0",
                ":chatroom 315 other plain :End of WHO list",
            ],
        )

    def test_line_users_by_their_nick(self) -> None:
        """A line user in a room is found by a mask, with their nick as
        user and realname, and 0 idle (the IRC door does not know it)."""
        self.line("lina").send("/create tea")
        other = self.irc("other")
        other.send("WHO lin* %cunlr")
        self.assertEqual(
            other.received(),
            [
                ":chatroom 354 other * lina lina 0 :lina",
                ":chatroom 315 other lin* :End of WHO list",
            ],
        )

    def test_plain_who_ignores_other_second_parameters(self) -> None:
        """WHO nick o (RFC 2812's operators-only flag) is a plain WHO."""
        self.registered("coolNick", "myusernam", "Real")
        other = self.irc("other")
        other.send("WHO coolNick o")
        self.assertEqual(other.numerics(), ["352", "315"])


class WhoPrivacyTests(AccountsCase):
    """Who a secret room's member list is shown to."""

    def test_secret_room_members_hidden_from_outsiders(self) -> None:
        """WHO #room of a secret room lists nobody to a non-member, plain or
        WHOX, as NAMES shows nobody; its members still see each other."""
        owner = self.irc("owner")
        owner.send("JOIN #hush", "MODE #hush +s")
        owner.received()
        outsider = self.irc("outsider")
        for asked in ("WHO #hush", "WHO #hush %n"):
            outsider.send(asked)
            self.assertEqual(
                outsider.received(), [":chatroom 315 outsider #hush :End of WHO list"]
            )
        owner.send("WHO #hush %n")
        self.assertEqual(
            owner.received(),
            [
                ":chatroom 354 owner :owner",
                ":chatroom 315 owner #hush :End of WHO list",
            ],
        )

    def test_keyed_and_invite_only_rooms_hide_their_members_from_outsiders(
        self,
    ) -> None:
        """Issue 21's privacy: NAMES, WHO and WHOIS's channel list show a
        keyed or invite-only room's members to its members only, as the
        line door's /who does; an open room stays visible to anyone."""
        owner = self.irc("owner")
        owner.send(
            "JOIN #keyed", "MODE #keyed +k sesame", "JOIN #invited", "MODE #invited +i"
        )
        owner.send("JOIN #open")
        owner.received()
        outsider = self.irc("outsider")
        for room in ("#keyed", "#invited"):
            outsider.send(f"NAMES {room}", f"WHO {room}")
            self.assertEqual(outsider.numerics(), ["366", "315"], room)
        outsider.send("WHOIS owner")
        channels = [
            line for line in outsider.received() if line.split()[1:2] == ["319"]
        ]
        self.assertEqual(channels, [":chatroom 319 outsider owner :@#open"])
        outsider.send("NAMES #open")
        self.assertEqual(outsider.numerics(), ["353", "366"])
        owner.send("NAMES #keyed", "WHO #invited")
        self.assertEqual(owner.numerics(), ["353", "366", "352", "315"])
