"""The server's counters and its names' past: events counted in a sliding
window and failures counted under a back-off, shared by every node of a
cluster (:mod:`chatroom.core.throttle`), and who held a name before
(``WHOWAS``, :mod:`chatroom.core.whowas`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Premise, Subject, declare
from chatroom.core.whowas import Departed

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class CountedEvents(Subject):
    """The events counted under ``key`` in a sliding window, shared by
    every node of a cluster (a registration throttle's:
    ``register-address:<address>``, ``register-all:``)."""

    key: str


@dataclass(frozen=True)
class CountedFailures(Subject):
    """The failures counted under ``keys`` by a back-off (wrong passwords
    and codes, per name, per address or per signed-in session:
    ``sign-in-name:<key>``, ``sign-in-address:<address>``...), shared by
    every node of a cluster. One change counts under all its keys at once:
    every premise checked before any failure is counted. ``at`` is the
    step's time on the core's clock: when each failure counted happened,
    and what each wait is measured to."""

    keys: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class NameHolders(Subject):
    """The past holders of name ``name`` (its name key), for ``WHOWAS``."""

    name: str


# -- events counted in a sliding window: premises and operations ---------------


@dataclass(frozen=True)
class FewerThan(Premise):
    """The subject counts fewer than ``count`` events in its last
    ``window`` seconds (on the counter's clock): one more counted under the
    most the core allows. A refusal brings the seconds until the oldest of
    them leaves the window (a float)."""

    count: int
    window: float


@dataclass(frozen=True)
class CountEvent(Operation):
    """One more event counted, now, for ``window`` seconds."""

    window: float


@dataclass(frozen=True)
class UncountEvent(Operation):
    """The newest event counted did not happen after all."""


# -- failures counted under a back-off: premises and operations ----------------


@dataclass(frozen=True)
class WaitedOut(Premise):
    """Key ``key``'s back-off is over: after ``free`` failures, the last
    one was at least ``waits[n]`` seconds before the change's ``at``,
    ``n`` counting the failures past ``free`` (the last wait once ``n`` is
    past the table's end). The waits are the core's rule (doubling up to a
    cap); the counter only looks them up. A refusal brings the seconds
    left (a float)."""

    key: str
    free: int
    waits: tuple[float, ...]


@dataclass(frozen=True)
class CountFailure(Operation):
    """One more failure under ``key``, now; the key's failures are all
    forgotten ``forget`` seconds after its last one."""

    key: str
    forget: float


@dataclass(frozen=True)
class UncountFailure(Operation):
    """A failure counted under ``key`` was not one after all."""

    key: str


@dataclass(frozen=True)
class ClearFailures(Operation):
    """Every failure under ``key`` forgotten (its owner proved right)."""

    key: str


# -- a name's past holders: operations -----------------------------------------


@dataclass(frozen=True)
class RememberGone(Operation):
    """``gone`` left the name: the newest of its past holders (the oldest
    beyond what the back-end keeps go). It rests on no premise."""

    gone: Departed


# -- the declarations -----------------------------------------------------------

declare(
    CountedEvents,
    operations=(CountEvent, UncountEvent),
    premises=(FewerThan,),
)
declare(
    CountedFailures,
    operations=(CountFailure, UncountFailure, ClearFailures),
    premises=(WaitedOut,),
)
declare(NameHolders, operations=(RememberGone,))
