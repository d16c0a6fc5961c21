"""Unit tests for the hardening rules: framing, limits, floods, slow and dead peers.

Each test drives real :class:`LineProtocol` objects over ``StringTransport``
with a ``task.Clock`` for every timer, and asserts what a user would see.
"""

from __future__ import annotations

from dataclasses import replace

from chatroom.core.model.config import ServerConfig
from chatroom.doors.line import session as session_module
from chatroom.doors.line.session import LineSession
from tests.support import FakeClient, ProtocolTestCase, local_backend, until_pinged


class HardeningTestCase(ProtocolTestCase):
    """Login, idle and ping timers on, as a deployment runs them."""

    config = ServerConfig(rate=0, login_timeout=30, ping_interval=120, ping_timeout=60)


class HardeningFramingTests(HardeningTestCase):
    """However the bytes are split, the same lines are received."""

    script = (
        "Zoë\r\n/join general\nhello wörld ✓\r\n/me waves\n/who\r\n/topic café\n"
    ).encode()

    def transcript(self, chunks: list[bytes]) -> list[str]:
        peer = FakeClient(self.server)
        peer.received()
        for chunk in chunks:
            peer.send(chunk)
        return [line for line in peer.received() if not line.startswith("HELLO")]

    def test_byte_by_byte(self) -> None:
        """Lines arriving one byte at a time, even mid-character, parse the same."""
        whole = self.transcript([self.script])
        self.setUp()
        split = self.transcript([bytes([b]) for b in self.script])
        self.assertEqual(whole, split)
        self.assertIn("MSG general Zoë", "\n".join(whole))

    def test_split_between_cr_and_lf(self) -> None:
        """A CRLF split across segments does not leave a stray CR in the text."""
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"hi\r")
        self.assertEqual(bob.received(), [])
        alice.send(b"\n")
        (line,) = bob.received()
        self.assertTrue(line.endswith(" hi"), line)

    def test_split_inside_multibyte_character(self) -> None:
        """A UTF-8 character split across segments is not a BAD_ENCODING."""
        alice, bob = self.in_room("alice", "bob")
        data = "naïve €\n".encode()
        cut = data.index("€".encode()) + 1
        alice.send(data[:cut])
        alice.send(data[cut:])
        self.assertTrue(bob.received()[0].endswith(" naïve €"))
        self.assertEqual(alice.received()[0].split(" ", 4)[4], "naïve €")

    def test_many_lines_in_one_segment(self) -> None:
        """Several lines in one segment are all handled, in order."""
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"one\ntwo\r\nthree\n")
        texts = [line.split(" ", 4)[4] for line in bob.received()]
        self.assertEqual(texts, ["one", "two", "three"])


class LongLineTests(HardeningTestCase):
    """Over-long lines are refused and skipped; the session goes on."""

    config = replace(HardeningTestCase.config, max_line=100)

    def test_line_at_the_limit_is_accepted(self) -> None:
        """A line of exactly --max-line bytes is a normal message."""
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"x" * 100 + b"\r\n")
        self.assertTrue(bob.received()[0].endswith("x" * 100))

    def test_long_line_refused_then_session_continues(self) -> None:
        """A longer line gets LINE_TOO_LONG, reaches nobody, and the next works."""
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"y" * 101 + b"\nafter\n")
        replies = alice.received()
        self.assertTrue(replies[0].startswith("ERR LINE_TOO_LONG "))
        self.assertTrue(replies[1].endswith(" after"))
        self.assertEqual(len(bob.received()), 1)
        self.assertFalse(alice.closing)

    def test_long_line_in_pieces_is_refused_once(self) -> None:
        """A long line streamed in pieces gets one error and is skipped whole."""
        alice, bob = self.in_room("alice", "bob")
        for _ in range(10):
            alice.send(b"z" * 60)
        alice.send(b"zz\nok\n")
        replies = alice.received()
        self.assertEqual([r.split()[1] for r in replies[:1]], ["LINE_TOO_LONG"])
        self.assertEqual(len(replies), 2)
        self.assertTrue(replies[1].endswith(" ok"))
        self.assertEqual([line.split(" ", 4)[4] for line in bob.received()], ["ok"])

    def test_endless_line_is_closed_with_bye(self) -> None:
        """64 KiB without a line end closes the connection with BYE."""
        alice, bob = self.in_room("alice", "bob")
        for _ in range(65):
            alice.send(b"a" * 1024)
        replies = alice.received()
        self.assertTrue(replies[-1].startswith("BYE "), replies[-1])
        self.assertTrue(alice.closing)
        self.assertEqual(
            bob.received(), ["PART general alice line too long without a line end"]
        )


