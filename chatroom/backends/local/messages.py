"""The in-process back-end's steps for messages with a life.

:class:`LocalMessageSteps` is the ``messages`` part of
:class:`~chatroom.backends.local.backend.LocalBackend`, composed into it
(kept apart so that module stays readable): for an edit or a redaction the
room's memory and the store change the message in place, then the ``EDIT``
or ``REDACT`` is appended like any message, by the back-end's own
``append``; a reaction changes who reacted with what (kept here for every
room, read back from the store at start-up) and is appended the same way;
a typing notice goes to the room's members and nowhere else; a tags-only
message kept for IRC's event playback is appended as a message is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from chatroom.backends.local.outage import StoreOutage
from chatroom.backends.local.records import Store
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.rows import event_of
from chatroom.core import reactions
from chatroom.core.backend import FactsChangedError
from chatroom.core.events import (
    Edited,
    Message,
    Reaction,
    Redacted,
    RoomEvent,
    SearchResult,
    StoredEvent,
    TagMessage,
)
from chatroom.core.member import Member
from chatroom.core.reactions import Reactions
from chatroom.core.search import SearchQuery, found_events
from chatroom.core.sessions import SeatSession
from chatroom.core.text import name_key
from chatroom.wire.tags import format_tags

#: The back-end's ``append`` step (:meth:`chatroom.core.backend.Backend.append`).
Append = Callable[[Member, SeatSession, str, StoredEvent, float], Awaitable[None]]


class LocalMessageSteps:
    """:class:`chatroom.core.backend.MessageSteps` in one process."""

    def __init__(
        self,
        store: Store,
        outage: StoreOutage,
        room_of: Callable[[Member, str], Room],
        append: Append,
        rooms: Mapping[str, Room],
    ) -> None:
        """Args:
        store: where the message is changed for good.
        outage: refuses a change the store cannot keep.
        room_of: the back-end's room ``name`` that ``member`` is in.
        append: the back-end's append of the ``EDIT`` or ``REDACT``.
        rooms: the back-end's rooms by name key.
        """
        self.rooms = rooms
        self.store = store
        self.outage = outage
        self.room_of = room_of
        self.append = append
        #: Who reacted with what, per room key.
        self.reactions: dict[str, Reactions] = {}
        for key, row in store.load_reactions():
            reaction = event_of(key, row)
            if isinstance(reaction, Reaction):
                self._reactions(key).replay(reaction)

    def _reactions(self, key: str) -> Reactions:
        found = self.reactions.get(key)
        if found is None:
            found = self.reactions[key] = Reactions()
        return found

    async def amend(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        target: Message,
        replacement: Message | None,
        event: Edited | Redacted,
        now: float,
    ) -> None:
        """In memory and the store; refused (decide again) if the message
        was redacted while the core read it from the store."""
        where = self.room_of(member, room)
        if target.id in where.redacted:
            raise FactsChangedError()
        self.outage.check(where, event)
        where.amend(target.id, replacement)
        if replacement is None:
            self._reactions(where.key).forget(target.id)
        if replacement is None:
            self.store.change_event(where.key, int(target.id), None)
        else:
            tags = format_tags(replacement.tags)
            self.store.change_event(where.key, int(target.id), replacement.text, tags)
        await self.append(member, session, room, event, now)

    async def react(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        target: Message,
        event: Reaction,
        now: float,
    ) -> str:
        """Decided and applied in one call: nothing can come in between."""
        where = self.room_of(member, room)
        if target.id in where.redacted:
            raise FactsChangedError()
        self.outage.check(where, event)  # nothing changed that cannot be kept
        limit = reactions.REACTIONS_PER_MESSAGE
        state = self._reactions(where.key)
        outcome = state.change(
            target.id, event.reaction, event.user, event.adding, limit
        )
        if outcome == reactions.CHANGED:
            await self.append(member, session, room, event, now)
            if state.changes % reactions.PRUNE_EVERY == 0:
                kept = where.first_id  # and, with nothing on disk, what memory holds
                state.prune(kept if self.store.persistent else where.held_from)
        return outcome

    async def relay(
        self, member: Member, session: SeatSession, room: str, event: RoomEvent
    ) -> None:
        self.room_of(member, room).broadcast(event)

    async def keep(
        self,
        member: Member,
        session: SeatSession,
        room: str,
        event: TagMessage,
        now: float,
    ) -> None:
        await self.append(member, session, room, event, now)

    async def attach(self, room: str, event: RoomEvent) -> None:
        found = self.rooms.get(name_key(room))
        if found is not None:
            found.broadcast(event)

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        """The store's full-text index (:mod:`chatroom.backends.local.search`):
        the rooms' messages and the party's private conversations."""
        names = {name_key(room): room for room in rooms}
        hits = await self.store.search(list(names), query, limit)
        return found_events(hits, names, query.party)
