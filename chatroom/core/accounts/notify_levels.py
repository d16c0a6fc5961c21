"""Per-room notification levels: ``/notify ROOM all|mentions|none``.

An account chooses, room by room, what it is told of: ``all`` (every
message: Web Push for each, while no device is active), ``mentions`` (the
default: unread counts, and a push when named) or ``none`` (muted: no
unread count, no mention counted, no push). The level is one of the
account's settings (:mod:`chatroom.core.accounts.account_settings`), so every
device of the account, on every node, sees the same; a plain name has
none to keep. ``/unread`` (:mod:`chatroom.core.services.reading`) and the pushes
(:mod:`chatroom.core.accounts.push`) read it.

A level set is told at once to the account's other devices
(:class:`~chatroom.core.model.events.NotifyChanged`, ``NOTIFY room level``),
those on other nodes in the same step that keeps it, as a read marker's
move is (:func:`chatroom.core.accounts.markers.advance`).
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.accounts.account_settings import NOTIFY, SettingStore, of_kind
from chatroom.core.infra.seats import Session
from chatroom.core.model import errors
from chatroom.core.model.changes.base import Apply, DecidedChange, Operation
from chatroom.core.model.changes.settings import (
    AccountSettings,
    SetNotifyLevel,
    TellOtherNodes,
)
from chatroom.core.model.events import Event, NotifyChanged
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.server.bus import CopyTo

ALL = "all"
MENTIONS = "mentions"
NONE = "none"
#: Every level, as ``/notify`` takes them.
LEVELS = (ALL, MENTIONS, NONE)
#: A room's level until the account chooses one.
DEFAULT = MENTIONS


def level_in(settings: dict[str, str], room: str) -> str:
    """Room ``room``'s level among an account's ``settings``."""
    return of_kind(settings, NOTIFY).get(name_key(room), DEFAULT)


def check_level(level: str) -> str:
    """``level`` in lower case, if it is one of :data:`LEVELS` (``BAD_ARGS``)."""
    if level.lower() not in LEVELS:
        raise errors.usage(f"/notify ROOM [{'|'.join(LEVELS)}]")
    return level.lower()


class NotifyLevels:
    """``/notify``: the core's side."""

    def __init__(
        self,
        settings: SettingStore,
        apply: Apply,
        place: Callable[[Member, str], str],
        session_of: Callable[[Member], Session],
        changed: Callable[[str], None],
        copy_to: Callable[[Member], CopyTo],
        to_others: Callable[[Member, Event], None],
    ) -> None:
        """Args:
        settings: where the levels are read.
        apply: the back-end's one write (:meth:`~chatroom.core.backend.Backend.apply`).
        place: the room a member is in by that name (``NOT_IN_ROOM``).
        changed: told the account whose settings changed (the pushes'
            copy of them:
            :meth:`~chatroom.core.accounts.push.Notifications.settings_changed`).
        copy_to: whose devices on other nodes are told a member's change
            (:meth:`~chatroom.core.services.devices.Devices.copy_to`).
        to_others: tells the other devices of a member's seat here.
        """
        self.settings = settings
        self.apply = apply
        self.joined_room = place
        self.session_of = session_of
        self.changed = changed
        self.copy_to = copy_to
        self.to_others = to_others

    async def level(
        self, member: Member, room: str, level: str = ""
    ) -> tuple[str, str]:
        """``/notify ROOM [LEVEL]``: the room's name and the member's level
        there, set to ``level`` first if given (``NOT_ALLOWED`` for a plain
        name, which keeps none)."""
        chosen = check_level(level) if level else ""
        where = self.joined_room(member, room)
        account = self.session_of(member).account
        if not account:
            raise errors.not_allowed(
                "only accounts keep notification levels: /register PASSWORD"
            )
        if chosen:
            told = NotifyChanged(where, chosen)
            copy = self.copy_to(member)
            ops: tuple[Operation, ...] = (SetNotifyLevel(name_key(where), chosen),)
            if copy.token:  # the account's sessions on the other nodes
                ops = (*ops, TellOtherNodes(told, copy.token))
            await self.apply(DecidedChange(AccountSettings(account), (), ops))
            self.changed(account)
            self.to_others(member, told)
            return where, chosen
        return where, level_in(await self.settings.settings(account), where)
