"""Threads of our own, for the blocking work the reactor must never wait on.

The store's writes (:mod:`chatroom.backends.local.store`, one thread so they stay in
order) and password hashing (:mod:`chatroom.core.accounts.accounts`, two threads so a
burst of sign-ins queues instead of taking every core) each get a
:class:`PrivateThreads`: a pool of their own, not the reactor's, started
with the first job (once the reactor runs, so a server that fails to start
has no thread to keep its process alive) and stopped by its owner, or
failing that once the reactor has shut down, so no thread outlives the
service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool


class PrivateThreads:
    """Runs what it is given on a pool of ``size`` threads named ``name``;
    with one thread, in the order given."""

    def __init__(self, reactor: Any, name: str, size: int) -> None:
        self.reactor = reactor
        self.pool = ThreadPool(minthreads=min(1, size), maxthreads=size, name=name)

    def __call__(self, function: Callable[[], Any]) -> Deferred[Any]:
        if not self.pool.started:
            self.pool.start()
            self.reactor.addSystemEventTrigger("after", "shutdown", self.stop)
        return deferToThreadPool(self.reactor, self.pool, function)

    def stop(self) -> None:
        if self.pool.started and not self.pool.joined:
            self.pool.stop()
