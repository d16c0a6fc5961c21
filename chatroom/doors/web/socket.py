"""The line protocol over a WebSocket: one line per text frame, both ways.

A browser cannot open a TCP socket, so ``/ws`` carries exactly the line
protocol of ``docs/protocol.md``: each text frame the client sends is one
line (no line end needed), and each line the server sends is one text
frame (without its CRLF). The session behind it *is* the line door's
:class:`~chatroom.doors.line.protocol.LineProtocol` (states, commands, limits,
keepalive, flood control, ``--sendq``), built with :data:`AS_FRAMES` for
its :class:`~chatroom.doors.line.session.LineOutput`: only how bytes are
framed differs.

Built on Twisted's HTTP server and wsproto, as Twisted's own
``twisted.web.websocket`` (Twisted 26.4 or later) is, but leaner per
connection: once the ``101`` is written the HTTP channel and its request
are let go (:class:`~chatroom.doors.web.channel.BoundedChannel`) and the
WebSocket itself is the wire protocol (:class:`DoorWebSocket`), about 3 KiB
per client where twisted.web's kept 10. Three things it leaves to us, each
handled here:

- **Frames rendered once per event.** Server frames are unmasked and we
  negotiate no extension (no compression), so the frame for a line is the
  same bytes for every member: :func:`render_frames` builds it once per
  event (``event.encoded``), as the line door encodes a line once, and
  the session's connection writes it to the socket through the same
  :class:`~chatroom.doors.base.sendq.SendQueue`, straight to the socket
  and one ``send()`` per reactor turn as at the line door (see
  :class:`FramedStream`).
- **Everyday frames read without wsproto.** A whole, final text frame at
  the start of a read is read by :func:`~chatroom.doors.web.frames.whole_frames`
  while wsproto holds nothing; wsproto does everything else (pings,
  closes, fragments, frames cut by a read, every error and its close
  code). :mod:`chatroom.doors.web.frames` says why. So a connection holds
  wsproto's objects only while a frame needs them
  (:meth:`DoorWebSocket.wsproto`), none between everyday frames. The
  everyday handshake is read likewise, from twisted.web's parsed request
  (:mod:`chatroom.doors.web.handshake`), and its ``101`` goes with the
  session's greeting, in one ``send()``.
- **Bounded input.** wsproto gathers a whole message before handing it
  over, however big; :class:`chatroom.doors.web.site.LimitedChannel` counts the
  bytes received since the last whole message and, past
  ``max_unterminated``, the session ends as a line-protocol client's does
  after 64 KiB without a line end. A message longer than ``--max-line``
  but under that is ``ERR LINE_TOO_LONG`` and the session goes on.
- **Origin.** :class:`OriginCheckedResource` refuses a handshake whose
  ``Origin`` is neither this site nor on ``--http-origins`` with
  ``403``, before any session exists (a page elsewhere cannot use a
  visitor's browser to chat here).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar, cast
from urllib.parse import urlsplit

from twisted.internet.interfaces import IAddress, IProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from wsproto import Connection, ConnectionType
from wsproto.connection import ConnectionState
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    Pong,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError

from chatroom.core.model import errors
from chatroom.core.model.events import Event
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.line.rendering import live_id_line, live_line, live_rich_line
from chatroom.doors.line.session import LineOutput
from chatroom.doors.web.frames import (
    frame_lines,
    whole_frames,
    wsproto_between_frames,
)
from chatroom.doors.web.handshake import Offer, offer_of
from chatroom.net.tcpdirect import direct_connection, send_direct


def render_frames(event: Event) -> bytes:
    """An event as a WebSocket frame: its line (itself cached), framed once."""
    return frame_lines(event.encoded(live_line))


def render_id_frames(event: Event) -> bytes:
    """The same with its ``@ID`` (``/caps ids``), for sessions that asked."""
    return frame_lines(event.encoded(live_id_line))


def render_rich_frames(event: Event) -> bytes:
    """The same with ``@ID;tags`` (``/caps rich``)."""
    return frame_lines(event.encoded(live_rich_line))


#: The line door's session, speaking through WebSocket frames: its own
#: lines framed on the way out, room events framed once per event.
AS_FRAMES = LineOutput(
    "web", frame_lines, render_frames, render_id_frames, render_rich_frames
)


class FramedStream:
    """What a ``/ws`` :class:`LineProtocol` takes for its transport: the TCP
    connection under the WebSocket, where frames are written as they are,
    and closing begins with a WebSocket close frame.

    Because frames are written unchanged, the send queue may write them
    straight to the socket and coalesce a reactor turn's frames into one
    ``send()``, as at the line door (:mod:`chatroom.net.tcpdirect`):
    :attr:`direct_transport` names the plain TCP connection under the HTTP
    channel's wrapper, or ``None`` (TLS, a test's transport).
    """

    __slots__ = ("direct_transport", "preface", "raw", "websocket")

    def __init__(self, websocket: Any, preface: bytes = b"") -> None:
        """``preface``: the handshake's ``101``, which the session's send
        queue sends ahead of its greeting, in the same ``send()``
        (:meth:`take_preface`)."""
        self.websocket = websocket  # the wire protocol (its DoorWebSocket)
        self.raw = websocket.transport
        self.direct_transport = getattr(self.raw, "direct_transport", None)
        self.preface = preface

    def take_preface(self) -> bytes:
        """The handshake's ``101``, handed over once: the session's send
        queue (:meth:`chatroom.doors.base.connection.Connection.made`)
        queues it, and this transport keeps it no longer (else each web
        client would keep about 160 bytes for as long as it stays)."""
        preface, self.preface = self.preface, b""
        return preface

    @property
    def disconnecting(self) -> bool:
        return bool(getattr(self.raw, "disconnecting", False))

    def write(self, data: bytes) -> None:
        self.raw.write(data)

    def writeSequence(self, data: Sequence[bytes]) -> None:
        self.raw.write(b"".join(data))

    def loseConnection(self) -> None:
        try:
            self.websocket.loseConnection(1000)  # a close frame, then TCP
        except LocalProtocolError:  # the client closed first
            self.raw.loseConnection()

    def abortConnection(self) -> None:
        self.raw.abortConnection()

    def getPeer(self) -> IAddress:
        return cast(IAddress, self.raw.getPeer())

    def getHost(self) -> IAddress:
        return cast(IAddress, self.raw.getHost())

    def setTcpNoDelay(self, enabled: bool) -> None:
        set_no_delay = getattr(self.raw, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(enabled)

    def registerProducer(self, producer: object, streaming: bool) -> None:
        """The send queue takes over from the HTTP channel, which registered
        itself for request bodies and has nothing left to produce."""
        self.raw.unregisterProducer()
        self.raw.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        self.raw.unregisterProducer()

    def pauseProducing(self) -> None:
        self.raw.pauseProducing()

    def resumeProducing(self) -> None:
        self.raw.resumeProducing()

    def stopProducing(self) -> None:
        self.raw.stopProducing()


class Unterminated(Protocol):
    """What a door's protocol behind a WebSocket offers the HTTP channel's
    watch: how long a line may run, and what to do past that."""

    max_unterminated: int

    def unterminatedLine(self) -> None: ...

    def connectionLost(self, reason: Failure) -> None: ...


#: The door's protocol behind a :class:`DoorWebSocket`.
D = TypeVar("D", bound=Unterminated)


class DoorWebSocket(ABC, Generic[D]):
    """One WebSocket connection with a door's protocol behind it (the line
    door's at ``/ws``, the IRC door's at ``/irc``): the handshake hands the
    HTTP connection's admission over, the protocol is made once the ``101``
    is written, and the channel watches its lines' length. Subclasses say
    which protocol (:meth:`open_door`) and how messages become its lines.

    It is also the connection's wire protocol (what twisted.web's
    ``_WebSocketWireProtocol`` is): the bytes read are handed to wsproto's
    :class:`~wsproto.Connection` and its events dispatched here, as
    Twisted's does (pings answered, a close answered and the connection
    closed, a message's fragments joined), with one object and no
    per-event ``singledispatch`` or message buffers per connection.
    """

    __slots__ = ("_part", "channel", "chat", "connection", "transport", "websocket")

    def __init__(self, channel: Any) -> None:
        self.channel = channel  # the LimitedChannel under this connection
        self.connection: Connection | None = None  # wsproto's, while needed
        self.transport: Any = None
        self.websocket: Any = None
        self.chat: D | None = None
        self._part: Any = None  # the fragments of an unfinished message

    @abstractmethod
    def open_door(self, accepted: bytes) -> D:
        """The door's protocol, made once the handshake is accepted: its
        first bytes are ``accepted`` (the ``101``; none for a test's
        stand-in)."""

    @abstractmethod
    def textMessageReceived(self, message: str) -> None:
        """A whole text message (its fragments joined)."""

    @abstractmethod
    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        """A whole binary message (its fragments joined)."""

    def pongReceived(self, payload: bytes) -> None:
        """Keepalive is each door's own (``PING`` lines), not WebSocket pings."""

    # -- the wire protocol (IProtocol, under the HTTP connection's wrapper) ----

    def makeConnection(self, transport: Any) -> None:
        self.transport = transport
        self.negotiationStarted(self)

    def wsproto(self) -> Connection:
        """wsproto's connection, made when a frame or a close first needs it.

        Everyday frames are read without it (:func:`whole_frames`), so an
        idle or chatting client keeps none (about 900 bytes: the connection,
        its frame protocol, decoders, buffer and parser). One made for a
        ping, a fragment, a frame cut by a read or an error is the state an
        open wsproto connection has between frames, as the handshake's was:
        server side, no extension (none is negotiated), nothing buffered.
        """
        connection = self.connection
        if connection is None:
            connection = self.connection = Connection(ConnectionType.SERVER)
            without_event_queue(connection)
        return connection

    def dataReceived(self, data: bytes) -> None:
        connection = self.connection
        if self._part is None and (
            connection is None or wsproto_between_frames(connection)
        ):
            messages, used = whole_frames(data)
            for message in messages:
                self._whole(message)
            if used == len(data):
                return
            data = data[used:]
        connection = self.wsproto()
        connection.receive_data(data)
        for event in connection.events():
            kind = type(event)
            if kind is TextMessage or kind is BytesMessage:
                self._message(cast(Message[Any], event))
            elif kind is Ping:
                self.transport.write(connection.send(cast(Ping, event).response()))
            elif kind is Pong:
                self.pongReceived(cast(Pong, event).payload)
            elif kind is CloseConnection:
                if connection.state is not ConnectionState.CLOSED:
                    reply = cast(CloseConnection, event).response()
                    self.transport.write(connection.send(reply))
                self.transport.loseConnection()
        if self._part is None and wsproto_between_frames(connection):
            self.connection = None  # back to the everyday frames: let it go

    def _message(self, event: Message[Any]) -> None:
        part, data = self._part, event.data
        if part is not None:
            data = part + data
        if not event.message_finished:
            self._part = data
            return
        self._part = None
        self._whole(data)

    def _whole(self, data: str | bytes | bytearray) -> None:
        """One whole message, however it was read: text as text, bytes as bytes."""
        if isinstance(data, str):
            self.textMessageReceived(data)
        else:
            self.bytesMessageReceived(data)

    def loseConnection(self, code: int = 1000) -> None:
        """A close frame, then the TCP connection closes."""
        self.transport.write(self.wsproto().send(CloseConnection(code)))
        self.transport.loseConnection()

    # -- the WebSocket events ----------------------------------------------------

    def negotiationStarted(self, websocket: Any) -> None:
        """``websocket``: what closes the connection with a close frame
        (this WebSocket, or a test's stand-in)."""
        self.websocket = websocket

    def negotiationFinished(self, accepted: bytes = b"") -> None:
        """The handshake is accepted (``accepted``: the ``101``, for the
        door to send first)."""
        hand_over = getattr(self.channel, "hand_over", None)
        if hand_over is not None:  # the HTTP connection's admission ends here
            hand_over()
        chat = self.chat = self.open_door(accepted)
        if self.channel is not None and hasattr(self.channel, "watch"):
            self.channel.watch(chat)

    def connectionLost(self, reason: Failure) -> None:
        if self.chat is not None:
            self.chat.connectionLost(reason)

    def _whole_message(self) -> None:
        if self.channel is not None and hasattr(self.channel, "received_message"):
            self.channel.received_message()

    def _door_for(self, size: int) -> D | None:
        """The door's protocol for one whole message of ``size``, or None:
        not open yet, or longer than a line may be, which the door answers
        as it answers such a line over TCP (the message came in one read)."""
        self._whole_message()
        chat = self.chat
        if chat is None:
            return None
        if size > chat.max_unterminated:
            chat.unterminatedLine()
            return None
        return chat


