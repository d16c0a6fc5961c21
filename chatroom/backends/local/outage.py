"""While the store cannot write, messages are refused, and each room is told once.

The registry asks :meth:`StoreOutage.check` before it acknowledges a
message (its sender's ``@ID MSG``). While the store reports a problem (a
full disk: :attr:`~chatroom.backends.local.records.Store.problem`), the
message is refused with ``ERR UNAVAILABLE``, which quotes the sender's text
so no client loses it from its screen, and is neither shown to the room
nor given an id: when writing works again, ids go on from the last one
acknowledged, with no hole. The first refusal in a room tells the whole
room why (one ``NOTICE``); when the store writes again, every room told is
told that too.
"""

from __future__ import annotations

from chatroom.backends.local.records import Store
from chatroom.backends.local.rooms import Room
from chatroom.core.model import errors
from chatroom.core.model.events import (
    Edited,
    Message,
    Redacted,
    RoomNotice,
    StoredEvent,
    TopicChanged,
)

#: What a room is told when writing works again.
STORED_AGAIN = "messages are stored again: you can send"


def _said(event: StoredEvent) -> str:
    """What the sender of ``event`` said, quoted back when it is refused."""
    if isinstance(event, Message | Edited | TopicChanged):
        return event.text
    if isinstance(event, Redacted):
        return event.reason or "-"
    return ""


class StoreOutage:
    """Which rooms were told the store is failing, until it writes again."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.told: dict[str, Room] = {}
        store.on_health = self._health_changed

    def check(self, room: Room, event: StoredEvent) -> None:
        """Refuse ``event`` in ``room`` (a :class:`ChatError` quoting what
        was said) if it cannot be kept."""
        problem = self.store.problem
        if not problem:
            return
        if room.key not in self.told:
            self.told[room.key] = room
            notice = f"{problem}: new messages are refused until they can be stored"
            room.broadcast(RoomNotice(room.name, notice))
        raise errors.not_stored(problem, _said(event))

    def _health_changed(self, problem: str) -> None:
        if problem:
            return
        told, self.told = self.told, {}
        for room in told.values():
            room.broadcast(RoomNotice(room.name, STORED_AGAIN))
