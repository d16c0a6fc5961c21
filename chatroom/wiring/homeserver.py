"""The Matrix homeserver's client-server API, as the bridge calls it: the
:class:`~chatroom.core.bridging.appservice.Homeserver` edge.

Every call carries the registration's ``as_token`` (``Authorization:
Bearer``) and, to speak as one of the bridge's users, ``?user_id=``, as
the application service API has it. The homeserver is the operator's own
(``--matrix-homeserver``), not a user's word: the outbound guard is not in
the way (it is often on 127.0.0.1). A call that cannot connect, times out
or is answered 5xx by something other than the homeserver (no Matrix
``errcode``: a proxy in front of it) is :class:`HomeserverAwayError`, which
sends the bridge back to pinging.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO
from typing import Any
from urllib.parse import quote

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.web.client import Agent, FileBodyProducer, HTTPConnectionPool
from twisted.web.http_headers import Headers
from twisted.web.iweb import IAgent

from chatroom.core.bridging.appservice import HomeserverAwayError, MatrixBridge
from chatroom.core.model.bridged import MatrixSettings
from chatroom.wiring.linkfetch import BoundedBody

#: Seconds a call may take, answer and all.
TIMEOUT = 30.0
#: The most of an answer read (bytes).
MOST_READ = 1024 * 1024


class ClosingPool(HTTPConnectionPool):
    """A connection pool that, once closed, keeps no connection a call
    still under way hands back after (it is closed instead), so that a
    server stopping in the middle of a call leaves neither the connection
    nor its idle timer behind."""

    closed = False

    def _putConnection(self, key: Any, connection: Any) -> None:
        if self.closed:
            connection.transport.loseConnection()
            return
        super()._putConnection(key, connection)

    def closeCachedConnections(self) -> Deferred[None]:
        self.closed = True
        closing: Deferred[None] = super().closeCachedConnections()
        return closing


class AgentHomeserver:
    """The homeserver at ``settings.homeserver``, over one connection pool."""

    def __init__(
        self,
        settings: MatrixSettings,
        clock: IReactorTime,
        agent: IAgent,
        pool: HTTPConnectionPool | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.agent = agent
        self.pool = pool
        #: The requests and answers' bodies waited for now (:meth:`close`
        #: gives them up).
        self.waiting: set[Deferred[Any]] = set()
        #: Whether :meth:`close` ran: no call is made after it.
        self.closed = False

    @classmethod
    def over(cls, settings: MatrixSettings, reactor: Any) -> AgentHomeserver:
        pool = ClosingPool(reactor)
        agent = Agent(reactor, pool=pool, connectTimeout=10)
        return cls(settings, reactor, agent, pool)

    def close(self) -> Deferred[None] | None:
        """The calls under way given up (a connection still being made,
        an answer still being read: the server is stopping, and nothing
        of the homeserver's may outlive it), then the connections kept
        open to the homeserver closed."""
        self.closed = True
        for waiting in list(self.waiting):
            waiting.cancel()
        if self.pool is None:
            return None
        closing: Deferred[None] = self.pool.closeCachedConnections()
        return closing

    def _waited(self, waiting: Deferred[Any]) -> Deferred[Any]:
        """``waiting`` (a request, or its answer's body), given up by
        :meth:`close` while it has not fired."""
        self.waiting.add(waiting)

        def done(result: Any) -> Any:
            self.waiting.discard(waiting)
            return result

        return waiting.addBoth(done)

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        url = self.settings.homeserver + path
        if user_id is not None:
            url += ("&" if "?" in url else "?") + "user_id=" + quote(user_id, safe="")
        headers = Headers(
            {
                b"authorization": [f"Bearer {self.settings.as_token}".encode()],
                b"accept": [b"application/json"],
            }
        )
        producer = None
        if body is not None:
            headers.addRawHeader(b"content-type", b"application/json")
            producer = FileBodyProducer(BytesIO(json.dumps(body).encode()))
        if self.closed:
            raise HomeserverAwayError("the server is stopping")
        asked: Deferred[Any] = self.agent.request(
            method.encode(), url.encode(), headers, producer
        )
        asked.addTimeout(TIMEOUT, self.clock)
        try:
            response = await self._waited(asked)
            reading = BoundedBody(MOST_READ)
            response.deliverBody(reading)
            data = await self._waited(reading.done.addTimeout(TIMEOUT, self.clock))
        except Exception as problem:
            raise HomeserverAwayError(type(problem).__name__) from None
        try:
            found = json.loads(data or b"{}")
        except ValueError:
            found = {}
        if not isinstance(found, dict):
            found = {}
        if response.code >= 500 and "errcode" not in found:  # a proxy's, or worse
            raise HomeserverAwayError(f"it answered {response.code}")
        return response.code, found


class BridgeService(Service):
    """The bridge's pings and sends run while the server does; its
    connections to the homeserver close when it stops.

    The bridge starts once the store is in reach (``store_ready``: at once
    in one process, a cluster node once it is in the cluster): the Matrix
    users it seats again from the store are back in their rooms as soon
    as the node serves, not one retry (:data:`~chatroom.core.bridging.
    appservice.PING_EVERY`) later, so a person who joins right after a
    restart finds them in ``NAMES``; and its first ping, which makes the
    homeserver push what it held, comes when those pushes can be taken.
    """

    def __init__(
        self,
        bridge: MatrixBridge,
        homeserver: AgentHomeserver,
        store_ready: Callable[[], Deferred[None]],
    ) -> None:
        self.bridge = bridge
        self.homeserver = homeserver
        self.store_ready = store_ready
        #: Whether the bridge was started (and so is stopped with the service).
        self.bridging = False

    def startService(self) -> None:
        super().startService()
        self.store_ready().addCallback(self._store_in_reach)

    def _store_in_reach(self, _: object) -> None:
        if self.running and not self.bridging:
            self.bridging = True
            self.bridge.start()

    def stopService(self) -> Deferred[None] | None:
        if self.bridging:
            self.bridging = False
            self.bridge.stop()
        super().stopService()
        return self.homeserver.close()
