"""The services ``twistd chatroom`` runs: the listener and graceful shutdown.

``makeService`` (in ``chatroom.wiring.tap``) puts a :class:`HubService`,
a :class:`ListeningService` per door and the garbage collector's
(:mod:`chatroom.wiring.collector`) under one :class:`ChatroomService`. A
``MultiService`` stops its children in reverse order, so on shutdown the
listeners close first (no new connections), then the chat service says
``BYE`` to everyone and waits for their output to drain.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import FrameType
from typing import Any, NoReturn

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IListeningPort, IStreamServerEndpoint
from twisted.internet.protocol import Factory
from twisted.logger import Logger, LoggingFile
from twisted.python.failure import Failure

from chatroom.doors.base.hub import DoorHub
from chatroom.net.tcpdirect import lean_transports


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
    HubService.log.critical("{message}", message=message)

    def leave() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    reactor.addSystemEventTrigger("after", "shutdown", leave)
    reactor.stop()


class HubService(Service):
    """Owns the :class:`DoorHub` for the life of the process."""

    log = Logger()

    def __init__(self, server: DoorHub) -> None:
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
    leaner transport of :func:`~chatroom.net.tcpdirect.lean_transports`.
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
        self.log.info(
            "listening on {address} ({description})",
            address=port.getHost(),
            description=self.description,
        )
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


#: The signals that stop the server, whose handlers the reactor installs.
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def shut_down_outside_handlers(reactor: Any) -> None:
    """Run the reactor's SIGTERM and SIGINT handlers on the reactor's loop,
    not inside the signal handler (call once the reactor is running, when
    it has installed them).

    The reactor's own handlers log "Received SIGTERM" from the handler
    itself, and Twisted's file log observer guards each write with a lock
    written in Python (``threadable``): a signal arriving while the server
    is writing a log line (a disconnect, say, which a shutdown brings by
    the thousand) made the handler wait for the lock its own thread held,
    and the server hung, still listening, until killed (Twisted issue
    #7736; seen here as a test server that outlived its test). Handing the
    reactor's handler to ``callFromThread``, which only appends to a list
    and writes to the reactor's waker, logs nothing in the handler: the
    reactor's handler runs at the next turn of the loop, as it would have
    stopped it there anyway.
    """
    for number in SHUTDOWN_SIGNALS:
        installed = signal.getsignal(number)
        if callable(installed):  # the reactor's (SIG_DFL and SIG_IGN are ints)
            signal.signal(number, partial(_on_the_loop, reactor, installed))


def _on_the_loop(
    reactor: Any, handler: Any, number: int, frame: FrameType | None
) -> None:
    """The signal handler: ``handler`` for the reactor to run, no more."""
    reactor.callFromThread(handler, number, None)


def reload_on_hangup(reactor: Any, reload: Callable[[], None]) -> Any:
    """``SIGHUP`` calls ``reload`` on the reactor's loop, never inside the
    handler (see :func:`shut_down_outside_handlers`); the handler it
    replaces is returned. Call once the reactor runs."""

    def handler(number: int, frame: FrameType | None) -> None:
        reactor.callFromThread(reload)

    return signal.signal(signal.SIGHUP, handler)


class ChatroomService(MultiService):
    """The whole server: the chat service and its listeners, started together.

    ``listeners`` holds each option's (``port``: the line protocol's,
    ``irc``, ``http``), one per endpoint given, in order; ``listener`` is
    the first ``--port``'s and ``doors`` maps each other door asked for to
    its first listener (where the tests and the announcements look).
    """

    def __init__(
        self,
        server: DoorHub,
        listeners: Mapping[str, Sequence[ListeningService]],
        reactor: Any = None,
        collector: Service | None = None,
        on_hangup: Callable[[], None] | None = None,
    ) -> None:
        """Args:
        collector: started last, once start-up's objects exist (see
            :mod:`chatroom.wiring.collector`), and stopped first.
        on_hangup: what ``SIGHUP`` does while the service runs (a reload:
            :mod:`chatroom.wiring.reload`).
        """
        super().__init__()
        self._on_hangup = on_hangup
        self._hangup_before: Any = None
        self.server = server
        self.listeners = [found for each in listeners.values() for found in each]
        self.listener = listeners["port"][0]
        self.doors = {
            door: found[0]
            for door, found in listeners.items()
            if door != "port" and found
        }
        self._reactor = reactor
        HubService(server).setServiceParent(self)
        # Listeners are stopped first (reverse order): no new connections.
        for listening in self.listeners:
            listening.setServiceParent(self)
        if collector is not None:
            collector.setServiceParent(self)

    def startService(self) -> None:
        """Start, or say in one line why not and exit 1 (a busy port, say)."""
        if self._reactor is not None:
            self._reactor.callWhenRunning(shut_down_outside_handlers, self._reactor)
            if self._on_hangup is not None:
                self._reactor.callWhenRunning(self._catch_hangup, self._on_hangup)
        try:
            super().startService()
        except StartupError as problem:
            failed = next(
                (door for door in self.listeners if door.running and door.port is None),
                self.listener,
            )
            refuse_to_start(f"cannot listen on {failed.description}: {problem}")

    def _catch_hangup(self, reload: Callable[[], None]) -> None:
        if self.running:
            self._hangup_before = reload_on_hangup(self._reactor, reload)

    def stopService(self) -> Deferred[None]:
        """Stop listening, say BYE to everyone; then let twistd exit 0.

        On SIGTERM/SIGINT twistd re-raises the signal once the reactor has
        stopped, so even a graceful shutdown would end as "killed by
        SIGTERM". Operators (and issue 2) expect exit status 0 after a clean
        shutdown, so once every client is closed the recorded signal is
        cleared.
        """
        if self._hangup_before is not None:
            signal.signal(signal.SIGHUP, self._hangup_before)
            self._hangup_before = None
        stopped: Deferred[None] = super().stopService()

        def clean_exit(result: None) -> None:
            if getattr(self._reactor, "_exitSignal", None) is not None:
                self._reactor._exitSignal = None
            return result

        return stopped.addCallback(clean_exit)
