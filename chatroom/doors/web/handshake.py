"""A WebSocket handshake read from twisted.web's request, and its ``101``.

twisted.web has parsed the request by the time a WebSocket resource
renders it. wsproto's :class:`~wsproto.handshake.H11Handshake` wants it
again as h11 events: it serializes the request with an h11 client, parses
it back with an h11 server, checks each header against h11's grammar and
answers with h11's serializer. That is most of a connect's Python at the
web door (several hundred function calls of the ~1,200 an upgrade takes).

The everyday handshake (a browser's, the C generator's, a WebSocket
library's) is read here from the headers twisted.web parsed
(:func:`everyday`), on the same rules wsproto applies, and answered with
the bytes wsproto would write (:meth:`EverydayOffer.accepted`).
Anything unusual (a header twice, a control character h11 would refuse,
a body's headers, a request near h11's buffer bound) is left to wsproto
(:class:`WsprotoOffer`), which answers every case, refusals included,
as it always has: the wire is the same whichever reads it, and
``tests/doors/web/test_handshake.py`` holds the two side by side.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

import h11
from twisted.web.server import Request
from wsproto import ConnectionType
from wsproto.events import AcceptConnection
from wsproto.events import Request as Asked
from wsproto.handshake import H11Handshake
from wsproto.utilities import RemoteProtocolError, generate_accept_token

#: A request target h11 takes (``vchar+``): wsproto is handed the path.
TARGET = re.compile(rb"[\x21-\x7e]+")

#: Bytes a header value may not hold for h11 beyond what twisted.web
#: refuses already (NUL, CR, LF; spaces and tabs at its ends stripped).
NOT_IN_VALUES = b"\x0b\x0c"

#: The headers the handshake reads, each of which must come once here.
ONCE = frozenset(
    (b"host", b"connection", b"upgrade", b"sec-websocket-version", b"sec-websocket-key")
)

#: A body's headers, which no handshake has.
BODY = (b"content-length", b"transfer-encoding")

#: Beyond this many bytes of request, wsproto's h11 parser refuses it
#: (16 KiB: ``h11.Connection``'s bound on an incomplete event); well
#: short of it, the everyday path never differs.
EVERYDAY_SIZE = 8192


class Offer(ABC):
    """A client's handshake: the subprotocols it offered (in its order of
    preference), and the ``101`` that accepts it."""

    __slots__ = ("subprotocols",)

    def __init__(self, subprotocols: Sequence[str]) -> None:
        self.subprotocols = subprotocols

    @abstractmethod
    def accepted(self, subprotocol: str | None = None) -> bytes:
        """The ``101``, with ``subprotocol`` (one of those offered)."""


class EverydayOffer(Offer):
    """A handshake read by :func:`everyday`, answered as wsproto answers
    it: the same headers, in the same order and case."""

    __slots__ = ("key",)

    def __init__(self, key: bytes, subprotocols: Sequence[str]) -> None:
        super().__init__(subprotocols)
        self.key = key

    def accepted(self, subprotocol: str | None = None) -> bytes:
        chosen = b""
        if subprotocol is not None:
            chosen = b"Sec-WebSocket-Protocol: %s\r\n" % subprotocol.encode("ascii")
        return (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n"
            % (generate_accept_token(self.key), chosen)
        )


class WsprotoOffer(Offer):
    """A handshake wsproto read (one :func:`everyday` left to it), answered
    by wsproto too."""

    __slots__ = ("handshake",)

    def __init__(self, handshake: H11Handshake, subprotocols: Sequence[str]) -> None:
        super().__init__(subprotocols)
        self.handshake = handshake

    def accepted(self, subprotocol: str | None = None) -> bytes:
        return self.handshake.send(AcceptConnection(subprotocol=subprotocol))


def offer_of(request: Request) -> Offer | None:
    """The client's handshake, or None if the request is not one (the
    resource answers ``400``: to what wsproto refuses, and to what h11
    refuses under it, a request without ``Host``, or a comma list that
    is not ASCII, which would otherwise fail the render)."""
    offer = everyday(request)
    if offer is not None:
        return offer
    handshake = H11Handshake(ConnectionType.SERVER)
    raw = request.requestHeaders.getAllRawHeaders()
    headers = [(key, value) for key, values in raw for value in values]
    try:
        handshake.initiate_upgrade_connection(headers, request.path)
    except (RemoteProtocolError, h11.ProtocolError, UnicodeError):
        return None  # h11's refusals (no Host) and a header not ASCII too
    asked = [event for event in handshake.events() if isinstance(event, Asked)]
    return WsprotoOffer(handshake, asked[0].subprotocols if asked else ())


def everyday(request: Request) -> EverydayOffer | None:
    """The handshake read from the request's headers as twisted.web parsed
    them, if wsproto would take it and nothing about it is unusual (see
    the module's docstring); None leaves it to wsproto, valid or not."""
    path = request.path
    if TARGET.fullmatch(path) is None:
        return None
    found: dict[bytes, bytes] = {}
    offered: list[bytes] = []
    size = len(path)
    for name, values in request.requestHeaders.getAllRawHeaders():
        for value in values:
            size += len(name) + len(value) + 4
            if len(value.translate(None, NOT_IN_VALUES)) != len(value):
                return None
        lower = name.lower()
        if lower == b"sec-websocket-protocol":
            offered += values
        elif lower in BODY or (lower in ONCE and len(values) != 1):
            return None
        found[lower] = values[0]
    if size > EVERYDAY_SIZE or len(found.keys() & ONCE) != len(ONCE):
        return None
    try:  # wsproto's reading of each, which raises the same errors
        found[b"host"].decode("idna")
        tokens = _comma_list(found[b"connection"])
        subprotocols = [name for value in offered for name in _comma_list(value)]
    except UnicodeError:
        return None
    if (
        "upgrade" not in [token.lower() for token in tokens]
        or found[b"sec-websocket-version"] != b"13"
        or found[b"upgrade"].lower() != b"websocket"
    ):
        return None  # wsproto's refusal, and its reason
    return EverydayOffer(found[b"sec-websocket-key"], subprotocols)


def _comma_list(value: bytes) -> list[str]:
    """A comma-separated header as wsproto splits it (ASCII, or
    :class:`UnicodeError`)."""
    return [piece.decode("ascii").strip() for piece in value.split(b",")]
