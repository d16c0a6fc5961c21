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

from chatroom.core.model.config import ServerConfig

#: Bytes of waiting input past which a client is disconnected, whatever
#: the number of lines (the same bound as a line without its end).
MAX_BACKLOG_BYTES = 64 * 1024

#: What a client sends by itself (a door says which lines those are: the
#: line door's background queries, :func:`chatroom.wire.commands.
#: sent_by_itself`) takes nothing of its person's ``--burst`` and
#: ``--rate``: a page signing in asks each room's members, settings, pins
#: and history, and the person's first lines must still go at once. They
#: have a bucket of their own instead, this many at once, then
#: :data:`OWN_RATE` a second; past it they take the person's tokens like
#: any line, so they can be no flood of their own.
OWN_BURST = 100
OWN_RATE = 10.0


class FloodRules:
    """The limits every connection of a server shares, and its clock.

    Kept once per server rather than copied into each connection's gate:
    an idle connection's gate then holds only its own state.
    """

    __slots__ = ("clock", "config", "full", "max_backlog", "own_rate", "rate")

    def __init__(self, config: ServerConfig, clock: IReactorTime) -> None:
        """``--rate``, ``--burst`` and ``--max-backlog`` from ``config``; a
        rate of 0 turns the limit off (the benchmarks rely on it)."""
        self.clock = clock
        self.update(config)

    def update(self, config: ServerConfig) -> None:
        """The limits of ``config`` from now on, for every bucket kept by
        these rules (a reload: connections keep their buckets, each as
        the time it is full again)."""
        self.config = config
        self.rate = config.rate
        #: A full bucket's tokens.
        self.full = float(max(1, config.burst))
        self.max_backlog = config.max_backlog
        #: The rate of the bucket of what a client sends by itself: none
        #: while the person's has none (``--rate 0``).
        self.own_rate = OWN_RATE if config.rate > 0 else 0.0

    def take(self, full_at: float) -> float | None:
        """A line's token from the bucket that is full again at ``full_at``
        (a time on the clock; any time past: full): the bucket after it,
        or None if it has no token now (it is then unchanged)."""
        rate = self.rate
        if rate <= 0:
            return full_at
        now = self.clock.seconds()
        if full_at <= now:
            return now + 1.0 / rate
        if self.full - (full_at - now) * rate >= 1.0:
            return full_at + 1.0 / rate
        return None

    def take_own(self, full_at: float) -> float | None:
        """:meth:`take`, from the bucket of what a client sends by itself
        (:data:`OWN_BURST` at once, then :data:`OWN_RATE` a second). The
        same reckoning written twice, so that every line's :meth:`take`
        stays one call on the input path."""
        rate = self.own_rate
        if rate <= 0:
            return full_at
        now = self.clock.seconds()
        if full_at <= now:
            return now + 1.0 / rate
        if OWN_BURST - (full_at - now) * rate >= 1.0:
            return full_at + 1.0 / rate
        return None

    def wait(self, full_at: float) -> float:
        """Seconds until :meth:`take` will next give a token (0 if it would now)."""
        rate = self.rate
        if rate <= 0:
            return 0.0
        ahead = full_at - self.clock.seconds()
        if ahead <= 0:
            return 0.0
        return max(0.0, (1.0 - (self.full - ahead * rate)) / rate)


#: A bucket full since the clock began: every connection's to start with
#: (one float shared by all).
FULL = 0.0


class FloodGate:
    """A line waiting for a token, and the bucket it waits on.

    The bucket holds up to ``--burst`` tokens, refills at ``--rate`` tokens
    a second, and every line takes one. It is one float, the time it is
    full again (the tokens are ``--burst`` less ``--rate`` times the
    seconds until then), worked out when a line asks (no timer, O(1) per
    line) from the injected clock, so tests advance time instead of
    sleeping. A connection keeps just that float while no line of its
    waits (:mod:`chatroom.doors.base.connection`), and a gate only while
    one does and until it has caught up: an idle connection holds no
    gate, and its bucket is one float (none before its first line).
    """

    __slots__ = ("_timer", "full_at", "held", "rules", "told")

    def __init__(self, rules: FloodRules, full_at: float = FULL) -> None:
        self.rules = rules
        #: The bucket: the time it is full again.
        self.full_at = full_at
        self.held: str | None = None
        #: The client has been told it is being slowed, since it last caught up.
        self.told = False
        self._timer: IDelayedCall | None = None

    def admit(self) -> bool:
        """Take a token for a line; False means the line must wait."""
        taken = self.rules.take(self.full_at)
        if taken is None:
            return False
        self.full_at = taken
        return True

    def wait(self) -> float:
        """Seconds until :meth:`admit` will next say yes (0 if it would now)."""
        return self.rules.wait(self.full_at)

    def at_rest(self) -> bool:
        """Nothing held, timed or told: the bucket alone is its state."""
        return self.held is None and not self.told and self._timer is None

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
