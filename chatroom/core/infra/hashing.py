"""Password hashing, bounded and in order of urgency.

An Argon2id hash takes about 25 ms of a core
(:data:`chatroom.core.accounts.accounts.HASHER`),
so the hashing threads are the one resource a flood of ``/register`` could
exhaust for everyone. :class:`HashingQueue` keeps that from reaching the
users who sign in: at most ``workers`` hashes are handed to the runner at
once; checking a password at sign-in (someone is waiting to chat) always
goes before hashing a new one (``/register``, ``/password``); and at most
``backlog`` new-password hashes wait, beyond which ``/register`` is refused
with ``RATE_LIMITED`` instead of queueing. So a sign-in waits at most for
the hashes already running, however many registrations arrive.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from chatroom.core.model import errors

#: Runs a blocking function off the reactor thread.
Runner = Callable[[Callable[[], Any]], "Deferred[Any]"]


def in_place(function: Callable[[], Any]) -> Deferred[Any]:
    """A :data:`Runner` that runs ``function`` on the calling thread: a
    server built without hashing threads (unit tests) hashes in place."""
    return maybeDeferred(function)


_Job = tuple[Callable[[], Any], "Deferred[Any]"]


class HashingQueue:
    """Feeds ``run`` at most ``workers`` jobs at a time, checks first.

    Args:
        run: runs a blocking function off the reactor thread.
        workers: hashes handed to ``run`` at once (its thread count).
        backlog: new-password hashes allowed to wait; 0 for no bound.
    """

    def __init__(self, run: Runner, workers: int = 2, backlog: int = 32) -> None:
        self.run = run
        self.workers = workers
        self.backlog = backlog
        self._checks: deque[_Job] = deque()
        self._hashes: deque[_Job] = deque()
        self._running = 0

    @property
    def waiting(self) -> int:
        """Jobs queued here, not yet handed to the runner."""
        return len(self._checks) + len(self._hashes)

    def check(self, job: Callable[[], Any]) -> Deferred[Any]:
        """A sign-in's password check: ahead of every waiting hash."""
        return self._queue(self._checks, job)

    def hash(self, job: Callable[[], Any]) -> Deferred[Any]:
        """A new password's hash, behind every check.

        Raises:
            ChatError: ``RATE_LIMITED`` when ``backlog`` hashes wait already.
        """
        if self.backlog and len(self._hashes) >= self.backlog:
            raise errors.registrations_busy()
        return self._queue(self._hashes, job)

    def _queue(self, queue: deque[_Job], job: Callable[[], Any]) -> Deferred[Any]:
        done: Deferred[Any] = Deferred()
        queue.append((job, done))
        self._start()
        return done

    def _start(self) -> None:
        while self._running < self.workers and (self._checks or self._hashes):
            job, done = (self._checks or self._hashes).popleft()
            self._running += 1
            self.run(job).addBoth(self._finished, done)

    def _finished(self, result: Any, done: Deferred[Any]) -> None:
        self._running -= 1
        if isinstance(result, Failure):
            done.errback(result)
        else:
            done.callback(result)
        self._start()
