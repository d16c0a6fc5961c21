"""Pinned messages: what stays on top of a room (``/pin``, ``/unpin``, ``/pins``).

A room's owner and operators (and server admins) pin a message of the
room, or unpin it; every member hears ``PIN``/``UNPIN``
(:class:`~chatroom.core.events.PinChanged`) and the step is written in the
room's moderation log. The core decides on the room's facts as read (who
moderates it, its pins), and hands the back-end's
:class:`~chatroom.core.pin_store.PinStore` one
change of the room's :class:`~chatroom.core.changes.RoomPins`: the pin
set (:class:`~chatroom.core.changes.SetPin`), the event shown
(:class:`~chatroom.core.changes.Emit`) and the moderation log's entry
(:class:`~chatroom.core.changes.RecordEntries`, applied with the pin or
not at all), resting on the room's incarnation
and version as read, so a pin by an operator demoted meanwhile is decided
again. Pins are the room's: they move nothing when members come and go,
and go with the room; a pinned message deleted, or no longer kept, is
left out of ``/pins``.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime

from chatroom.core import errors, moderation
from chatroom.core.backend import Backend
from chatroom.core.changes import (
    DecidedChange,
    Emit,
    Incarnation,
    RoomPins,
    SetPin,
    Version,
)
from chatroom.core.errors import ChatError
from chatroom.core.events import Message, PinChanged
from chatroom.core.member import Member
from chatroom.core.messagelife import MessageLife
from chatroom.core.moderation import Actor
from chatroom.core.modlog import ModAction, ModEntry, recording
from chatroom.core.retrying import retried
from chatroom.core.seats import Session
from chatroom.core.text import name_key
from chatroom.wire.lines import format_time

#: Most messages one room has pinned at once (as its pins were read).
PINS_MAX = 50


class Pins:
    """``/pin``, ``/unpin`` and ``/pins``: the core's side."""

    def __init__(
        self,
        clock: IReactorTime,
        backend: Backend,
        life: MessageLife,
        seat_of: Callable[[Member], Member],
        session_of: Callable[[Member], Session],
        actor_of: Callable[[Member], Actor],
    ) -> None:
        self.clock = clock
        self.backend = backend
        self.life = life
        self.seat_of = seat_of
        self.session_of = session_of
        self.actor_of = actor_of

    async def pin(self, member: Member, room: str, event_id: int, pinned: bool) -> None:
        """``/pin ID`` (``pinned``) or ``/unpin ID``: members hear ``PIN`` or
        ``UNPIN``, unless nothing changed (pinned twice, or not pinned);
        ``NOT_ALLOWED`` but for the room's owner, operators and admins,
        ``NO_SUCH_MESSAGE``, ``BAD_ARGS`` past :data:`PINS_MAX`."""
        seat = self.seat_of(member)
        session = self.session_of(seat)
        where = self.backend.joined_room(seat, room)

        async def attempt() -> None:
            message = await self.life.message(seat, session, where, event_id)
            facts = await self.backend.facts(where)
            if not moderation.is_operator(facts.room, self.actor_of(seat)):
                raise errors.not_allowed(
                    f"only the owner and operators of {where} can pin messages"
                )
            pins = await self.backend.pins.pins(name_key(where))
            if any(pin.event_id == event_id for pin in pins) == pinned:
                return  # as asked already
            if pinned and len(pins) >= PINS_MAX:
                raise errors.bad_args(f"{where} has {PINS_MAX} pins: unpin one first")
            event = PinChanged(
                where,
                message.id,
                session.name,
                pinned,
                message.text,
                account=session.account_name,
            )
            incarnation, version = facts.guard
            premises = (Incarnation(incarnation.decode()), Version(version.decode()))
            action = ModAction.PIN if pinned else ModAction.UNPIN
            stamp = format_time(self.clock.seconds())
            entry = ModEntry(stamp, session.name, action, str(event_id), "")
            ops = (
                SetPin(event_id, session.name, pinned),
                Emit(event),
                recording(where, [entry]),
            )
            change = DecidedChange(RoomPins(name_key(where)), premises, ops)
            await self.backend.apply(change)

        await retried(attempt)

    async def pinned(self, member: Member, room: str) -> tuple[str, list[Message]]:
        """``/pins``: the room's name and its pinned messages the room still
        keeps, oldest first, as they now read."""
        seat = self.seat_of(member)
        session = self.session_of(seat)
        where = self.backend.joined_room(seat, room)
        messages = []
        # Kept by the room's key, as a pin is written (not by its name,
        # which differs in case or look-alikes: Q1cafe's key is qlcafe).
        for pin in await self.backend.pins.pins(name_key(where)):
            try:
                message = await self.life.message(seat, session, where, pin.event_id)
            except ChatError as refused:
                if refused.code != "NO_SUCH_MESSAGE":
                    raise
                continue  # deleted, or no longer kept
            messages.append(message)
        return where, messages
