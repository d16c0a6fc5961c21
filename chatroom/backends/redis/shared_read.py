"""One read of Redis shared by everyone who asked for it at once.

Every sign-in at the line door is sent the room list, which in a cluster is
read from Redis (:mod:`.listing`: the rooms whose news came since the last
read, every room after a lost link), for each of the hundreds of users
signing in each second of a connect storm.
:class:`SharedRead` runs one such read at a time; whoever asks while it runs
is answered by the next one, which starts when it ends. So each caller still
gets a read that started after it asked (nothing it did before asking can be
missing), and a storm costs one read per round trip instead of one per user.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

T = TypeVar("T")


class SharedRead(Generic[T]):
    """``read()`` shared by the callers waiting for it; each caller's answer
    comes from a read that started after the call."""

    def __init__(self, read: Callable[[], Coroutine[Any, Any, T]]) -> None:
        self._read = read
        self._running = False
        self._waiting: list[Deferred[T]] = []

    def __call__(self) -> Deferred[T]:
        asked: Deferred[T] = Deferred()
        self._waiting.append(asked)
        if not self._running:
            self._start()
        return asked

    def _start(self) -> None:
        batch, self._waiting = self._waiting, []
        self._running = True
        reading = defer.ensureDeferred(self._read())
        reading.addBoth(self._answer, batch)

    def _answer(self, result: T | Failure, batch: list[Deferred[T]]) -> None:
        self._running = False
        for asked in batch:
            if isinstance(result, Failure):
                asked.errback(result)
            else:
                asked.callback(result)
        if self._waiting and not self._running:  # asked while this one ran
            self._start()
