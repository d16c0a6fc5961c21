"""The client end of the line protocol: bytes in, :class:`ParsedLine` objects out.

It knows the framing and the grammar (through :mod:`chatroom.wire.lines`) and
answers keepalive ``PING`` itself; what an event *means* is the model's
business, so nothing here is specific to screens or pages.
"""

from __future__ import annotations

from typing import Protocol as TypingProtocol

from twisted.internet.protocol import Factory, connectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure

from chatroom.wire.lines import ParsedLine, parse_event


class EventReceiver(TypingProtocol):
    """What a :class:`ChatClientProtocol` reports to (the controller)."""

    def connection_made(self, protocol: ChatClientProtocol) -> None: ...

    def event_received(self, event: ParsedLine) -> None: ...

    def connection_lost(self, reason: Failure) -> None: ...


class ChatClientProtocol(LineReceiver):
    """Turns each server line into a :class:`ParsedLine` for its receiver."""

    # The server ends lines with CRLF but a line may be split anywhere, so
    # frame on LF and strip a trailing CR; tolerant of LF-only servers too.
    delimiter = b"\n"
    # Server lines (a long message plus its prefix) can exceed the default.
    MAX_LENGTH = 64 * 1024

    def __init__(self, receiver: EventReceiver) -> None:
        self.receiver = receiver

    def connectionMade(self) -> None:
        self.receiver.connection_made(self)

    def lineReceived(self, line: bytes) -> None:
        text = line.removesuffix(b"\r").decode("utf-8", errors="replace")
        if not text:
            return
        event = parse_event(text)
        if event.name == "PING":
            # Keepalive is the protocol's job; the user never needs to see it.
            self.send_line(f"PONG {event.text}".rstrip())
            return
        self.receiver.event_received(event)

    def lineLengthExceeded(self, line: bytes) -> None:
        # A line this long is a broken server; drop it rather than the session.
        return None

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.receiver.connection_lost(reason)

    def send_line(self, text: str) -> None:
        """Send one line with a CRLF end; the text is encoded here, at the edge."""
        if self.transport is not None:
            self.transport.write(text.encode("utf-8") + b"\r\n")


class ChatClientFactory(Factory):
    """Builds protocols that all report to one receiver (the controller)."""

    def __init__(self, receiver: EventReceiver) -> None:
        self.receiver = receiver

    def buildProtocol(self, addr: object) -> ChatClientProtocol:
        protocol = ChatClientProtocol(self.receiver)
        protocol.factory = self
        return protocol
