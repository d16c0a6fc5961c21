"""Asking first, before a line that cannot be taken back goes.

:class:`Confirmations`, a part of
:class:`chatroom.client.controller.ChatController`, holds back two lines
until they are typed a second time, right after the client said what
they will do:

- ``/delete ROOM``: the room goes for everyone, with its messages;
- ``/leave`` of a room whose last member the user is, when the room is
  not kept (a guest's room, ``keep off``): it goes when left. Whether it
  is kept is asked first when the client has not heard it (``/info``,
  quietly), and :meth:`Confirmations.settings_heard` goes on; an
  account's room is kept, and is left at once.

Any other line typed in between cancels it: the next ``/leave`` asks
again.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.client.addressing import addressed
from chatroom.client.buffers import Buffer
from chatroom.client.entries import EntryKind
from chatroom.client.model import SessionModel
from chatroom.wire.names import name_key


class Confirmations:
    """The line waiting to be typed again, and the room being left.

    Args:
        model: the session (the rooms' members and settings, the log).
        send: queues one of the client's own lines (``/info``).
    """

    def __init__(self, model: SessionModel, send: Callable[[str], None]) -> None:
        self.model = model
        self.send = send
        #: The line the client asked to have typed again, and the one it
        #: was when the line now typed came.
        self._asked: str | None = None
        self._repeat: str | None = None
        #: The room being left whose settings were asked for (``/info``).
        self._leaving: str | None = None

    def typed(self) -> None:
        """A line was typed: the one asked for is now it, or nothing."""
        self._repeat, self._asked = self._asked, None

    def leaving(self, room: str) -> str | None:
        """``/leave ROOM`` to send, or None: held, and said why (or the
        room's settings asked first)."""
        line = f"/leave {room}"
        buffer = self.model.buffers.room_buffer(room)
        if self._repeated(line) or buffer is None or not self._last_in(buffer):
            return line
        if buffer.keep is None:
            self._leaving = buffer.name
            self.send(addressed(buffer.name, "/info"))
            return None
        if buffer.keep:
            return line
        self._ask_again(
            line,
            f"you are the last member of {buffer.name}, which is not kept: it goes "
            "when you leave, with its messages (/set keep on keeps it). Type "
            "/leave again to leave it.",
        )
        return None

    def deleting(self, room: str) -> str | None:
        """``/delete ROOM`` to send (typed a second time), or None."""
        line = f"/delete {room}"
        if self._repeated(line):
            return line
        self._ask_again(
            line,
            f"deleting {room} removes it and all its messages, for everyone. "
            f"Type /delete {room} again to delete it.",
        )
        return None

    def settings_heard(self, room: str) -> str | None:
        """The settings of ``room`` came (``INFO_END``): the ``/leave`` to
        send now if it was being left and may go, else None."""
        if self._leaving is None or name_key(room) != name_key(self._leaving):
            return None
        self._leaving = None
        buffer = self.model.buffers.room_buffer(room)
        if buffer is not None and buffer.keep is None:
            buffer.keep = False  # a server that does not say: as it was, not kept
        return self.leaving(room)

    def _last_in(self, buffer: Buffer) -> bool:
        """Whether the user is the last member of the room of ``buffer``."""
        others = [name for name in buffer.members if name != self.model.own_name]
        return not others and buffer.total is None

    def _ask_again(self, line: str, why: str) -> None:
        """Say ``why`` a line did not go: typed again next, it goes."""
        self._asked = line.lower()
        self.model.note(why, EntryKind.ERROR)

    def _repeated(self, line: str) -> bool:
        """Whether ``line`` is the one the client asked to have typed again
        (as the line typed just before this one)."""
        return self._repeat is not None and self._repeat == line.lower()
