"""What a line command handler may use of its session.

The handlers of :data:`chatroom.doors.line.session.COMMANDS` kept outside
the session's module (:mod:`chatroom.doors.line.moderating`,
:mod:`chatroom.doors.line.messages`, :mod:`chatroom.doors.line.account`)
are plain functions taking the session as their first argument, typed
against this protocol rather than against
:class:`~chatroom.doors.line.session.LineSession`, so they import nothing
of the session (no import cycle) and see only its public face: who it
is, the registry, a way to send and its current room.
"""

from __future__ import annotations

from typing import Protocol

from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Encoder, Event
from chatroom.core.model.member import Member
from chatroom.core.registry import Registry
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.line.places import Places


class CommandContext(Protocol):
    """The public face of a line session, as its handlers see it."""

    @property
    def member(self) -> Member:
        """What the registry knows the session as."""
        ...

    @property
    def name(self) -> str | None:
        """The session's name once it has one."""
        ...

    @property
    def server(self) -> DoorHub:
        """The server (its account service)."""
        ...

    @property
    def registry(self) -> Registry:
        """The registry every command calls."""
        ...

    @property
    def host(self) -> str:
        """Where the connection comes from (for the account service's limits)."""
        ...

    @property
    def room(self) -> str | None:
        """The current room (None: in the lobby)."""
        ...

    @property
    def render(self) -> Encoder:
        """How replayed events are rendered for this connection (``@ID``?)."""
        ...

    @property
    def app_password(self) -> str:
        """The label of the app password the session signed in with ("":
        the account's own password, or none)."""
        ...

    def send(self, data: bytes) -> None:
        """Send the session's own lines."""
        ...

    def refuse(self, refusal: ChatError) -> None:
        """Answer a failed command: its ``ERR``."""
        ...

    def deliver(self, event: Event) -> None:
        """An event, rendered as the session renders events delivered."""
        ...

    def show_previews(self, on: bool) -> None:
        """Show or hide link previews on this connection (``/set previews``)."""
        ...

    @property
    def places(self) -> Places:
        """The rooms it is in and its current room."""
        ...

    def current_room(self) -> str:
        """The room room commands act on, or ``NOT_IN_ROOM``."""
        ...
