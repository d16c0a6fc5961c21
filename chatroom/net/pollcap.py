"""At most :data:`EVENTS_PER_POLL` readiness events taken from one ``epoll_wait``.

Twisted's epoll reactor asks ``epoll_wait`` for as many events as it has
sockets, and handles every event it got before its next turn. When a
crowd leaves at once (a generator told to stop, a load balancer
restarted), the kernel reports thousands of closed sockets in one poll,
and the reactor tears each one down there and then (its ``shutdown`` and
``close``, its ``connectionLost``: about 80 µs of CPU each). A node
whose 15,000 left together took 14,588 of them in one poll: one turn of
1.2 s of CPU, 3-5 s of wall time on a loaded machine, with no timer run
in it (the heartbeat, ``/healthz``, the flushes; docs/performance.md,
"A crowd that leaves at once").

:func:`cap_events_per_poll` makes the reactor take at most
:data:`EVENTS_PER_POLL` events a poll. Nothing is lost: epoll is level
triggered here, so a socket still ready is reported again by the next
poll, and the kernel hands out those not yet reported before the ones it
just did, so every socket has its turn in order. The timers due run
between two polls, as between any two turns. Reading the reactor's
private ``_poller`` is done here only; a reactor without one (a test's
clock, another reactor) is left as it is.
"""

from __future__ import annotations

import select
from typing import Any

#: Readiness events one turn handles at most. A closed socket costs about
#: 80 µs, a read with its lines' work tens to hundreds: a turn of these is
#: some tens of milliseconds. Far above what one turn sees in ordinary
#: traffic, so turns (and what is coalesced in one) stay as they are.
EVENTS_PER_POLL = 512


class CappedPoller:
    """An ``epoll`` object whose ``poll`` returns at most ``cap`` events.

    Everything else is the epoll object's own (bound at construction: the
    reactor registers and unregisters every socket through these).
    """

    __slots__ = ("cap", "close", "fileno", "modify", "poller", "register", "unregister")

    def __init__(self, poller: Any, cap: int = EVENTS_PER_POLL) -> None:
        self.poller = poller
        self.cap = cap
        self.register = poller.register
        self.unregister = poller.unregister
        self.modify = poller.modify
        self.close = poller.close
        self.fileno = poller.fileno

    @property
    def closed(self) -> bool:
        return bool(self.poller.closed)

    def poll(self, timeout: float = -1, maxevents: int = -1) -> list[tuple[int, int]]:
        """The poller's ``poll``, asking for at most ``cap`` events."""
        if maxevents <= 0 or maxevents > self.cap:
            maxevents = self.cap
        events: list[tuple[int, int]] = self.poller.poll(timeout, maxevents)
        return events


def cap_events_per_poll(reactor: object, cap: int = EVENTS_PER_POLL) -> bool:
    """Make ``reactor`` (if an epoll reactor) take at most ``cap`` events a
    poll; whether it did (or had already)."""
    poller = getattr(reactor, "_poller", None)
    if isinstance(poller, CappedPoller):
        poller.cap = cap
        return True
    epoll = getattr(select, "epoll", None)
    if epoll is None or not isinstance(poller, epoll):
        return False
    setattr(reactor, "_poller", CappedPoller(poller, cap))  # noqa: B010
    return True