class EncodingTests(HardeningTestCase):
    """Bad UTF-8 and control characters never reach anyone else."""

    def test_invalid_utf8(self) -> None:
        """Invalid UTF-8 gets BAD_ENCODING and the session goes on."""
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"\xff\xfe bad\nfine\n")
        replies = alice.received()
        self.assertTrue(replies[0].startswith("ERR BAD_ENCODING "))
        self.assertTrue(replies[1].endswith(" fine"))
        self.assertEqual(len(bob.received()), 1)

    def test_escape_sequences_and_controls_refused(self) -> None:
        """ESC, CSI (C1), BEL and NUL in messages are refused with BAD_TEXT."""
        alice, bob = self.in_room("alice", "bob")
        for text in ("\x1b[2J", "red \x1b]0;pwned\x07", "\u009b31m", "a\x00b", "\x7f"):
            alice.send(text.encode() + b"\n")
            (reply,) = alice.received()
            self.assertTrue(reply.startswith("ERR BAD_TEXT "), (text, reply))
        alice.send(b"/me \x1b[5mblinks\n")
        alice.send(b"/topic \x1b[31mred\n")
        alice.send(b"/msg bob \x1b[31mred\n")
        self.assertEqual([r.split()[1] for r in alice.received()], ["BAD_TEXT"] * 3)
        self.assertEqual(bob.received(), [])

    def test_tab_is_relayed(self) -> None:
        """A tab is ordinary text."""
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"a\tb\n")
        self.assertTrue(bob.received()[0].endswith(" a\tb"))

    def test_errors_never_echo_control_characters(self) -> None:
        """Error texts that quote the input quote it without control characters."""
        alice = self.connect("alice")
        alice.send(b"/msg \x1b[2Jbob hi\n/join \x1b]0;x\n/\x1bcmd\nPING \x1b\n")
        output = "\n".join(alice.received())
        self.assertNotIn("\x1b", output)
        self.assertIn("ERR NO_SUCH_USER", output)

    def test_names_cannot_hold_controls(self) -> None:
        """Names with control characters are refused as BAD_NAME."""
        peer = self.connect()
        peer.send(b"bad\x1bname\n")
        self.assertTrue(peer.received()[0].startswith("ERR BAD_NAME "))


