"""The nicks gone in one process: the local
:class:`~chatroom.core.model.whowas.WhowasSteps`.

The last :data:`~chatroom.core.model.whowas.WHOWAS_KEPT` departures, whatever
their names, newest first, in memory: a restart forgets them, as an ircd's
restart does.
"""

from __future__ import annotations

from collections import deque

from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.server import NameHolders, RememberGone
from chatroom.core.model.whowas import WHOWAS_KEPT, Departed


class MemoryWhowas:
    """The departures of this process, newest first."""

    def __init__(self) -> None:
        self.departed: deque[tuple[str, Departed]] = deque(maxlen=WHOWAS_KEPT)

    @applies(NameHolders)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a :class:`~chatroom.core.model.changes.server.NameHolders`."""
        assert isinstance(change.subject, NameHolders)
        for op in change.of(RememberGone):
            self.departed.appendleft((change.subject.name, op.gone))

    async def recall(self, key: str, count: int) -> list[Departed]:
        return [gone for had, gone in self.departed if had == key][:count]