def without_event_queue(connection: Connection) -> None:
    """Drop the empty ``deque`` (760 bytes) every wsproto connection keeps
    for the one event it queues itself: a close when told the TCP
    connection was lost (``receive_data(None)``), which nothing here ever
    tells it (the WebSocket hears of it from Twisted). An empty tuple reads
    the same; should wsproto ever append to it, that fails loudly. (A
    private wsproto name: ``tests/doors/web/test_ws_output.py`` pins it.)"""
    if isinstance(getattr(connection, "_events", None), deque) and not len(
        connection._events
    ):
        setattr(connection, "_events", ())  # noqa: B010 (a typed private name)


def upgrade(
    request: Request,
    offer: Offer,
    websocket: DoorWebSocket[Any],
    subprotocol: str | None = None,
) -> int:
    """Answer ``101`` (with ``subprotocol``) and make the connection
    ``websocket``'s, as twisted.web's ``WebSocketResource`` does with its own
    wire protocol. (The HTTP channel's upgrade is a private twisted.web
    name: the tests of the doors break first if a Twisted release changes it.)
    No wsproto connection is kept from the handshake: the WebSocket makes
    its own when a frame first needs one (:meth:`DoorWebSocket.wsproto`)."""
    accepted = offer.accepted(subprotocol)
    request.channel._protocolUpgradeForWebsockets(cast(IProtocol, websocket))
    websocket.negotiationFinished(accepted)
    return NOT_DONE_YET


