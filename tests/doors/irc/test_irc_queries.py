"""``WHO`` with masks and real user names, ``USERHOST``, ``TIME`` and
``LUSERS`` at the IRC door.

Real :class:`IRCProtocol` objects over ``StringTransport`` with line users
on one server and a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`); comments name
the irctest server test (``progval/irctest``) that checks the same thing.
"""

from __future__ import annotations

from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import FakeClient


class IRCWhoTests(IRCTestCase):
    """WHO as Modern says (irctest who)."""

    def registered(self, nick: str, user: str, real: str) -> IRCClient:
        """An IRC client with its own USER name and realname."""
        client = IRCClient(self.factory)
        client.send(f"NICK {nick}", f"USER {user} 0 * :{real}")
        client.received()
        return client

    def test_who_nick_shows_user_name_and_realname(self) -> None:
        """352 carries the USER name and the realname, in any case of the
        nick (irctest who testWhoNick[exact/casefolded])."""
        self.registered("coolNick", "myusernam", "My Real Name")
        other = self.irc("other")
        for mask in ("coolNick", "coolnick"):
            other.send(f"WHO {mask}")
            self.assertEqual(
                other.received(),
                [
                    ":chatroom 352 other * myusernam chatroom chatroom coolNick H "
                    ":0 My Real Name",
                    f":chatroom 315 other {mask} :End of WHO list",
                ],
            )

    def test_who_channel_has_user_names_ops_and_away(self) -> None:
        """WHO #chan: each member with their USER name, @ for the owner, G
        for someone away (irctest who testWhoChan)."""
        cool = self.registered("coolNick", "myusernam", "Real")
        cool.send("JOIN #chan")
        other = self.irc("other")
        other.send("JOIN #chan", "AWAY :lunch")
        other.received()
        other.send("WHO #chan")
        self.assertEqual(
            other.received(),
            [
                ":chatroom 352 other #chan myusernam chatroom chatroom coolNick H@ "
                ":0 Real",
                ":chatroom 352 other #chan other chatroom chatroom other G "
                ":0 other Real",
                ":chatroom 315 other #chan :End of WHO list",
            ],
        )

    def test_who_masks(self) -> None:
        """WHO * and WHO coolni* find users (a line user in a room too)
        (irctest who testWhoStar, testWhoNick[mask])."""
        self.registered("coolNick", "myusernam", "Real")
        self.line("lina").send("/create tea")
        other = self.irc("other")
        other.send("WHO coolni*")
        self.assertEqual(other.numerics(), ["352", "315"])
        other.send("WHO *")
        nicks = [line.split(" ")[7] for line in other.received()[:-1]]
        self.assertEqual(sorted(nicks), ["coolNick", "lina", "other"])

    def test_who_mask_finds_a_user_in_no_room_at_any_door(self) -> None:
        """A line user in no room is a user too: WHO lin* lists lina (on
        two nodes, whichever node she is on)."""
        self.line("lina")
        other = self.irc("other")
        other.send("WHO lin*")
        lines = other.received()
        self.assertEqual([line.split(" ")[7] for line in lines[:-1]], ["lina"])
        self.assertIn(" 315 other lin* ", lines[-1])

    def test_invisible_user_hidden_from_masks_not_from_their_nick(self) -> None:
        """A +i user sharing no channel is left out of WHO eva*, but WHO
        evan finds them; sharing a channel, eva* does (irctest who
        testWhoInvisible)."""
        evan = self.irc("evan")
        evan.send("MODE evan +i")
        shiv = self.irc("shivaram")
        shiv.send("WHO eva*")
        self.assertEqual(shiv.numerics(), ["315"])
        shiv.send("WHO evan")
        self.assertEqual(shiv.numerics(), ["352", "315"])
        evan.send("JOIN #test")
        shiv.send("JOIN #test")
        shiv.received()
        shiv.send("WHO eva*")
        self.assertEqual(shiv.numerics(), ["352", "315"])


