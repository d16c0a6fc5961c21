"""LineFraming keeps LineReceiver's contract while splitting each chunk once."""

from __future__ import annotations

from twisted.internet.testing import StringTransport
from twisted.protocols.basic import LineReceiver
from twisted.trial import unittest

from chatroom.doors.base.framing import LineFraming, SlottedFraming


class FramingRecorder(LineFraming):
    """Records lines and refusals; pauses after a line equal to ``b"wait"``."""

    MAX_LENGTH = 10
    max_unterminated = 40

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[bytes] = []
        self.too_long: list[bytes] = []
        self.unterminated = 0

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if line == b"wait":
            self.pauseProducing()

    def lineLengthExceeded(self, line: bytes) -> None:
        self.too_long.append(line)

    def unterminatedLine(self) -> None:
        self.unterminated += 1
        super().unterminatedLine()


class FramingTests(unittest.TestCase):
    """What a line-based door relies on."""

    def setUp(self) -> None:
        self.transport = StringTransport()
        self.proto = FramingRecorder()
        self.proto.makeConnection(self.transport)

    def test_is_a_line_receiver(self) -> None:
        """The framing is Twisted's LineReceiver, as the design brief says."""
        self.assertIsInstance(self.proto, LineReceiver)

    def test_lf_and_crlf_and_split_chunks(self) -> None:
        """LF ends a line, one CR before it goes; lines may span chunks."""
        for chunk in (b"one\r\ntw", b"o\nthr", b"ee\r", b"\n\n"):
            self.proto.dataReceived(chunk)
        self.assertEqual(self.proto.lines, [b"one", b"two", b"three", b""])

    def test_a_chunk_of_many_lines(self) -> None:
        """A single chunk of 100,000 short lines arrives whole and in order."""
        self.proto.dataReceived(b"".join(b"%d\n" % n for n in range(100_000)))
        self.assertEqual(self.proto.lines, [b"%d" % n for n in range(100_000)])

    def test_pause_holds_back_the_following_lines(self) -> None:
        """pauseProducing stops delivery (and reading); resume delivers the rest."""
        self.proto.dataReceived(b"a\nwait\nb\nc\n")
        self.assertEqual(self.proto.lines, [b"a", b"wait"])
        self.assertEqual(self.transport.producerState, "paused")
        self.proto.dataReceived(b"d\n")
        self.assertEqual(self.proto.lines, [b"a", b"wait"])
        self.proto.resumeProducing()
        self.assertEqual(self.proto.lines, [b"a", b"wait", b"b", b"c", b"d"])
        self.assertEqual(self.transport.producerState, "producing")

    def test_over_long_line_refused_session_goes_on(self) -> None:
        """A line over MAX_LENGTH is refused once; the lines around it arrive."""
        self.proto.dataReceived(b"ok\n" + b"x" * 25)
        self.proto.dataReceived(b"x" * 5 + b"\nnext\n")
        self.assertEqual(self.proto.lines, [b"ok", b"next"])
        self.assertEqual(len(self.proto.too_long), 1)
        self.proto.dataReceived(b"y" * 11 + b"\nafter\n")
        self.assertEqual(self.proto.lines, [b"ok", b"next", b"after"])
        self.assertEqual(len(self.proto.too_long), 2)
        self.assertFalse(self.transport.disconnecting)

    def test_endless_line_closes(self) -> None:
        """A line with no end past max_unterminated bytes closes the connection."""
        for _ in range(5):
            self.proto.dataReceived(b"z" * 10)
        self.assertEqual(self.proto.unterminated, 1)
        self.assertTrue(self.transport.disconnecting)

    def test_nothing_after_closing(self) -> None:
        """Once the connection is closing, the rest of a chunk is not delivered."""

        def close_on_stop(line: bytes) -> None:
            self.proto.lines.append(line)
            if line == b"stop":
                self.transport.loseConnection()

        self.proto.lineReceived = close_on_stop  # type: ignore[method-assign]
        self.proto.dataReceived(b"a\nstop\nb\n")
        self.assertEqual(self.proto.lines, [b"a", b"stop"])


class SlottedRecorder(SlottedFraming):
    """The IRC door's framing, recording lines; holds after ``b"wait"``
    as a door does while that line's command waits on Redis."""

    __slots__ = (
        "_buffer",
        "_busyReceiving",
        "_offset",
        "_pending",
        "_skipping",
        "connected",
        "factory",
        "lines",
        "paused",
        "transport",
    )

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if line == b"wait":
            self.hold()


class HoldTests(unittest.TestCase):
    """``hold``: the lines after a waiting command wait, and the socket is
    read on until more comes (no stop and restart of its reading per
    command); the IRC door's slotted framing and the line door's alike."""

    def check_hold(
        self, proto: LineFraming | SlottedFraming, lines: list[bytes]
    ) -> None:
        transport = StringTransport()
        proto.makeConnection(transport)
        proto.dataReceived(b"a\nwait\n")
        self.assertEqual(lines, [b"a", b"wait"])
        self.assertEqual(transport.producerState, "producing")
        proto.resumeProducing()  # answered before anything more came
        self.assertEqual(transport.producerState, "producing")
        proto.dataReceived(b"wait\nb\n")
        self.assertEqual(lines, [b"a", b"wait", b"wait"])
        self.assertEqual(transport.producerState, "producing")
        proto.dataReceived(b"c\n")  # more came while the command waits
        self.assertEqual(lines, [b"a", b"wait", b"wait"])
        self.assertEqual(transport.producerState, "paused")
        proto.resumeProducing()
        self.assertEqual(lines, [b"a", b"wait", b"wait", b"b", b"c"])
        self.assertEqual(transport.producerState, "producing")

    def test_slotted_framing_holds(self) -> None:
        proto = SlottedRecorder()
        self.check_hold(proto, proto.lines)

    def test_line_framing_holds(self) -> None:
        class Holding(FramingRecorder):
            def lineReceived(self, line: bytes) -> None:
                self.lines.append(line)
                if line == b"wait":
                    self.hold()

        proto = Holding()
        self.check_hold(proto, proto.lines)
