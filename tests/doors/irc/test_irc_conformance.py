"""RFC 1459/2812 and Modern behaviour of the IRC door, as irctest checks it.

irctest (``progval/irctest``) cannot run here (see docs/irc.md), so each
test below checks the same behaviour as the irctest server test named in
its comment, written anew over ``StringTransport`` (the server started as
``My.Little.Server``, as irctest's controller starts it).
"""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from chatroom.core.policy.rules import ROOMS_PER_USER
from chatroom.doors.irc.wire import parse
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase


def params(line: str) -> tuple[str, ...]:
    """A received line's parameters (after its source and command)."""
    message = parse(line)
    assert message is not None
    return message.params


class ConformanceCase(AccountsCase):
    """The server under irctest's name, with no room made at start."""

    config = ServerConfig(rate=0, name="My.Little.Server", rooms=())

    def irc(self, nick: str | None = None) -> IRCClient:
        client = IRCClient(self.factory)
        if nick is not None:
            client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick} Real")
            lines = client.received()
            self.assertIn(f":My.Little.Server 001 {nick} ", lines[0])
        return client

    def joined(self, channel: str, *nicks: str) -> list[IRCClient]:
        """IRC users ``nicks`` in ``channel`` (the first created it), all
        they were sent so far read."""
        clients = []
        for nick in nicks:
            client = self.irc(nick)
            client.send(f"JOIN {channel}")
            clients.append(client)
        for client in clients:
            client.received()
        return clients


class IRCConformanceQuitTests(ConformanceCase):
    """irctest quit.py, connection_registration.py."""

    def test_quit_reaches_others_as_quit(self) -> None:
        """A QUIT is seen as QUIT with its reason and the quitter's mask
        (irctest ChannelQuitTestCase.testQuit), once however many channels
        are shared, and the quitter gets ERROR (testQuitErrors)."""
        bar, qux = self.joined("#chan", "bar", "qux")
        bar.send("JOIN #other")
        qux.send("JOIN #other")
        bar.received(), qux.received()
        qux.send("QUIT :qux out")
        self.assertEqual(
            bar.received(), [":qux!qux@My.Little.Server QUIT :Quit: qux out"]
        )
        self.assertTrue(qux.received()[-1].startswith("ERROR "))
        self.assertTrue(qux.closing)

    def test_lost_connection_is_a_quit(self) -> None:
        """A connection that drops is a QUIT too, its reason the cause."""
        bar, qux = self.joined("#chan", "bar", "qux")
        qux.session.connectionLost()
        (line,) = bar.received()
        self.assertTrue(line.startswith(":qux!qux@My.Little.Server QUIT :connection "))

    def test_line_user_leaving_is_part_quitting_is_quit(self) -> None:
        """A line user's /leave and move to another room are PART, their
        /quit is QUIT."""
        (bar,) = self.joined("#chan", "bar")
        lina = self.line("lina", "chan")
        bar.received()
        lina.send("/leave")
        self.assertEqual(
            bar.received(), [":lina!lina@My.Little.Server PART #chan :left"]
        )
        lina.send("/join chan")
        bar.received()
        lina.send("/create elsewhere")
        self.assertEqual(
            bar.received(),
            [":lina!lina@My.Little.Server PART #chan :left for elsewhere"],
        )
        lina.send("/join chan")
        bar.received()
        lina.send("/quit bye")
        self.assertEqual(
            bar.received(), [":lina!lina@My.Little.Server QUIT :Quit: bye"]
        )

    def test_part_words_are_not_a_quit(self) -> None:
        """PART words that look like a quit reason stay a PART
        (irctest part.py testPartMessage)."""
        bar, qux = self.joined("#chan", "bar", "qux")
        qux.send("PART #chan :quit: fooled you")
        self.assertEqual(
            bar.received(), [":qux!qux@My.Little.Server PART #chan :quit: fooled you"]
        )


