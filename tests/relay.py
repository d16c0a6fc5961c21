"""A relay between real clients and the real server that a test controls,
as a bad network would: it reads what passes whole (a line of the line
door, a WebSocket message of the web door), can swallow what the client
sends or what the server answers, and cuts every connection at once.

The clients under test (``chatroom-urwid`` in tmux, chromium) connect to
the relay's port instead of the server's; the relay keeps every line or
message a client sent, swallowed or not (:attr:`Relay.sent`), so a test
reads what a client sent (``/txn KEY …``) where it went out.

- **Lines** (``websocket=False``): a TCP relay that splits each way on
  ``\\n``, so a swallow never leaves half a line.
- **The web door** (``websocket=True``): plain HTTP (the page, its
  scripts) goes through byte for byte; a WebSocket handshake is ended
  here with wsproto (the library the server's own WebSocket uses) and
  made again to the server, so that each message is read whole, in
  clear: without permessage-deflate (the relay offers none to either
  side), and unmasked. Pings are answered by the relay on each side, as
  a proxy's own connection would.

The relay runs on threads with blocking sockets, like the clients the
integration tests drive (Selenium, tmux): the test's reactor is not
running while a test blocks. A server that is stopped refuses the
relay's connection, and the relay closes the client's at once: the
client sees the server gone, as it would without a relay.
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError

if TYPE_CHECKING:
    from twisted.trial.unittest import TestCase

    from tests.integration.real_clients import LineUser

#: The request headers a WebSocket handshake made again to the server
#: keeps: the server checks ``Origin`` against its own host, and a
#: device session may ride on a cookie.
KEPT_HEADERS = frozenset({b"origin", b"cookie", b"user-agent"})


#: The words a row said and not yet acknowledged shows (exactly-once.md,
#: points 9 and 10).
PENDING = re.compile(r"\b(pending|sending|waiting|not sent)\b")


class Relay:
    """A relay on a free loopback port to the server's ``port``.

    Args:
        port: the server's port (its line door, or its ``--http``).
        websocket: the web door: WebSocket messages are its units (see
            the module's docstring); else lines.
    """

    def __init__(self, port: int, websocket: bool = False) -> None:
        self.upstream = port
        self.websocket = websocket
        #: Every line or message a client sent, in order, swallowed or not.
        self.sent: list[str] = []
        #: What a client sends is read and dropped, not passed on: all of
        #: it (True), or the lines or messages a predicate holds for.
        self.swallowing_sent: bool | Callable[[str], bool] = False
        #: What the server answers is read and dropped, not passed on.
        self.swallowing_answers = False
        #: New connections are closed at once, as a server that is down
        #: refuses them (the server keeps running for the others).
        self.refusing = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def sent_matching(self, check: Callable[[str], bool]) -> list[str]:
        """What clients sent that ``check`` holds for, in order."""
        with self._lock:
            return [line for line in self.sent if check(line)]

    def keys_sent(self, room: str, text: str) -> list[str]:
        """The key of each ``/txn KEY /say ROOM TEXT`` a client sent, in
        order: one per time it sent ``text`` to ``room``."""
        ending = f" /say {room} {text}"
        return [
            line.split(" ")[1]
            for line in self.sent_matching(lambda line: line.endswith(ending))
            if line.startswith("/txn ")
        ]

    def cut(self) -> None:
        """Every connection reset, both ways, in the same moment (as a
        network that fails does); swallowing stops with it."""
        with self._lock:
            cutting, self._sockets = self._sockets, []
            self.swallowing_sent = self.swallowing_answers = False
        for each in cutting:
            with contextlib.suppress(OSError):
                each.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                each.shutdown(socket.SHUT_RDWR)  # wakes its pump, then resets
            each.close()

    def close(self) -> None:
        self.listener.close()
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:  # closed
                return
            self._keep(down)
            threading.Thread(target=self._relay, args=(down,), daemon=True).start()

    def _keep(self, each: socket.socket) -> None:
        with self._lock:
            self._sockets.append(each)

    def _connect_up(self, down: socket.socket) -> socket.socket | None:
        """The server's side of a connection (None: the server is not
        there, and the client's side is closed at once)."""
        try:
            if self.refusing:
                raise ConnectionRefusedError
            up = socket.create_connection(("127.0.0.1", self.upstream), timeout=10)
        except OSError:
            down.close()
            return None
        up.settimeout(None)
        self._keep(up)
        return up

    def _relay(self, down: socket.socket) -> None:
        if not self.websocket:
            up = self._connect_up(down)
            if up is not None:
                self._pump_lines(down, up)
            return
        head = _read_head(down)
        if b"upgrade: websocket" not in head.lower():
            up = self._connect_up(down)
            if up is not None:
                with contextlib.suppress(OSError):
                    up.sendall(head)
                    self._pump_bytes(down, up)
            return
        _WebSocketLink(self, down, head).run()

    def _pump_lines(self, down: socket.socket, up: socket.socket) -> None:
        def sent(line: bytes) -> bool:
            return self.passes_sent(line.decode("utf-8", "replace").rstrip("\r\n"))

        def answered(line: bytes) -> bool:
            return self.passes_answer()

        answers = _lines(answered)
        threading.Thread(target=_pump, args=(up, down, answers), daemon=True).start()
        _pump(down, up, _lines(sent))

    def _pump_bytes(self, down: socket.socket, up: socket.socket) -> None:
        def through(data: bytes) -> bytes:
            return data

        threading.Thread(target=_pump, args=(up, down, through), daemon=True).start()
        _pump(down, up, through)

    def passes_sent(self, text: str) -> bool:
        """Whether ``text``, sent by a client, goes on (it is kept)."""
        with self._lock:
            self.sent.append(text)
            swallowing = self.swallowing_sent
        return not (swallowing(text) if callable(swallowing) else swallowing)

    def passes_answer(self) -> bool:
        """Whether an answer of the server goes on."""
        with self._lock:
            return not self.swallowing_answers

    def passes_sent_bytes(self) -> bool:
        """Whether a binary message of a client goes on (it is not kept)."""
        with self._lock:
            return self.swallowing_sent is False


def _read_head(down: socket.socket) -> bytes:
    """The first bytes of a connection, up to the end of an HTTP request's
    head (or whatever came before the client stopped)."""
    head = b""
    while b"\r\n\r\n" not in head:
        try:
            data = down.recv(65536)
        except OSError:
            return head
        if not data:
            return head
        head += data
    return head


def _pump(source: socket.socket, sink: socket.socket, filtered: _Filter) -> None:
    """What ``source`` says, as ``filtered`` leaves it, to ``sink``, until
    either side ends; then both end."""
    try:
        while data := source.recv(65536):
            sink.sendall(filtered(data))
    except OSError:
        pass
    finally:
        _end(source, sink)


def _end(*sockets: socket.socket) -> None:
    """Each of ``sockets`` shut down both ways (its other pump wakes)."""
    for each in sockets:
        with contextlib.suppress(OSError):
            each.shutdown(socket.SHUT_RDWR)


_Filter = Callable[[bytes], bytes]


def _lines(passes: Callable[[bytes], bool]) -> _Filter:
    """A filter that passes on each whole line that ``passes`` lets through
    (keeping a partial one until its end comes)."""
    partial = b""

    def filtered(data: bytes) -> bytes:
        nonlocal partial
        *lines, partial = (partial + data).split(b"\n")
        return b"".join(line + b"\n" for line in lines if passes(line + b"\n"))

    return filtered


class _WebSocketLink:
    """One WebSocket, ended at the relay on the client's side and made
    again to the server: each message read whole, passed on or swallowed."""

    def __init__(self, relay: Relay, down: socket.socket, head: bytes) -> None:
        self.relay = relay
        self.down_socket = down
        self.head = head
        self.down = WSConnection(ConnectionType.SERVER)
        self.up = WSConnection(ConnectionType.CLIENT)
        #: wsproto's connections are not for two threads at once.
        self.lock = threading.Lock()

    def run(self) -> None:
        self.down.receive_data(self.head)
        request = next((e for e in self.down.events() if isinstance(e, Request)), None)
        if request is None:
            self.down_socket.close()
            return
        up = self.relay._connect_up(self.down_socket)
        if up is None:
            return
        self.up_socket = up
        kept = [
            (name, value)
            for name, value in request.extra_headers
            if bytes(name).lower() in KEPT_HEADERS
        ]
        if self._handshake(request, kept) is None:
            for each in (up, self.down_socket):
                each.close()
            return
        threading.Thread(target=self._carry, args=(False,), daemon=True).start()
        self._carry(True)

    def _handshake(
        self, request: Request, headers: list[tuple[bytes, bytes]]
    ) -> AcceptConnection | None:
        """The server's answer to the handshake made again, given the
        client in its turn (None: refused, or the server went)."""
        with contextlib.suppress(OSError):
            self.up_socket.sendall(
                self.up.send(
                    Request(
                        host=request.host,
                        target=request.target,
                        subprotocols=request.subprotocols,
                        extra_headers=headers,
                    )
                )
            )
            while data := self.up_socket.recv(65536):
                self.up.receive_data(data)
                for event in self.up.events():
                    if isinstance(event, AcceptConnection):
                        accept = AcceptConnection(subprotocol=event.subprotocol)
                        self.down_socket.sendall(self.down.send(accept))
                        return event
                    if isinstance(event, RejectConnection):
                        refusal = RejectConnection(status_code=event.status_code)
                        self.down_socket.sendall(self.down.send(refusal))
                        return None
        return None

    def _carry(self, sent_by_client: bool) -> None:
        """One way: the client's messages to the server (``sent_by_client``)
        or the server's answers to the client."""
        source, source_socket, sink, sink_socket = (
            (self.down, self.down_socket, self.up, self.up_socket)
            if sent_by_client
            else (self.up, self.up_socket, self.down, self.down_socket)
        )
        parts: list[Event] = []
        try:
            data = b"-"  # what came with the handshake is read first
            while data:
                with self.lock:
                    events = list(source.events())
                for event in events:
                    if isinstance(event, (Ping, CloseConnection)):
                        with self.lock, contextlib.suppress(LocalProtocolError):
                            source_socket.sendall(source.send(event.response()))
                            if isinstance(event, CloseConnection):
                                closing = CloseConnection(event.code, event.reason)
                                sink_socket.sendall(sink.send(closing))
                        continue
                    message = self._whole(event, parts)
                    if message is None or not self._passes(message, sent_by_client):
                        continue
                    with self.lock:
                        sink_socket.sendall(sink.send(message))
                data = source_socket.recv(65536)
                with self.lock:
                    source.receive_data(data or None)
        except OSError:
            pass
        finally:
            _end(source_socket, sink_socket)

    @staticmethod
    def _whole(event: Event, parts: list[Event]) -> Message[Any] | None:
        """The whole message ``event`` ends (its parts gathered in
        ``parts`` until then); None while it goes on, or for an event
        that is no message (a pong)."""
        if not isinstance(event, (TextMessage, BytesMessage)):
            return None
        parts.append(event)
        if not event.message_finished:
            return None
        gathered = list(parts)
        parts.clear()
        if isinstance(event, TextMessage):
            text = "".join(p.data for p in gathered if isinstance(p, TextMessage))
            return TextMessage(data=text)
        data = b"".join(bytes(p.data) for p in gathered if isinstance(p, BytesMessage))
        return BytesMessage(data=data)

    def _passes(self, message: Message[Any], sent_by_client: bool) -> bool:
        if not sent_by_client:
            return self.relay.passes_answer()
        if isinstance(message, TextMessage):
            return self.relay.passes_sent(message.data)
        return self.relay.passes_sent_bytes()


def said_once(case: TestCase, member: LineUser, room: str, text: str) -> None:
    """``member`` (in ``room`` at the line door, without capabilities) got
    ``text`` exactly once, live (``MSG``) or in the replay of its join
    (``HISTORY``), and ``/history`` holds it once."""
    member.wait(lambda line: line.endswith(f" {text}"), repr(text))
    member.listen(0.5)  # a second copy would be here by now
    got = [
        line
        for line in member.lines
        if line.endswith(f" {text}") and line.split(" ")[0] in ("MSG", "HISTORY")
    ]
    case.assertEqual(len(got), 1, got)
    before = len(member.lines)
    member.send(f"/in {room} /history 50")
    member.wait(lambda line: line.startswith(f"HISTORY_END {room} "), "history")
    stored = [line for line in member.lines[before:] if line.endswith(f" {text}")]
    case.assertEqual(len(stored), 1, stored)
