"""Following a failover at once: Sentinel's ``+switch-master``, heard.

A client's links find the primary through the Sentinels each time they
connect (:class:`~chatroom.redisclient.link.SentinelEndpoint`), so they
follow a failover whenever their connection drops. A dead primary drops
them at once. A primary that is only *unreachable to the Sentinels* (busy,
or cut off from them, as a freshly promoted primary resyncing its replica
under load can be) keeps them: it still believes it is the primary, takes
the client's writes, and no replica confirms them (``WAIT``), so every
write that waits for one fails until the Sentinels reconfigure it as a
replica, some ten seconds later (their ``CLIENT KILL`` is what finally
drops the links). Meanwhile the other clients write to the new primary:
this one is cut off from them, and whatever the old one published is lost
when it is made a replica.

So, as Jedis's Sentinel pool does, a client keeps one subscription to a
Sentinel's ``+switch-master`` channel (the Sentinels publish there when a
failover ends, naming the new primary), and on hearing its service named
drops every link that is not connected to the new primary: they reconnect
to it within the link's backoff. A switch said while no Sentinel was
listened to is not missed: each time the watch (re)subscribes it asks
where the primary is, as a link does, and acts on that too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.application.service import Service
from twisted.internet import defer, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.logger import Logger

from chatroom.redisclient.addresses import SentinelAddress
from chatroom.redisclient.deadlines import within
from chatroom.redisclient.link import SENTINEL_TIMEOUT, SentinelEndpoint

#: Sentinel's channel for a failover's end: ``SERVICE OLD-IP OLD-PORT
#: NEW-IP NEW-PORT``.
SWITCH_MASTER = b"+switch-master"

#: Seconds between attempts when no Sentinel answers (the links retry on
#: their own meanwhile: the watch only makes them quicker).
RETRY = 1.0


class _Listener(txredisapi.SubscriberProtocol):
    """One subscription to a Sentinel, handing ``+switch-master`` on."""

    heard: Callable[[bytes], None]

    def messageReceived(self, pattern: Any, channel: bytes, message: bytes) -> None:
        if channel == SWITCH_MASTER:
            self.heard(message)


class SentinelWatch(Service):
    """Tells ``on_primary(host, port)`` where the primary is: at each
    (re)subscription, and at each failover the Sentinels announce."""

    log = Logger()

    def __init__(
        self,
        reactor: Any,
        address: SentinelAddress,
        on_primary: Callable[[str, int], None],
    ) -> None:
        self.address = address
        self.on_primary = on_primary
        self._reactor = reactor
        self._asker = SentinelEndpoint(address, reactor)
        self._listener: _Listener | None = None
        self._watching: defer.Deferred[None] | None = None
        self._pause: defer.Deferred[None] | None = None

    def startService(self) -> None:
        super().startService()
        self._watching = defer.ensureDeferred(self._watch())
        self._watching.addErrback(
            lambda failure: self.log.failure("watching the Sentinels", failure)
        )

    def stopService(self) -> Any:
        super().stopService()
        if self._pause is not None:
            self._pause.cancel()
        if self._listener is not None and self._listener.transport is not None:
            self._listener.transport.abortConnection()
        return self._watching

    async def _watch(self) -> None:
        """One Sentinel after another, for as long as the service runs."""
        while self.running:
            for host, port in self.address.sentinels:
                if not self.running:
                    return
                try:
                    await self._listen(host, port)
                except Exception as problem:  # down, slow, not a Sentinel: next
                    self.log.debug(
                        "Sentinel {host}:{port} not watched: {problem}",
                        host=host,
                        port=port,
                        problem=problem,
                    )
            if self.running:
                self._pause = task.deferLater(self._reactor, RETRY, lambda: None)
                try:
                    await self._pause
                except defer.CancelledError:
                    return
                finally:
                    self._pause = None

    async def _listen(self, host: str, port: int) -> None:
        """Subscribed to one Sentinel until its connection drops."""
        endpoint = TCP4ClientEndpoint(self._reactor, host, port)
        listener = _Listener(charset=None, convertNumbers=False)
        listener.heard = self._heard
        connecting = connectProtocol(endpoint, listener)
        await within(connecting, SENTINEL_TIMEOUT, self._reactor)
        self._listener = listener
        try:
            lost = listener.whenDisconnected()
            # A list: txredisapi reads bytes alone as many channels.
            subscribing = listener.subscribe([SWITCH_MASTER])
            await within(subscribing, SENTINEL_TIMEOUT, self._reactor)
            # A switch announced before we listened: where is it now?
            self.on_primary(*await self._asker.ask())
            await lost
        finally:
            self._listener = None
            if listener.transport is not None:
                listener.transport.abortConnection()

    def _heard(self, message: bytes) -> None:
        fields = message.split()
        if len(fields) != 5 or fields[0].decode() != self.address.service:
            return
        host, port = fields[3].decode(), int(fields[4])
        self.log.info(
            "Sentinel: {service} failed over to {host}:{port}",
            service=self.address.service,
            host=host,
            port=port,
        )
        self.on_primary(host, port)
