"""Switching buffers, typing into them, and telling the server what was read.

:class:`BufferActions` is the part of
:class:`chatroom.client.controller.ChatController` that acts on the
buffers of :mod:`.buffers`: Alt-1..9, Alt-Left/Right and ``/focus`` show
another buffer (and a room's ``/focus`` keeps the server's current room in
step, so plain lines, ``/me`` and ``/topic`` go where the user looks);
a line typed in a private conversation is ``/msg USER``; ``/leave`` and
``/part`` leave the room on screen, or close the conversation; and
``/read ROOM ID`` goes out once the user has had a room's newest line in
view, a moment later, so a busy room costs one line every
:data:`READ_DELAY_SECONDS` and not one per message.
"""

from __future__ import annotations

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.client.model import EntryKind, Page, SessionModel, log_key
from chatroom.client.protocol import ChatClientProtocol
from chatroom.core.text import name_key
from chatroom.wire.lines import ParsedLine
from chatroom.wire.said import is_command, said_text

#: How long after a room's newest line came into view ``/read`` is sent.
#: Lines sent count against the server's flood limit (1 a second after a
#: burst), so markers are batched; a line read is never more than this
#: late in reaching the user's other devices.
READ_DELAY_SECONDS = 2.0

#: Commands that act on the server's current room, which a private
#: conversation on screen is not: refused there rather than sent elsewhere.
ROOM_ONLY = frozenset(
    {
        "/me",
        "/topic",
        "/who",
        "/history",
        "/reply",
        "/edit",
        "/redact",
        "/react",
        "/unreact",
        "/modlog",
        "/opmsg",
        "/paste",
    }
)


class BufferActions:
    """The user's moves between buffers, as the controller acts on them."""

    # Set by the controller.
    model: SessionModel
    clock: IReactorTime
    protocol: ChatClientProtocol | None
    _read_call: IDelayedCall | None
    #: How many of our ``/focus`` lines are still to be answered.
    _focus_asked: int = 0

    def _send(self, line: str, typed: bool = False) -> None:
        """Queue a line for the server (the controller's)."""
        raise NotImplementedError

    def _left_typing(self) -> None:
        """Say ``/typing done`` if the user was typing (.richactions)."""
        raise NotImplementedError

    # -- switching ---------------------------------------------------------------

    def switch_to(self, number: int) -> None:
        """Alt-1..9: show the ``number``-th buffer (from 1)."""
        if self.model.focus_number(number):
            self._focused_changed()

    def switch_step(self, step: int) -> None:
        """Alt-Right (1) and Alt-Left (-1): the next or previous buffer."""
        if self.model.focus_step(step):
            self._focused_changed()

    def _focused_changed(self) -> None:
        """A room now on screen becomes the server's current room too (the
        room left behind first hears that the user stopped typing there)."""
        self._left_typing()
        room = self.model.room
        if room is not None and room != self.model.server_room:
            self._ask_focus(room)
        self.seen()

    def _ask_focus(self, room: str) -> None:
        """``/focus ROOM``, counted so that its FOCUS is known for ours."""
        self.model.server_room = room
        self._focus_asked += 1
        self._send(f"/focus {room}")

    def _after_FOCUS(self, event: ParsedLine, was_page: Page) -> None:
        """A FOCUS we did not ask for (the current room was left, or taken
        from us) names the server's choice; the room on screen wins, so
        lines typed still go where the user looks."""
        if self._focus_asked:
            self._focus_asked -= 1
            return
        room = self.model.room
        named = event.fields[0] if event.fields else ""
        if room is not None and name_key(room) != name_key(named):
            self._ask_focus(room)

    def seen(self) -> None:
        """The screen may show a buffer's newest line now (switched,
        scrolled to the bottom, a line arrived): mark it read soon."""
        if self.model.to_mark_read() and self._read_call is None:
            self._read_call = self.clock.callLater(READ_DELAY_SECONDS, self._mark_read)

    def _mark_read(self) -> None:
        self._read_call = None
        if self.protocol is None:
            return
        for room, number in self.model.to_mark_read():
            self.model.mark_read(room, number)
            self._send(f"/read {room} {number}")

    # -- typed lines that depend on the buffer on screen -----------------------------

    def _buffer_line(self, text: str) -> str | None:
        """What a typed line becomes in the buffer on screen: the line to
        send, or None when it was handled here (nothing to send)."""
        model = self.model
        buffer = model.buffer
        plain = not is_command(text)
        if buffer is not None and buffer.search and plain:
            text = f"/search {text.removeprefix('/')}"  # typed there: search again
        command, _, argument = text.partition(" ")
        command, argument = command.lower(), argument.strip()
        if command == "/search" and argument:
            model.start_search(argument)
            return text
        if command in ("/leave", "/part") and buffer is not None:
            if not buffer.is_room:
                model.close(buffer.key)
                self._focused_changed()
                return None
            # The room on screen, whatever the server's current room is.
            return f"/leave {argument or buffer.name}"
        if command == "/focus" and argument:
            if model.focus(log_key(Page.ROOM, argument)):
                self._focused_changed()
                return None
            return text  # the server says why not
        joining = argument.split(" ", 1)[0]
        if command == "/join" and model.focus(log_key(Page.ROOM, joining)):
            self._focused_changed()  # already in: show it
            return None
        if command == "/query" and argument:
            user, _, said = argument.partition(" ")
            self.model.open_conversation(user)
            return f"/msg {user} {said}" if said.strip() else None
        if buffer is not None and buffer.search and command in ROOM_ONLY:
            model.note(f"{command} is for rooms; this is the search", EntryKind.ERROR)
            return None
        if buffer is not None and buffer.private:
            if not is_command(text):
                return f"/msg {buffer.name} {said_text(text)}"
            if command in ROOM_ONLY:
                model.note(
                    f"{command} is for rooms; this is a private conversation",
                    EntryKind.ERROR,
                )
                return None
        return text