class PingKickInviteTests(ConformanceCase):
    """irctest pingpong.py, kick.py, invite.py."""

    def test_ping(self) -> None:
        """PONG names the server then the token (testPing); PING without a
        token is 409 (testPingNoToken); an empty token is echoed empty
        (testPingEmptyToken)."""
        foo = self.irc("foo")
        foo.send("PING abcdef")
        self.assertEqual(params(foo.received()[0]), ("My.Little.Server", "abcdef"))
        foo.send("PING")
        line = foo.received()[0]
        self.assertIn(" 409 foo ", line)
        foo.send("PING :")
        self.assertEqual(foo.received(), [":My.Little.Server PONG My.Little.Server :"])

    def test_kick_default_comment(self) -> None:
        """KICK without a comment uses the kicker's nick
        (testKickDefaultComment); with one, the comment (testKickSendsMessages)."""
        foo, bar, baz = self.joined("#chan", "foo", "bar", "baz")
        foo.send("KICK #chan bar")
        expected = ":foo!foo@My.Little.Server KICK #chan bar :foo"
        self.assertEqual(bar.received(), [expected])
        self.assertEqual(baz.received(), [expected])
        bar.send("JOIN #chan")
        foo.received(), baz.received(), bar.received()
        foo.send("KICK #chan bar :bye")
        self.assertEqual(params(baz.received()[0]), ("#chan", "bar", "bye"))

    def test_invite(self) -> None:
        """INVITE to +i: 401 for nobody, 473 before, then 341 to the
        inviter and INVITE from the inviter's mask (testInvites)."""
        (foo,) = self.joined("#chan", "foo")
        foo.send("MODE #chan +i")
        foo.received()
        foo.send("INVITE bar #chan")
        self.assertEqual(foo.numerics(), ["401"])
        bar = self.irc("bar")
        bar.send("JOIN #chan")
        self.assertEqual(bar.numerics(), ["473"])
        foo.send("INVITE bar #chan")
        self.assertEqual(foo.received(), [":My.Little.Server 341 foo bar :#chan"])
        self.assertEqual(
            bar.received(), [":foo!foo@My.Little.Server INVITE bar :#chan"]
        )
        bar.send("JOIN #chan")
        self.assertEqual(bar.numerics()[0], "JOIN")


class EncodingAndLimitsTests(ConformanceCase):
    """irctest utf8.py, isupport.py; issue 21's TARGMAX and CHANLIMIT."""

    def test_invalid_utf8_is_fail(self) -> None:
        """A line that is not UTF-8 is ``FAIL PRIVMSG INVALID_UTF8`` (its
        command, as Ergo names it) and nothing is
        sent on (Utf8TestCase.testUtf8Validation), and UTF8ONLY is in 005."""
        foo, bar = self.irc("foo"), self.irc("bar")
        foo.session.dataReceived(b"PRIVMSG bar hi\xaa\r\n")
        line = foo.received()[0]
        self.assertEqual(params(line)[:2], ("PRIVMSG", "INVALID_UTF8"))
        self.assertEqual(line.split(" ")[1], "FAIL")
        self.assertEqual(bar.received(), [])
        foo.send("PRIVMSG bar hi")
        self.assertEqual(bar.received(), [":foo!foo@My.Little.Server PRIVMSG bar :hi"])

    def test_isupport(self) -> None:
        """005 lines have at most 15 parameters, ASCII tokens
        (IsupportTestCase.testParameters), a TARGMAX of ``CMD:N`` bounds
        (testTargmax), CHANLIMIT, MONITOR and UTF8ONLY."""
        client = IRCClient(self.factory)
        client.send("NICK foo", "USER foo 0 * :foo")
        tokens: dict[str, str] = {}
        for line in client.received():
            if line.split(" ")[1] != "005":
                continue
            values = params(line)
            self.assertLessEqual(len(values), 15)
            self.assertEqual(values[0], "foo")
            for token in values[1:-1]:
                self.assertTrue(token.isascii())
                key, _, value = token.partition("=")
                tokens[key] = value
        for part in tokens["TARGMAX"].split(","):
            command, _, limit = part.partition(":")
            self.assertTrue(command.isupper() and limit.isdigit(), part)
        self.assertEqual(tokens["CHANLIMIT"], f"#:{ROOMS_PER_USER}")
        self.assertIn("MONITOR", tokens)
        self.assertIn("UTF8ONLY", tokens)

    def test_join_targets_bounded(self) -> None:
        """JOIN with more channels than TARGMAX allows joins the first ten
        and answers 407 for each of the rest, creating none of them."""
        foo = self.irc("foo")
        foo.send("JOIN " + ",".join(f"#h{n}" for n in range(12)))
        numerics = foo.numerics()
        self.assertEqual(numerics.count("JOIN"), 10)
        self.assertEqual(numerics.count("407"), 2)
        self.assertEqual(len(foo.session.rooms), 10)

    def test_channel_limit(self) -> None:
        """Past CHANLIMIT, JOIN is 405 and the room is not created."""
        foo = self.irc("foo")
        for start in range(0, ROOMS_PER_USER, 10):
            foo.send("JOIN " + ",".join(f"#h{n}" for n in range(start, start + 10)))
        foo.received()
        foo.send("JOIN #onemore")
        self.assertEqual(foo.numerics(), ["405"])
        foo.send("LIST #onemore")
        self.assertNotIn("322", foo.numerics())


