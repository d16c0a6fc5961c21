"""Writing straight to a TCP socket when Twisted has nothing queued for it.

This is the only module that reads Twisted's private transport attributes
(``dataBuffer``, ``_tempDataLen``, ``socket``), so that what depends on
them is in one place and pinned by ``tests/test_sendq.py``. Should a
Twisted release rename them, :func:`direct_connection` returns ``None`` and
every connection takes the ordinary ``transport.write`` path.

Why bother: with nothing queued, ``transport.write`` appends to the
buffer, registers the socket with epoll for writability, wakes up for it,
sends and unregisters, per member per message; one ``send()`` does the
same work. Profiling showed that bookkeeping was most of the server's time
at high fan-out (docs/performance.md).
"""

from __future__ import annotations

from twisted.internet import tcp

#: Twisted's private attributes this module reads.
PRIVATE_ATTRIBUTES = ("dataBuffer", "_tempDataLen", "socket")


def direct_connection(transport: object) -> tcp.Connection | None:
    """``transport``, if :func:`send_direct` can write to its socket.

    A transport that writes its bytes unchanged to a TCP connection under
    it (the WebSocket door's already-framed stream) names that connection
    as ``direct_transport``, and that connection is the one used.
    ``None`` when the transport is not plain TCP (TLS, a test transport) or
    lacks the attributes read here: then use ``transport.write``.
    """
    transport = getattr(transport, "direct_transport", transport)
    if not isinstance(transport, tcp.Connection) or transport.TLS:
        return None
    if not all(hasattr(transport, name) for name in PRIVATE_ATTRIBUTES):
        return None
    return transport


def send_direct(connection: tcp.Connection, data: bytes) -> bytes:
    """Send what the socket takes now; return the rest for ``transport.write``.

    Only while Twisted has nothing queued for the connection, so the order
    of bytes is kept; otherwise everything is returned.
    """
    if (
        connection._tempDataLen
        or connection.dataBuffer
        or not connection.connected
        or connection.disconnecting
    ):
        return data
    try:
        written = connection.socket.send(data)
    except OSError:  # would block, or the peer is gone: Twisted's own
        return data  # write path finds out and handles it
    return data[written:] if written < len(data) else b""
