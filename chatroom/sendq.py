"""One connection's output: its ``--sendq`` bound and its backpressure.

A :class:`SendQueue` registers itself as its transport's streaming
producer, so the transport tells it (``pauseProducing``) when the client
stops reading. From then on every byte it is asked to send is counted, and
past the limit the connection is dropped instead of the server's memory
growing without bound: a stalled reader never slows its room or the
server. On plain TCP it writes straight to the socket while nothing is
queued (:mod:`chatroom.tcpdirect`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

from chatroom.tcpdirect import direct_writer


class Transport(Protocol):
    """What the queue needs of a transport (``ITransport`` + ``IConsumer``)."""

    def write(self, data: bytes) -> None: ...

    def registerProducer(self, producer: object, streaming: bool) -> None: ...

    def unregisterProducer(self) -> None: ...


@implementer(IPushProducer)
class SendQueue:
    """Bytes on their way to one client, bounded while it is not reading."""

    __slots__ = (
        "_direct",
        "_on_overflow",
        "_paused",
        "_queued",
        "_transport",
        "closed",
        "limit",
    )

    def __init__(
        self,
        transport: Transport,
        limit: int,
        on_overflow: Callable[[], None],
    ) -> None:
        self.limit = limit
        self.closed = False
        self._paused = False
        self._queued = 0  # bytes written while the transport said "pause"
        self._on_overflow = on_overflow
        self._direct = direct_writer(transport)
        self._transport = transport
        transport.registerProducer(self, True)

    def write(self, data: bytes) -> None:
        """Send ``data``, or drop the connection if its client fell too far behind."""
        if self.closed:
            return
        if self._paused:
            self._queued += len(data)
            if self._queued > self.limit:
                self.closed = True
                self._on_overflow()
                return
        elif self._direct is not None:
            data = self._direct(data)
            if not data:
                return
        self._transport.write(data)

    def close(self) -> None:
        """Nothing more is sent; the transport no longer reports to us."""
        if not self.closed:
            self.closed = True
        self._transport.unregisterProducer()

    # -- IPushProducer: called by the transport --------------------------------

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self._queued = 0

    def stopProducing(self) -> None:
        self._paused = True
