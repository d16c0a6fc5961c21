"""Typing notices: what the user's typing tells the room, and when what
others said of theirs lapses.

A part of :class:`chatroom.client.controller.ChatController`. Notices go
out as ``/typing`` (protocol.md, *Messages with a life*): while the user
types a message in a room, ``/typing active`` at most once every
:data:`ACTIVE_EVERY_SECONDS` (the server relays no more often), then
``/typing paused`` after :data:`PAUSE_SECONDS` without a key, and
``/typing done`` when the line is emptied without being sent (a sent
message says it by itself) or another buffer comes on screen. Each names
the room typed in (``/in ROOM /typing ...``, see :mod:`.addressing`), so
``done`` reaches the room left. Lines starting with ``/`` are
commands, not messages: nothing is said about them. A notice goes only
when no typed line waits and the flood pacing has a line to spare after
it: it never delays what the user says, and a late one is dropped.

Another user's ``is typing`` (the model's :mod:`.typists`) lapses on the
clock: :meth:`TypingNotices.others_changed` sets the timer for the soonest.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.client.addressing import addressed
from chatroom.client.entries import Page
from chatroom.client.model import SessionModel
from chatroom.client.sending import Outbox
from chatroom.wire.said import is_command

#: How often ``/typing active`` is said while the user keeps typing (the
#: server relays one every 3 seconds per user and room, and drops the rest).
ACTIVE_EVERY_SECONDS = 3.0
#: How long without a key before the user counts as having paused.
PAUSE_SECONDS = 5.0


class TypingNotices:
    """The user's typing, told to the room; others' typing, timed out.

    Args:
        model: the session (the page and room on screen, the typists).
        clock: the reactor's, for the pause and the others' lapse.
        outbox: where notices go, only when nothing waits.
        connected: whether there is a connection to say anything on.
    """

    def __init__(
        self,
        model: SessionModel,
        clock: IReactorTime,
        outbox: Outbox,
        connected: Callable[[], bool],
    ) -> None:
        self.model = model
        self.clock = clock
        self.outbox = outbox
        self.connected = connected
        #: When ``/typing active`` was last said (None: never).
        self._active_at: float | None = None
        #: Whether the user is typing a message now (an ``active`` went).
        self._typing_now = False
        #: Whether the last notice said ``paused`` (so emptying the line says done).
        self._paused = False
        self._pause_call: IDelayedCall | None = None
        #: The room the user types in (where the notices go).
        self._room: str | None = None
        self._others_lapse: IDelayedCall | None = None

    def typed(self, text: str) -> None:
        """The input line now reads ``text`` (a key changed it)."""
        model = self.model
        message = bool(text) and not is_command(text)
        if model.page != Page.ROOM or model.room is None or not message:
            if self._typing_now or self._paused:
                self._say("done")
            return
        if self._room != model.room:
            if self._typing_now or self._paused:
                self._say("done")  # in the room left
            self._room, self._active_at = model.room, None
        now = self.clock.seconds()
        if self._active_at is None or now - self._active_at >= ACTIVE_EVERY_SECONDS:
            self._say("active")
            self._active_at = now
            self._typing_now = True
        if self._pause_call is not None and self._pause_call.active():
            self._pause_call.reset(PAUSE_SECONDS)
        else:
            self._pause_call = self.clock.callLater(PAUSE_SECONDS, self._paused_now)

    def left(self) -> None:
        """Another buffer comes on screen: typing in the room left ends."""
        if self._typing_now or self._paused:
            self._say("done")

    def stop(self) -> None:
        """No longer typing (a message sent says so by itself). When the
        last ``active`` went is kept: the next one waits its 3 seconds."""
        if self._pause_call is not None and self._pause_call.active():
            self._pause_call.cancel()
        self._pause_call = None
        self._typing_now = False
        self._paused = False

    def _paused_now(self) -> None:
        self._pause_call = None
        if self._typing_now:
            self._say("paused")
            self._paused = True

    def _say(self, state: str) -> None:
        self.stop()
        if self.connected() and self._room is not None:
            # Never ahead of (or delaying) a line the user typed: a notice
            # that would wait is late anyway, and is dropped.
            self.outbox.send_if_idle(addressed(self._room, f"/typing {state}"))

    def others_changed(self) -> None:
        """Someone said they are typing (or stopped): whoever is typing
        is forgotten when their time is up."""
        if self._others_lapse is not None and self._others_lapse.active():
            self._others_lapse.cancel()
        self._others_lapse = None
        due = self.model.typists.next_expiry()
        if due is not None:
            delay = max(0.0, due - self.clock.seconds())
            self._others_lapse = self.clock.callLater(delay, self._lapsed)

    def _lapsed(self) -> None:
        self._others_lapse = None
        self.model.expire_typing()
        self.others_changed()
