"""The services ``twistd chatroom`` runs: the listener and graceful shutdown.

``makeService`` (in ``chatroom.wiring.tap``) puts a :class:`ChatService`,
a :class:`ListeningService` per door and the garbage collector's
(:mod:`chatroom.wiring.collector`) under one :class:`ChatroomService`. A
``MultiService`` stops its children in reverse order, so on shutdown the
listeners close first (no new connections), then the chat service says
``BYE`` to everyone and waits for their output to drain.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IListeningPort, IStreamServerEndpoint
from twisted.internet.protocol import Factory
from twisted.logger import Logger, LoggingFile
from twisted.python.failure import Failure

from chatroom.doors.base.server import ChatServer
from chatroom.doors.base.tcpdirect import lean_transports


class StartupError(Exception):
    """The server cannot start; the message says why, in one line."""


def refuse_to_start(message: str) -> NoReturn:
    """Before the reactor runs: one line on stderr, exit status 1.

    Once twistd has started logging, ``sys.stderr`` is the logger (the
    line would come out as ``[stderr#error] ...`` in the log); then it
    goes to the process's own stderr, ``sys.__stderr__``.
    """
    stderr = sys.stderr
    if isinstance(stderr, LoggingFile) and sys.__stderr__ is not None:
        stderr = sys.__stderr__
    print(f"chatroom: {message}", file=stderr, flush=True)
    raise SystemExit(1)


def stop_with_error(reactor: Any, message: str) -> None:
    """While the reactor runs: log one line, shut down cleanly, exit status 1.

    twistd exits 0 whenever its reactor stops, so the status is set by
    leaving the process once shutdown (BYE to clients, flushing) is done.
    """
    ChatService.log.critical("{message}", message=message)

    def leave() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    reactor.addSystemEventTrigger("after", "shutdown", leave)
    reactor.stop()


class ChatService(Service):
    """Owns the :class:`ChatServer` for the life of the process."""

    log = Logger()

    def __init__(self, server: ChatServer) -> None:
        self.server = server

    def startService(self) -> None:
        super().startService()
        self.server.start()

    def stopService(self) -> Deferred[None]:
        """Tell every client why, let their output flush, then let twistd exit.

        Each connection gets ``BYE server shutting down`` and is closed after
        its buffer drains; one that cannot drain is aborted after
        ``--shutdown-grace`` seconds, so shutdown is bounded. A cluster node
        then hands its users' names and places back (``detach``).
        """
        super().stopService()
        server = self.server
        server.stop()
        count = len(server.open_connections)
        self.log.info("shutting down: closing {count} connections", count=count)
        for connection in list(server.open_connections):
            connection.close("server shutting down")
        return server.when_all_closed().addCallback(lambda _: server.detach())


class ListeningService(Service):
    """Listens on an endpoint while running; exposes the port it got.

    Like Twisted's ``StreamServerEndpointService``, but with the listening
    port public (tests listen on port 0 and need the number). A failure to
    listen that is known at once (port in use, bad interface) is raised from
    ``startService``, so ``twistd`` reports it and exits instead of running
    a server that serves nothing. A plain TCP port's connections get the
    leaner transport of :func:`~chatroom.doors.base.tcpdirect.lean_transports`.
    """

    log = Logger()

    def __init__(
        self,
        endpoint: IStreamServerEndpoint,
        factory: Factory,
        description: str = "",
    ) -> None:
        self.endpoint = endpoint
        self.description = description or str(endpoint)
        self.factory = factory
        self.port: IListeningPort | None = None
        self._port_waiters: list[Deferred[IListeningPort]] = []

    def startService(self) -> None:
        """Listen, or raise :class:`StartupError` saying why not (port in use)."""
        super().startService()
        failures: list[Failure] = []
        listening = self.endpoint.listen(self.factory)
        listening.addCallback(self._listened)
        listening.addErrback(failures.append)
        if failures:
            raise StartupError(failures[0].getErrorMessage())

    def _listened(self, port: IListeningPort) -> IListeningPort:
        self.port = port = lean_transports(port)  # less per idle connection
        self.log.info("listening on {address}", address=port.getHost())
        waiters, self._port_waiters = self._port_waiters, []
        for waiter in waiters:
            waiter.callback(port)
        return port

    def whenListening(self) -> Deferred[IListeningPort]:
        """Fires with the listening port once there is one."""
        if self.port is not None:
            return succeed(self.port)
        waiter: Deferred[IListeningPort] = Deferred()
        self._port_waiters.append(waiter)
        return waiter

    def stopService(self) -> Deferred[None] | None:
        super().stopService()
        if self.port is None:
            return None
        port, self.port = self.port, None
        return port.stopListening()


class ChatroomService(MultiService):
    """The whole server: the chat service and its listeners, started together.

    ``listener`` is the line protocol's; ``doors`` maps the other doors
    (``irc``, ``http``) that were asked for to theirs.
    """

    def __init__(
        self,
        server: ChatServer,
        listener: ListeningService,
        reactor: Any = None,
        doors: dict[str, ListeningService] | None = None,
        collector: Service | None = None,
    ) -> None:
        """Args:
        collector: started last, once start-up's objects exist (see
            :mod:`chatroom.wiring.collector`), and stopped first.
        """
        super().__init__()
        self.server = server
        self.listener = listener
        self.doors = doors or {}
        self._reactor = reactor
        ChatService(server).setServiceParent(self)
        # Listeners are stopped first (reverse order): no new connections.
        listener.setServiceParent(self)
        for door in self.doors.values():
            door.setServiceParent(self)
        if collector is not None:
            collector.setServiceParent(self)

    def startService(self) -> None:
        """Start, or say in one line why not and exit 1 (a busy port, say)."""
        try:
            super().startService()
        except StartupError as problem:
            failed = next(
                (
                    door
                    for door in (self.listener, *self.doors.values())
                    if door.running and door.port is None
                ),
                self.listener,
            )
            refuse_to_start(f"cannot listen on {failed.description}: {problem}")

    def stopService(self) -> Deferred[None]:
        """Stop listening, say BYE to everyone; then let twistd exit 0.

        On SIGTERM/SIGINT twistd re-raises the signal once the reactor has
        stopped, so even a graceful shutdown would end as "killed by
        SIGTERM". Operators (and issue 2) expect exit status 0 after a clean
        shutdown, so once every client is closed the recorded signal is
        cleared.
        """
        stopped: Deferred[None] = super().stopService()

        def clean_exit(result: None) -> None:
            if getattr(self._reactor, "_exitSignal", None) is not None:
                self._reactor._exitSignal = None
            return result

        return stopped.addCallback(clean_exit)