class WhoisWhowasAwayTests(ConformanceCase):
    """irctest whois.py, whowas.py, away.py, away_notify.py."""

    def test_whois_of_another_irc_user(self) -> None:
        """311 with their USER name and realname (testWhoisUser), 319, 312,
        301 when away, 317 idle and signon, 318 last (testWhoisNumerics)."""
        other = IRCClient(self.factory)
        other.send("NICK coolNick", "USER myusernam 0 * :My User Name")
        other.send("JOIN #chan1", "AWAY :I'm on a break")
        other.received()
        self.clock.advance(30)
        asker = self.irc("otherNick")
        asker.send("WHOIS coolNick")
        lines = asker.received()
        commands = [line.split(" ")[1] for line in lines]
        self.assertEqual(commands, ["311", "319", "312", "301", "317", "318"])
        self.assertEqual(
            params(lines[0]),
            (
                "otherNick",
                "coolNick",
                "myusernam",
                "My.Little.Server",
                "*",
                "My User Name",
            ),
        )
        self.assertEqual(params(lines[1])[2], "@#chan1")
        self.assertEqual(params(lines[3])[2], "I'm on a break")
        idle, signon = params(lines[4])[2:4]
        self.assertEqual(int(idle), 30)
        self.assertTrue(signon.isdigit())

    def test_whois_account(self) -> None:
        """330 names the account of a user signed in (testWhoisNumerics
        with authentication)."""
        line = self.line("val")
        line.send(f"/register {PASSWORD}")
        line.send("/create tea")
        line.received()
        asker = self.irc("nick1")
        asker.send("WHOIS val")
        lines = asker.received()
        accounts = [line for line in lines if line.split(" ")[1] == "330"]
        self.assertEqual(len(accounts), 1)
        self.assertEqual(params(accounts[0])[:3], ("nick1", "val", "val"))

    def test_whois_nobody(self) -> None:
        """401 then 318 for a nick nobody holds."""
        asker = self.irc("nick1")
        asker.send("WHOIS nobody")
        self.assertEqual(asker.numerics(), ["401", "318"])

    def test_whowas(self) -> None:
        """Past holders newest first, 314 with their USER name and realname,
        then 369 (testWhowasMultiple); a count of 1 gives one
        (testWhowasCount1); 406 then 369 for a nick never seen
        (testWhowasNoSuchNick); no nick is 431 (testWhowasNoParamModern)."""
        asker = self.irc("nick1")
        for ident in ("ident2", "ident3"):
            gone = IRCClient(self.factory)
            gone.send("NICK nick2", f"USER {ident} 0 * :Realname", "QUIT :bye")
        asker.send("WHOWAS nick2")
        lines = asker.received()
        self.assertEqual(
            [line.split(" ")[1] for line in lines], ["314", "312", "314", "312", "369"]
        )
        self.assertEqual(
            params(lines[0]),
            ("nick1", "nick2", "ident3", "My.Little.Server", "*", "Realname"),
        )
        self.assertEqual(params(lines[2])[2], "ident2")
        asker.send("WHOWAS nick2 1")
        self.assertEqual(asker.numerics(), ["314", "312", "369"])
        asker.send("WHOWAS nobody")
        self.assertEqual(asker.numerics(), ["406", "369"])
        asker.send("WHOWAS")
        self.assertEqual(asker.numerics(), ["431"])

    def test_whowas_after_nick_change(self) -> None:
        """A nick given up by NICK is in WHOWAS too."""
        asker = self.irc("nick1")
        changer = self.irc("before")
        changer.send("NICK after")
        asker.send("WHOWAS before")
        self.assertEqual(asker.numerics(), ["314", "312", "369"])

    def test_away(self) -> None:
        """306 then 305 (AwayTestCase.testAway); a private message to an
        away user is answered 301 with the message
        (testAwayPrivmsg); nobody is told without away-notify."""
        foo, bar = self.joined("#chan", "foo", "bar")
        bar.send("AWAY :I'm not here right now")
        self.assertEqual(bar.numerics(), ["306"])
        self.assertEqual(foo.received(), [])
        foo.send("PRIVMSG bar :what's up")
        bar.received()
        self.assertEqual(
            foo.received(),
            [":My.Little.Server 301 foo bar :I'm not here right now"],
        )
        bar.send("AWAY")
        self.assertEqual(bar.numerics(), ["305"])
        foo.send("PRIVMSG bar :back?")
        self.assertEqual(foo.received(), [])

    def test_away_notify(self) -> None:
        """With away-notify, users sharing a channel hear AWAY with the
        message and a bare AWAY on return (AwayNotifyTestCase.testAwayNotify);
        users in no shared channel hear nothing."""
        watcher = IRCClient(self.factory)
        watcher.send(
            "CAP LS 302", "CAP REQ :away-notify", "NICK foo", "USER foo 0 * :f"
        )
        watcher.send("CAP END", "JOIN #chan")
        elsewhere = IRCClient(self.factory)
        elsewhere.send("CAP REQ :away-notify", "CAP END", "NICK baz", "USER b 0 * :b")
        (bar,) = self.joined("#chan", "bar")
        watcher.received(), elsewhere.received()
        bar.send("AWAY :afk")
        self.assertEqual(watcher.received(), [":bar!bar@My.Little.Server AWAY :afk"])
        bar.send("AWAY")
        self.assertEqual(watcher.received(), [":bar!bar@My.Little.Server AWAY"])
        self.assertEqual(elsewhere.received(), [])


