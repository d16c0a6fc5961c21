"""Messages as a back-end keeps them: what is read of what was said.

A message, an edit, a redaction, a reaction, a pin or a private message
is a change the back-end applies
(:meth:`chatroom.core.backend.Backend.apply`); this is what the core reads
to decide them and to show what was said: a speaker's facts (held, with
no read), a room's history, a reaction's facts, a search, a room's pins
and the private conversations.
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.infra.seats import Session
from chatroom.core.messages.pin_store import PinStore
from chatroom.core.messages.private import ConversationStore
from chatroom.core.messages.search import SearchQuery
from chatroom.core.model.changes.transactions import KeyRecord
from chatroom.core.model.events import SearchResult, StoredEvent
from chatroom.core.model.facts import SpeakingFacts
from chatroom.core.model.member import Member
from chatroom.core.policy.reactions import ReactionFacts


class MessageStore(Protocol):
    """What was said, and what saying more is decided on."""

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        """What this process holds of ``member`` speaking in room ``room``,
        read with no wait (``member`` False if it is not in a room of that
        name here)."""
        ...

    async def history(
        self,
        member: Member,
        session: Session,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]:
        """Up to ``count`` stored events of room ``room`` (which ``member``
        must be in: ``NOT_IN_ROOM``) before event ``before`` (None: the
        newest), oldest first."""
        ...

    async def key_record(self, sender: str, key: str, place: str) -> KeyRecord | None:
        """What sender ``sender``'s transaction key ``key`` did, if it is
        kept (:mod:`chatroom.core.model.changes.transactions`); ``place``:
        the room (or ``@USER``) the line acts on, where a back-end keeps
        keys by room."""
        ...

    async def reaction_facts(
        self, room: str, target: str, reaction: str, user: str
    ) -> ReactionFacts:
        """What user ``user``'s (a name key) ``reaction`` to message
        ``target`` of room ``room`` (as a room store's ``joined_room``
        named it) is decided on (:func:`chatroom.core.policy.reactions.decide`):
        none given if the room is gone (the change's premises then fail)."""
        ...

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        """Up to ``limit`` stored messages of ``rooms`` (names as a room
        store's ``joined_room`` gives them) matching ``query``, newest
        first (:mod:`chatroom.core.messages.search`)."""
        ...

    @property
    def pins(self) -> PinStore:
        """Where rooms' pinned messages are kept."""
        ...

    @property
    def conversations(self) -> ConversationStore:
        """Where private conversations and kept private messages are."""
        ...
