"""Read markers and unread counts: what they are, where they are kept, the rule.

A read marker is the id of the newest event of a room that a user has
read there (``/read ROOM ID``); it only moves forward. An account's
markers are kept by its back-end's :class:`MarkerStore` (the SQLite store
in single-server mode, a Redis hash per account in a cluster); a plain
name's last as long as its connection, in :class:`PlainMarkers`, on the
node that holds it. The rules (forward only, no marker past the room's
newest event, what counts as a mention) are here, once (a back-end
checks a move's premise, :func:`advance`, and stores it), and so is the
core's side of ``/read``, ``READ`` and ``/unread``: :class:`Markings`,
composed into :class:`chatroom.core.chat.ChatCore` (as its ``markings``),
which tells a marker moved on one device to the account's others, on
every node of a cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chatroom.core import errors
from chatroom.core.changes import (
    AccountMarkers,
    DecidedChange,
    MarkerAtMost,
    Operation,
    PremiseFailedError,
    SetMarker,
    TellOtherNodes,
)
from chatroom.core.errors import ChatError
from chatroom.core.events import Event, MarkerMoved, Message, StoredEvent
from chatroom.core.text import name_key

if TYPE_CHECKING:  # to avoid circular imports: the back-end keeps MarkerStores
    from chatroom.core.backend import Backend
    from chatroom.core.config import ServerConfig
    from chatroom.core.devices import Devices
    from chatroom.core.registry import Member
    from chatroom.core.sessions import SeatSession


@dataclass(frozen=True)
class Marker:
    """A user's read marker in ``room`` (None: it has read nothing there)."""

    room: str
    event_id: int | None


@dataclass(frozen=True)
class Unread:
    """``/unread``: how many events of ``room`` came after the marker, and
    how many of those messages name the user."""

    room: str
    count: int
    mentions: int


class MarkerStore(Protocol):
    """Where a back-end keeps accounts' markers (by account key, room key)."""

    async def markers(self, account: str) -> dict[str, int]:
        """Every marker of ``account``: room key → event id."""
        ...

    async def apply(self, change: DecidedChange) -> None:
        """Apply a change of an :class:`~chatroom.core.changes.AccountMarkers`
        atomically (:func:`advance`'s): a :class:`~chatroom.core.changes.
        SetMarker`, then a :class:`~chatroom.core.changes.TellOtherNodes`
        (none in one process: its seat's devices are all there are), if
        its :class:`~chatroom.core.changes.MarkerAtMost` holds; else
        :class:`~chatroom.core.changes.PremiseFailedError` with the marker
        in force (an int)."""
        ...


async def advance(
    store: MarkerStore,
    account: str,
    room: str,
    event_id: int,
    moved: MarkerMoved | None = None,
    token: str = "",
) -> int:
    """Move ``account``'s marker in ``room`` (a key) to ``event_id`` if
    that is forward or where it is (markers only move forward), in one
    step that rests on it; returns the marker in force. With ``moved``,
    the account's sessions on the other nodes (all but seat ``token``'s)
    are told it in the same step. A refusal brings a marker ahead of
    ``event_id``: deciding again on it moves nothing, so it is the answer."""
    ops: tuple[Operation, ...] = (SetMarker(room, event_id),)
    if moved is not None:
        ops = (*ops, TellOtherNodes(moved, token))
    premises = (MarkerAtMost(room, event_id),)
    try:
        await store.apply(DecidedChange(AccountMarkers(account), premises, ops))
    except PremiseFailedError as failed:
        assert isinstance(failed.facts, int)  # the marker in force
        return failed.facts
    return event_id


class PlainMarkers:
    """Markers of plain names: per connection, forgotten when it goes."""

    def __init__(self) -> None:
        self.by_member: dict[object, dict[str, int]] = {}

    def of(self, member: object) -> dict[str, int]:
        return self.by_member.get(member, {})

    def advance(self, member: object, room: str, event_id: int) -> int:
        markers = self.by_member.setdefault(member, {})
        markers[room] = max(markers.get(room, event_id), event_id)
        return markers[room]

    def forget(self, member: object) -> dict[str, int]:
        """The connection is gone (or became an account): its markers."""
        return self.by_member.pop(member, {})


def check_marker(room: str, event_id: int, newest: int) -> None:
    """A marker may name any event the room has had, or 0, never a later one."""
    if event_id > newest:
        raise errors.bad_args(f"{room} has no event {event_id} yet (newest {newest})")