class MonitorAndListTests(ConformanceCase):
    """irctest monitor.py and list.py."""

    def test_monitor(self) -> None:
        """731 for an offline nick, 730 when it arrives, 731 when it quits
        (testMonitorOneDisconnected); L lists, C clears
        (testMonitorClear); - stops the notices (testUnmonitor); a mask is
        refused (testMonitorForbidsMasks)."""
        foo = self.irc("foo")
        foo.send("MONITOR + bar")
        self.assertEqual(foo.received(), [":My.Little.Server 731 foo :bar"])
        bar = self.irc("bar")
        self.assertEqual(
            foo.received(), [":My.Little.Server 730 foo :bar!bar@My.Little.Server"]
        )
        bar.send("QUIT :bye")
        self.assertEqual(foo.received(), [":My.Little.Server 731 foo :bar"])
        foo.send("MONITOR + qux,bazbat", "MONITOR L")
        lines = foo.received()
        self.assertEqual(params(lines[-2]), ("foo", "bar,qux,bazbat"))
        self.assertEqual(lines[-1].split(" ")[1], "733")
        foo.send("MONITOR - qux")
        self.irc("qux")
        self.assertEqual(foo.received(), [])
        foo.send("MONITOR C", "MONITOR L")
        self.assertEqual(foo.numerics(), ["733"])
        foo.send("MONITOR + *!username@localhost")
        self.assertEqual(foo.numerics(), ["432"])

    def test_monitor_one_connected(self) -> None:
        """MONITOR + of a nick already here is 730 at once, and 731 when it
        quits (testMonitorOneConnected); a rename is 731 for the old nick
        and 730 for the new (testMonitorNickChange-like)."""
        foo, bar = self.irc("foo"), self.irc("bar")
        foo.send("MONITOR + bar,qux")
        self.assertEqual(
            foo.received(),
            [
                ":My.Little.Server 730 foo :bar!bar@My.Little.Server",
                ":My.Little.Server 731 foo :qux",
            ],
        )
        bar.send("NICK qux")
        self.assertEqual(
            foo.received(),
            [
                ":My.Little.Server 731 foo :bar",
                ":My.Little.Server 730 foo :qux!qux@My.Little.Server",
            ],
        )
        bar.send("QUIT")
        self.assertEqual(foo.received(), [":My.Little.Server 731 foo :qux"])

    def test_monitor_sees_line_users_in_rooms(self) -> None:
        """A line user signing on is 730 to who monitors it, as an IRC
        user is (any door's names are the core's), and MONITOR S says it
        is online; its sign-off is 731."""
        foo = self.irc("foo")
        foo.send("MONITOR + lina,nobody")
        foo.received()
        line = self.line("lina")
        self.assertEqual(
            foo.received(), [":My.Little.Server 730 foo :lina!lina@My.Little.Server"]
        )
        line.send("/create tea")
        foo.send("MONITOR S")
        self.assertEqual(
            foo.received(),
            [
                ":My.Little.Server 730 foo :lina!lina@My.Little.Server",
                ":My.Little.Server 731 foo :nobody",
            ],
        )
        line.send("/quit")
        self.assertEqual(foo.received(), [":My.Little.Server 731 foo :lina"])

    def test_monitor_list_is_bounded(self) -> None:
        """Past the MONITOR limit in 005: 734 with the nicks not added."""
        foo = self.irc("foo")
        foo.send("MONITOR + " + ",".join(f"n{n}" for n in range(100)))
        foo.received()
        foo.send("MONITOR + extra1,extra2")
        self.assertEqual(
            foo.received(),
            [":My.Little.Server 734 foo 100 extra1,extra2 :Monitor list is full"],
        )

    def test_list_filters(self) -> None:
        """LIST masks (testListMask), ! masks (testListNotMask), >n and <n
        users (testListUsers); a LIST for no room is 321 and 323 only
        (testListNonexistent); with no room, LIST is empty (testListEmpty)."""
        foo, bar = self.irc("foo"), self.irc("bar")
        foo.send("LIST")
        self.assertEqual(foo.numerics(), ["321", "323"])
        foo.send("JOIN #chan1", "JOIN #chan2")
        bar.send("JOIN #chan2")
        foo.received(), bar.received()

        def channels(query: str) -> set[str]:
            bar.send(query)
            return {
                params(line)[1]
                for line in bar.received()
                if line.split(" ")[1] == "322"
            }

        self.assertEqual(channels("LIST *an1"), {"#chan1"})
        self.assertEqual(channels("LIST #c*n2"), {"#chan2"})
        self.assertEqual(channels("LIST #ch*"), {"#chan1", "#chan2"})
        self.assertEqual(channels("LIST !*an1"), {"#chan2"})
        self.assertEqual(channels("LIST !#ch*"), set())
        self.assertEqual(channels("LIST >1"), {"#chan2"})
        self.assertEqual(channels("LIST <2"), {"#chan1"})
        self.assertEqual(channels("LIST <1"), set())
        self.assertEqual(channels("LIST >0"), {"#chan1", "#chan2"})
        bar.send("LIST #nonexistent")
        self.assertEqual(bar.numerics(), ["321", "323"])


