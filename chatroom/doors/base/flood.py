"""Flood control that slows a client down instead of dropping its lines.

IRC servers call it "fake lag" (Ergo, ngIRCd): each connection may send
``--burst`` lines at once, then ``--rate`` a second. A line past that is not
refused: it and everything after it wait in the connection's input while
reading from its socket is paused, and are processed at ``--rate``. So a
user who pastes thirty lines sees all thirty arrive, in order, while the
server holds only what it had already read. A client whose backlog passes
``--max-backlog`` lines (or 64 KiB) is a bot, not a typist: it is
disconnected with ``BYE excess flood`` before it can grow the server.

:class:`FloodGate` times a held line; the door holds it and pauses its own
input (LineReceiver's ``pauseProducing``), so the same gate serves any
line-based door. The bucket's reckoning is the core's
(:class:`chatroom.core.policy.flood.FloodRules`): the same limits hold for
those who speak through no door (a bot at the REST API, a Matrix user).
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall

from chatroom.core.policy.flood import FULL, FloodRules

#: Bytes of waiting input past which a client is disconnected, whatever
#: the number of lines (the same bound as a line without its end).
MAX_BACKLOG_BYTES = 64 * 1024


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