class HardeningFloodTests(HardeningTestCase):
    """The token bucket and the connection limits."""

    config = replace(
        HardeningTestCase.config,
        rate=2,
        burst=5,
        max_backlog=100,
        max_clients=4,
        max_per_ip=3,
    )

    def test_burst_then_slowed_not_dropped(self) -> None:
        """Past the burst, lines wait their turn and all reach the room, in order."""
        alice, bob = self.in_room("alice", "bob")
        self.clock.advance(10)  # the name and /join used tokens; refill
        alice.send(b"".join(b"msg %d\n" % number for number in range(8)))
        told = alice.received()
        self.assertEqual(len([r for r in told if r.startswith("SLOW 2 ")]), 1)
        self.assertFalse(any(r.startswith("ERR ") for r in told))
        self.assertEqual(len(bob.received()), 5)
        self.clock.advance(0.5)  # one token back at 2/s
        self.assertEqual(len(bob.received()), 1)
        self.clock.advance(1)
        relayed = bob.received()
        self.assertEqual([r.rsplit(" ", 1)[1] for r in relayed], ["6", "7"])
        self.assertEqual(alice.transport.producerState, "producing")

    def test_slowed_client_is_told_once(self) -> None:
        """One SLOW per episode, however many lines wait; again after catching up."""
        (alice,) = self.in_room("alice")
        self.clock.advance(10)
        alice.send(b"".join(b"m %d\n" % n for n in range(9)))
        self.clock.advance(3)
        slow = [r for r in alice.received() if r.startswith("SLOW ")]
        self.assertEqual(len(slow), 1)
        self.clock.advance(10)
        alice.send(b"".join(b"again %d\n" % n for n in range(7)))
        self.assertEqual(len([r for r in alice.received() if r.startswith("SLOW ")]), 1)

    def test_limits_names_the_servers_flood_limits(self) -> None:
        """``/limits`` answers with ``--rate``, ``--burst`` and
        ``--max-backlog``, before a name as after one, so a client can pace
        itself to this server; after a reload, the new rate at once."""
        stranger = self.connect()
        stranger.send("/limits")
        self.assertEqual(stranger.received(), ["LIMITS 2 5 100"])
        (alice,) = self.in_room("alice")
        alice.send("/limits")
        self.assertEqual(alice.received(), ["LIMITS 2 5 100"])
        self.server.reconfigure(replace(self.config, rate=0.5))  # a reload
        alice.send("/limits")
        self.assertEqual(alice.received(), ["LIMITS 0.5 5 100"])

    def test_reading_pauses_while_lines_wait(self) -> None:
        """The server stops reading a flooding socket: it holds what it read."""
        (alice,) = self.in_room("alice")
        self.clock.advance(10)
        alice.send(b"".join(b"m %d\n" % n for n in range(7)))
        self.assertEqual(alice.transport.producerState, "paused")
        self.clock.advance(1)
        self.assertEqual(alice.transport.producerState, "producing")

    def test_keepalive_never_waits(self) -> None:
        """A PING behind waiting lines is answered at once; so is an empty bucket."""
        alice = self.connect("alice")
        self.clock.advance(10)
        alice.send(b"".join(b"/list\n" for _ in range(8)) + b"PING abc\n")
        self.assertIn("PONG abc", alice.received())
        alice.send(b"PING def\n")
        self.assertEqual(alice.received(), ["PONG def"])

    def test_excess_flood_disconnected(self) -> None:
        """Past --max-backlog waiting lines: BYE excess flood, and the room hears."""
        alice, bob = self.in_room("alice", "bob")
        self.clock.advance(10)
        alice.send(b"".join(b"spam %d\n" % n for n in range(200)))
        self.assertEqual(alice.received()[-1], "BYE excess flood")
        self.assertTrue(alice.closing)
        self.assertEqual(bob.received()[-1], "PART general alice excess flood")

    def test_others_are_not_slowed(self) -> None:
        """While one user's lines wait, another's go through at once."""
        alice, bob = self.in_room("alice", "bob")
        self.clock.advance(10)
        alice.send(b"".join(b"a %d\n" % n for n in range(9)))
        bob.received()
        bob.send(b"hello\n")
        self.assertTrue(bob.received()[-1].endswith(" hello"))

    def test_max_per_ip(self) -> None:
        """The fourth connection from one address is told why and closed."""
        peers = [self.connect(host="10.1.1.1") for _ in range(3)]
        refused = FakeClient(self.server, host="10.1.1.1")
        lines = refused.received()
        self.assertTrue(lines[0].startswith("ERR SERVER_FULL "))
        self.assertTrue(lines[1].startswith("BYE "))
        self.assertTrue(refused.closing)
        self.assertFalse(any(p.closing for p in peers))
        other = FakeClient(self.server, host="10.2.2.2")
        self.assertTrue(other.received()[0].startswith("HELLO "))

    def test_max_clients(self) -> None:
        """Past --max-clients, a new connection is refused with a reason."""
        for number in range(4):
            self.connect(host=f"10.0.0.{number}")
        refused = FakeClient(self.server, host="10.9.9.9")
        self.assertIn("BYE server full", "\n".join(refused.received()))
        refused.lose()
        self.assertEqual(len(self.server.connections), 4)

    def test_login_timeout(self) -> None:
        """A connection that never picks a name is closed after --login-timeout."""
        silent = self.connect()
        named = self.connect("alice")
        self.clock.advance(29)
        self.assertFalse(silent.closing)
        self.clock.advance(2)
        self.assertEqual(silent.received(), ["BYE no username chosen in time"])
        self.assertTrue(silent.closing)
        self.assertFalse(named.closing)