def mention_pattern(name: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match of ``name`` in a message."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def unread(
    room: str, marker: int | None, newest: int, events: Iterable[Event], name: str
) -> Unread:
    """The unread count of a room whose newest id is ``newest`` (ids are
    consecutive, so it is exact), and the mentions of ``name`` among
    ``events`` after the marker (the newest ones the room keeps)."""
    after = marker or 0
    pattern = mention_pattern(name)
    mentions = sum(
        1
        for event in events
        if isinstance(event, Message)
        and event.id
        and int(event.id) > after
        and pattern.search(event.text)
    )
    return Unread(room, max(0, newest - after), mentions)


# -- the core's /read, READ and /unread -----------------------------------------


class Markings:
    """Read markers of members, by their account or their seat."""

    def __init__(
        self,
        config: ServerConfig,
        backend: Backend,
        plain: PlainMarkers,
        devices: Devices,
        seat_of: Callable[[Member], Member],
    ) -> None:
        self.config = config
        self.backend = backend
        self.plain_markers = plain
        self.devices = devices
        self._seat = seat_of

    def _session(self, member: Member) -> SeatSession:
        session = self.devices.sessions.get(member)
        if session is None or not session.name:
            raise errors.not_in_room()  # gone meanwhile: nobody to answer
        return session

    async def _marked_room(self, member: Member, room: str) -> str:
        """Room ``room``, which ``member`` must be in: ``NO_SUCH_ROOM`` if
        there is none, else ``NOT_IN_ROOM``."""
        try:
            return self.backend.place(self._seat(member), room)
        except ChatError:
            await self.backend.roster(room)  # NO_SUCH_ROOM if there is none
            raise errors.not_in_room(f"you are not in {room}") from None

    async def _markers(self, member: Member) -> dict[str, int]:
        session = self._session(member)
        if session.account:
            return await self.backend.markers.markers(session.account)
        return self.plain_markers.of(self._seat(member))

    async def _newest(
        self, member: Member, room: str, count: int
    ) -> tuple[int, list[StoredEvent]]:
        """The room's newest event id (0: none yet) and its newest events."""
        session = self._session(member)
        events = await self.backend.history(
            self._seat(member), session, room, count, None
        )
        return (int(events[-1].id) if events and events[-1].id else 0), events

    async def read_marker(self, member: Member, room: str) -> int | None:
        """The member's read marker in ``room`` (None: none)."""
        return (await self._markers(member)).get(name_key(room))

    async def mark_read(
        self, member: Member, room: str, event_id: int, said: str = ""
    ) -> Marker:
        """Move the marker forward to ``event_id`` (an event the room had;
        ``said``: the time the device named it by, if it named one); an
        older id changes nothing. Returns the marker in force.

        The account's other devices, on every node, are told the marker
        when it is now ``event_id`` (moved, or there already), never when
        an older id changed nothing; those on other nodes in the same
        step that moves it (:func:`advance`), so an account
        with one device costs no more than the move."""
        where = await self._marked_room(member, room)
        newest, _ = await self._newest(member, where, 1)
        check_marker(where, event_id, newest)
        session = self._session(member)
        moved = MarkerMoved(where, event_id, said)
        if session.account:
            copy = self.devices.copy_to(member)
            marker = await advance(
                self.backend.markers,
                session.account,
                name_key(where),
                event_id,
                moved if copy.token else None,
                copy.token,
            )
        else:
            seat = self._seat(member)
            marker = self.plain_markers.advance(seat, name_key(where), event_id)
        if marker == event_id:
            self.devices.to_others(member, moved)
        return Marker(where, marker)

    async def unread(self, member: Member, rooms: list[str]) -> list[Unread]:
        """Of ``rooms`` (the member's), those with events after the marker:
        how many, and the mentions of the member's name among the newest
        ``resume_bound`` of them."""
        name = self._session(member).name
        markers = await self._markers(member)
        counts = []
        for room in rooms:
            where = self.backend.place(self._seat(member), room)
            bound = max(1, self.config.resume_bound)
            newest, events = await self._newest(member, where, bound)
            marker = markers.get(name_key(where))
            counted = unread(where, marker, newest, events, name)
            if counted.count:
                counts.append(counted)
        return counts
