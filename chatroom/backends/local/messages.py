"""The in-process back-end's steps for messages with a life.

:class:`LocalMessageSteps` is the ``messages`` part of
:class:`~chatroom.backends.local.local_backend.LocalBackend`, composed into it
(kept apart so that module stays readable). The back-end's ``apply``
hands it the parts of a room's messages' change that are about messages
said before: it checks their premises (:meth:`LocalMessageSteps.holds`),
changes a message in place in the room's memory and the store (an edit, a
redaction: :meth:`~LocalMessageSteps.rewrite`; a deleted account's
events, whole: :meth:`~LocalMessageSteps.replace`) and who reacted with what
(kept here for every room, read back from the store at start-up:
:meth:`~LocalMessageSteps.react`); the back-end appends the ``EDIT``,
``REDACT`` or ``REACT`` like any message. It answers what the core reads
of what was said: a speaker's facts, a room's history, a reaction's
facts, a search, the pins and the private conversations.
"""

from __future__ import annotations

from chatroom.backends.local.pins import StoredPins
from chatroom.backends.local.private import StoredConversations
from chatroom.backends.local.records import Store
from chatroom.backends.local.room_store import LocalRooms
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.rows import event_of, row_of
from chatroom.backends.local.transactions import KeptKeys
from chatroom.backends.local.window import KeptWindow
from chatroom.core.infra.seats import Session
from chatroom.core.messages.search import SearchQuery, found_events
from chatroom.core.model.changes.base import Premise
from chatroom.core.model.changes.messages import (
    EventIs,
    FewerReactionsThan,
    MessageIs,
    React,
    Reacted,
    ReplaceEvent,
    Rewrite,
)
from chatroom.core.model.changes.transactions import KeyRecord
from chatroom.core.model.events import (
    Message,
    Reaction,
    SearchResult,
    StoredEvent,
)
from chatroom.core.model.facts import SpeakingFacts
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy import reactions
from chatroom.core.policy.reactions import ReactionFacts, Reactions
from chatroom.wire.tags import format_tags


