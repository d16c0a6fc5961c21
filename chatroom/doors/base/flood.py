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

from chatroom.core.config import ServerConfig

#: Bytes of waiting input past which a client is disconnected, whatever
#: the number of lines (the same bound as a line without its end).
MAX_BACKLOG_BYTES = 64 * 1024


class FloodRules:
    """The limits every connection of a server shares, and its clock.

    Kept once per server rather than copied into each connection's gate:
    an idle connection's gate then holds only its own state.
    """

    __slots__ = ("clock", "config", "full", "max_backlog", "rate")

    def __init__(self, config: ServerConfig, clock: IReactorTime) -> None:
        """``--rate``, ``--burst`` and ``--max-backlog`` from ``config``; a
        rate of 0 turns the limit off (the benchmarks rely on it)."""
        self.clock = clock
        self.update(config)

    def update(self, config: ServerConfig) -> None:
        """The limits of ``config`` from now on, for every gate sharing
        these rules (a reload: connections keep their gates and buckets)."""
        self.config = config
        self.rate = config.rate
        #: A full bucket's tokens (one float, shared by every new gate).
        self.full = float(max(1, config.burst))
        self.max_backlog = config.max_backlog


class FloodGate:
    """One connection's token bucket, and the line waiting for a token.

    The bucket holds up to ``--burst`` tokens, refills at ``--rate`` tokens
    a second, and every line takes one. It is refilled lazily, when a line
    asks (no timer, O(1) per line), from the injected clock, so tests
    advance time instead of sleeping.
    """

    __slots__ = ("_last", "_timer", "_tokens", "held", "rules", "told")

    def __init__(self, rules: FloodRules) -> None:
        self.rules = rules
        self._tokens = rules.full
        self._last = rules.clock.seconds()
        self.held: str | None = None
        #: The client has been told it is being slowed, since it last caught up.
        self.told = False
        self._timer: IDelayedCall | None = None

    def admit(self) -> bool:
        """Take a token for a line; False means the line must wait."""
        rules = self.rules
        if rules.rate <= 0:
            return True
        now = rules.clock.seconds()
        tokens = min(rules.full, self._tokens + (now - self._last) * rules.rate)
        self._last = now
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            return True
        self._tokens = tokens
        return False

    def wait(self) -> float:
        """Seconds until :meth:`admit` will next say yes (0 if it would now)."""
        rules = self.rules
        if rules.rate <= 0:
            return 0.0
        elapsed = rules.clock.seconds() - self._last
        missing = 1.0 - min(rules.full, self._tokens + elapsed * rules.rate)
        return max(0.0, missing / rules.rate)

    def at_rest(self) -> bool:
        """Whether it is as a new gate would be (a full bucket, no line
        held, nothing told): its connection may let it go, and make a new
        one for its next line."""
        if self.held is not None or self.told or self._timer is not None:
            return False
        rules = self.rules
        if rules.rate <= 0:
            return True
        elapsed = rules.clock.seconds() - self._last
        return self._tokens + elapsed * rules.rate >= rules.full

    def too_much(self, lines: int, size: int) -> bool:
        """Whether a backlog of ``lines`` (``size`` bytes) means excess flood."""
        return lines > self.rules.max_backlog or size > MAX_BACKLOG_BYTES

    def hold(self, line: str, release: Callable[[str], None]) -> None:
        """Keep ``line`` until a token is free, then call ``release(line)``."""
        self.held = line
        self._schedule(release)

    def _schedule(self, release: Callable[[str], None]) -> None:
        self._timer = self.rules.clock.callLater(self.wait(), self._due, release)

    def _due(self, release: Callable[[str], None]) -> None:
        self._timer = None
        if not self.admit():  # rounding: not quite yet
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
