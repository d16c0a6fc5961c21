"""Flood limits: ``--burst`` lines at once, then ``--rate`` a second, for
everyone who speaks, at whatever door or through none.

A bucket is one float, the time it is full again (its tokens are
``--burst`` less ``--rate`` times the seconds until then), worked out when
a line asks, from the injected clock: no timer, O(1) a line.
:class:`FloodRules` keeps the limits and does that reckoning. A door's
connection keeps its own bucket and holds a line past it
(:class:`chatroom.doors.base.flood.FloodGate`, "fake lag"). A bot at the
REST API and a Matrix user through the bridge speak through no connection
and are counted under the same rules by name (:class:`SharedSpeakerLimits`),
and what is past them is refused rather than held: a Matrix user's lines
for the whole cluster (the homeserver may push through any node), a bot's
requests on each node, as bots-and-hooks.md has it ("per bot, on each
node"; :meth:`SharedSpeakerLimits.counted_here`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from twisted.internet.interfaces import IReactorTime

from chatroom.core.infra.throttle import MemoryWindows, SharedWindowLimit
from chatroom.core.model.changes.base import Apply
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.text import name_key

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


class SharedSpeakerLimits:
    """Each speaker's flood limits, for those who speak through no door's
    connection (a Matrix user through the bridge, a bot at the REST API):
    at most ``--burst`` lines in any ``--burst`` / ``--rate`` seconds (a
    sliding window: the same burst and, over time, the same rate as a
    bucket at a door; none with ``--rate 0``), counted as registrations are
    bounded
    (:class:`chatroom.core.infra.throttle.SharedWindowLimit`), each line
    through the back-end's one write (Redis, on its own clock, for every
    node; this process's memory on one server), or in this node's memory
    alone (:meth:`counted_here`: a bot's requests). What is past them is
    refused, not queued: the REST API answers ``429``."""

    def __init__(
        self, rules: Callable[[], FloodRules], count: Apply, counted_as: str
    ) -> None:
        """Args:
        rules: the server's flood rules, as they are at each call (a
            reload's limits from the next line on).
        count: where the counts are kept (the back-end's one write).
        counted_as: the counts' keys are ``<counted_as>:<name key>``, one
            name for each kind of speaker.
        """
        self.rules = rules
        self.count = count
        self.counted_as = counted_as

    async def take(self, speaker: str, once: str = "") -> float:
        """One of ``speaker``'s lines counted: 0 if it is within the
        limits, else the seconds until one will be (the oldest line
        counted leaves the window; nothing counted). ``once``: the line's
        own id (a Matrix event's), counted once in the window on every
        node, however often it is taken (0 again, nothing more counted)."""
        rules = self.rules()
        if rules.rate <= 0:
            return 0.0
        burst = int(rules.full)
        window = SharedWindowLimit(
            burst, burst / rules.rate, self.count, self.counted_as
        )
        return await window.take(name_key(speaker), once)

    def counted_here(self) -> SharedSpeakerLimits:
        """The same limits with each node's own count, in this process's
        memory (on the rules' clock), as a door's connection keeps its
        own bucket: how a bot's REST API requests are counted ("per bot,
        on each node", bots-and-hooks.md), at no store write a request."""
        here = MemoryWindows(self.rules().clock)
        return SharedSpeakerLimits(self.rules, here.apply, self.counted_as)


class Configured(Protocol):
    """What holds the server's settings, which a reload replaces (the
    core, the doors' hub)."""

    @property
    def config(self) -> ServerConfig: ...


class RulesOf:
    """The flood rules of ``holder.config`` as it is at each call (a
    reload's limits from the next line on): one :class:`FloodRules` kept
    up to date, for a :class:`SharedSpeakerLimits`."""

    def __init__(self, holder: Configured, clock: IReactorTime) -> None:
        self.holder = holder
        self.rules = FloodRules(holder.config, clock)

    def __call__(self) -> FloodRules:
        config = self.holder.config
        if self.rules.config is not config:
            self.rules.update(config)
        return self.rules
