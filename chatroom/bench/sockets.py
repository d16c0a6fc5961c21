"""How a generator worker reads: many sockets per wake-up, and its coordinator.

Split from :mod:`chatroom.bench.worker` (which holds the clients and the
schedule) because these two are plumbing: :class:`ReadMux` takes connected
clients' sockets off the reactor into one epoll set, and :class:`Control`
reads the coordinator's JSON lines.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Callable
from typing import Any, Protocol

from twisted.internet.epollreactor import EPollReactor
from twisted.internet.interfaces import IReadDescriptor
from twisted.internet.tcp import Client
from twisted.protocols.basic import LineOnlyReceiver
from twisted.python.failure import Failure
from zope.interface import implementer


class MuxClient(Protocol):
    """What :class:`ReadMux` needs of a client: its connected transport, a
    place for its descriptor, and where its bytes and its end go."""

    tcp: Client | None
    fd: int

    def dataReceived(self, data: bytes) -> None: ...

    def closed(self) -> None: ...


@implementer(IReadDescriptor)
class ReadMux:
    """Reads many clients' sockets for one reactor wake-up.

    Twisted calls ``doRead`` once per readable socket, with a logging context
    around each call; at 100,000 deliveries a second that per-socket overhead
    alone would saturate the generator, and a saturated generator reports its
    own queueing as the server's latency. So as soon as a client is connected
    its socket moves from the reactor to an epoll set of our own,
    whose single descriptor the reactor watches: one reactor callback drains
    every socket that is ready. Writes still go through the transports.
    """

    def __init__(self, reactor: EPollReactor) -> None:
        self.reactor = reactor
        self.poller = select.epoll()
        self.clients: dict[int, tuple[MuxClient, socket.socket]] = {}

    def fileno(self) -> int:
        return self.poller.fileno()

    def logPrefix(self) -> str:
        return "ReadMux"

    def connectionLost(self, reason: Failure) -> None:
        self.poller.close()

    def add(self, client: MuxClient) -> None:
        tcp = client.tcp
        assert tcp is not None
        self.reactor.removeReader(tcp)
        fd = client.fd = tcp.fileno()
        self.clients[fd] = (client, tcp.socket)
        self.poller.register(fd, select.EPOLLIN)

    def remove(self, client: MuxClient) -> None:
        """Stop reading ``client`` (the slow reader), leaving it connected."""
        if self.clients.pop(client.fd, None) is not None:
            self.poller.unregister(client.fd)

    def doRead(self) -> None:
        # One pass only: the reactor calls again at once while sockets are
        # ready, and runs the senders' timers in between, so a busy receive
        # side never delays a scheduled send.
        clients = self.clients
        for fd, _mask in self.poller.poll(0, 4096):
            entry = clients.get(fd)
            if entry is None:
                continue
            client, sock = entry
            try:
                data = sock.recv(65536)  # below malloc's mmap threshold
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                client.dataReceived(data)
            else:  # closed by the server: forget it; Twisted never knew
                self.poller.unregister(fd)
                del clients[fd]
                client.closed()


class Control(LineOnlyReceiver):
    """The coordinator's JSON lines on stdin."""

    delimiter = b"\n"

    def __init__(
        self, handler: Callable[[dict[str, Any]], None], reactor: EPollReactor
    ) -> None:
        self.handler = handler
        self.reactor = reactor

    def lineReceived(self, line: bytes) -> None:
        if line.strip():
            self.handler(json.loads(line))

    def connectionLost(self, reason: Failure | None = None) -> None:
        """The coordinator went away: nothing left to report to."""
        if self.reactor.running:
            self.reactor.stop()
