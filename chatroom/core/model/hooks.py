"""What a webhook is, and where a back-end keeps it (its :class:`HookStore`).

The rules and the posts are :mod:`chatroom.core.rooms.webhooks`'; this leaf is
what the back-ends, the registry's signatures and the doors share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chatroom.core.model.text import name_key

#: Where the HTTP door takes posts: ``/hooks/<secret>``.
HOOK_PATH = "/hooks/"


@dataclass(frozen=True)
class Hook:
    """One webhook: the room it posts to (as the room names itself), its
    name there, its secret, and who added it."""

    room: str
    name: str
    secret: str
    by: str

    @property
    def key(self) -> str:
        """Its room's name key."""
        return name_key(self.room)


class HookStore(Protocol):
    """Where a back-end keeps the hooks (its ``hooks``), read: in the
    ``--db`` file, or in Redis for a cluster. A room's hooks go with the
    room. They are added and removed by changes of a
    :class:`~chatroom.core.model.changes.messages.RoomHooks`, through the back-end's
    :meth:`~chatroom.core.backend.Backend.apply`."""

    async def of_room(self, room: str) -> list[Hook]:
        """Room ``room``'s hooks, by name."""
        ...

    async def find(self, secret: str) -> Hook | None:
        """The hook whose secret is ``secret``, None if none is."""
        ...


def hook_url(base: str, secret: str) -> str:
    """A hook's address: the server's web address ``base`` (no ``/`` at its
    end) and the hook's path."""
    return f"{base}{HOOK_PATH}{secret}"
