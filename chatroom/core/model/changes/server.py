"""The server's names and counters: who holds a name now (a claim, a
device attached, a session let go: :mod:`chatroom.core.services.claims`) and who
held it before (``WHOWAS``, :mod:`chatroom.core.model.whowas`); events counted in
a sliding window and failures counted under a back-off, shared by every
node of a cluster (:mod:`chatroom.core.infra.throttle`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import Operation, Premise, Subject, declare
from chatroom.core.model.changes.moderation import Banned, NameRegistered
from chatroom.core.model.presence import Presence
from chatroom.core.model.whowas import Departed

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
    """One more event counted, now, for ``window`` seconds. ``once``: the
    event's own id (a Matrix event's, relayed again after a failure half
    way): an event counted under it still in the window is this one, so
    nothing is checked and nothing more counted (applied all the same)."""

    window: float
    once: str = ""


@dataclass(frozen=True)
class UncountEvent(Operation):
    """The newest event counted did not happen after all."""


# -- failures counted under a back-off: premises and operations ----------------


@dataclass(frozen=True)
class FailuresAtMost(Premise):
    """Key ``key`` counts at most ``count`` failures, the newest at or
    before ``last`` (seconds on the core's clock; None: at any time): the
    bounds within which the core decided an attempt is counted
    (:class:`chatroom.core.infra.throttle.FailureBackoff.bounds`), fewer or older
    failures letting it all the more. Within a back-off's free failures no
    time matters, so attempts made together are each counted while the
    free ones last, never refused for one another's counts. A refusal
    brings the failures of every key of the change as they are now (key →
    count and the newest's time)."""

    key: str
    count: int
    last: float | None = None


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


# -- a name's holders: premises and operations ---------------------------------


@dataclass(frozen=True)
class NameHolding(Subject):
    """The sessions holding name ``name`` (its key) now: its own, and its
    account's devices on other nodes of a cluster, each of which may be
    the name's own next."""

    name: str


@dataclass(frozen=True)
class NameHeldBy(Premise):
    """The name's own session is ``token`` ("": nobody holds it), as read."""

    token: str


@dataclass(frozen=True)
class NameSignedTo(Premise):
    """The name's own session is signed in to account ``account`` ("":
    none), as read."""

    account: str


@dataclass(frozen=True)
class NameEnding(Premise):
    """The end of the name's own session is under way (``ending``: its
    rooms being left, on whichever node had it; the name is freed by its
    last step), or not, as read."""

    ending: bool


@dataclass(frozen=True)
class DevicesAre(Premise):
    """The name's devices on other nodes hold it by the sessions
    ``tokens``, as read: the heir of its own session was chosen among
    them."""

    tokens: tuple[str, ...]


@dataclass(frozen=True)
class TakeName(Operation):
    """Session ``token`` holds the name now, shown as ``shown``, signed in
    to ``account`` ("": none), its presence ``presence`` kept in the same
    step (None: none yet). ``old``: the key of the name it held before (""
    for a first claim): its rooms, its seats in them and its account move
    with it, the owner of a room it owns too if ``owner_follows`` (the
    core's decision: :func:`chatroom.core.rooms.membership.owner_follows_rename`)."""

    token: str
    shown: str
    account: str
    old: str = ""
    owner_follows: bool = True
    presence: Presence | None = None


@dataclass(frozen=True)
class AttachDevice(Operation):
    """Session ``token`` holds the name too, as one more device of the
    account signed in to it (its own session on another node), its
    presence ``presence`` kept in the same step (None: none)."""

    token: str
    presence: Presence | None = None


@dataclass(frozen=True)
class LetGo(Operation):
    """Session ``token`` holds the name no more (it ended). If it was the
    name's own while devices on other nodes hold it too, ``heir`` (one of
    their sessions, the core's choice: :func:`chatroom.core.policy.rules.heir_of`)
    holds it now, and its rooms stay; "" while none was chosen."""

    token: str
    heir: str = ""


@dataclass(frozen=True)
class MarkGone(Operation):
    """The connection of session ``token``, the name's own, is gone
    (``reason``: how), its node's release of it still to come: kept until
    the name is freed, so that a claim of the name on any node reads it in
    the claim's facts (:attr:`~chatroom.core.model.facts.ClaimFacts.gone`)
    and ends that session at once rather than be refused. It rests on the
    session holding the name alone (:class:`NameHeldBy`, :class:`DevicesAre`
    none)."""

    token: str
    reason: str


# -- the declarations -----------------------------------------------------------

declare(
    CountedEvents,
    operations=(CountEvent, UncountEvent),
    premises=(FewerThan,),
)
declare(
    CountedFailures,
    operations=(CountFailure, UncountFailure, ClearFailures),
    premises=(FailuresAtMost,),
)
declare(NameHolders, operations=(RememberGone,))
declare(
    NameHolding,
    operations=(TakeName, AttachDevice, LetGo, MarkGone),
    premises=(
        NameRegistered,
        Banned,
        NameHeldBy,
        NameSignedTo,
        NameEnding,
        DevicesAre,
    ),
)