def send_now(transport: Any, data: bytes) -> None:
    """``data`` (a ``101``) to the TCP connection under ``transport``,
    straight to the socket when it can take it (it can, this early), as
    every later frame is: once Twisted's write buffer has been used, the
    TCP transport keeps a bigger attribute dictionary for good (832 bytes
    per connection, memory_probe --door ws)."""
    direct = direct_connection(transport)
    rest = data if direct is None else send_direct(direct, data)
    if rest:
        transport.write(rest)


class LineWebSocket(DoorWebSocket[LineProtocol]):
    """One ``/ws`` connection: WebSocket events in, a line session behind.

    The line session is made once the handshake's ``101`` has been written
    (``negotiationFinished``), so ``HELLO`` follows it on the wire.
    """

    __slots__ = ("server",)

    def __init__(self, server: DoorHub, channel: Any) -> None:
        super().__init__(channel)
        self.server = server

    def open_door(self, accepted: bytes) -> LineProtocol:
        """The line session, sending the ``101`` and its ``HELLO`` in one
        ``send()`` at the turn's end (its frames are the socket's bytes
        as they are)."""
        chat = LineProtocol(self.server, AS_FRAMES)
        chat.makeConnection(FramedStream(self.websocket, accepted))
        return chat

    def textMessageReceived(self, message: str) -> None:
        chat = self._door_for(len(message))
        if chat is None:
            return
        line = message[:-1] if message.endswith("\n") else message
        line = line[:-1] if line.endswith("\r") else line
        if "\n" in line or "\r" in line:  # control characters: one line a frame
            chat.session.refuse(errors.bad_text())
            return
        chat.dataReceived(line.encode("utf-8") + b"\n")

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        self._whole_message()
        if self.chat is not None:
            self.chat.session.refuse(errors.binary_frame())


