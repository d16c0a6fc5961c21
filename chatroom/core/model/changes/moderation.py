"""Moderation: a room's policy and owner, and the server's own: its bans,
its reports of messages and its lockdown (:mod:`chatroom.core.policy.moderation`,
:mod:`chatroom.core.moderation.serverbans`, :mod:`chatroom.core.messages.abuse_reports`,
:mod:`chatroom.core.moderation.lockdown`). Each action is logged by its own change
(:class:`~chatroom.core.model.changes.modlog.RecordEntries`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import (
    DecidedChange,
    Operation,
    Premise,
    RoomSubject,
    Subject,
    declare,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.changes.rooms import (
    Emit,
    Incarnation,
    Present,
    SetOwner,
    SetPolicy,
    Version,
)
from chatroom.core.model.events import Departure, Event, Kicked

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class RoomModeration(RoomSubject):
    """Room ``room``'s policy and owner (its name key): what a moderation
    command or a server admin's gift changes."""


@dataclass(frozen=True)
class ServerBanList(Subject):
    """The masks banned from the whole server, with their terms
    (:mod:`chatroom.core.moderation.serverbans`)."""


@dataclass(frozen=True)
class ServerReports(Subject):
    """The server's reports of messages
    (:mod:`chatroom.core.messages.abuse_reports`)."""


@dataclass(frozen=True)
class ServerLockdown(Subject):
    """The server's lockdown level (:mod:`chatroom.core.moderation.lockdown`)."""


# -- a room's moderation: premises and operations ------------------------------


@dataclass(frozen=True)
class SessionIs(Premise):
    """User ``user`` (a name key) is connected as session ``session`` (its
    token; "" for not connected): the user a command named is the one its
    decision read."""

    user: str
    session: str


@dataclass(frozen=True)
class KickMember(Operation):
    """Take user ``user`` (a name key; its session ``session``) out of the
    room, which is shown ``departure``, as ``leave`` says: the departure
    the core decided on the user's seating (:func:`chatroom.core.rooms.membership.
    leave`: the heir, the room's fate), with the premises it rests on, which
    hold with the moderation's or neither is applied; the user is told
    ``told`` wherever it is (``KICKED``)."""

    user: str
    session: str
    departure: Departure
    told: Kicked
    leave: DecidedChange


@dataclass(frozen=True)
class TellUser(Operation):
    """Tell user ``user`` (a name as shown) ``event`` wherever they are (an
    invitation)."""

    user: str
    event: Event


# -- a moderation log: operations ----------------------------------------------


# -- the server's bans: premises and operations --------------------------------


@dataclass(frozen=True)
class Banned(Premise):
    """Mask ``mask`` is banned from the server (``banned``), or not yet, as
    the decision read: a ban is made once, and lifted once. A refusal
    brings no facts: the core reads the bans again."""

    mask: str
    banned: bool


@dataclass(frozen=True)
class NameRegistered(Premise):
    """Name ``name`` (its key) is an account's (``registered``), or no
    account's, as a name's claim was decided: a plain name is claimed on
    its being nobody's account, and a back-end gives it to nobody once an
    account has it. A refusal brings the claim's facts as they are
    (:class:`~chatroom.core.model.facts.ClaimFacts`); a claim also rests on each
    of its masks' :class:`Banned` being False."""

    name: str
    registered: bool


@dataclass(frozen=True)
class AddBan(Operation):
    """Ban ``mask`` from the server, kept with its ``terms`` (who, until
    when, why: a :class:`~chatroom.core.moderation.netbans.BanTerms` encoded; "" for
    none). A network ban (``ip:``) is heard by every node's listeners,
    which end the connections it covers; the sessions a ban covers end
    by the change's :class:`EndSessions`, as the core decided."""

    mask: str
    terms: str


@dataclass(frozen=True)
class EndSessions(Operation):
    """The session holding name key ``holder`` ("": none) and every
    session signed in to account ``account`` ("": none) end, on every
    node, told ``told``: the sessions a ban covers
    (:func:`chatroom.core.moderation.serverbans.covered`), ended after the bans of
    its change are made, so none of them signs in again meanwhile; or
    the devices of an account given up with ``/unregister``, ended as
    the account goes (:func:`chatroom.core.accounts.accounts.unregistering`)."""

    holder: str
    account: str
    told: str


@dataclass(frozen=True)
class SignOut(Operation):
    """The session holding name key ``holder`` whose token is ``token``
    (the device that gave its account up) is signed out of the account
    and stays; every other session holding that name (a device of the
    account's seat on another node) ends, told ``told``. Applied before
    the change's :class:`EndSessions`, which then no longer finds it
    signed in."""

    holder: str
    token: str
    told: str


@dataclass(frozen=True)
class LiftBan(Operation):
    """Mask ``mask`` is no longer banned; its terms go with it."""

    mask: str


# -- the server's reports: premises and operations -----------------------------


@dataclass(frozen=True)
class ReportsNumbered(Premise):
    """The last report's number is ``last`` (0: none yet), as read: the
    next report is ``last + 1``."""

    last: int


@dataclass(frozen=True)
class NotReported(Premise):
    """No report was kept under ``filed`` (a reporter, a room, a message:
    :func:`chatroom.core.moderation.report_store.filed_key`)."""

    filed: str


@dataclass(frozen=True)
class ReportOpen(Premise):
    """Report ``number`` is kept and not closed."""

    number: int


@dataclass(frozen=True)
class FileReport(Operation):
    """Keep report ``number`` (``kept``: as the core encoded it) under
    ``filed``, open; it is now the last report's number."""

    number: int
    filed: str
    kept: str


@dataclass(frozen=True)
class CloseReport(Operation):
    """Report ``number`` is closed; ``kept``: it, closed, as the core
    encoded it."""

    number: int
    kept: str


# -- the server's lockdown: operations -----------------------------------------


@dataclass(frozen=True)
class SetLockdown(Operation):
    """The server's lockdown level is now ``level``, set by admin ``by``.
    It rests on no premise: the last admin's word holds."""

    level: str
    by: str


# -- the declarations -----------------------------------------------------------

declare(
    RoomModeration,
    operations=(SetPolicy, SetOwner, Emit, KickMember, TellUser, RecordEntries),
    premises=(Incarnation, Version, SessionIs, Present),
)
declare(
    ServerBanList,
    operations=(AddBan, LiftBan, EndSessions, RecordEntries),
    premises=(Banned, SessionIs),
)
declare(
    ServerReports,
    operations=(FileReport, CloseReport, RecordEntries),
    premises=(ReportsNumbered, NotReported, ReportOpen),
)
declare(ServerLockdown, operations=(SetLockdown, RecordEntries))


def sessions_ended(
    account: str,
    holder: str,
    told: str,
    logged: RecordEntries | None = None,
    session: str = "",
) -> DecidedChange:
    """The sessions signed in to ``account`` and the one holding name key
    ``holder`` ("": none of either) end, on every node, told ``told``, as a
    ban's do (:class:`EndSessions`), with ``logged`` in the server's
    moderation log in the same step: a ``/kill``, an operator's deletion of
    an account, a password reset's end of its devices. With ``session``
    (a ``/kill``'s), it rests on ``holder`` being held by that session
    still (:class:`SessionIs`): a user gone meanwhile is nobody to end, and
    nothing is logged."""
    ops: tuple[Operation, ...] = (EndSessions(holder, account, told),)
    if logged is not None:
        ops += (logged,)
    premises = (SessionIs(holder, session),) if session else ()
    return DecidedChange(ServerBanList(), premises, ops)