class ServerQueryTests(IRCTestCase):
    """USERHOST, TIME, LUSERS."""

    def test_userhost_says_away(self) -> None:
        """302 with + when here and - when away (irctest away
        testAwayUserhost); unknown nicks are left out."""
        bar = self.irc("bar")
        qux = self.irc("qux")
        qux.send("USERHOST bar nobody")
        self.assertEqual(qux.received(), [":chatroom 302 qux :bar=+bar@chatroom"])
        bar.send("AWAY :not here")
        qux.send("USERHOST bar")
        self.assertEqual(qux.received(), [":chatroom 302 qux :bar=-bar@chatroom"])

    def test_time(self) -> None:
        """391 with the server's name and its clock's time (irctest time)."""
        alice = self.irc("alice")
        alice.send("TIME")
        (line,) = alice.received()
        self.assertTrue(line.startswith(":chatroom 391 alice chatroom :"), line)
        self.assertIn("2026", line)

    def test_lusers_counts_users_unregistered_and_rooms(self) -> None:
        """251 counts users of every door (invisible apart), 253 those not
        registered yet, 254 rooms, then 255, 265 and 266 (irctest lusers)."""
        alice = self.irc("alice")
        alice.send("MODE alice +i", "JOIN #tea")
        # On alice's server, whose own users 255 and 265 count (on two nodes too).
        FakeClient(self.server).send("lina")
        IRCClient(self.factory).send("NICK half")  # no USER: not registered
        alice.received()
        alice.send("LUSERS")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 251 alice :There are 1 users and 1 invisible on 1 servers",
                ":chatroom 253 alice 1 :unknown connection(s)",
                ":chatroom 254 alice 2 :channels formed",  # general, tea
                ":chatroom 255 alice :I have 2 clients and 0 servers",
                ":chatroom 265 alice :Current local users: 2",
                ":chatroom 266 alice :Current global users: 2",
            ],
        )

    def test_lusers_counts_secret_rooms_and_forgets_rooms_gone(self) -> None:
        """254 counts every room, a secret one too (``+s``: left out of
        ``LIST`` for those not in it), and no more a room gone with its
        last member; the permanent room stays counted, empty."""
        alice = self.irc("alice")
        alice.send("JOIN #tea,#cake", "MODE #cake +s")
        bob = self.irc("bob")
        self.assertEqual(self.channels_formed(bob), "3")  # general, tea, cake
        alice.send("PART #tea")
        self.assertEqual(self.channels_formed(bob), "2")
        alice.send("PART #cake")
        self.assertEqual(self.channels_formed(bob), "1")

    def channels_formed(self, client: IRCClient) -> str:
        """The rooms ``LUSERS`` counts (254)."""
        client.received()
        client.send("LUSERS")
        (line,) = [line for line in client.received() if " 254 " in line]
        return line.split()[3]

    def test_lusers_follows_quits_and_modes(self) -> None:
        """An invisible user who quits, a half-registered connection that
        finishes, and ``-i`` are counted at once (irctest lusers
        testLusersFull, ErgoInvisibleDefaultTestCase)."""
        alice, bob = self.irc("alice"), self.irc("bob")
        bob.send("MODE bob +i")
        half = IRCClient(self.factory)
        half.send("NICK half")
        self.assertEqual(self.luser_counts(alice), ("1", "1", "1", "2"))
        half.send("USER h 0 * :h")
        self.assertEqual(self.luser_counts(alice), ("2", "1", "0", "3"))
        bob.send("QUIT")
        self.assertEqual(self.luser_counts(alice), ("2", "0", "0", "2"))
        alice.send("MODE alice +i")
        alice.received()
        self.assertEqual(self.luser_counts(alice), ("1", "1", "0", "2"))

    def luser_counts(self, client: IRCClient) -> tuple[str, ...]:
        """LUSERS as (visible, invisible, unknown, global users)."""
        client.received()
        client.send("LUSERS")
        lines = client.received()
        words = lines[0].split()
        unknown = next((line.split()[3] for line in lines if " 253 " in line), "0")
        return words[5], words[8], unknown, lines[-1].split()[-1]
