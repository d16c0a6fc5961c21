"""Pinned messages: what stays on top of a room (``/pin``, ``/unpin``, ``/pins``).

A room's owner and operators (and server admins) pin a message of the
room, or unpin it; every member hears ``PIN``/``UNPIN``
(:class:`~chatroom.core.model.events.PinChanged`) and the step is written in the
room's moderation log. The core decides on the room's facts as read (who
moderates it, its pins), and hands the back-end's
:class:`~chatroom.core.messages.pin_store.PinStore` one
change of the room's :class:`~chatroom.core.model.changes.messages.RoomPins`: the pin
set (:class:`~chatroom.core.model.changes.messages.SetPin`), the event shown
(:class:`~chatroom.core.model.changes.rooms.Emit`) and the moderation log's entry
(:class:`~chatroom.core.model.changes.modlog.RecordEntries`, applied with the pin or
not at all), resting on the room's incarnation
and version as read, so a pin by an operator demoted meanwhile is decided
again. Pins are the room's: they move nothing when members come and go,
and go with the room; a pinned message deleted, or no longer kept, is
left out of ``/pins``.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.infra.seats import Session
from chatroom.core.messages.life import MessageLife
from chatroom.core.messages.pin_store import PinStore
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import RoomPins, SetPin
from chatroom.core.model.changes.rooms import Emit, Incarnation, Version
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Message, PinChanged
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import ModAction, ModEntry, recording
from chatroom.core.policy import moderation
from chatroom.core.policy.moderation import Actor
from chatroom.core.rooms.store import RoomStore
from chatroom.wire.lines import format_time

#: Most messages one room has pinned at once (as its pins were read).
PINS_MAX = 50


class Pins:
    """``/pin``, ``/unpin`` and ``/pins``: the core's side."""

    def __init__(
        self,
        clock: IReactorTime,
        rooms: RoomStore,
        pins: PinStore,
        apply: Applies,
        life: MessageLife,
        seat_of: Callable[[Member], Member],
        session_of: Callable[[Member], Session],
        actor_of: Callable[[Member], Actor],
    ) -> None:
        """Args:
        rooms: a room's facts (who may pin).
        pins: a room's pins as kept.
        apply: the back-end's one write (a pin, with its log's entry).
        """
        self.clock = clock
        self.rooms = rooms
        self.pins = pins
        self.apply = apply
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
        where = self.rooms.joined_room(seat, room)

        async def attempt() -> None:
            message = await self.life.message(seat, session, where, event_id)
            facts = await self.rooms.facts(where)
            if not moderation.is_operator(facts.room, self.actor_of(seat)):
                raise errors.not_allowed(
                    f"only the owner and operators of {where} can pin messages"
                )
            pins = await self.pins.pins(name_key(where))
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
            await self.apply(change)

        await retried(attempt)

    async def pinned(self, member: Member, room: str) -> tuple[str, list[Message]]:
        """``/pins``: the room's name and its pinned messages the room still
        keeps, oldest first, as they now read."""
        seat = self.seat_of(member)
        session = self.session_of(seat)
        where = self.rooms.joined_room(seat, room)
        messages = []
        # Kept by the room's key, as a pin is written (not by its name,
        # which differs in case or look-alikes: Q1cafe's key is qlcafe).
        for pin in await self.pins.pins(name_key(where)):
            try:
                message = await self.life.message(seat, session, where, pin.event_id)
            except ChatError as refused:
                if refused.code != "NO_SUCH_MESSAGE":
                    raise
                continue  # deleted, or no longer kept
            messages.append(message)
        return where, messages