class LocalMessageSteps:
    """:class:`chatroom.core.messages.store.MessageStore` in one process."""

    def __init__(
        self,
        store: Store,
        rooms: LocalRooms,
        pins: StoredPins,
        conversations: StoredConversations,
        keys: KeptKeys,
    ) -> None:
        """Args:
        store: where the message is changed for good.
        rooms: the rooms, and who is in which.
        pins: rooms' pinned messages.
        conversations: private conversations and the messages kept.
        keys: the senders' transaction keys (``/txn``).
        """
        self.keys = keys
        self.rooms = rooms
        self.store = store
        self.pins = pins
        self.conversations = conversations
        #: Who reacted with what, per room key.
        self.reactions: dict[str, Reactions] = {}
        for key, row in store.load_reactions():
            reaction = event_of(key, row)
            if isinstance(reaction, Reaction):
                self._reactions(key).replay(reaction)

    def moved(self, key: str, new_key: str) -> None:
        """Room ``key`` is called ``new_key``: who reacted with what too."""
        if key in self.reactions:
            self.reactions[new_key] = self.reactions.pop(key)

    def _reactions(self, key: str) -> Reactions:
        found = self.reactions.get(key)
        if found is None:
            found = self.reactions[key] = Reactions()
        return found

    def holds(self, where: Room, premise: Premise) -> bool:
        """Whether a premise about room ``where``'s stored messages and
        their reactions holds: the message as read (not redacted meanwhile,
        still kept, and as memory holds it, if it does), a user's reaction
        given or not, the message's reactions under the most allowed."""
        if isinstance(premise, MessageIs):
            return _kept_as_read(where, premise.message)
        if isinstance(premise, EventIs):
            return _lies_as_read(where, premise.event)
        state = self._reactions(where.key)
        if isinstance(premise, Reacted):
            facts = state.facts(premise.target, premise.reaction, premise.user)
            return facts.mine == premise.given
        if isinstance(premise, FewerReactionsThan):
            facts = state.facts(premise.target, premise.reaction, "")
            return facts.given or facts.distinct < premise.count
        raise TypeError(f"not a premise of a room's messages: {premise!r}")

    def rewrite(self, where: Room, op: Rewrite) -> None:
        """Stored message ``op.id`` changed in memory and the store, as
        decided (an edit, or a redaction with its reactions)."""
        where.amend(op.id, op.replacement)
        if op.replacement is None:
            self._reactions(where.key).forget(op.id)
            self.store.change_event(where.key, int(op.id), None)
        else:
            tags = format_tags(op.replacement.tags)
            self.store.change_event(where.key, int(op.id), op.replacement.text, tags)

    def replace(self, where: Room, op: ReplaceEvent, was: StoredEvent) -> None:
        """Stored event ``op.id`` (as read: ``was``) replaced whole in
        memory and the store, or gone alone (with who reacted to it, if a
        message), as decided."""
        if op.replacement is None:
            where.redacted.add(op.id)
            self._reactions(where.key).forget(op.id)
        kept: list[StoredEvent] = []
        for event in where.history:
            if event.id != op.id:
                kept.append(event)
            elif op.replacement is not None:
                kept.append(op.replacement)
        where.history = KeptWindow(where.history.maxlen, kept)
        row = None if op.replacement is None else row_of(op.replacement)
        self.store.replace_event(where.key, row, row_of(was))

    def react(self, where: Room, op: React) -> None:
        """Who reacted with what, changed as decided."""
        self._reactions(where.key).apply(op.target, op.reaction, op.user, op.adding)

    def reacted(self, where: Room) -> None:
        """A reaction's change is applied (its event appended): now and
        then the reactions to messages no longer kept go."""
        state = self._reactions(where.key)
        if state.changes % reactions.PRUNE_EVERY == 0:
            kept = where.first_id  # and, with nothing on disk, what memory holds
            state.prune(kept if self.store.persistent else where.held_from)

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        where = self.rooms.by_key.get(name_key(room))
        if where is None or member not in where.members:
            return SpeakingFacts(room if where is None else where.name, False)
        if where.quiet and member in where.quiet:
            return SpeakingFacts(where.name, True, True, where.policy.moderated)
        return where.speaking()

    async def history(
        self,
        member: Member,
        session: Session,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]:
        where = self.rooms.room_of(member, room)
        last = where.last_id if before is None else min(before - 1, where.last_id)
        first = max(where.first_id, last - count + 1)
        if last < first:
            return []
        if where.holds_from(first):
            return where.held(first, last)
        rows = await self.store.read(where.key, first, last)
        return [where.stored(row) for row in rows]

    async def key_record(self, sender: str, key: str, place: str) -> KeyRecord | None:
        return self.keys.record(sender, key)

    async def reaction_facts(
        self, room: str, target: str, reaction: str, user: str
    ) -> ReactionFacts:
        where = self.rooms.by_key.get(name_key(room))
        if where is None:
            return ReactionFacts(False, False, 0)
        return self._reactions(where.key).facts(target, reaction, user)

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        """The store's full-text index (:mod:`chatroom.backends.local.search`):
        the rooms' messages and the party's private conversations."""
        names = {name_key(room): room for room in rooms}
        hits = await self.store.search(list(names), query, limit)
        return found_events(hits, names, query.party)


def _kept_as_read(where: Room, message: Message) -> bool:
    """Whether stored ``message`` is in room ``where`` as it was read: not
    redacted meanwhile, not past what the room keeps and, where memory
    holds it, reading the same."""
    if message.id in where.redacted or int(message.id) < where.first_id:
        return False
    held = where.held(int(message.id), int(message.id))
    if not held:
        return True  # read from the store, which memory does not hold
    now = held[0]
    return (
        isinstance(now, Message)
        and now.text == message.text
        and now.tags == message.tags
    )


def _lies_as_read(where: Room, event: StoredEvent) -> bool:
    """Whether stored ``event`` lies in room ``where`` as it was read (as
    its row would: memory holds more than a row, the store no more): not
    redacted meanwhile and, where memory holds it, the same; an event past
    what the room keeps has nothing left to change."""
    if event.id in where.redacted:
        return False
    held = where.held(int(event.id), int(event.id))
    return not held or row_of(held[0]) == row_of(event)
