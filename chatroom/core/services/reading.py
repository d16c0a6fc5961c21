"""The core's side of ``/read``, ``READ`` and ``/unread``: :class:`Markings`,
composed into :class:`chatroom.core.chat.ChatCore` and handed to the doors
as it is (the registry's ``markers``).

A member's markers are its account's (kept by the back-end's
:class:`~chatroom.core.accounts.markers.MarkerStore`) or, for a plain name, its
seat's (:class:`~chatroom.core.accounts.markers.PlainMarkers`); the rules they
follow are :mod:`chatroom.core.accounts.markers`'. A marker moved on one device is
told to the account's others, on every node of a cluster.

An account's private conversations have markers too, named ``@USER`` where
a room's name would be (``/read @USER ID``, ``READ @USER ID``): kept with
its rooms' and read for ``/conversations`` and ``/unread`` by
:class:`~chatroom.core.messages.private.PrivateMessages`, which knows whose
conversation is whose.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.accounts.account_settings import SettingStore
from chatroom.core.accounts.markers import (
    Marker,
    MarkerStore,
    PlainMarkers,
    Unread,
    advance,
    check_marker,
    unread,
)
from chatroom.core.accounts.notify_levels import NONE, level_in
from chatroom.core.accounts.thread_follows import followed_in
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.seats import Session
from chatroom.core.messages.private import Conversation, PrivateMessages
from chatroom.core.messages.store import MessageStore
from chatroom.core.model import errors
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import MarkerMoved, StoredEvent
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.rooms.store import RoomStore
from chatroom.core.services.devices import Devices


class Markings:
    """Read markers of members, by their account or their seat."""

    def __init__(
        self,
        config: ServerConfig,
        rooms: RoomStore,
        messages: MessageStore,
        markers: MarkerStore,
        settings: SettingStore,
        apply: Applies,
        plain: PlainMarkers,
        devices: Devices,
        seat_of: Callable[[Member], Member],
        private: PrivateMessages,
    ) -> None:
        """Args:
        rooms: the rooms a member is in.
        messages: a room's history (what is unread).
        markers: the accounts' markers as kept.
        settings: the accounts' notification levels (``/unread``'s).
        apply: the back-end's one write (a marker moved).
        """
        self.config = config
        self.rooms = rooms
        self.messages = messages
        self.markers = markers
        self.settings = settings
        self.apply = apply
        self.plain_markers = plain
        self.devices = devices
        self._seat = seat_of
        self.private = private

    def _session(self, member: Member) -> Session:
        session = self.devices.sessions.get(member)
        if session is None or not session.name:
            raise errors.not_in_room()  # gone meanwhile: nobody to answer
        return session

    async def _marked_room(self, member: Member, room: str) -> str:
        """Room ``room``, which ``member`` must be in: ``NO_SUCH_ROOM`` if
        there is none, else ``NOT_IN_ROOM``."""
        try:
            return self.rooms.joined_room(self._seat(member), room)
        except ChatError:
            await self.rooms.roster(room)  # NO_SUCH_ROOM if there is none
            raise errors.not_in_room(f"you are not in {room}") from None

    async def _markers(self, member: Member) -> dict[str, int]:
        session = self._session(member)
        if session.account:
            return await self.markers.markers(session.account)
        return self.plain_markers.of(self._seat(member))

    async def _newest(
        self, member: Member, room: str, count: int
    ) -> tuple[int, list[StoredEvent]]:
        """The room's newest event id (0: none yet) and its newest events."""
        session = self._session(member)
        events = await self.messages.history(
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
        step that moves it
        (:func:`~chatroom.core.accounts.markers.advance`), so an
        account with one device costs no more than the move. ``@USER``
        names the account's conversation with USER
        (:meth:`~chatroom.core.messages.private.PrivateMessages.mark_read`)."""
        if room.startswith("@"):
            return await self._mark_conversation(member, room[1:], event_id)
        where = await self._marked_room(member, room)
        newest, _ = await self._newest(member, where, 1)
        check_marker(where, event_id, newest)
        session = self._session(member)
        moved = MarkerMoved(where, event_id, said)
        if session.account:
            copy = self.devices.copy_to(member)
            marker = await advance(
                self.apply,
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

    async def _mark_conversation(
        self, member: Member, name: str, event_id: int
    ) -> Marker:
        """``/read @USER ID``: the account's marker in its conversation
        with ``name``, told to its other devices (here, and on other nodes
        in the step that moves it) when it is now ``event_id``."""
        session = self._session(member)
        copy = self.devices.copy_to(member)
        where, marker = await self.private.mark_read(session, name, event_id, copy)
        if marker == event_id:
            self.devices.to_others(member, MarkerMoved(where, event_id))
        return Marker(where, marker)

    async def conversations(self, member: Member) -> list[Conversation]:
        """``/conversations``: the member's account's conversations, the
        one written in last first, with their unread counts (``NOT_ALLOWED``
        for a plain name)."""
        return await self.private.listed(self._session(member))

    async def unread(self, member: Member, rooms: list[str]) -> list[Unread]:
        """Of ``rooms`` (the member's), those with events after the marker:
        how many, and the mentions of the member's name among the newest
        ``resume_bound`` of them; a room the account muted (``/notify ROOM
        none``) is left out. Then, for an account, each of its listed
        conversations with messages after its marker, as ``@USER`` (every
        one of them is for the member: as many mentions)."""
        session = self._session(member)
        markers = await self._markers(member)
        settings = (
            await self.settings.settings(session.account) if session.account else {}
        )
        counts = []
        for room in rooms:
            where = self.rooms.joined_room(self._seat(member), room)
            if level_in(settings, where) == NONE:
                continue  # muted: no count, no mention
            bound = max(1, self.config.resume_bound)
            newest, events = await self._newest(member, where, bound)
            marker = markers.get(name_key(where))
            followed = followed_in(settings, where)
            counted = unread(where, marker, newest, events, session.name, followed)
            if counted.count:
                counts.append(counted)
        if session.account:
            for talk in await self.private.listed(session):
                if talk.unread:
                    counts.append(Unread("@" + talk.user, talk.unread, talk.unread))
        return counts
