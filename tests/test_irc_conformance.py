"""RFC 1459/2812 and Modern behaviour of the IRC door, as irctest checks it.

irctest (``progval/irctest``) cannot run here (see docs/irc.md), so each
test below checks the same behaviour as the irctest server test named in
its comment, written anew over ``StringTransport`` (the server started as
``My.Little.Server``, as irctest's controller starts it).
"""

from __future__ import annotations

from chatroom.doors.irc.wire import CHANNEL_LIMIT, parse
from chatroom.wiring.server import ServerConfig
from tests.test_irc import IRCClient, IRCTestCase


def params(line: str) -> tuple[str, ...]:
    """A received line's parameters (after its source and command)."""
    message = parse(line)
    assert message is not None
    return message.params


class ConformanceCase(IRCTestCase):
    """The server under irctest's name."""

    config = ServerConfig(rate=0, name="My.Little.Server")

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


class QuitTests(ConformanceCase):
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
        """A line user's /leave is PART, their /quit is QUIT."""
        (bar,) = self.joined("#chan", "bar")
        lina = self.line("lina", "chan")
        bar.received()
        lina.send("/leave")
        self.assertEqual(
            bar.received(), [":lina!lina@My.Little.Server PART #chan :left"]
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
        """A line that is not UTF-8 is ``FAIL * INVALID_UTF8`` and nothing is
        sent on (Utf8TestCase.testUtf8Validation), and UTF8ONLY is in 005."""
        foo, bar = self.irc("foo"), self.irc("bar")
        foo.session.dataReceived(b"PRIVMSG bar hi\xaa\r\n")
        line = foo.received()[0]
        self.assertEqual(params(line)[:2], ("*", "INVALID_UTF8"))
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
        self.assertEqual(tokens["CHANLIMIT"], f"#:{CHANNEL_LIMIT}")
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
        for start in range(0, CHANNEL_LIMIT, 10):
            foo.send("JOIN " + ",".join(f"#h{n}" for n in range(start, start + 10)))
        foo.received()
        foo.send("JOIN #onemore")
        self.assertEqual(foo.numerics(), ["405"])
        foo.send("LIST #onemore")
        self.assertNotIn("322", foo.numerics())
