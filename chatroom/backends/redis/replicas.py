"""Waiting for Redis's replicas before a message is acknowledged (``WAIT``).

With ``--redis-replicas N`` (1 by default behind Sentinel) a message's
sender gets its own copy only once Redis says N replicas have it, so a
failover, which promotes a replica, never loses a message its sender saw
acknowledged. ``WAIT`` covers every write its connection made before it,
and blocks that connection (every command after it waits in Redis), so
:class:`ReplicaWait` sends one ``WAIT`` for all the messages whose scripts
were answered meanwhile, and never two at once: under load one round trip
to the replicas confirms a whole batch, and a command queued behind a
``WAIT`` waits at most its timeout, half of ``--redis-timeout``, so the
replicas being gone makes messages refused, never the node's other
commands late. The node's heartbeat is not among them: it goes on a
connection of its own (:mod:`~chatroom.backends.redis.node`), since
heartbeats each waiting up to that long would let its key expire.
"""

from __future__ import annotations

import contextlib
from typing import Any

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.core.errors import ChatError


class ReplicaWait:
    """Confirms that ``replicas`` replicas have what this node wrote."""

    log = Logger()

    def __init__(
        self, calls: RedisCalls, clock: IReactorTime, replicas: int, timeout: float
    ) -> None:
        self.calls = calls
        self.clock = clock
        self.replicas = replicas
        #: ``WAIT``'s own timeout, in milliseconds.
        self.timeout_ms = max(1, int(timeout * 1000 / 2))
        #: Who waits for the next ``WAIT``, each with the connection its
        #: write went on (a ``WAIT`` on another one would not cover it).
        self._next: list[tuple[Deferred[bool], Any]] = []
        self._sending = False

    def confirm(self) -> Deferred[bool]:
        """Whether the replicas have every write this node made so far
        (call it once the write was answered): True once they do, False if
        not within the timeout or if the connection was lost meanwhile."""
        waiter: Deferred[bool] = Deferred()
        self._next.append((waiter, self.calls.commands.connection))
        if not self._sending:
            self._sending = True
            self.clock.callLater(0, self._send)  # the rest of this turn's too
        return waiter

    def _send(self) -> None:
        sending = defer.ensureDeferred(self._wait())
        sending.addErrback(lambda failure: self.log.failure("WAIT", failure))

    async def _wait(self) -> None:
        """One ``WAIT`` for everyone who asked before it, then the next."""
        while self._next:
            batch, self._next = self._next, []
            connection = self.calls.commands.connection
            reached = -1  # Redis lost: nothing is confirmed
            with contextlib.suppress(ChatError):
                reached = int(
                    await self.calls.command("WAIT", self.replicas, self.timeout_ms)
                )
            if 0 <= reached < self.replicas:
                self.log.warn(
                    "WAIT: {reached} of {wanted} replicas confirmed in time",
                    reached=reached,
                    wanted=self.replicas,
                )
            for waiter, written_on in batch:
                confirmed = written_on is connection and reached >= self.replicas
                waiter.callback(confirmed)
        self._sending = False
