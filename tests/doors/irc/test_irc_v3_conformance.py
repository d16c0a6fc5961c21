"""Where the two halves of issue 21 meet: the RFC/Modern conformance of
the IRC door (QUIT, 341, KICK's default comment, PING, FAIL, 005, AWAY,
CAP REQ after registration) seen by clients with IRCv3 capabilities.

The conformance replies travel through the same rendering variants
(server-time, message-tags), labeled responses and 512-byte rule as
everything else; these tests check that the merge of the two kept both.
Over ``StringTransport`` with the server named as irctest names it.
"""

from __future__ import annotations

from chatroom.doors.irc.tags import MAX_LINE
from chatroom.doors.irc.wire import parse
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_conformance import ConformanceCase
from tests.doors.irc.test_ircv3 import tags_of, untagged


class CappedConformanceCase(ConformanceCase):
    """IRC users who may ask for capabilities before registering."""

    def capped(self, nick: str, *caps: str) -> IRCClient:
        """An IRC client registered as ``nick`` with ``caps`` enabled."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        client.send(f"CAP REQ :{' '.join(caps)}", "CAP END")
        lines = client.received()
        self.assertIn(f":My.Little.Server CAP * ACK :{' '.join(caps)}", lines)
        return client

    def in_channel(self, channel: str, *clients: IRCClient) -> None:
        """``clients`` join ``channel``, all they were sent so far read."""
        for client in clients:
            client.send(f"JOIN {channel}")
        for client in clients:
            client.received()


class RelayedConformanceTests(CappedConformanceCase):
    """QUIT, KICK, AWAY and INVITE as variants render them."""

    def test_quit_has_server_time_for_a_timed_client(self) -> None:
        """A QUIT reaches a server-time client as one QUIT with @time and
        a plain client as the plain QUIT (irctest quit.py testQuit)."""
        timed = self.capped("timed", "server-time")
        plain = self.irc("plain")
        qux = self.irc("qux")
        self.in_channel("#chan", timed, plain, qux)
        self.in_channel("#other", timed, qux)
        qux.send("QUIT :qux out")
        expected = ":qux!qux@My.Little.Server QUIT :Quit: qux out"
        (line,) = timed.received()
        self.assertEqual(untagged(line), expected)
        self.assertIn("time", tags_of(line))
        self.assertEqual(plain.received(), [expected])

    def test_kick_default_comment_with_tags(self) -> None:
        """KICK without a comment is the kicker's nick for tagged clients
        too, with @time (irctest kick.py testKickDefaultComment)."""
        foo = self.irc("foo")
        bar = self.capped("bar", "server-time", "message-tags")
        baz = self.capped("baz", "server-time")
        self.in_channel("#chan", foo, bar, baz)
        foo.send("KICK #chan bar")
        expected = ":foo!foo@My.Little.Server KICK #chan bar :foo"
        for client in (bar, baz):
            (line,) = client.received()
            self.assertEqual(untagged(line), expected)
            self.assertIn("time", tags_of(line))

    def test_away_notify_has_server_time(self) -> None:
        """away-notify's AWAY carries @time for a server-time client, and
        away-notify can be asked for after registration
        (irctest away_notify.py testAwayNotify, cap.py testReqPostRegistration)."""
        watcher = self.irc("watcher")
        watcher.send("CAP REQ :away-notify server-time")
        self.assertEqual(
            watcher.received(),
            [":My.Little.Server CAP watcher ACK :away-notify server-time"],
        )
        bar = self.irc("bar")
        self.in_channel("#chan", watcher, bar)
        bar.send("AWAY :lunch")
        (line,) = watcher.received()
        self.assertEqual(untagged(line), ":bar!bar@My.Little.Server AWAY :lunch")
        self.assertIn("time", tags_of(line))

    def test_inviter_gets_341_not_invite_notify(self) -> None:
        """With invite-notify, the room's other members see INVITE; the
        inviter gets 341 and nothing else (irctest invite.py testInvites)."""
        foo = self.capped("foo", "invite-notify")
        other = self.capped("other", "invite-notify")
        self.in_channel("#chan", foo, other)
        self.irc("bar")
        foo.send("INVITE bar #chan")
        self.assertEqual(foo.received(), [":My.Little.Server 341 foo bar :#chan"])
        self.assertEqual(
            other.received(), [":foo!foo@My.Little.Server INVITE bar :#chan"]
        )


class LabeledConformanceTests(CappedConformanceCase):
    """Conformance replies to labeled commands (labeled-response)."""

    def test_labeled_ping_pong_and_409(self) -> None:
        """PING's PONG carries the label; PING without a token is a labeled
        409 (irctest pingpong.py testPing, testPingNoToken)."""
        client = self.capped("lab", "labeled-response", "batch")
        client.send("@label=p1 PING token")
        self.assertEqual(
            client.received(),
            ["@label=p1 :My.Little.Server PONG My.Little.Server :token"],
        )
        client.send("@label=p2 PING")
        (line,) = client.received()
        self.assertEqual(tags_of(line), {"label": "p2"})
        self.assertEqual(untagged(line).split()[1], "409")

    def test_labeled_invite_is_341(self) -> None:
        """A labeled INVITE is answered by one labeled 341."""
        foo = self.capped("foo", "labeled-response", "batch")
        self.in_channel("#chan", foo)
        self.irc("bar")
        foo.send("@label=i1 INVITE bar #chan")
        self.assertEqual(
            foo.received(), ["@label=i1 :My.Little.Server 341 foo bar :#chan"]
        )

    def test_labeled_nick_is_the_cores_nick(self) -> None:
        """A labeled NICK is answered by the core's NICK, labeled, in no
        channel or several (irctest regressions.py testLabeledNick)."""
        foo = self.capped("foo", "labeled-response", "batch")
        foo.send("@label=n1 NICK foo2")
        self.assertEqual(
            foo.received(), ["@label=n1 :foo!foo@My.Little.Server NICK :foo2"]
        )
        self.in_channel("#chan", foo)
        self.in_channel("#cafe", foo)
        foo.send("@label=n2 NICK foo")
        self.assertEqual(
            foo.received(), ["@label=n2 :foo2!foo2@My.Little.Server NICK :foo"]
        )


class RegistrationConformanceTests(CappedConformanceCase):
    """005 from both token sets; CAP REQ all-or-nothing after registration."""

    def test_isupport_has_both_token_sets_within_limits(self) -> None:
        """005 carries the conformance tokens (CHANLIMIT, MONITOR, TARGMAX,
        UTF8ONLY, ELIST) and the IRCv3 ones (CHATHISTORY, MSGREFTYPES), no
        line over 15 parameters or 512 bytes (irctest isupport.py)."""
        client = self.irc()
        client.send("NICK alice", "USER alice 0 * :A")
        lines = [line for line in client.received() if " 005 " in line]
        tokens: set[str] = set()
        for line in lines:
            self.assertLessEqual(len(line.encode("utf-8")) + 2, MAX_LINE)
            message = parse(line)
            assert message is not None
            self.assertLessEqual(len(message.params), 15)
            self.assertEqual(message.params[-1], "are supported by this server")
            tokens.update(message.params[1:-1])
        for token in (
            "UTF8ONLY",
            "CHANLIMIT=#:50",
            "MONITOR=100",
            "ELIST=CMNTU",
            "CHATHISTORY=200",
            "MSGREFTYPES=msgid,timestamp",
        ):
            self.assertIn(token, tokens)
        self.assertTrue(any(t.startswith("TARGMAX=JOIN:10,") for t in tokens))

    def test_req_after_registration_is_all_or_nothing(self) -> None:
        """After registration a REQ naming one unknown capability is NAK
        and changes nothing (irctest cap.py testNakWhole)."""
        client = self.irc("alice")
        client.send("CAP REQ :away-notify chghost")
        self.assertEqual(
            client.received(),
            [":My.Little.Server CAP alice NAK :away-notify chghost"],
        )
        client.send("CAP LIST")
        self.assertEqual(client.received(), [":My.Little.Server CAP alice LIST :"])

    def test_invalid_utf8_is_fail_for_capped_clients(self) -> None:
        """A line that is not UTF-8 is FAIL PRIVMSG INVALID_UTF8 whatever the
        capabilities, and the session goes on (irctest utf8.py)."""
        client = self.capped("alice", "server-time", "labeled-response")
        client.session.dataReceived(b"PRIVMSG #chan :\xff\xfe\r\n")
        self.assertEqual(
            client.received(),
            [":My.Little.Server FAIL PRIVMSG INVALID_UTF8 :Lines must be UTF-8"],
        )
        client.send("PING x")
        self.assertEqual(
            client.received(), [":My.Little.Server PONG My.Little.Server :x"]
        )