class HardeningSlowReaderTests(HardeningTestCase):
    """A client that stops reading is dropped before it can grow the server."""

    config = replace(HardeningTestCase.config, sendq=4096)

    def test_stalled_reader_dropped_others_get_everything(self) -> None:
        """Past --sendq unsent bytes the reader is dropped; the room sees why."""
        alice, bob, slow = self.in_room("alice", "bob", "slow")
        sendq = slow.protocol.sendq
        assert sendq is not None
        sendq.pauseProducing()  # what TCP does when its buffer fills
        for number in range(100):
            alice.send(b"message %d padded to be longer than usual\n" % number)
        self.assertTrue(slow.transport.disconnected)  # aborted, not flushed
        self.assertLess(len(slow.transport.value()), 8192)
        slow.lose()  # the reactor then reports the connection lost
        received = bob.received()
        messages = [line for line in received if line.startswith("MSG ")]
        self.assertEqual(len(messages), 100)
        self.assertEqual(messages[-1].split(" ", 4)[4][:10], "message 99")
        self.assertIn("PART general slow send queue exceeded", received)
        self.assertNotIn("slow", local_backend(self.server).server.users)

    def test_reader_that_catches_up_is_kept(self) -> None:
        """A reader that resumes before the limit keeps its connection."""
        alice, slow = self.in_room("alice", "slow")
        sendq = slow.protocol.sendq
        assert sendq is not None
        for _ in range(10):
            sendq.pauseProducing()
            for _ in range(20):
                alice.send(b"x" * 100 + b"\n")
            sendq.resumeProducing()
        self.assertFalse(slow.transport.disconnected)


class KeepaliveTests(HardeningTestCase):
    """PING after silence, closing after no answer, and client PINGs."""

    def test_silent_client_pinged_then_closed(self) -> None:
        """No reply within --ping-timeout closes it; the room sees ping timeout."""
        alice, bob = self.in_room("alice", "bob")
        silent_since = self.clock.seconds()
        self.clock.advance(100)
        bob.send(b"still here\n")
        (said,) = alice.received()
        self.assertTrue(said.endswith(" still here"), said)
        (ping,), _ = until_pinged(self.clock, alice.received, self.config, silent_since)
        self.assertRegex(ping, r"^PING \S+$")
        self.clock.advance(59)
        self.assertFalse(alice.closing)
        self.clock.advance(1)
        self.assertEqual(alice.received(), ["BYE ping timeout"])
        self.assertTrue(alice.closing)
        self.assertIn("PART general alice ping timeout", bob.received())

    def test_pong_keeps_the_connection(self) -> None:
        """Answering PONG keeps the client, and it is pinged again later,
        after --ping-interval of silence again."""
        (alice,) = self.in_room("alice")
        silent_since = self.clock.seconds()
        for _ in range(3):
            (ping,), now = until_pinged(
                self.clock, alice.received, self.config, silent_since
            )
            alice.send(b"PONG " + ping.split()[1].encode() + b"\n")
            silent_since = now
            self.clock.advance(60)
            self.assertFalse(alice.closing)
        self.assertEqual(alice.received(), [])

    def test_active_client_is_not_pinged(self) -> None:
        """Any line resets the silence clock."""
        (alice,) = self.in_room("alice")
        for _ in range(5):
            self.clock.advance(100)
            alice.send(b"/list\n")
        self.assertFalse(any(line.startswith("PING") for line in alice.received()))

    def test_client_ping(self) -> None:
        """PING x gets PONG x in every state, and is never a chat message."""
        peer = self.connect()
        peer.send(b"PING 123\n")
        self.assertEqual(peer.received(), ["PONG 123"])
        alice, bob = self.in_room("alice", "bob")
        alice.send(b"PING\n")
        self.assertEqual(alice.received(), ["PONG"])
        self.assertEqual(bob.received(), [])


class NeverCrashTests(HardeningTestCase):
    """An unexpected exception is logged, answered, and the session survives."""

    def test_handler_exception(self) -> None:
        """A failing command gets ERR INTERNAL; the next command works."""
        alice, bob = self.in_room("alice", "bob")

        def broken(session: LineSession, args: str) -> None:
            raise RuntimeError("boom")

        who = session_module.COMMANDS["who"]
        self.patch(
            session_module,
            "COMMANDS",
            {**session_module.COMMANDS, "who": (broken, who[1])},
        )
        alice.send(b"/who\nafter\n")
        replies = alice.received()
        self.assertTrue(replies[0].startswith("ERR INTERNAL "))
        self.assertTrue(replies[1].endswith(" after"))
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertEqual(len(bob.received()), 1)
