"""The IRC door against bad input: what a broken or hostile client sends is
answered with the numeric an IRC client expects, and hurts nobody else."""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from chatroom.doors.base.deadlines import STEP
from chatroom.doors.irc.commands import plain_text
from chatroom.doors.irc.wire import parse
from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import in_process_only, local_backend, settle, until_pinged


class IRCBadInputTests(IRCTestCase):
    """Malformed lines, floods, wrong protocols: a clear answer, nothing hurt."""

    def test_malformed_lines(self) -> None:
        """Empty, prefix-only, tag-only lines are ignored; unknown is 421."""
        alice = self.irc("alice")
        alice.send("", "   ", ":prefix", "@tag=1", ": :", "@a=b :p")
        self.assertEqual(alice.received(), [])
        alice.send("FROB x y", "@time=1 :me PING :tok")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 421 alice FROB :Unknown command",
                ":chatroom PONG chatroom :tok",
            ],
        )

    def test_bad_utf8_and_long_lines(self) -> None:
        """Bad UTF-8 gets FAIL INVALID_UTF8, a line over 512 bytes 417; the session
        goes on; 64 KiB without a line end closes it."""
        alice = self.irc("alice")
        alice.session.dataReceived(b"PRIVMSG #general :\xff\xfe\r\n")
        self.assertEqual(
            alice.received(),
            [":chatroom FAIL PRIVMSG INVALID_UTF8 :Lines must be UTF-8"],
        )
        alice.send("PRIVMSG bob :" + "x" * 600)
        self.assertEqual(
            alice.received(), [":chatroom 417 alice :Input line was too long"]
        )
        alice.send("PING :still")
        self.assertEqual(alice.received(), [":chatroom PONG chatroom :still"])
        alice.session.dataReceived(b"x" * (70 * 1024))
        self.assertTrue(alice.closing)

    def test_reasons_and_targets_are_made_safe(self) -> None:
        """A PART reason with an escape sequence becomes the default reason;
        a target with spaces or controls is quoted back as one safe word."""
        alice = self.irc("alice")
        alice.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.received()
        alice.send("PART #general :\x1b[2Jgotcha")
        self.assertEqual(bob.received(), ["PART general alice left"])
        alice.received()
        alice.send("TOPIC :#no such\x1broom")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 403 alice #no_such\ufffdroom :there is no room called "
                "no such\ufffdroom"
            ],
        )

    def test_reasons_follow_the_one_rule(self) -> None:
        """IRC's formatting is stripped from a reason; one that still holds
        a control character is dropped, as at every door: a KICK is done
        with the reason of a kick without one, a QUIT with the words of a
        quit without any (IRC's ``Client Quit``, as before the rule moved)."""
        alice, bob, carol = self.irc("alice"), self.irc("bob"), self.irc("carol")
        for client in (alice, bob, carol):
            client.send("JOIN #tea")
        dave = self.line("dave", "tea")
        for client in (alice, bob, carol):
            client.received()
        alice.send("KICK #tea bob :\x02off\x02 you go")
        self.assertEqual(
            carol.received(), [":alice!alice@chatroom KICK #tea bob :off you go"]
        )
        self.assertEqual(dave.received(), ["KICK tea bob alice off you go"])
        alice.received()
        alice.send("KICK #tea carol :\x1b[2Jgone")
        self.assertEqual(
            alice.received(),
            [":alice!alice@chatroom KICK #tea carol :no reason given"],
        )
        self.assertEqual(dave.received(), ["KICK tea carol alice no reason given"])
        alice.send("QUIT")
        self.assertEqual(dave.received()[0], "PART tea alice quit: Client Quit")
        self.assertEqual(
            alice.received(), ["ERROR :Closing Link: 127.0.0.1 (Quit: Client Quit)"]
        )

    def test_http_request(self) -> None:
        """A browser at the IRC port gets an HTTP 400 saying so, then close."""
        client = IRCClient(self.factory)
        client.session.dataReceived(b"GET / HTTP/1.1\r\nHost: localhost:6667\r\n\r\n")
        settle()  # read once its address is screened (server bans: on a node, Redis)
        reply = client.transport.value()
        self.assertTrue(reply.startswith(b"HTTP/1.0 400 Bad Request\r\n"), reply)
        self.assertIn(b"This port speaks IRC", reply)
        self.assertTrue(client.closing)
        self.assertEqual(self.server.connections, set())

    def test_flood_is_delayed_not_dropped(self) -> None:
        """Past the burst, lines wait for tokens and run in order."""
        self.server.config = replace(self.config, rate=2.0, burst=3)
        alice = IRCClient(self.factory)
        alice.send("NICK alice", "USER a 0 * :A")
        alice.received()
        alice.send(*(f"PING :{n}" for n in range(6)))
        self.assertEqual(
            alice.received(), [f":chatroom PONG chatroom :{n}" for n in (0,)]
        )
        self.clock.advance(0.5)
        self.assertEqual(alice.received(), [":chatroom PONG chatroom :1"])
        self.clock.pump([0.5] * 4)
        self.assertEqual(
            alice.received(), [f":chatroom PONG chatroom :{n}" for n in range(2, 6)]
        )

    def test_keepalive(self) -> None:
        """PING after silence; any line answers it; silence after it closes."""
        alice = self.irc("alice")
        alice.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.received()
        (ping,), answered_at = until_pinged(
            self.clock, alice.received, self.config, self.clock.seconds()
        )
        self.assertTrue(ping.startswith("PING :"))
        alice.send("PONG :" + ping.split(":")[1])
        bob.send("PONG x")  # the line user stays alive throughout
        self.clock.advance(self.config.ping_timeout)
        self.assertFalse(alice.closing)
        (ping,), _ = until_pinged(self.clock, alice.received, self.config, answered_at)
        self.assertTrue(ping.startswith("PING :"))
        bob.send("PONG x")
        self.clock.advance(self.config.ping_timeout - 0.1)
        self.assertFalse(alice.closing)
        self.clock.advance(0.1 + STEP)  # a close may come a step late
        self.assertTrue(alice.closing)
        self.assertIn("PART general alice ping timeout", bob.received())

    def test_registration_timeout(self) -> None:
        """A connection that never registers is closed after --login-timeout."""
        client = IRCClient(self.factory)
        self.clock.advance(self.config.login_timeout)
        self.assertEqual(
            client.received(),
            ["ERROR :Closing Link: 127.0.0.1 (Registration timed out)"],
        )
        self.assertTrue(client.closing)

    @in_process_only("the in-process back-end's users")
    def test_connection_lost(self) -> None:
        """A dropped IRC connection leaves its rooms and frees its nick."""
        alice = self.irc("alice")
        alice.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.session.connectionLost(Failure(ConnectionLost()))
        self.assertEqual(bob.received(), ["PART general alice connection lost"])
        self.assertNotIn("alice", local_backend(self.server).server.users)

    def test_parse(self) -> None:
        """The parser: tags and prefixes skipped, trailing kept with spaces."""
        tagged = parse("@a=b :nick!u@h privmsg #c :hi there")
        lower = parse("privmsg #c :hi")
        empty = parse("TOPIC #c :")
        assert tagged is not None and lower is not None and empty is not None
        self.assertEqual(tagged.params, ("#c", "hi there"))
        self.assertEqual(lower.command, "PRIVMSG")
        self.assertEqual(empty.params, ("#c", ""))
        self.assertIsNone(parse(":only-prefix"))

    def test_formatting_stripped_from_any_text(self) -> None:
        """IRC's bold and colours are taken out of ASCII and other text
        alike; a text without them (DEL included) is kept as it was."""
        self.assertEqual(plain_text("\x02bold\x02 \x0304red\x03"), "bold red")
        self.assertEqual(plain_text("caf\u00e9 \x1fund\x1f"), "caf\u00e9 und")
        for kept in ("plain words", "del\x7fkept", "caf\u00e9", ""):
            self.assertEqual(plain_text(kept), kept)