class ServerPasswordTests(ConformanceCase):
    """irctest connection_registration.py's PasswordedConnectionRegistrationTestCase,
    the door started with ``--irc-password testpassword``."""

    config = ServerConfig(
        rate=0, name="My.Little.Server", rooms=(), irc_password="testpassword"
    )

    def assert_turned_away(self, client: IRCClient) -> None:
        """464, then ERROR, then the connection closes."""
        lines = client.received()
        self.assertEqual(lines[0].split(" ")[1], "464")
        self.assertTrue(lines[1].startswith("ERROR :"))
        self.assertEqual(len(lines), 2)
        self.assertTrue(client.closing)

    def test_pass_before_nick_user(self) -> None:
        """The right PASS before NICK and USER: 001 (testPassBeforeNickuser)."""
        client = IRCClient(self.factory)
        client.send("PASS testpassword", "NICK foo", "USER username * * :Realname")
        self.assertEqual(client.numerics()[0], "001")

    def test_no_password(self) -> None:
        """No PASS: 464 and ERROR, never 001 (testNoPassword)."""
        client = IRCClient(self.factory)
        client.send("NICK foo", "USER username * * :Realname")
        self.assert_turned_away(client)

    def test_wrong_password(self) -> None:
        """A wrong PASS: 464 then ERROR, and the link closes
        (testWrongPassword)."""
        client = IRCClient(self.factory)
        client.send("PASS testpasswordgarbage", "NICK foo", "USER username * * :R")
        self.assert_turned_away(client)

    def test_bad_nick_then_good(self) -> None:
        """A 432 after the right PASS lets the client pick another nick
        without sending PASS again."""
        client = IRCClient(self.factory)
        client.send("PASS testpassword", "NICK bad!nick", "USER u * * :R")
        self.assertEqual(client.numerics(), ["432"])
        client.send("NICK good")
        self.assertEqual(client.numerics()[0], "001")
