"""Several addresses of one chat: a lost connection comes back through another.

A cluster's nodes (see docs/scaling.md) all serve the same chat, so when
the node a client is on dies, any other one takes the client back: the
name, then every room ``since`` its newest event (:mod:`.rejoining`).
:class:`FailoverConnector` is the client's :data:`~.controller.Connector`
over a list of endpoints: each attempt goes to the address that worked
last, then, if it refuses, to the next ones in turn, within that one
attempt; only when every address refuses does the attempt fail and the
controller wait out its backoff. A node that was killed refuses at once
(nothing listens on its port), so its clients are back on another node
as soon as that node gives their names back (after ``--node-ttl``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.python.failure import Failure

from chatroom.client.protocol import ChatClientFactory, ChatClientProtocol


class FailoverConnector:
    """Connect to the first of ``endpoints`` that answers, starting with the
    one that answered last (the controller's ``connect``)."""

    def __init__(self, endpoints: Sequence[IStreamClientEndpoint]) -> None:
        if not endpoints:
            raise ValueError("FailoverConnector needs at least one endpoint")
        self.endpoints = list(endpoints)
        #: The endpoint the next attempt starts with.
        self.current = 0

    def __call__(self, factory: ChatClientFactory) -> Deferred[ChatClientProtocol]:
        return self._try(factory, self.current, len(self.endpoints))

    def _try(
        self, factory: ChatClientFactory, index: int, left: int
    ) -> Deferred[ChatClientProtocol]:
        # The factory builds ChatClientProtocols; the endpoint's type says IProtocol.
        attempt = cast(
            "Deferred[ChatClientProtocol]", self.endpoints[index].connect(factory)
        )

        def connected(protocol: ChatClientProtocol) -> ChatClientProtocol:
            self.current = index
            return protocol

        def refused(failure: Failure) -> Deferred[ChatClientProtocol] | Failure:
            if left <= 1:
                # All refused: the next attempt starts after this one.
                self.current = (index + 1) % len(self.endpoints)
                return failure
            return self._try(factory, (index + 1) % len(self.endpoints), left - 1)

        return attempt.addCallbacks(connected, refused)
