"""The IRC door's conformance and accounts over real sockets, against the
real service started as irctest starts a server (``--name
My.Little.Server``, no rooms made at start).

Each refusal and limit of tests/doors/irc/test_irc_conformance.py and
tests/doors/irc/test_irc_services.py once more, end to end: real IRC lines over
TCP, the line door and the web door next to them.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.integration.test_doors import DoorsTestCase
from tests.support import LineClient


def command(line: str) -> str:
    """A received line's command (or numeric)."""
    words = line.split(" ")
    return words[1] if line.startswith(":") else words[0]


class ConformanceOverSocketsTests(DoorsTestCase):
    """RFC and Modern behaviour, end to end."""

    options = (
        "--rate",
        "0",
        "--http",
        "tcp:0:interface=127.0.0.1",
        "--name",
        "My.Little.Server",
        "--rooms",
        "",
    )

    @defer.inlineCallbacks
    def test_quit_ping_kick_invite(self):
        """QUIT reaches an IRC user as QUIT; PING without a token is 409;
        KICK without a comment carries the kicker's nick; INVITE is 341."""
        foo = yield self.irc("foo")
        bar = yield self.irc("bar")
        foo.say("JOIN #chan")
        yield foo.expect(lambda line: " 366 " in line)
        bar.say("JOIN #chan")
        yield foo.expect(lambda line: " JOIN " in line and line.startswith(":bar!"))
        foo.say("PING")
        yield foo.expect(lambda line: command(line) == "409")
        foo.say("KICK #chan bar")
        kicked = yield bar.expect(lambda line: command(line) == "KICK")
        self.assertEqual(kicked, ":foo!foo@My.Little.Server KICK #chan bar :foo")
        foo.say("INVITE bar #chan")
        inviting = yield foo.expect(lambda line: command(line) in ("341", "NOTICE"))
        self.assertEqual(inviting, ":My.Little.Server 341 foo bar :#chan")
        bar.say("JOIN #chan")
        yield foo.expect(lambda line: line.startswith(":bar!") and " JOIN " in line)
        bar.say("QUIT :bar out")
        quit_line = yield foo.expect(lambda line: line.startswith(":bar!"))
        self.assertEqual(quit_line, ":bar!bar@My.Little.Server QUIT :Quit: bar out")

    @defer.inlineCallbacks
    def test_invalid_utf8_and_too_many_targets(self):
        """A line that is not UTF-8 is FAIL naming its command, INVALID_UTF8; JOIN past
        TARGMAX is 407 for each channel past it."""
        foo = yield self.irc("foo")
        foo.transport.write(b"PRIVMSG foo :\xff\xfe\r\n")
        line = yield foo.expect(lambda line: command(line) == "FAIL")
        self.assertEqual(line.split(" ")[2:4], ["PRIVMSG", "INVALID_UTF8"])
        foo.say("JOIN " + ",".join(f"#h{n}" for n in range(11)))
        refused = yield foo.expect(lambda line: command(line) == "407")
        self.assertIn(" #h10 ", refused)

    @defer.inlineCallbacks
    def test_whowas_monitor_away(self):
        """MONITOR hears a nick arrive and quit; WHOWAS then knows it;
        PRIVMSG to an away user is answered 301."""
        foo = yield self.irc("foo")
        foo.say("MONITOR + bar")
        yield foo.expect(lambda line: command(line) == "731")
        bar = yield self.irc("bar")
        yield foo.expect(lambda line: command(line) == "730")
        bar.say("AWAY :gone fishing")
        yield bar.expect(lambda line: command(line) == "306")
        foo.say("PRIVMSG bar :hello")
        away = yield foo.expect(lambda line: command(line) == "301")
        self.assertTrue(away.endswith(" bar :gone fishing"))
        bar.say("QUIT")
        yield foo.expect(lambda line: command(line) == "731")
        foo.say("WHOWAS bar")
        yield foo.expect(lambda line: command(line) == "314")
        yield foo.expect(lambda line: command(line) == "369")


class AccountsOverSocketsTests(DoorsTestCase):
    """Services names and NickServ, end to end."""

    @defer.inlineCallbacks
    def test_service_names_reserved_at_every_door(self):
        """NickServ is nobody's name: not at the IRC door (432), the line
        door nor the web door (ERR BAD_NAME)."""
        client = yield irc_client_unregistered(self.irc_port)
        self.clients.append(client)
        client.say("NICK NickServ")
        client.say("USER x 0 * :x")
        yield client.expect(lambda line: command(line) == "432")
        line_user = yield self.client()
        line_user.say("NickServ")
        yield line_user.expect_line("ERR BAD_NAME ")
        web = yield self.browser()
        web.say("chanserv")
        yield web.expect_line("ERR BAD_NAME ")

    @defer.inlineCallbacks
    def test_nickserv_register_identify(self):
        """NickServ REGISTER from IRC, then IDENTIFY from another
        connection; the account signs in at the line door too."""
        foo = yield self.irc("foo")
        foo.say("PRIVMSG NickServ :REGISTER correct-horse")
        yield foo.expect(lambda line: line.endswith(":Account created"))
        yield foo.expect(lambda line: command(line) == "900")
        other = yield self.irc("other")
        other.say("NS IDENTIFY foo wrong-password")
        refused = yield other.expect(lambda line: line.startswith(":NickServ!"))
        self.assertTrue(refused.endswith(":IDENTIFY: wrong password"))
        other.say("NS IDENTIFY foo correct-horse")
        yield other.expect(lambda line: command(line) == "900")
        foo.say("QUIT")
        line_user = yield self.client()
        line_user.say("/login foo correct-horse")
        yield line_user.expect_line("WELCOME foo")


@defer.inlineCallbacks
def irc_client_unregistered(port: int):
    """An IRC connection that has sent nothing yet."""
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    client = yield connectProtocol(endpoint, LineClient())
    return client
