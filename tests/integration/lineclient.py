"""A real-socket test client that records server lines and waits for them."""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure


class LineClient(LineReceiver):
    """Keeps every line it receives; ``expect`` waits for a matching one.

    ``expect`` looks at lines not yet consumed by an earlier ``expect``, so a
    test reads the conversation in order without racing the network.
    """

    delimiter = b"\r\n"
    MAX_LENGTH = 1 << 20

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen = 0
        self._waiting: list[tuple[Callable[[str], bool], defer.Deferred[str]]] = []
        self.closed: defer.Deferred[None] = defer.Deferred()

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line.decode("utf-8"))
        self._match()

    def expect(self, predicate: Callable[[str], bool]) -> defer.Deferred[str]:
        """Fires with the next unconsumed line for which ``predicate`` is true."""
        waiter: defer.Deferred[str] = defer.Deferred()
        self._waiting.append((predicate, waiter))
        self._match()
        return waiter

    def _match(self) -> None:
        while self._waiting:
            predicate, waiter = self._waiting[0]
            for index in range(self._seen, len(self.lines)):
                if predicate(self.lines[index]):
                    self._seen = index + 1
                    self._waiting.pop(0)
                    waiter.callback(self.lines[index])
                    break
            else:
                return

    def connectionLost(self, reason: Failure) -> None:
        for _, waiter in self._waiting:
            waiter.errback(reason)
        self._waiting.clear()
        self.closed.callback(None)


@defer.inlineCallbacks
def connect_client(port: int, name: str | None = None):
    """Connect to 127.0.0.1:``port``; with ``name``, also wait for ``WELCOME``."""
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    client = yield connectProtocol(endpoint, LineClient())
    yield client.expect(lambda line: line.startswith("HELLO "))
    if name is not None:
        client.sendLine(name.encode("utf-8"))
        yield client.expect(lambda line: line.startswith("WELCOME "))
    return client
