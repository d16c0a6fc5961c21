"""IRC over a WebSocket (IRCv3 ``websocket``): browser IRC clients at ``/irc``.

Browser IRC clients (gamja, Kiwi IRC, The Lounge's browser side) cannot open
a TCP socket; they speak IRC over a WebSocket, as the IRCv3 extension
https://ircv3.net/specs/extensions/websocket says: one IRC line per
message, without its CRLF, both ways, with the subprotocol the client
prefers of the two it may ask for:

- ``binary.ircv3.net``: binary messages;
- ``text.ircv3.net``: text messages (UTF-8; every line the IRC door sends
  is, since it refuses invalid UTF-8 with ``FAIL <command> INVALID_UTF8``).

A client that asks for neither gets text messages and no
``Sec-WebSocket-Protocol`` (the extension allows it). Either kind of message
is read from the client, whatever was agreed.

The session behind it *is* the IRC door's :class:`IRCProtocol`, built by
the ``--irc`` door's :class:`IRCFactory` (so the same renderer, and the
same directory of this node's IRC users: ``MONITOR``, ``WHOIS``,
``TAGMSG``); only the framing differs: its lines leave as frames
(:class:`IRCFrames`), and each message in is handed to its line framing as
a line. Admission, the origin check and the bound on unfinished messages
are the web door's, as for ``/ws`` (:mod:`chatroom.doors.web.socket`).

Twisted's ``WebSocketResource`` negotiates no subprotocol, so
:meth:`IRCWebSocketResource.accept` adds one to the web door's handshake
(:func:`chatroom.doors.web.socket.upgrade`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twisted.web.server import Request

from chatroom.doors.irc.protocol import IRCFactory, IRCProtocol
from chatroom.doors.web.frames import BINARY_FRAME, TEXT_FRAME, frame_lines
from chatroom.doors.web.handshake import Offer
from chatroom.doors.web.socket import (
    DoorWebSocket,
    FramedStream,
    OriginCheckedResource,
    send_now,
    upgrade,
)

BINARY = "binary.ircv3.net"
TEXT = "text.ircv3.net"


def chosen_subprotocol(offered: Sequence[str]) -> str | None:
    """The first of the client's subprotocols (in its order of preference)
    that we speak; None when it offered neither."""
    for name in offered:
        if name.lower() in (BINARY, TEXT):
            return name
    return None


class IRCFrames(FramedStream):
    """An :class:`IRCProtocol`'s transport: each CRLF line it writes leaves
    as one WebSocket message, binary or text as negotiated."""

    __slots__ = ("kind",)

    def __init__(self, websocket: Any, binary: bool) -> None:
        super().__init__(websocket)
        self.kind = BINARY_FRAME if binary else TEXT_FRAME
        # The IRC door writes bare lines, framed here by write(): the send
        # queue must not find the TCP socket underneath and bypass that.
        self.direct_transport = None

    def write(self, data: bytes) -> None:
        self.raw.write(frame_lines(data, self.kind))


class IRCWebSocket(DoorWebSocket[IRCProtocol]):
    """One ``/irc`` connection: WebSocket messages in, an IRC session behind."""

    __slots__ = ("binary", "irc")

    def __init__(self, irc: IRCFactory, channel: Any, binary: bool) -> None:
        super().__init__(channel)
        self.irc = irc
        self.binary = binary

    def open_door(self, accepted: bytes) -> IRCProtocol:
        """The IRC session, once the ``101`` is sent (its stream frames
        what it is written, so the ``101`` goes first, on its own)."""
        if accepted:
            send_now(self.transport, accepted)
        chat = self.irc.buildProtocol(None)
        chat.makeConnection(IRCFrames(self.websocket, self.binary))
        return chat

    def textMessageReceived(self, message: str) -> None:
        self.bytesMessageReceived(message.encode("utf-8"))

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        """One IRC line (a CRLF after it is allowed, and dropped; line breaks
        inside make it the lines they part, as over TCP); a binary message
        need not be UTF-8 to get here: the door answers that."""
        chat = self._door_for(len(data))
        if chat is None:
            return
        chat.dataReceived(bytes(data).rstrip(b"\r\n") + b"\n")

    def pongReceived(self, payload: bytes) -> None:
        """Keepalive is IRC's own ``PING``/``PONG``."""


class IRCWebSocketResource(OriginCheckedResource):
    """``/irc``: the handshake with the IRCv3 subprotocols, then a session."""

    def __init__(self, irc: IRCFactory) -> None:
        super().__init__(irc.server)
        self.irc = irc

    def accept(self, request: Request, offer: Offer) -> int:
        """The session, with the subprotocol the client prefers, and ``101``."""
        subprotocol = chosen_subprotocol(offer.subprotocols)
        binary = subprotocol is not None and subprotocol.lower() == BINARY
        session = IRCWebSocket(self.irc, request.channel.transport, binary)
        return upgrade(request, offer, session, subprotocol)

    def not_a_handshake(self, request: Request) -> bytes:
        request.setResponseCode(400)
        request.setHeader("content-type", "text/plain; charset=utf-8")
        return b"This is IRC over WebSocket: a WebSocket handshake is needed.\n"
