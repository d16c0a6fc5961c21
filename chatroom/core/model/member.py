"""What the shared side needs of a member: :class:`Member`, the callbacks a
session is reached through, and :class:`MessageWriter`, its fast way to
take a room's messages.

The shared side never imports a door and never writes a member's
attributes: it calls members back through :class:`Member`, like the
mailbox server's ``send_f``/``stop_f`` callbacks. A door's connection is
one; so is the seat an account's devices share
(:class:`chatroom.core.infra.seats.Seat`). Nearly every module of the core and
the back-ends names a member, so this module imports only the events and
the runs below it: whatever imports it makes no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from chatroom.core.model.events import (
    Encoder,
    Event,
    Listing,
    LobbyChanges,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.runs import RunTaker


class MessageWriter(NamedTuple):
    """How a member takes its rooms' messages
    (:class:`~chatroom.core.model.events.Message`)
    said by others: ``write(encoder(message))``, with no other look at the
    event, so a room's fan-out renders a message once per ``encoder`` and
    writes the bytes straight to each such member's send queue
    (:mod:`chatroom.core.infra.fanout`). ``name`` is the member's: its own
    messages still go through its ``deliver`` (IRC's echo of one's own).
    ``queue``, if given, is the send queue ``write`` writes to, which
    takes a turn's messages of a room as one shared run instead
    (:mod:`chatroom.core.model.runs`). ``every_event``: the member takes every
    other room event the same way (its ``deliver`` is ``write(encoder(event))``
    for any event), so a room's other events (a join, a departure) are
    rendered once per ``encoder`` too and written straight to it."""

    name: str
    encoder: Encoder
    write: Callable[[bytes], None]
    queue: RunTaker | None = None
    every_event: bool = False


class Member(Protocol):
    """A session, as the shared side sees it: who it is, and a few callbacks."""

    @property
    def door(self) -> str:
        """Which door it came through (``line``, ``irc``, ``web``): the label
        of its numbers on ``/metrics``."""

    @property
    def name(self) -> str | None:
        """The name it holds on this door, None before it has one."""

    def deliver(self, event: Event) -> None:
        """A room event, or a private message, for this member."""

    def message_writer(self) -> MessageWriter | None:
        """How this member takes a message by someone else without its
        ``deliver``, if it can now (None: through ``deliver``, always
        right). A door whose answer changes while the member is in a room
        (its name, its rendering) calls
        :func:`chatroom.core.infra.fanout.redirected`."""

    def entered(self, welcome: Welcome) -> None:
        """This member is now in ``welcome.room``; events after it follow."""

    def removed(self, room: str, listing: Listing | None) -> None:
        """``room`` went away under this member (deleted, or lost by the
        cluster); ``listing`` is the room list, when the door wants one."""

    def room_renamed(self, renamed: RoomRenamed) -> None:
        """Room ``renamed.room`` is called ``renamed.new`` from now on: this
        member is in it under that name, and hears so in its door's words
        (the line door's ``RENAMED``, IRC's ``RENAME`` or ``PART`` and
        ``JOIN``)."""

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """Rooms changed, for a member that watches the lobby."""

    # -- what a device of an account says for itself (chatroom.core.services.devices)
    # -----

    @property
    def views_every_room(self) -> bool:
        """Whether this connection is in all its account's rooms at once (a
        line or web connection with ``/caps multi``, an IRC session, as in a
        bouncer), not only in the one it entered last."""

    @property
    def starts_blank(self) -> bool:
        """Whether the device shows each room afresh from what it is sent
        when it connects (a line or web client: the page, the terminal
        client), rather than adding to a log its client keeps (an IRC
        client): a catch-up from its account's read marker then shows the
        events just before the marker too (:func:`chatroom.core.policy.rules.
        from_marker`), so a room read to its end is not drawn empty."""

    def shown_marker(self, room: str, marker: int | None) -> None:
        """The join replies of ``room`` reached this device unasked (another
        device entered it, or it signed in): ``marker`` is its account's read
        marker there (None: none), for a door that says it after a join (the
        line door's ``READ``; IRC clients ask with ``MARKREAD``)."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        """Another device of the account took it out of ``room`` (its
        ``/leave``): this device is out of it too, in its door's words (the
        line door's ``LEFT``, IRC's ``PART``); ``listing`` as for
        :meth:`removed`."""

    def disconnect(self, reason: str) -> None:
        """The shared side ends this session: its name went to another, it
        signed in elsewhere, or an admin removed it (``reason`` says which)."""
