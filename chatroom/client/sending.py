"""The client's outgoing lines: paced, matched to their replies, never lost.

The server refuses lines that come faster than its flood limit (``--rate``
lines a second after a ``--burst``; 1 and 10 by default) with
``ERR RATE_LIMITED`` and drops them. A paste of thirty lines would lose
twenty, so the client queues what it sends and paces it with a token bucket
a little stricter than the server's default (so network jitter cannot push
a line over the server's limit).

Every line is followed by ``PING <token>``. The server answers keepalive
at once and in order, never rate-limits it, and answers each line before
the next, so everything that arrives between ``PONG`` of line N-1 and
``PONG`` of line N is the server's answer to line N. That tells the client
exactly which line an ``ERR RATE_LIMITED`` refused (it is put back at the
front of the queue and sent again), which ``/who`` or ``/list`` a listing
answers, and how long the round trip took (the lag in the status bar).
The wire protocol is unchanged: ``PING`` is for any client to send.

The pace starts at the server's defaults. The first time it holds a line
back on a connection, the queue asks the server for its own limits
(``/limits``, answered ``LIMITS rate burst backlog``) and follows them from
then on (:meth:`Outbox.follow`): a server that allows more (or has no
limit, ``--rate 0``) gets a paste at its own pace, not at the defaults'.
Asking only then costs a connection that never sends quickly nothing.

What the client asks by itself (members, levels, read markers, profiles,
history: ``chatroom.wire.commands.sent_by_itself``) the server does not
count against the
person's allowance, only against a bound of its own (protocol.md, *Flood
control*). The queue keeps those lines apart, paced by a bucket of their
own (:data:`QUIET_RATE`, :data:`QUIET_BURST`): signing in, with its
dozens of such questions, leaves the person's burst whole, and a line
typed at once goes at once.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.wire.commands import sent_by_itself

#: The server's default flood limit is 1 line a second after a burst of 20
#: (10 before issue 79, and an operator may lower it): the pace starts at a
#: burst of 8, never past a server's, and follows the server's own once it
#: first holds a line (``/limits``), so a person typing is never held for
#: long, nor a server with a smaller burst flooded.
DEFAULT_RATE = 1.0
DEFAULT_BURST = 8
#: The tokens of the server's burst the client leaves unused (as the
#: defaults do): room for bunched lines, and for the ``/limits`` query.
BURST_MARGIN = 2
#: What asks the server for its flood limits (docs/protocol.md).
LIMITS_QUERY = "/limits"

#: The pace of those lines, within the server's bound for them (100 at
#: once, 10 a second): a sign-in's questions go at once, a busy room's
#: profiles a few a second.
QUIET_RATE = 8.0
QUIET_BURST = 60

#: The server's refusal names its rate: "slow down: at most 2 lines a second".
_RATE_IN_REFUSAL = re.compile(r"at most ([0-9.]+) lines? a second")


@dataclass(slots=True)
class Outgoing:
    """One line on its way to the server."""

    text: str
    #: The user typed it (so it is theirs to lose, and replies to it are shown).
    typed: bool = False
    token: str = ""
    sent_at: float = 0.0
    #: Why the server refused it, if it did.
    refused: str = ""
    #: The log key of the buffer it was typed in ("": none), where the
    #: answers that name no room go.
    where: str = ""


class Bucket:
    """A token bucket: ``burst`` lines at once, then ``rate`` a second
    (0: no limit), on ``clock``."""

    def __init__(self, clock: IReactorTime, rate: float, burst: int) -> None:
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self._filled_at = clock.seconds()

    def refill(self) -> None:
        """Add the tokens the time since the last refill earned."""
        now = self.clock.seconds()
        self.tokens = min(
            float(self.burst), self.tokens + (now - self._filled_at) * self.rate
        )
        self._filled_at = now

    def empty(self) -> None:
        """No token left from now (a refusal, the server holding lines)."""
        self.tokens = 0.0
        self._filled_at = self.clock.seconds()

    def wait(self, needed: float = 1.0) -> float:
        """Seconds until ``needed`` tokens are there (0: now), refilled first.
        (Within rounding of a whole token is one: a wait too short to move
        the clock would wake up to the same shortfall.)"""
        self.refill()
        if self.rate <= 0 or self.tokens >= needed - 1e-9:
            return 0.0
        return (needed - self.tokens) / self.rate

    def take(self) -> None:
        """One line goes."""
        self.tokens -= 1.0


class Outbox:
    """Paces lines to the server and matches replies to the line they answer.

    Args:
        clock: time and timers (the reactor; ``task.Clock`` in tests).
        write: sends one line to the server now.
        on_refused: told of a line the server refused (it will be resent).
        on_lag: told of each measured round trip, in seconds.
        on_waiting: told how many typed lines wait for their turn whenever
            that changes (a long paste trickles out at the server's pace,
            and the screen says so).
        on_held: told the first time on a connection that the pace holds a
            line back (the controller then asks the server's limits).
    """

    def __init__(
        self,
        clock: IReactorTime,
        write: Callable[[str], None],
        on_refused: Callable[[Outgoing], None] = lambda line: None,
        on_lag: Callable[[float], None] = lambda seconds: None,
        on_waiting: Callable[[int], None] = lambda count: None,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        on_held: Callable[[], None] = lambda: None,
    ) -> None:
        self.clock = clock
        self.write = write
        self.on_refused = on_refused
        self.on_lag = on_lag
        self.on_waiting = on_waiting
        self.on_held = on_held
        self._waiting = 0
        #: The pace a new connection starts at (the server's defaults).
        self._default_pace = (rate, burst)
        #: The person's allowance: typed lines, and the client's own that
        #: the server counts (joins, a name).
        self.pace = Bucket(clock, rate, burst)
        #: The client's own questions (``sent_by_itself``).
        self.quiet_pace = Bucket(clock, QUIET_RATE, QUIET_BURST)
        #: Whether this connection's pace has held a line back yet.
        self._held = False
        self.queue: deque[Outgoing] = deque()
        #: The client's own uncounted lines waiting for their pace.
        self.quiet: deque[Outgoing] = deque()
        #: Sent lines whose PONG has not come back, oldest first.
        self.in_flight: deque[Outgoing] = deque()
        #: Refused lines waiting for the in-flight ones to be answered.
        self._refused: list[Outgoing] = []
        self._probes: dict[str, float] = {}
        self._serial = 0
        self._wakeup: IDelayedCall | None = None

    @property
    def rate(self) -> float:
        """The person's pace: lines a second after the burst (0: no limit)."""
        return self.pace.rate

    @property
    def burst(self) -> int:
        return self.pace.burst

    @property
    def answering(self) -> Outgoing | None:
        """The line the server's current replies answer (None: none in flight)."""
        return self.in_flight[0] if self.in_flight else None

    def send(self, text: str, typed: bool = False, where: str = "") -> None:
        """Queue a line; it goes now if the pace allows, else when it does.
        A line the client sends by itself that the server does not count
        goes at a pace of its own, ahead of typed lines waiting."""
        line = Outgoing(text, typed, where=where)
        uncounted = not typed and sent_by_itself(text)
        (self.quiet if uncounted else self.queue).append(line)
        self._pump()

    def send_if_idle(self, text: str) -> bool:
        """Send one of the client's uncounted lines only if it delays
        nothing: no line waits, and its pace has one to spare now (a typing
        notice is worth sending only then). False: not sent, and forgotten."""
        if self.queue or self.quiet or self._refused or self._holding():
            return False
        if self.quiet_pace.wait() > 0:
            return False
        self.send(text)
        return True

    def ask(self, text: str) -> None:
        """Send a line the client itself needs answered now, ahead of the
        waiting ones and without spending the pace (it is one line, asked
        rarely, within the burst's margin); matched to its replies by its
        ``PING`` as every line is."""
        self._send_now(Outgoing(text))

    def follow(self, rate: float, burst: int) -> None:
        """Pace to the server's own limits from now on (``LIMITS``): its
        ``rate`` (0: none) and ``burst``, less the margin. The tokens
        left keep what was already used of the burst."""
        pace = self.pace
        paced_burst = max(1, burst - BURST_MARGIN)
        pace.refill()
        pace.tokens = min(
            float(paced_burst), max(0.0, pace.tokens + paced_burst - pace.burst)
        )
        pace.rate, pace.burst = max(0.0, rate), paced_burst
        self._stop_waking()
        self._pump()

    def slowed(self, rate: float) -> None:
        """The server held our lines (``SLOW``): its bucket is empty, so the
        burst is spent, and from now on lines go at most at ``rate`` a
        second (the server's, which may be slower than the pace followed:
        a reload changed it). The caller asks ``/limits`` again to learn
        the burst too, so a first hold after this asks nothing more."""
        self._held = True
        self.pace.empty()
        self._slow_to(rate)
        self._stop_waking()
        self._pump()

    def _slow_to(self, rate: float) -> None:
        """Adopt the server's ``rate`` (a ``SLOW`` or a refusal named it)
        when it is slower than the pace followed, or when the pace followed
        had none (``LIMITS 0`` before a reload set one); never speed up."""
        if rate > 0 and (self.pace.rate <= 0 or rate < self.pace.rate):
            self.pace.rate = rate

    def probe(self) -> None:
        """Measure the lag with a bare PING (keepalive is never rate-limited)."""
        token = self._next_token("lag")
        self._probes[token] = self.clock.seconds()
        self.write(f"PING {token}")

    def pong(self, token: str) -> bool:
        """Handle ``PONG token``; False when the token is not one of ours."""
        now = self.clock.seconds()
        if token in self._probes:
            self.on_lag(now - self._probes.pop(token))
            return True
        if not any(line.token == token for line in self.in_flight):
            return False
        while self.in_flight:
            line = self.in_flight.popleft()
            if line.refused:
                self._refused.append(line)
            if line.token == token:
                self.on_lag(now - line.sent_at)
                break
        if self._refused and not self.in_flight:
            # Back at the front, in the order typed, after a full wait.
            for line in reversed(self._refused):
                line.refused = ""
                self.queue.appendleft(line)
            self._refused = []
            self.pace.empty()
        self._pump()
        return True

    def rate_limited(self, reason: str) -> Outgoing | None:
        """The server refused the line it is answering: keep it to send again."""
        line = self.answering
        if line is None:
            return None
        line.refused = reason or "rate limited"
        match = _RATE_IN_REFUSAL.search(reason)
        if match is not None:
            self._slow_to(float(match.group(1)))
        self.pace.empty()
        self.on_refused(line)
        return line

    def reset(self) -> list[Outgoing]:
        """The connection is gone: forget everything, return the typed lines
        that were never confirmed (queued, or sent without an answer)."""
        lost = [
            line
            for line in (*self.in_flight, *self._refused, *self.queue)
            if line.typed
        ]
        self.queue.clear()
        self.quiet.clear()
        self.in_flight.clear()
        self._refused = []
        self._probes.clear()
        self._stop_waking()
        # The next connection may be to another server: its defaults again.
        self.pace = Bucket(self.clock, *self._default_pace)
        self.quiet_pace = Bucket(self.clock, QUIET_RATE, QUIET_BURST)
        self._held = False
        self._tell_waiting()
        return lost

    def _next_token(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial}"

    def _stop_waking(self) -> None:
        """Forget the wake-up for the next token (the pace changed)."""
        if self._wakeup is not None and self._wakeup.active():
            self._wakeup.cancel()
        self._wakeup = None

    def _woken(self) -> None:
        self._wakeup = None
        self._pump()

    @property
    def waiting(self) -> int:
        """How many typed lines are queued, not yet sent."""
        return sum(line.typed for line in (*self._refused, *self.queue))

    def _tell_waiting(self) -> None:
        waiting = self.waiting
        if waiting != self._waiting:
            self._waiting = waiting
            self.on_waiting(waiting)

    def _pump(self) -> None:
        """Send what the pace allows, then say how many typed lines wait."""
        self._send_paced()
        self._tell_waiting()

    def _send_paced(self) -> None:
        """Send what each pace allows; wake up when the next token is due."""
        waits = [
            self._drain(self.quiet, self.quiet_pace),
            self._drain(self.queue, self.pace),
        ]
        due = [wait for wait in waits if wait > 0]
        self._stop_waking()
        if due:
            self._wakeup = self.clock.callLater(min(due), self._woken)

    def _drain(self, queue: deque[Outgoing], pace: Bucket) -> float:
        """Send from ``queue`` what ``pace`` allows; how long until its next
        line may go (0: none waits, or nothing may go before a refusal is
        answered)."""
        while queue and not self._refused and not self._holding():
            wait = pace.wait()
            if wait > 0:
                if pace is self.pace and not self._held:
                    self._held = True
                    self.on_held()
                return wait
            pace.take()
            self._send_now(queue.popleft())
        return 0.0

    def _send_now(self, line: Outgoing) -> None:
        """Write ``line`` and the PING that closes its replies."""
        line.token = self._next_token("q")
        line.sent_at = self.clock.seconds()
        self.in_flight.append(line)
        self.write(line.text)
        self.write(f"PING {line.token}")

    def _holding(self) -> bool:
        """After a refusal nothing more goes until the refused line is back."""
        return any(line.refused for line in self.in_flight)
