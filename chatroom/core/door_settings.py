"""What an account keeps for one door's own ways: its choices, and where
the door's replays of each room start.

Two things concern a single door and still belong to the account, so that
they outlive a connection, a restart and the node it was on:

- **choices** of how the door shows things (:data:`CHOICES`): whether an
  IRC client without tags is told reactions, edits and deletions in words
  (``irc-notes``, on until turned off: ``/set irc-notes off``, NickServ's
  ``SET IRC-NOTES OFF``);
- **sent positions**: the newest event of each room that a session of the
  account at a door was sent. IRC clients keep no history of their own
  that the server could ask about, so the IRC door replays a room's
  history at each join; it replays only what comes after the position
  (or after the account's read marker, if that is later: the core's
  catch-up, :meth:`~chatroom.core.services.rooms.RoomService.join_room`),
  so a client that comes back is not sent again what it was sent before.
  A back-end moves them with a renamed room and drops them with a
  deleted one (its rename and deletion steps).

Both are among the account's settings (:mod:`chatroom.core.account_settings`:
``choice <name>``, ``sent <door> <room key>``), changed only by typed
changes applied by the back-end (:class:`~chatroom.core.changes.SetChoice`,
:class:`~chatroom.core.changes.SetSent`): the ``--db`` file or Redis keeps
them, every node reads the same. A door writes its positions when it has
some to keep (a part, a quit, and now and then), never per message. A
plain name keeps nothing here: its door keeps the same on its connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chatroom.core import errors
from chatroom.core.account_settings import CHOICE, SENT, SettingStore, of_kind
from chatroom.core.changes import (
    AccountSettings,
    Apply,
    DecidedChange,
    SetChoice,
    SetSent,
)

#: Each choice a door reads: its values, the default first.
CHOICES: dict[str, tuple[str, ...]] = {"irc-notes": ("on", "off")}


def choice_in(settings: Mapping[str, str], name: str) -> str:
    """Choice ``name`` among an account's ``settings`` (its default if the
    account made none)."""
    return of_kind(dict(settings), CHOICE).get(name, CHOICES[name][0])


def sent_in(settings: Mapping[str, str], door: str) -> dict[str, int]:
    """The sent positions of ``door`` among an account's ``settings``: room
    key → event id."""
    prefix = f"{door} "
    return {
        key[len(prefix) :]: int(value)
        for key, value in of_kind(dict(settings), SENT).items()
        if key.startswith(prefix) and value.isdigit()
    }


def later(one: int | None, other: int | None) -> int | None:
    """The later of two positions (None: none)."""
    if one is None:
        return other
    return one if other is None else max(one, other)


@dataclass(frozen=True)
class DoorState:
    """What an account keeps for one door: its choices (every one in
    :data:`CHOICES`) and its sent positions (room key → event id)."""

    choices: dict[str, str] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)


class DoorSettings:
    """The account's choices and sent positions, read and kept."""

    def __init__(self, store: SettingStore, apply: Apply) -> None:
        self.store = store
        self.apply = apply

    async def read(self, account: str, door: str) -> DoorState:
        """``account``'s choices and ``door``'s positions, in one read."""
        settings = await self.store.settings(account)
        choices = {name: choice_in(settings, name) for name in CHOICES}
        return DoorState(choices, sent_in(settings, door))

    async def choose(self, account: str, name: str, value: str) -> str:
        """Set choice ``name`` (lower case, ``BAD_ARGS`` for no such choice
        or value) to ``value``; returns it. A plain name (``account`` "")
        keeps none here: ``NOT_ALLOWED``, and its door keeps it on its
        connection."""
        name, value = name.lower(), value.lower()
        values = CHOICES.get(name)
        if values is None or value not in values:
            raise errors.usage(f"/set {name} {'|'.join(values or ('on', 'off'))}")
        if not account:
            raise errors.not_allowed("only an account keeps its choices: /register")
        ops = (SetChoice(name, value),)
        await self.apply(DecidedChange(AccountSettings(account), ops=ops))
        return value

    async def keep_sent(
        self, account: str, door: str, positions: Mapping[str, int]
    ) -> None:
        """``door``'s sent positions (room key → event id) for ``account``,
        all in one change (nothing for none)."""
        if not account or not positions:
            return
        ops = tuple(
            SetSent(door, room, event_id)
            for room, event_id in sorted(positions.items())
        )
        await self.apply(DecidedChange(AccountSettings(account), ops=ops))
