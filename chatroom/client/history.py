"""A room's stored lines, in order: replayed on joining, fetched with PgUp,
resumed after a reconnect.

:class:`RoomHistory`, a part of :class:`chatroom.client.model.SessionModel`,
keeps what putting them in order needs: whether a join's replay has had
its ``earlier messages`` marker, what the log showed before a rejoin (so
nothing is shown twice), the newest event id of each room (where a rejoin
resumes), and the older lines a ``/history`` is fetching, which go above
the oldest line and below the join line and the marker once they are all
in (see the model's ``older_lines``).
"""

from __future__ import annotations

from chatroom.client.entries import EntryKind, LogEntry

#: What makes a replayed line the same as one the log showed before.
Sighting = tuple[str, "float | None", str]


class RoomHistory:
    """The replay of the room being joined, older lines, newest ids."""

    def __init__(self) -> None:
        #: Whether the replay has had its ``earlier messages`` marker.
        self.marked = False
        #: The messages the room's log held before this join (a rejoin).
        self.shown_before: set[Sighting] = set()
        #: The newest event id seen in each room (by log key): where a
        #: rejoin after a reconnect resumes from (``/join ROOM since ID``).
        self.last_ids: dict[str, int] = {}
        #: Older lines of the room being fetched with ``/history``, or None.
        self.older: list[LogEntry] | None = None
        #: Rooms (by log key) whose log reaches back to their first kept message.
        self.complete: set[str] = set()

    def start(self, log: list[LogEntry]) -> None:
        """A join's replay is coming: it starts with a marker, and what
        ``log`` (the room's) shows already (a rejoin) is not shown again."""
        self.shown_before = {
            (entry.user, entry.time, entry.text)
            for entry in log
            if entry.kind in (EntryKind.MESSAGE, EntryKind.ACTION)
        }
        self.older = None
        self.marked = False

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

    @property
    def loading_older(self) -> bool:
        """Whether a ``/history`` request is still unanswered."""
        return self.older is not None

    def expect_older(self) -> None:
        """A ``/history`` request is on its way: its lines go at the top."""
        self.older = []

    def take_older(self) -> list[LogEntry]:
        """The older lines fetched (the request is answered)."""
        older, self.older = self.older or [], None
        return older
