"""Flood control that slows a client down instead of dropping its lines.

IRC servers call it "fake lag" (Ergo, ngIRCd): each connection may send
``--burst`` lines at once, then ``--rate`` a second. A line past that is not
refused: it and everything after it wait in the connection's input while
reading from its socket is paused, and are processed at ``--rate``. So a
user who pastes thirty lines sees all thirty arrive, in order, while the
server holds only what it had already read. A client whose backlog passes
``--max-backlog`` lines (or 64 KiB) is a bot, not a typist: it is
disconnected with ``BYE excess flood`` before it can grow the server.

:class:`FloodGate` decides and times; the door holds the line and pauses
its own input (LineReceiver's ``pauseProducing``), so the same gate serves
any line-based door.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.doors.base.ratelimit import TokenBucket

#: Bytes of waiting input past which a client is disconnected, whatever
#: the number of lines (the same bound as a line without its end).
MAX_BACKLOG_BYTES = 64 * 1024


class FloodGate:
    """One connection's token bucket, and the line waiting for a token."""

    __slots__ = ("_timer", "bucket", "clock", "held", "max_backlog", "rate", "told")

    def __init__(
        self, rate: float, burst: int, max_backlog: int, clock: IReactorTime
    ) -> None:
        self.bucket = TokenBucket(rate, burst, clock)
        self.rate = rate
        self.max_backlog = max_backlog
        self.clock = clock
        self.held: str | None = None
        #: The client has been told it is being slowed, since it last caught up.
        self.told = False
        self._timer: IDelayedCall | None = None

    def admit(self) -> bool:
        """Take a token for a line; False means the line must wait."""
        return self.bucket.allow()

    def too_much(self, lines: int, size: int) -> bool:
        """Whether a backlog of ``lines`` (``size`` bytes) means excess flood."""
        return lines > self.max_backlog or size > MAX_BACKLOG_BYTES

    def hold(self, line: str, release: Callable[[str], None]) -> None:
        """Keep ``line`` until a token is free, then call ``release(line)``."""
        self.held = line
        self._schedule(release)

    def _schedule(self, release: Callable[[str], None]) -> None:
        self._timer = self.clock.callLater(self.bucket.wait(), self._due, release)

    def _due(self, release: Callable[[str], None]) -> None:
        self._timer = None
        if not self.bucket.allow():  # rounding: not quite yet
            self._schedule(release)
            return
        line, self.held = self.held, None
        if line is not None:
            release(line)

    def caught_up(self) -> None:
        """Nothing waits any more: the next slow-down is told again."""
        if self.held is None:
            self.told = False

    def cancel(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        self.held = None
