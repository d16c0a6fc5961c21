"""Going back into every room after a reconnect.

:class:`Rejoiner`, a part of :class:`chatroom.client.controller.ChatController`,
takes the user back into the rooms they were in (each a buffer, see
:mod:`.buffers`) once the server has taken their name again. Each room is
joined ``since`` the newest event its log holds, so what was said
meanwhile lands in that room's buffer, once; the room that was on screen
is joined last. An account's
rooms are put back by the server itself (remembered rooms, protocol.md
*Many devices*): their join replies come unasked after the sign-in, so
only the rooms that did not come back are asked for, once the answer to
the sign-in's ``/unread`` says the unasked ones are all in; what a room's
log shows already is not shown again (see :mod:`.history`). A restarted
server may have forgotten a room: whoever of its members comes back first
creates it again, and the others, refused with ``ROOM_EXISTS``, join it.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.client.entries import EntryKind, Page, log_key
from chatroom.client.model import SessionModel
from chatroom.client.sending import Outbox
from chatroom.wire.names import name_key

#: How many times a rejoin after a reconnect goes between ``/create`` and
#: ``/join`` (another client may be recreating the room at the same moment).
REJOIN_ATTEMPTS = 4


class Rejoiner:
    """The rooms of a lost connection, and taking the user back into them.

    Args:
        model: the session (its rooms, and where their news goes).
        outbox: the line the server is answering (a refusal names a room).
        send: queues one line for the server.
        room_keys: the keys typed with ``/join ROOM KEY``, by folded name.
    """

    def __init__(
        self,
        model: SessionModel,
        outbox: Outbox,
        send: Callable[[str], None],
        room_keys: dict[str, str],
    ) -> None:
        self.model = model
        self.outbox = outbox
        self.send = send
        self.room_keys = room_keys
        #: The rooms to go back to after a reconnect, and the one on screen.
        self.wanted_rooms: list[str] = []
        self.wanted_focus: str | None = None
        #: Rooms asked for and not yet back in, by folded name: how many
        #: times each was tried.
        self._attempts: dict[str, int] = {}
        #: The joins wait for the rooms the server puts us back in unasked.
        self._later = False

    def remember(self) -> None:
        """The connection is gone: note the rooms to go back to."""
        self.wanted_rooms = self.model.buffers.rooms_in()
        self.wanted_focus = self.model.room

    def rejoin_all(self, later: bool = False) -> bool:
        """Signed in again: ask for every room back (``later``: once those
        the server puts us back in unasked are in, :meth:`rejoin_rest`);
        False if there were none."""
        rooms = self._in_rejoin_order()
        if not rooms:
            return False
        self._attempts = {name_key(room): 0 for room in rooms}
        self.model.expect_rejoin(rooms)
        self._later = later
        if not later:
            for room in rooms:
                self.send(self._join_line(room))
        return True

    def rejoin_rest(self) -> None:
        """The rooms the server put us back in are in: ask for the others."""
        if not self._later:
            return
        self._later = False
        for room in self._in_rejoin_order():
            if name_key(room) in self._attempts:
                self.send(self._join_line(room))

    def _in_rejoin_order(self) -> list[str]:
        """The rooms to go back to, the one on screen last."""
        focus = name_key(self.wanted_focus or "")
        return sorted(self.wanted_rooms, key=lambda room: name_key(room) == focus)

    def rejoined(self, room: str) -> bool:
        """Back in ``room`` (its JOINED); True once every room is back."""
        self._attempts.pop(name_key(room), None)
        return not self._attempts

    def refused(self, code: str) -> bool:
        """An error that may answer a rejoin: try again or give that room
        up. True once no room is left to rejoin (the reconnect is over);
        False too for an error that answers something else."""
        room = self._answered()
        if room is None:
            return False
        if code == "ALREADY_IN_ROOM":
            # The server put the account back in it already (a device of
            # an account that is in rooms gets their join replies unasked).
            return self.rejoined(room)
        tried = self._attempts[name_key(room)]
        self._attempts[name_key(room)] = tried + 1
        if code in ("NO_SUCH_ROOM", "ROOM_EXISTS") and tried < REJOIN_ATTEMPTS:
            if code == "NO_SUCH_ROOM":
                self._note(room, f"{room} is gone; creating it again")
                self.send(f"/create {room}")
            else:
                self._note(
                    room, f"{room} was created again by someone else; joining it"
                )
                self.send(self._join_line(room))
            return False
        # Given up: the room's buffer closes (its log is kept for a return).
        del self._attempts[name_key(room)]
        model = self.model
        model.expect_rejoin(
            [r for r in self.wanted_rooms if name_key(r) in self._attempts]
        )
        model.close(log_key(Page.ROOM, room))
        rooms = [r for r in model.buffers.rooms_in() if name_key(r) != name_key(room)]
        if model.buffer is None and rooms:
            model.focus(log_key(Page.ROOM, rooms[-1]))
        model.note(f"could not rejoin {room}", EntryKind.ERROR)
        return not self._attempts

    def _answered(self) -> str | None:
        """The room whose rejoin the server is answering: the one the line
        in flight names, else the first still asked for (None: none)."""
        line = self.outbox.answering
        words = line.text.split() if line is not None and not line.typed else []
        asked = words[:1] in (["/join"], ["/create"]) and len(words) > 1
        if asked and name_key(words[1]) in self._attempts:
            return words[1]
        pending = set(self._attempts)
        return next((r for r in self.wanted_rooms if name_key(r) in pending), None)

    def _join_line(self, room: str) -> str:
        """``/join ROOM``, resuming after the newest message seen there if any
        (``since``), so nothing said while we were away is lost or repeated."""
        last = self.model.history.last_ids.get(log_key(Page.ROOM, room))
        key = self.room_keys.get(name_key(room))
        line = f"/join {room}" if key is None else f"/join {room} {key}"
        return line if last is None else f"{line} since {last}"

    def _note(self, room: str, text: str) -> None:
        """News about rejoining goes in that room's log, where the user will be."""
        self.model.note(text, where=log_key(Page.ROOM, room))
