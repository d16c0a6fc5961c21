"""Writing straight to a TCP socket when Twisted has nothing queued for it.

This is the only module that reads Twisted's private transport attributes
(``dataBuffer``, ``_tempDataLen``, ``socket``), so that what depends on
them is in one place and pinned by ``tests/test_sendq.py``. Should a
Twisted release rename them, :func:`direct_writer` returns ``None`` and
every connection takes the ordinary ``transport.write`` path.

Why bother: with nothing queued, ``transport.write`` appends to the
buffer, registers the socket with epoll for writability, wakes up for it,
sends and unregisters, per member per message; one ``send()`` does the
same work. Profiling showed that bookkeeping was most of the server's time
at high fan-out (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet import tcp

#: Twisted's private attributes this module reads.
PRIVATE_ATTRIBUTES = ("dataBuffer", "_tempDataLen", "socket")


def direct_writer(transport: object) -> Callable[[bytes], bytes] | None:
    """A function that sends what it can straight to ``transport``'s socket.

    It returns what it did not send, for the caller to ``transport.write``;
    ``None`` instead of a function when the transport is not plain TCP
    (TLS, a test transport) or lacks the attributes it reads.
    """
    if not isinstance(transport, tcp.Connection) or transport.TLS:
        return None
    if not all(hasattr(transport, name) for name in PRIVATE_ATTRIBUTES):
        return None
    connection = transport
    sock = connection.socket

    def write(data: bytes) -> bytes:
        if (
            connection._tempDataLen
            or connection.dataBuffer
            or not connection.connected
            or connection.disconnecting
        ):
            return data  # something is queued: keep the order, go the usual way
        try:
            written = sock.send(data)
        except OSError:  # would block, or the peer is gone: Twisted's own
            return data  # write path finds out and handles it
        return data[written:] if written < len(data) else b""

    return write
