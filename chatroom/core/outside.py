"""Messages from a user outside the room (IRC's ``-n``).

By default only a room's members speak in it (IRC's ``+n``, "no external
messages"); a room with ``/set external on`` also takes messages from users
who are not in it, as IRC channels with ``-n`` do. A leaf of the core's
``say``; the rule is :func:`chatroom.core.moderation.check_outside`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chatroom.core.errors import ChatError
from chatroom.core.moderation import Actor, check_outside
from chatroom.core.registry import Member

if TYPE_CHECKING:
    from chatroom.core.backend import Backend


async def speaking_place(
    backend: Backend, member: Member, room: str, actor: Callable[[], Actor]
) -> tuple[str, bool]:
    """Where ``member``'s message to ``room`` goes: the room's name as the
    back-end has it, and whether the member speaks from outside it (a room
    that takes messages from outside). A member not in a room that takes
    none, or in no such room, is refused as before (``NOT_IN_ROOM``)."""
    try:
        return backend.place(member, room), False
    except ChatError as refusal:
        if refusal.code != "NOT_IN_ROOM":
            raise
        try:
            facts = await backend.facts(room)
        except ChatError:
            raise refusal from None
        check_outside(facts.room, actor(), refusal)
        return facts.room.name, True
