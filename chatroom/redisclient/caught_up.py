"""Knowing that a subscriber link has delivered what was published so far.

A command's reply comes on its own connection and what it published on a
subscriber's: two connections, so the reply may come first. A client that
must act on both in order (hand its own publications on before it answers
the command) waits for the subscriber link to catch up.
"""

from __future__ import annotations

from typing import Protocol

from twisted.internet import defer

from chatroom.redisclient.deadlines import CallDeadlines
from chatroom.redisclient.link import RedisLink


class CatchingUp(Protocol):
    """Something that says when what Redis published so far has arrived."""

    def wait(self) -> defer.Deferred[None]: ...


class CaughtUp:
    """Waits until the subscriber link has delivered everything Redis
    published before now: a ``PING`` on it is answered after every message
    Redis queued for it earlier (Redis writes to a connection in order).

    One ``PING`` in flight answers every waiter that came before it was
    sent; those that come meanwhile share the next one, so a busy client
    sends at most one per round trip on the link, not one per command.
    """

    def __init__(self, link: RedisLink, deadlines: CallDeadlines) -> None:
        self.link = link
        #: The ``PING``'s deadline, in the time the client listened (a
        #: reactor turn busy for longer does not cut it short).
        self.deadlines = deadlines
        self._in_flight = False
        self._next: list[defer.Deferred[None]] = []

    def wait(self) -> defer.Deferred[None]:
        """Fires once the link caught up (or at once without a link; or
        after the deadlines' timeout: the messages then come when they
        come)."""
        if self.link.connection is None:
            return defer.succeed(None)
        waiter: defer.Deferred[None] = defer.Deferred()
        self._next.append(waiter)
        if not self._in_flight:
            self._ping()
        return waiter

    def _ping(self) -> None:
        waiters, self._next = self._next, []
        connection = self.link.connection
        if connection is None:
            self._answer(waiters)
            return
        self._in_flight = True
        ping = connection.execute_command("PING")
        # Not the node's own work (uncounted); given more time while the
        # link's Redis answers, as the calls are.
        self.deadlines.within(ping, counted=False, hearing=self.link.hearing)
        ping.addBoth(lambda _: self._answer(waiters))

    def _answer(self, waiters: list[defer.Deferred[None]]) -> None:
        self._in_flight = False
        for waiter in waiters:
            waiter.callback(None)
        if self._next:
            self._ping()
