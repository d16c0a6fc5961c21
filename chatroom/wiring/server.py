"""One server process: its configuration, clock, registry and connections.

A :class:`ChatServer` is what every connection's protocol shares (through
its factory): the :class:`~chatroom.core.registry.Registry` that holds names
and rooms (in this process, or in Redis for a cluster node), and this
process's own bookkeeping of sockets: how many from each address, which
are still open, and whether shutdown has begun. The registry decides
everything users share; the server only admits and counts connections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts import AccountService, Runner
from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.registry import Registry
from chatroom.doors.base.deadlines import Deadlines
from chatroom.doors.base.flood import FloodRules
from chatroom.doors.base.sendq import Flusher
from chatroom.wiring.registries import local_registry

__all__ = ["ChatError", "ChatServer", "ServerConfig"]


class CountedSocket(Protocol):
    """A socket of any door, as the server counts it (and ``/metrics`` reads it)."""

    @property
    def door(self) -> str:
        """Which door it came through (``line``, ``irc``, ``web``)."""

    @property
    def name(self) -> str | None:
        """The name its user holds, None before there is one."""

    def close(self, reason: str) -> None:
        """Shutdown closes it, telling the client ``reason``."""


def _in_place(function: Callable[[], Any]) -> Deferred[Any]:
    return maybeDeferred(function)


class ChatServer:
    """The per-process hub every connection of every door shares.

    ``connections`` holds the admitted connections not yet harvested;
    ``open_connections`` every socket still open (admitted or not), which
    shutdown waits for.
    """

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        registry: Registry | None = None,
        hashing: Runner | None = None,
    ) -> None:
        """Args:
        hashing: runs password hashing off the reactor thread (a pool of
            its own in the server); tests leave it out, to hash in place.
        """
        self.config = config
        self.clock = clock
        self._hashing = hashing
        self.registry: Registry = registry or local_registry(config, clock)
        #: Registering and signing in, on the registry's account store.
        self.account_service = AccountService(
            self.registry.account_store, clock, hashing or _in_place, config
        )
        #: Coalesces each connection's output per reactor turn
        #: (chatroom.doors.base.sendq).
        self.flusher = Flusher(clock)
        #: Every connection's login, idle and ping deadline, on one timer
        #: (chatroom.doors.base.deadlines).
        self.deadlines = Deadlines(clock)
        self._flood_rules: FloodRules | None = None
        self.connections: set[CountedSocket] = set()
        self.open_connections: set[CountedSocket] = set()
        self.connections_per_host: Counter[str] = Counter()
        self.shutting_down = False
        self._closed_waiters: list[Deferred[None]] = []

    @property
    def flood_rules(self) -> FloodRules:
        """The flood limits every new connection's FloodGate shares: made
        once per configuration (a test may give the server another)."""
        rules, config = self._flood_rules, self.config
        if rules is None or rules.config is not config:
            rules = self._flood_rules = FloodRules(config, self.clock)
        return rules

    def start(self) -> None:
        """The service has started (a cluster node joins the cluster here)."""
        self.registry.start()

    def stop(self) -> None:
        """Shutdown begins: refuse newcomers, stop the registry's timers."""
        self.shutting_down = True
        self.registry.stop()

    def detach(self) -> Deferred[None]:
        """Every connection is closed: let go of shared state before exiting."""
        stop = getattr(self._hashing, "stop", None)
        if stop is not None:
            stop()
        return self.registry.detach()

    def opened(self, connection: CountedSocket) -> None:
        """A socket is open (admitted or not); shutdown waits for it."""
        self.open_connections.add(connection)

    def closed(self, connection: CountedSocket) -> None:
        """A socket has closed; fire shutdown's wait when it was the last."""
        self.open_connections.discard(connection)
        if not self.open_connections:
            waiters, self._closed_waiters = self._closed_waiters, []
            for waiter in waiters:
                waiter.callback(None)

    def when_all_closed(self) -> Deferred[None]:
        """Fires once no socket is open any more."""
        if not self.open_connections:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._closed_waiters.append(waiter)
        return waiter

    def admit(self, connection: CountedSocket, host: str) -> str | None:
        """Count a new connection from ``host`` in, or say why it is refused."""
        limit = self.config.max_per_ip
        if self.shutting_down:
            return "server shutting down"
        if self.config.max_clients and len(self.connections) >= self.config.max_clients:
            return "server full: too many connections"
        if limit and self.connections_per_host[host] >= limit:
            return f"too many connections from your address (limit {limit})"
        self.connections.add(connection)
        self.connections_per_host[host] += 1
        return None

    def forget(self, connection: CountedSocket, host: str) -> bool:
        """Count an admitted connection out; False if it already was."""
        if connection not in self.connections:
            return False
        self.connections.discard(connection)
        self.connections_per_host[host] -= 1
        if not self.connections_per_host[host]:
            del self.connections_per_host[host]
        return True
