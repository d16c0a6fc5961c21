"""The in-process back-end's step for messages with a life (edits, redactions).

:class:`LocalMessageSteps` is mixed into
:class:`~chatroom.backends.local.backend.LocalBackend` (kept apart so that
module stays readable): the room's memory and the store change the message
in place, then the ``EDIT`` or ``REDACT`` is appended like any message.
"""

from __future__ import annotations

from chatroom.backends.local.outage import StoreOutage
from chatroom.backends.local.records import Store
from chatroom.backends.local.rooms import Room
from chatroom.core.backend import FactsChangedError
from chatroom.core.events import Event
from chatroom.core.registry import Member
from chatroom.core.sessions import Session


class LocalMessageSteps:
    """:meth:`amend`, over what the back-end provides."""

    store: Store
    outage: StoreOutage

    def _room_of(self, member: Member, name: str) -> Room:
        raise NotImplementedError

    async def append(
        self,
        member: Member,
        session: Session,
        room: str,
        event: Event,
        stored: Event,
        now: float,
    ) -> None:
        raise NotImplementedError

    async def amend(
        self,
        member: Member,
        session: Session,
        room: str,
        target: Event,
        replacement: Event | None,
        event: Event,
        stored: Event,
        now: float,
    ) -> None:
        """In memory and the store; refused (decide again) if the message
        was redacted while the core read it from the store."""
        where = self._room_of(member, room)
        if target.id in where.redacted:
            raise FactsChangedError()
        self.outage.check(where, event.text)
        where.amend(target.id, replacement)
        text = None if replacement is None else replacement.text
        self.store.change_event(where.key, int(target.id), text)
        await self.append(member, session, room, event, stored, now)
