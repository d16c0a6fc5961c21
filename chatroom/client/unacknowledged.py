"""What the user said and the server has not acknowledged yet: each line
with its own key, shown pending, sent again until it is said once.

A line that goes to the server may not come back: the connection dies
before the server reads it, or after the server did it but before its
answer arrived, or the server answers ``ERR UNAVAILABLE`` (it lost its
store, and may or may not have kept the message). Sending it again
plainly would say it twice when it had arrived; not sending it leaves
the user unsure. So everything the user says goes as ``/txn KEY LINE``
(protocol.md, *Saying it once*), with a fresh random key, and waits
here until the server's ``ACK KEY TARGET ID``: a repeat of a key the
server has done is answered with the same ``ACK`` and delivers nothing,
so sending again is always safe. A room message goes as ``/say ROOM
TEXT``, so that a resend names its room whatever the server's current
room is; a room command as ``/in ROOM /txn KEY LINE``.

Meanwhile its row stands in the log where the message will (Matrix
clients and The Lounge do the same), marked ``waiting`` while it cannot
go and ``sending`` once written. When the server's own copy of it comes
the row gives way to the copy; when only the ``ACK`` comes (a repeat,
its copy brought by the resume's replay) the row goes if the replay's
row is there, else it becomes the message's row: one key is always one
row. A refusal other than ``UNAVAILABLE`` takes it out (the ``ERR``
says why, as any refusal does). ``UNAVAILABLE`` (the server cannot
store it now: its disk is full, Redis or its replicas are away) sends
it again after a moment, backing off, for as long as the connection
lasts; the user is told why once, at the first (a full disk may last),
and the row says ``waiting to try again`` meanwhile, not the reason
again at every try. Lines typed
while disconnected wait here too, and go, in the order typed, once the
client is back in their room (a private message: once signed in).

This is not :class:`chatroom.client.sending.Outbox`, which paces every
line to the server's flood limit and matches replies to lines: the lines
kept here go through it like any other, each time they are sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatroom.client.entries import EntryKind, LogEntry, Page, log_key
from chatroom.wire.names import name_key
from chatroom.wire.pastes import PASTE_COMMAND
from chatroom.wire.said import is_command, said_text
from chatroom.wire.txn import keyed_line, may_carry_key, new_key

#: The row's mark while the line cannot go (disconnected, not back in its
#: room).
WAITING = "waiting"
#: The row's mark once the line is written, until its ``ACK``.
SENDING = "sending"
#: The row's mark after ``ERR UNAVAILABLE``, until it goes again.
RETRYING = "waiting to try again"

#: The refusal after which a line goes again with its key (protocol.md's
#: error table).
UNAVAILABLE = "UNAVAILABLE"

#: After ``ERR UNAVAILABLE`` a line goes again after this many seconds,
#: doubled each time it is refused so, up to :data:`RETRY_MAXIMUM`.
RETRY_FIRST = 1.5
RETRY_MAXIMUM = 30.0

#: What a private message's target is called here: it may go once the
#: client is signed in, in no room.
NO_ROOM = ""

_ESCAPED = re.compile(r"\\(.)")


@dataclass(slots=True)
class KeyedLine:
    """One line said with a key, not yet acknowledged."""

    key: str
    #: What goes to the server each time: ``/txn KEY LINE`` (``/in ROOM``
    #: before it for a room command).
    line: str
    #: The folded name of the room it must be back in to go
    #: (:data:`NO_ROOM`: a private message).
    room: str
    #: The log its row (and the answers to it) go in.
    where: str
    #: Its pending row in that log (None: none, or given way to its copy).
    row: LogEntry | None = None
    #: How many times it was answered ``ERR UNAVAILABLE`` in a row.
    refusals: int = 0
    #: Whether it was written on this connection, or waits.
    sent: bool = False
    #: Whether it was ever written (its key used with its words).
    written: bool = False
    retry: IDelayedCall | None = None


class Rows:
    """What the outbox needs of the session model: to put a row in a log,
    change it where it is or take it out, and settle it where it stands
    (the model tells the screen and the log files)."""

    def __init__(
        self,
        add: Callable[[LogEntry, str], LogEntry],
        change: Callable[[str, LogEntry, LogEntry | None], None],
        ids: Callable[[str], set[int]],
        copy_in_place: Callable[[str, LogEntry], None],
        said_in_place: Callable[[str, LogEntry, LogEntry], None],
    ) -> None:
        """Args:
        add: puts a row at the end of a log; the row as added.
        change: replaces a row of a log with another (None: takes it out).
        ids: the stored events' ids a log shows.
        copy_in_place: the copy just added to a log takes a row's place.
        said_in_place: a row is the message's now, where it stands.
        """
        self.add = add
        self.change = change
        self.ids = ids
        self.copy_in_place = copy_in_place
        self.said_in_place = said_in_place


class Unacknowledged:
    """The lines said with a key and not yet acknowledged, in the order said.

    Args:
        clock: when to send again after ``ERR UNAVAILABLE`` (the reactor;
            ``task.Clock`` in tests).
        send: writes a line to the server now (through the paced queue),
            its answers going to a log: ``send(line, where)``.
        rows: the session model's logs (see :class:`Rows`).
        own_name: the user's name now (a pending row is theirs).
    """

    def __init__(
        self,
        clock: IReactorTime,
        send: Callable[[str, str], None],
        rows: Rows,
        own_name: Callable[[], str],
    ) -> None:
        self.clock = clock
        self.send = send
        self.rows = rows
        self.own_name = own_name
        #: Every line not yet acknowledged, by key, in the order said.
        self.said: dict[str, KeyedLine] = {}
        #: The rooms (folded) this connection is back in, and NO_ROOM once
        #: signed in: where what waits may go.
        self._ready: set[str] = set()

    def say(self, line: str, where: str) -> bool:
        """Say ``line`` (as it would go without a key: a plain line as
        ``/in ROOM TEXT``, a room command as ``/in ROOM LINE``, ``/say``,
        ``/msg``) with a fresh key, its row in log ``where``. False when
        it is not something said (a ``/join``, a ``/topic``): not kept."""
        room, inner = _unaddressed(line)
        if not may_carry_key(inner):
            return False
        command = inner.split(" ", 1)[0].lower() if is_command(inner) else ""
        if not command:
            if not room:
                return False
            inner = f"/say {room} {said_text(inner)}"
            command, room = "/say", ""
        key = new_key()
        if command == "/say":
            target = name_key(inner.split(" ", 2)[1]) if " " in inner else ""
            wire = keyed_line(key, inner)
        elif command == "/msg":
            target, wire = NO_ROOM, keyed_line(key, inner)
        elif room:
            target, wire = name_key(room), f"/in {room} {keyed_line(key, inner)}"
        else:
            return False  # a room command for no room: as it is, unkeyed
        said = KeyedLine(key, wire, target, where)
        entry = pending_row(inner, self.own_name())
        if entry is not None:  # pending from the first: no log file has it
            said.row = self.rows.add(replace(entry, pending=WAITING), where)
        self.said[key] = said
        self._go(said)
        return True

    def ready(self, room: str) -> None:
        """Back in ``room`` (:data:`NO_ROOM`: signed in): what waits for it
        goes, in the order said."""
        self._ready.add(name_key(room))
        for said in list(self.said.values()):
            if said.room == name_key(room) and not said.sent and said.retry is None:
                self._go(said)

    def room_renamed(self, old: str, new: str) -> None:
        """Room ``old`` is called ``new`` now (its log went with it): what
        waits for it goes there by its new name, and the client is as
        much back in it as it was. A line once written keeps its words: its
        key was used with the old name, which the server answers from."""
        was, now = name_key(old), name_key(new)
        old_log, new_log = _room_log(old), _room_log(new)
        for said in self.said.values():
            if said.where == old_log:
                said.where = new_log
            if said.room == was:
                said.room = now
                if not said.written:
                    said.line = _readdressed(said.line, new)
        if was in self._ready:
            self._ready.discard(was)
            self.ready(new)

    def connection_lost(self) -> None:
        """Nothing is in any room: every line waits, to go again with its
        key once back."""
        self._ready.clear()
        for said in self.said.values():
            _cancel(said)
            said.sent = False
            self._mark(said, WAITING)

    def copy_came(self, key: str) -> None:
        """The server's own copy of the line with ``key`` was just put in
        the log: it takes the pending row's place (above what was said
        after it and still waits)."""
        said = self.said.get(key)
        if said is not None and said.row is not None:
            self.rows.copy_in_place(said.where, said.row)
            said.row = None

    def acknowledged(self, key: str, target: str, number: str) -> None:
        """``ACK KEY TARGET ID``: said, once. A row left (no copy came:
        the answer to a repeat) goes if the log has the message already
        (a resume's replay brought it), else it is the message's row."""
        said = self.said.pop(key, None)
        if said is None:
            return
        _cancel(said)
        if said.row is None:
            return
        stored = int(number) if number.isdigit() else None
        if stored is not None and stored in self.rows.ids(said.where):
            self.rows.change(said.where, said.row, None)
        else:
            self.rows.said_in_place(
                said.where, said.row, replace(said.row, id=stored, pending="")
            )

    def refused(self, key: str, code: str) -> bool:
        """``ERR CODE`` answered the line with ``key``. ``UNAVAILABLE``: it
        stays, and goes again after a moment; the first is shown (False:
        the user learns why it waits), the next are not (True: nothing new
        to tell). Any other: it is out, its row too (False: the refusal is
        shown, saying why)."""
        said = self.said.get(key)
        if said is None:
            return False
        if code == UNAVAILABLE:
            said.sent = False
            delay = min(RETRY_MAXIMUM, RETRY_FIRST * 2**said.refusals)
            said.refusals += 1
            said.retry = self.clock.callLater(delay, self._again, said)
            self._mark(said, RETRYING)
            return said.refusals > 1
        del self.said[key]
        _cancel(said)
        if said.row is not None:
            self.rows.change(said.where, said.row, None)
        return False

    def _again(self, said: KeyedLine) -> None:
        said.retry = None
        if self.said.get(said.key) is said:
            self._go(said)

    def _go(self, said: KeyedLine) -> None:
        """Send ``said`` now if its room is ready, else leave it waiting."""
        if said.room not in self._ready:
            self._mark(said, WAITING)
            return
        said.sent = said.written = True
        self._mark(said, SENDING)
        self.send(said.line, said.where)

    def _mark(self, said: KeyedLine, word: str) -> None:
        """Its row says ``word``."""
        if said.row is not None and said.row.pending != word:
            changed = replace(said.row, pending=word)
            self.rows.change(said.where, said.row, changed)
            said.row = changed


def _cancel(said: KeyedLine) -> None:
    if said.retry is not None and said.retry.active():
        said.retry.cancel()
    said.retry = None


def _unaddressed(line: str) -> tuple[str, str]:
    """The room of ``/in ROOM LINE`` and its LINE (``("", line)`` else)."""
    command, _, rest = line.partition(" ")
    if command.lower() != "/in":
        return "", line
    room, _, inner = rest.partition(" ")
    return room, inner


def pending_row(line: str, user: str) -> LogEntry | None:
    """The row ``line`` (a keyed line's LINE) stands as until acknowledged:
    a message, an action, a paste, a private message; None for what is
    no line of its own (an edit, a reaction)."""
    command, _, rest = line.partition(" ")
    command = command.lower()
    if command == "/say":
        return LogEntry(EntryKind.MESSAGE, rest.partition(" ")[2], user=user)
    if command == "/me":
        return LogEntry(EntryKind.ACTION, rest, user=user)
    if command in ("/reply", "/thread"):
        return LogEntry(EntryKind.MESSAGE, rest.partition(" ")[2], user=user)
    if command == PASTE_COMMAND:
        text = _ESCAPED.sub(lambda found: "\n" if found[1] == "n" else found[1], rest)
        lines = tuple(text.split("\n"))
        return LogEntry(EntryKind.MESSAGE, lines[0], user=user, lines=lines)
    if command == "/msg":
        recipient, _, text = rest.partition(" ")
        return LogEntry(EntryKind.PRIVATE, text, user=user, target=recipient)
    return None


def _room_log(room: str) -> str:
    return log_key(Page.ROOM, room)


def _readdressed(line: str, room: str) -> str:
    """A keyed line not yet written, to ``room`` by its new name: ``/in
    ROOM /txn KEY LINE`` or ``/txn KEY /say ROOM TEXT``."""
    if line.startswith("/in "):
        rest = line[4:].partition(" ")[2]
        return f"/in {room} {rest}"
    txn, key, say, _, text = line.split(" ", 4)
    return f"{txn} {key} {say} {room} {text}"
