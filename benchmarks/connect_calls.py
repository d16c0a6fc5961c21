"""What a connect costs a door's Python, in function calls: counts that the
machine's load does not move.

Run from a checkout (``PYTHONPATH=.``)::

    .venv/bin/python benchmarks/connect_calls.py [--connects 500]

In one process, on the in-process back-end and a ``task.Clock``, through
``StringTransport``\\ s, it counts with ``cProfile`` the Python function
calls (built-ins included) of:

- ``/ws``: a WebSocket upgrade at the ``--http`` site (the real
  ``build_site``), a browser's handshake of nine headers, up to the line
  session's ``HELLO``;
- ``/irc``: the same at ``/irc``, with ``text.ircv3.net`` asked;
- ``irc``: an IRC client's registration (``CAP LS 302``, ``NICK``,
  ``USER``, ``CAP END``) up to the MOTD's end;
- ``line``: a line-protocol connect up to its ``HELLO``, for scale.

Each is counted over ``--connects`` connects after 50 unprofiled ones and
printed per connect, with ``--top`` functions by calls.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from collections.abc import Callable
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.web.site import build_site
from tests.support import local_server, settle

#: A browser's handshake (Firefox's headers), at PATH.
HANDSHAKE = (
    b"GET PATH HTTP/1.1\r\nHost: localhost:8080\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Firefox/140.0\r\n"
    b"Accept: */*\r\nSec-WebSocket-Version: 13\r\nOrigin: http://localhost:8080\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
)


def connects() -> dict[str, Callable[[int], Any]]:
    """Each kind of connect, as a function of its number."""
    server = local_server(ServerConfig(max_per_ip=10**7, max_clients=10**7), Clock())
    irc = IRCFactory(server)
    site = build_site(server, irc=irc)

    def transport(number: int) -> StringTransport:
        port = 1024 + number % 60000
        return StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", port))

    def upgrade(path: bytes, extra: bytes) -> Callable[[int], Any]:
        request = HANDSHAKE.replace(b"PATH", path) + extra + b"\r\n"

        def connect(number: int) -> Any:
            wire = transport(number)
            connection = site.buildProtocol(wire.getPeer())
            connection.makeConnection(wire)
            connection.dataReceived(request)
            assert wire.value().startswith(b"HTTP/1.1 101 "), wire.value()[:80]
            return connection

        return connect

    def registration(number: int) -> Any:
        wire = transport(number)
        session = irc.buildProtocol(None)
        session.makeConnection(wire)
        session.dataReceived(
            b"CAP LS 302\r\nNICK n%d\r\nUSER u 0 * :real\r\nCAP END\r\n" % number
        )
        settle()
        assert b" 376 " in wire.value(), wire.value()[-200:]
        return session

    def line(number: int) -> Any:
        session = LineProtocol(server)
        session.makeConnection(transport(number))
        return session

    return {
        "/ws": upgrade(b"/ws", b""),
        "/irc": upgrade(b"/irc", b"Sec-WebSocket-Protocol: text.ircv3.net\r\n"),
        "irc": registration,
        "line": line,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connects", type=int, default=500)
    parser.add_argument("--top", type=int, default=0)
    options = parser.parse_args()
    count = options.connects
    for kind, connect in connects().items():
        kept = [connect(number) for number in range(50)]
        profile = cProfile.Profile()
        profile.enable()
        kept += [connect(number) for number in range(100, 100 + count)]
        profile.disable()
        stats: Any = pstats.Stats(profile)  # total_calls, stats: not in typeshed
        print(f"{kind:5s} {stats.total_calls / count:7.1f} function calls per connect")
        rows = sorted(
            ((calls / count, f"{where[0].rsplit('/', 2)[-1]}:{where[2]}")
             for where, (_, calls, _, _, _) in stats.stats.items()),
            reverse=True,
        )  # fmt: skip
        for calls, name in rows[: options.top]:
            print(f"      {calls:7.1f} {name}")


if __name__ == "__main__":
    main()
