"""The controller's part in replies, reactions, typing, pastes and search.

:class:`RichActions` is the part of
:class:`chatroom.client.controller.ChatController` that sends what the
screen asks for beyond a typed line:

- **typing notices** (protocol.md, *Messages with a life*): while the
  user types a message in a room, ``/typing active`` at most once every
  :data:`ACTIVE_EVERY_SECONDS` (the server relays no more often), then
  ``/typing paused`` after :data:`PAUSE_SECONDS` without a key, and
  ``/typing done`` when the line is emptied without being sent (a sent
  message says it by itself) or another buffer comes on screen (before
  its ``/focus``, so it reaches the room left). Lines starting with ``/`` are commands,
  not messages: nothing is said about them. A notice goes only when no
  typed line waits and the flood pacing has a line to spare after it:
  it never delays what the user says, and a late one is dropped.
- **pastes** (see :mod:`.pasting`): one ``/paste`` in a room when it
  fits the server's bounds, else the lines one by one, as typed.
- **another user typing** lapses on the clock (see :mod:`.typists`).
- a **search result** chosen on the search buffer shows its room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.client.model import Page, SessionModel
from chatroom.client.pasting import fits, paste_command, pasted_lines
from chatroom.client.protocol import ChatClientProtocol
from chatroom.client.sending import SendQueue
from chatroom.wire.lines import ParsedLine
from chatroom.wire.said import is_command

#: How often ``/typing active`` is said while the user keeps typing (the
#: server relays one every 3 seconds per user and room, and drops the rest).
ACTIVE_EVERY_SECONDS = 3.0
#: How long without a key before the user counts as having paused.
PAUSE_SECONDS = 5.0


class RichActions:
    """Typing notices, pastes and search results, as the controller acts."""

    # Set by the controller.
    model: SessionModel
    clock: IReactorTime

    #: When ``/typing active`` was last said (None: never).
    _active_at: float | None = None
    #: Whether the user is typing a message now (an ``active`` went).
    _typing_now = False
    #: Whether the last notice said ``paused`` (so emptying the line says done).
    _paused = False
    _pause_call: IDelayedCall | None = None
    _typing_expiry: IDelayedCall | None = None

    outbox: SendQueue
    protocol: ChatClientProtocol | None

    def _send(self, line: str, typed: bool = False) -> None:
        """Queue a line for the server (the controller's)."""
        raise NotImplementedError

    if TYPE_CHECKING:  # TypedLines' (later in the controller's bases)

        def submit(self, text: str) -> bool:
            """A typed line (:mod:`.typed`)."""

    # -- typing notices --------------------------------------------------------------

    def typed(self, text: str) -> None:
        """The input line now reads ``text`` (a key changed it)."""
        model = self.model
        message = bool(text) and not is_command(text)
        if model.page != Page.ROOM or model.room is None or not message:
            if self._typing_now or self._paused:
                self._typing("done")
            return
        now = self.clock.seconds()
        if self._active_at is None or now - self._active_at >= ACTIVE_EVERY_SECONDS:
            self._typing("active")
            self._active_at = now
            self._typing_now = True
        if self._pause_call is not None and self._pause_call.active():
            self._pause_call.reset(PAUSE_SECONDS)
        else:
            self._pause_call = self.clock.callLater(PAUSE_SECONDS, self._typing_paused)

    def _left_typing(self) -> None:
        """Another buffer comes on screen: typing in the room left ends."""
        if self._typing_now or self._paused:
            self._typing("done")

    def _typing_paused(self) -> None:
        self._pause_call = None
        if self._typing_now:
            self._typing("paused")
            self._paused = True

    def _typing(self, state: str) -> None:
        self._stop_typing()
        if self.protocol is not None:
            # Never ahead of (or delaying) a line the user typed: a notice
            # that would wait is late anyway, and is dropped.
            self.outbox.send_if_idle(f"/typing {state}")

    def _stop_typing(self) -> None:
        """No longer typing (a message sent says so by itself). When the
        last ``active`` went is kept: the next one waits its 3 seconds."""
        if self._pause_call is not None and self._pause_call.active():
            self._pause_call.cancel()
        self._pause_call = None
        self._typing_now = False
        self._paused = False

    # -- others typing ---------------------------------------------------------------

    def _after_TYPING(self, event: ParsedLine, was_page: Page) -> None:
        """Whoever said they are typing is forgotten when their time is up."""
        self._expire_typing_later()

    def _expire_typing_later(self) -> None:
        if self._typing_expiry is not None and self._typing_expiry.active():
            self._typing_expiry.cancel()
        self._typing_expiry = None
        due = self.model.next_typing_expiry()
        if due is not None:
            delay = max(0.0, due - self.clock.seconds())
            self._typing_expiry = self.clock.callLater(delay, self._typing_lapsed)

    def _typing_lapsed(self) -> None:
        self._typing_expiry = None
        self.model.expire_typing()
        self._expire_typing_later()

    # -- pastes ----------------------------------------------------------------------

    def paste(self, text: str) -> None:
        """Several lines pasted: one ``/paste`` message in a room when the
        server takes it whole, else each line as if typed."""
        lines = pasted_lines(text)
        if not lines:
            return
        self._stop_typing()
        room = self.model.room if self.model.page == Page.ROOM else None
        if room is not None and len(lines) > 1 and fits(lines):
            self._send(paste_command(lines), typed=True)
            return
        for line in lines:
            if line.strip():
                self.submit(line)

    # -- search results --------------------------------------------------------------

    def show_room(self, room: str) -> None:
        """A search result chosen: show its room (joining it if need be),
        or its private conversation (``@USER``)."""
        if room.startswith("@"):
            self.submit(f"/query {room[1:]}")
        else:
            self.submit(f"/join {room}")