class OriginCheckedResource(Resource, ABC):
    """A WebSocket's address (``/ws``, ``/irc``), refusing handshakes from
    pages of other sites; each address says what an accepted handshake
    opens (:meth:`accept`).

    A browser always sends ``Origin`` with a WebSocket handshake. It is
    accepted when it names this site (the request's ``Host``) or is on the
    allow-list (``*`` allows every origin). Programs that send no
    ``Origin`` (not browsers: nothing to protect) are accepted. The
    handshake itself is answered as twisted.web's ``WebSocketResource``
    answers it.
    """

    log = Logger()

    def __init__(self, server: DoorHub) -> None:
        super().__init__()
        self.chat = server

    def allowed(self, request: Request) -> bool:
        """Asked of the server's configuration at each handshake: origins
        a reload (``--http-origins``) adds or removes count from the next."""
        origins = self.chat.config.allowed_origins
        origin_header = request.getHeader("origin")
        if origin_header is None or "*" in origins:
            return True
        origin = origin_header.rstrip("/").lower()
        if origin in origins:
            return True
        host = (request.getHeader("host") or "").lower()
        return bool(host) and urlsplit(origin).netloc == host

    def render_GET(self, request: Request) -> bytes | int:
        if not self.allowed(request):
            return self.refused(request)
        offer = offer_of(request)
        if offer is None:
            return self.not_a_handshake(request)
        return self.accept(request, offer)

    @abstractmethod
    def accept(self, request: Request, offer: Offer) -> int:
        """A valid handshake: the session, and ``101``."""

    def not_a_handshake(self, request: Request) -> bytes:
        """``400`` for a request here that is no WebSocket handshake (the
        answer of twisted.web's ``WebSocketResource``)."""
        self.log.info(
            "not a WebSocket handshake from {peer}", peer=request.getClientAddress()
        )
        request.setResponseCode(400)
        request.setHeader("content-type", "text/plain")
        return b"websocket protocol negotiation error"

    def refused(self, request: Request) -> bytes:
        """The ``403`` for a handshake from a page of another site."""
        origin = request.getHeader("origin")
        self.log.info("refused a WebSocket from origin {origin}", origin=origin)
        request.setResponseCode(403)
        request.setHeader("content-type", "text/plain; charset=utf-8")
        return (
            f"WebSocket refused: origin {origin} is not allowed here "
            "(the server's --http-origins lists the allowed ones)\n"
        ).encode()


class LineWebSocketResource(OriginCheckedResource):
    """``/ws``: the line protocol over a WebSocket (:class:`LineWebSocket`)."""

    def accept(self, request: Request, offer: Offer) -> int:
        session = LineWebSocket(self.chat, request.channel.transport)
        return upgrade(request, offer, session)
