"""A room's stored lines, in order: replayed on joining, fetched with PgUp
or ``/history``, resumed after a reconnect.

:class:`RoomHistory`, a part of :class:`chatroom.client.model.SessionModel`,
keeps what putting them in order needs: whether a join's replay has had
its ``earlier messages`` marker, what the log showed before a rejoin (so
nothing is shown twice), the newest event id of each room (where a rejoin
resumes), where a join's replay began and where the read marker put the
*new messages* divider, and the lines each ``/history`` is fetching (for
a room, or a private conversation), which go where their ids say once
they are all in (:func:`merge`): above what is shown, in time order, each
once, whatever order they were asked in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatroom.client.entries import EntryKind, LogEntry

#: What makes a replayed line the same as one the log showed before.
Sighting = tuple[str, "float | None", str]


@dataclass(slots=True)
class Fetch:
    """One ``/history`` on its way: the lines come, then its end."""

    #: Whether the user asked (PgUp, a typed ``/history``), so the view
    #: shows what came; the client's own (coming back to a room) is merged
    #: where the user is, following the newest line.
    paging: bool = False
    lines: list[LogEntry] = field(default_factory=list)
    #: How many ends are still to come (a typed ``/history`` while the
    #: client's own was under way: their lines are merged alike).
    ends: int = 1


class RoomHistory:
    """The replay of the room being joined, fetches, newest ids."""

    def __init__(self) -> None:
        #: Whether the replay has had its ``earlier messages`` marker.
        self.marked = False
        #: The messages the room's log held before this join (a rejoin).
        self.shown_before: set[Sighting] = set()
        #: The newest event id seen in each room or conversation (by log
        #: key): where a rejoin after a reconnect resumes from (``/join
        #: ROOM since ID``), and what ``/read`` marks.
        self.last_ids: dict[str, int] = {}
        #: The ``/history`` fetches under way, by log key.
        self.fetches: dict[str, Fetch] = {}
        #: Rooms (by log key) whose log reaches back to their first kept message.
        self.complete: set[str] = set()
        #: The rooms whose join replay is under way (by log key): their
        #: ``READ`` ends it.
        self.joining: set[str] = set()
        #: The line saying a room was joined (by log key): older lines go
        #: under it when the log has no stored line yet.
        self.join_lines: dict[str, LogEntry] = {}
        #: The oldest id a join's replay brought, by log key.
        self.replay_start: dict[str, int] = {}
        #: The read marker the *new messages* divider stands after, by log key.
        self.dividers: dict[str, int] = {}

    def connection_lost(self) -> None:
        """Nothing asked on the connection that is gone will be answered:
        no fetch nor join is under way (PgUp, and opening a conversation,
        ask again on the next)."""
        self.fetches.clear()
        self.joining.clear()

    def start(self, key: str, log: list[LogEntry]) -> None:
        """A join's replay of room ``key`` is coming: it starts with a
        marker, and what ``log`` (the room's) shows already (a rejoin) is
        not shown again."""
        self.shown_before = {
            (entry.user, entry.time, entry.text)
            for entry in log
            if entry.kind in (EntryKind.MESSAGE, EntryKind.ACTION)
        }
        self.fetches.pop(key, None)
        self.marked = False
        self.joining.add(key)
        self.replay_start.pop(key, None)

    def replayed(self, key: str, number: int | None) -> None:
        """A join's replay brought message ``number`` to room ``key``."""
        if number is not None and key not in self.replay_start:
            self.replay_start[key] = number

    def saw(self, key: str, event_id: str) -> int | None:
        """Note a stored event's id in room ``key`` (the newest per room);
        the id as a number, None without one."""
        if not event_id.isdigit():
            return None
        number = int(event_id)
        if number > self.last_ids.get(key, 0):
            self.last_ids[key] = number
        return number

    def needs_marker(self) -> bool:
        """Whether the replay's next line is its first (the marker goes
        before it); True once per join."""
        if self.marked:
            return False
        self.marked = True
        return True

    def fetching(self, key: str) -> Fetch | None:
        """The ``/history`` of ``key`` under way, if any."""
        return self.fetches.get(key)

    def expect(self, key: str, paging: bool) -> None:
        """A ``/history`` of ``key`` is on its way: its lines are merged
        when its end comes."""
        fetch = self.fetches.get(key)
        if fetch is None:
            self.fetches[key] = Fetch(paging)
        else:
            fetch.ends += 1
            fetch.paging = fetch.paging or paging

    def take(self, key: str) -> Fetch | None:
        """What a ``/history`` of ``key`` brought, now that it ended (None:
        there was none under way)."""
        fetch = self.fetches.get(key)
        if fetch is None:
            return None
        fetch.ends -= 1
        if fetch.ends <= 0:
            del self.fetches[key]
            return fetch
        taken = Fetch(fetch.paging, fetch.lines)
        fetch.lines = []
        return taken


def stored(log: list[LogEntry]) -> list[int]:
    """The ids of ``log``'s stored lines, in order."""
    return [entry.id for entry in log if entry.id is not None]


def place(log: list[LogEntry], number: int, divider: int | None) -> int | None:
    """Where message ``number`` goes in ``log``: before the first newer
    stored line, and before the *new messages* divider when it was read
    (``number`` up to the marker ``divider``); after the newest stored
    line when it is newer than all; None when the log has no stored line."""
    last = None
    for index, entry in enumerate(log):
        if entry.id is not None:
            if entry.id > number:
                return index
            last = index
        elif entry.kind == EntryKind.NEW and divider is not None and number <= divider:
            return index
    return None if last is None else last + 1


def first_place(log: list[LogEntry], join_line: LogEntry | None) -> int:
    """Where the oldest lines go: before the first stored line; in a log
    with none, under the ``earlier messages`` marker (the join's), else
    under the line saying the room was joined, else at the end."""
    for index, entry in enumerate(log):
        if entry.id is not None or entry.kind == EntryKind.NEW:
            return index
    markers = [i for i, entry in enumerate(log) if entry.kind == EntryKind.EARLIER]
    if markers:
        return markers[-1] + 1
    if join_line is not None and join_line in log:
        return log.index(join_line) + 1
    return len(log)


def merge(
    log: list[LogEntry],
    fetched: list[LogEntry],
    divider: int | None,
    join_line: LogEntry | None,
    marked: bool = True,
) -> list[LogEntry]:
    """Put the ``fetched`` lines that ``log`` does not hold yet where
    their ids say (time order), each once, with an ``earlier messages``
    marker above them when the log had none (``marked``: a room's; a
    conversation's past is the conversation); the lines put in, oldest
    first."""
    held = set(stored(log))
    new: list[LogEntry] = []
    for entry in fetched:
        if entry.id is None or entry.id not in held:
            new.append(entry)
            if entry.id is not None:
                held.add(entry.id)
    if not new:
        return []
    if marked and not any(entry.kind == EntryKind.EARLIER for entry in log):
        log.insert(first_place(log, join_line), EARLIER_MARKER)
    for entry in sorted(new, key=lambda each: -1 if each.id is None else each.id):
        at = None if entry.id is None else place(log, entry.id, divider)
        log.insert(first_place(log, join_line) if at is None else at, entry)
    return sorted(new, key=lambda each: -1 if each.id is None else each.id)


#: The line above the lines from a room's history.
EARLIER_MARKER = LogEntry(EntryKind.EARLIER, "earlier messages")

#: The line at the read marker, above the messages not read yet.
NEW_MARKER = LogEntry(EntryKind.NEW, "new messages")
