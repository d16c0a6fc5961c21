"""What an account chose for itself and where it was: its read markers,
its settings (threads followed, notification levels, its profile), the
rooms it is put back in, and whom it ignores.

None of these rests on a premise but a marker, which only moves forward:
the core records what the account did, deciding nothing on a read.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import AccountSubject, Operation, Premise, declare
from chatroom.core.model.events import Event

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class AccountMarkers(AccountSubject):
    """Account ``account``'s read markers (its name key)."""


@dataclass(frozen=True)
class AccountSettings(AccountSubject):
    """What account ``account`` (its name key) chose for itself: the
    threads it follows, each room's notification level, its profile
    (:mod:`chatroom.core.accounts.account_settings`)."""


@dataclass(frozen=True)
class AccountRooms(AccountSubject):
    """The rooms account ``account`` (its name key) is put back in when it
    signs in again."""


@dataclass(frozen=True)
class AccountIgnores(AccountSubject):
    """The names account ``account`` (its name key) ignores."""


# -- an account's read markers: premises and operations ------------------------


@dataclass(frozen=True)
class MarkerAtMost(Premise):
    """The account's read marker in room ``room`` (a name key) is at most
    ``event_id``, or it has none: a marker set to ``event_id`` moves
    forward or stays (:mod:`chatroom.core.accounts.markers`: markers only move
    forward). A refusal brings the marker in force."""

    room: str
    event_id: int


@dataclass(frozen=True)
class SetMarker(Operation):
    """The account's read marker in room ``room`` (a name key) is now
    ``event_id``."""

    room: str
    event_id: int


@dataclass(frozen=True)
class TellOtherNodes(Operation):
    """Tell ``event`` to the account's sessions on the other nodes of a
    cluster, all but seat ``token``'s (one process has none), after what
    was told them before."""

    event: Event
    token: str


# -- an account's settings: operations -----------------------------------------


@dataclass(frozen=True)
class SetFollow(Operation):
    """The account follows thread ``thread`` (``following``) or unfollowed
    it (a :func:`~chatroom.core.accounts.thread_follows.follow_key`)."""

    thread: str
    following: bool


@dataclass(frozen=True)
class SetNotifyLevel(Operation):
    """The account's notification level in room ``room`` (a name key) is
    now ``level`` (:mod:`chatroom.core.accounts.notify_levels`)."""

    room: str
    level: str


@dataclass(frozen=True)
class SetMissedMail(Operation):
    """Whether the account is mailed what it missed while away
    (:mod:`chatroom.core.accounts.missed_mail`): ``on``, or not."""

    on: bool


@dataclass(frozen=True)
class SetProfile(Operation):
    """The account's profile key ``key`` is now ``value`` ("": removed;
    :mod:`chatroom.core.accounts.profiles`)."""

    key: str
    value: str


# -- an account's remembered rooms: operations ---------------------------------


@dataclass(frozen=True)
class RememberRoom(Operation):
    """The account is in room ``name`` (as the room names itself): kept
    after the rooms it entered before, unless it is kept already."""

    name: str


@dataclass(frozen=True)
class ForgetRoom(Operation):
    """The account is out of room ``name``."""

    name: str


# -- an account's ignore list: operations --------------------------------------


@dataclass(frozen=True)
class Ignore(Operation):
    """The account ignores name key ``name`` (the core checked the list)."""

    name: str


@dataclass(frozen=True)
class Unignore(Operation):
    """The account no longer ignores name key ``name``."""

    name: str


@dataclass(frozen=True)
class SetChoice(Operation):
    """The account's own choice ``name`` of how a door shows things is now
    ``value`` (:mod:`chatroom.core.accounts.door_settings`: ``irc-notes on|off``)."""

    name: str
    value: str


@dataclass(frozen=True)
class SetSent(Operation):
    """The newest event of room ``room`` (a name key) that a session of
    the account at door ``door`` was sent is ``event_id``: where the
    door's next replay of the room starts
    (:mod:`chatroom.core.accounts.door_settings`)."""

    door: str
    room: str
    event_id: int


# -- the declarations -----------------------------------------------------------

declare(
    AccountMarkers,
    operations=(SetMarker, TellOtherNodes),
    premises=(MarkerAtMost,),
)
declare(
    AccountSettings,
    operations=(
        SetFollow,
        SetNotifyLevel,
        SetMissedMail,
        SetProfile,
        SetChoice,
        SetSent,
    ),
)
declare(AccountRooms, operations=(RememberRoom, ForgetRoom))
declare(AccountIgnores, operations=(Ignore, Unignore))
