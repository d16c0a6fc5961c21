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

``WAIT`` counts the writes of the connection it is sent on, and no other
(a connection that wrote nothing is answered at once, every replica
"having" it). So each write is confirmed on the connection that ran it
(:class:`~.link.Written`): on one Redis, the commands link's; on a Redis
Cluster with rooms apart, a room's script ran on the link to its slot's
primary (:mod:`.routing`), whose replicas are the ones a failover of that
shard promotes, and the ``WAIT`` goes there. Writes on several
connections are confirmed by one ``WAIT`` each, sent at once, each
blocking its own connection alone.

A message's sender is held back (its own copy withheld) until then. An
edit, a deletion, a reaction or a topic (``AMEND``) is published at once,
but answered (the ``ACK`` of a ``/txn``) only once confirmed the same way
(:func:`confirmed`), else refused ``UNAVAILABLE``: a failover after the
``ACK`` never takes back what it said was done, and the repeat of a
refused one is answered by its key. A keyed private message is held
beside its key, as a keyed room message is, and told only once
confirmed (:meth:`~.private.RedisConversations.tell_held`, ``_held``);
an unkeyed one is not held: its copies are the core's to deliver once
it is stored.
"""

from __future__ import annotations

import contextlib
from typing import Any

import txredisapi
from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.core.model import errors
from chatroom.core.model.errors import ChatError
from chatroom.redisclient.link import RedisLink, Written


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
        #: Who waits for the next ``WAIT``, by the connection their write
        #: went on (a ``WAIT`` on another one would not cover it), with
        #: that connection's link.
        self._next: dict[Any, tuple[RedisLink, list[Deferred[bool]]]] = {}
        #: The connections a ``WAIT`` is sent on now, or about to be.
        self._sending: set[Any] = set()

    def confirm(self, written: Written) -> Deferred[bool]:
        """Whether the replicas have the write that went as ``written``
        says, and every one before it on its connection (call it once the
        write was answered): True once they do, False if not within the
        timeout, or if that connection was lost meanwhile."""
        waiter: Deferred[bool] = Deferred()
        connection, link = written.connection, written.link
        if connection is None or link is None:
            waiter.callback(False)  # never sent: nothing to confirm
            return waiter
        self._next.setdefault(connection, (link, []))[1].append(waiter)
        if connection not in self._sending:
            self._sending.add(connection)
            # the rest of this turn's writes on it too
            self.clock.callLater(0, self._send, link, connection)
        return waiter

    def _send(self, link: RedisLink, connection: Any) -> None:
        sending = defer.ensureDeferred(self._wait(link, connection))
        sending.addErrback(lambda failure: self.log.failure("WAIT", failure))

    async def _wait(self, link: RedisLink, connection: Any) -> None:
        """One ``WAIT`` on ``connection`` for everyone who asked before it,
        then the next, until nobody waits on it."""
        try:
            while connection in self._next:
                _, batch = self._next.pop(connection)
                reached = -1  # Redis lost: nothing is confirmed
                if link.connection is connection:  # else it was lost
                    with contextlib.suppress(ChatError, txredisapi.ResponseError):
                        reached = int(
                            await self.calls.command(
                                "WAIT", self.replicas, self.timeout_ms, link=link
                            )
                        )
                if 0 <= reached < self.replicas:
                    self.log.warn(
                        "WAIT on {link}: {reached} of {wanted} replicas confirmed "
                        "in time",
                        link=link.name,
                        reached=reached,
                        wanted=self.replicas,
                    )
                for waiter in batch:
                    waiter.callback(reached >= self.replicas)
        finally:
            self._sending.discard(connection)


async def confirmed(replication: ReplicaWait | None, written: Written | None) -> None:
    """What was ``written`` is on ``--redis-replicas`` replicas (nothing to
    wait for without replication), else ``UNAVAILABLE``: the change was
    made, but its sender is not told it was, and sends it again (a
    ``/txn``'s key answers the repeat, once confirmed)."""
    if replication is None or written is None:
        return
    if not await replication.confirm(written):
        raise errors.not_confirmed()
