"""An account's own settings of rooms and threads, kept by its back-end.

What an account chose for itself, seen by each of its devices on every
node: the threads it follows or unfollowed
(:mod:`chatroom.core.messages.threads`), each room's notification level
(:mod:`chatroom.core.accounts.notify_levels`), its profile
(:mod:`chatroom.core.accounts.profiles`), whether it is mailed what it missed
(:mod:`chatroom.core.accounts.missed_mail`), and what it keeps for one door's own
ways: its choices and where the door's replays start
(:mod:`chatroom.core.accounts.door_settings`). The core decides them as typed
changes of the account's :class:`~chatroom.core.model.changes.settings.AccountSettings`
(:class:`~chatroom.core.model.changes.settings.SetFollow`,
:class:`~chatroom.core.model.changes.settings.SetNotifyLevel`,
:class:`~chatroom.core.model.changes.settings.SetProfile`); a back-end keeps each as
one entry of the account's settings (:func:`entry_of`: a key naming what
it is about, and a value), in the ``--db`` file or a Redis hash, and they
go with the account.
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.model.changes.base import Operation
from chatroom.core.model.changes.settings import (
    SetChoice,
    SetFollow,
    SetMissedMail,
    SetNotifyLevel,
    SetProfile,
    SetSent,
)

#: The first word of a setting's key: what kind of setting it is.
FOLLOW = "follow"
NOTIFY = "notify"
PROFILE = "profile"
#: The one setting of mail: whether what was missed is mailed (``mail missed``).
MAIL = "mail"
#: A choice of how a door shows things (``choice irc-notes``), and a door's
#: replay position in a room (``sent irc <room key>``):
#: :mod:`chatroom.core.accounts.door_settings`.
CHOICE = "choice"
SENT = "sent"


class SettingStore(Protocol):
    """Where a back-end keeps accounts' settings (by account key), read: a
    change of an :class:`~chatroom.core.model.changes.settings.AccountSettings` (each of
    its operations stored as :func:`entry_of` says, in order) goes through
    the back-end's :meth:`~chatroom.core.backend.Backend.apply`."""

    async def settings(self, account: str) -> dict[str, str]:
        """Every setting of ``account``: key → value (:func:`entry_of`)."""
        ...


def entry_of(op: Operation) -> tuple[str, str]:
    """The setting an operation of an account's settings stores: its key
    (the kind, a space, what it is about) and its value."""
    if isinstance(op, SetFollow):
        return f"{FOLLOW} {op.thread}", "1" if op.following else "0"
    if isinstance(op, SetNotifyLevel):
        return f"{NOTIFY} {op.room}", op.level
    if isinstance(op, SetProfile):
        return f"{PROFILE} {op.key}", op.value
    if isinstance(op, SetMissedMail):
        return f"{MAIL} missed", "on" if op.on else "off"
    if isinstance(op, SetChoice):
        return f"{CHOICE} {op.name}", op.value
    if isinstance(op, SetSent):
        return f"{SENT} {op.door} {op.room}", str(op.event_id)
    raise TypeError(f"no operation {op!r} of an account's settings")


def of_kind(settings: dict[str, str], kind: str) -> dict[str, str]:
    """The settings of one kind: what each is about → its value."""
    prefix = f"{kind} "
    return {
        key[len(prefix) :]: value
        for key, value in settings.items()
        if key.startswith(prefix)
    }
