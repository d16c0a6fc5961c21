"""A room's history in the session model: replayed on joining, fetched
with PgUp, resumed after a reconnect.

:class:`RoomHistory` is the part of :class:`chatroom.client.model.SessionModel`
that keeps the room's stored lines in order: the ``earlier messages``
marker before a join's replay, nothing shown twice after a rejoin, the
newest event id of each room (where a rejoin resumes), and older lines
fetched with ``/history`` put where they belong, above the oldest line
and below the join line and the marker.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.client.entries import Change, EntryKind, LogEntry, Page, log_key, mentions
from chatroom.client.observed import Observed
from chatroom.core.text import name_key
from chatroom.wire.lines import ParsedLine, parse_time


class RoomHistory(Observed):
    """The room's stored lines; the session model builds on it."""

    #: Set by the session model: the user's name.
    own_name: str | None

    @property
    def room(self) -> str | None:
        """The room on screen (the buffers' part of the model says)."""
        return None

    def __init__(self, shown_log: str, now: Callable[[], float]) -> None:
        super().__init__(shown_log, now)
        self._history_marked = False
        self._seen_before_join: set[tuple[str, float | None, str]] = set()
        #: The newest event id seen in each room (by log key): where a
        #: rejoin after a reconnect resumes from (``/join ROOM since ID``).
        self.last_ids: dict[str, int] = {}
        #: Older lines of the room being fetched with ``/history``, or None.
        self._older: list[LogEntry] | None = None
        #: Rooms (by log key) whose log reaches back to their first kept message.
        self.complete: set[str] = set()
        #: Every user name seen this session, for completion.
        self.known_users: dict[str, str] = {}

    def _start_history(self, room: str) -> None:
        """Joining ``room``: its replay starts with a marker, and what the
        log already shows (a rejoin after a reconnect) is not shown again."""
        self._seen_before_join = {
            (entry.user, entry.time, entry.text)
            for entry in self.logs.get(log_key(Page.ROOM, room), [])
            if entry.kind in (EntryKind.MESSAGE, EntryKind.ACTION)
        }
        self._older = None
        self._history_marked = False

    def _field(self, event: ParsedLine, index: int) -> str:
        return event.fields[index] if len(event.fields) > index else ""

    def _time(self, stamp: str) -> float | None:
        try:
            return parse_time(stamp)
        except ValueError:
            return None

    def _saw_user(self, *names: str) -> None:
        for name in names:
            if name:
                self.known_users[name_key(name)] = name

    def _said(
        self,
        kind: EntryKind,
        user: str,
        moment: float | None,
        text: str,
        earlier: bool = False,
        id: int | None = None,
        room: str = "",
    ) -> LogEntry:
        """A message or action by ``user`` in ``room``, flagged if it
        mentions us, quoting what it answers if it is a reply."""
        self._saw_user(user)
        mentions_me = user != self.own_name and mentions(self.own_name, text)
        return LogEntry(
            kind,
            text,
            user=user,
            time=moment,
            earlier=earlier,
            mentions_me=mentions_me,
            id=id,
            answers=self._answering(room) if room else "",
            lines=self._block() if room else (),
        )

    def _answering(self, room: str) -> str:
        """What the message being read answers, quoted (see :mod:`.rich`)."""
        return ""

    def _block(self) -> tuple[str, ...]:
        """The lines of the paste being read (see :mod:`.rich`)."""
        return ()

    def _history(self, event: ParsedLine, kind: EntryKind) -> None:
        user, stamp = self._field(event, 1), self._field(event, 2)
        moment = self._time(stamp)
        room = self._field(event, 0)
        entry = self._said(
            kind, user, moment, event.text, True, self._seen(event), room
        )
        if self._older is not None:
            self._older.append(entry)
            return
        if (user, moment, event.text) in self._seen_before_join:
            return
        where = log_key(Page.ROOM, self._field(event, 0))
        if not self._history_marked:
            self._history_marked = True
            self._add(LogEntry(EntryKind.EARLIER, "earlier messages"), where)
        self._add(entry, where)

    def _seen(self, event: ParsedLine) -> int | None:
        """Note a stored event's id (the newest per room); None without one."""
        if not event.id.isdigit():
            return None
        number = int(event.id)
        key = log_key(Page.ROOM, self._field(event, 0))
        if number > self.last_ids.get(key, 0):
            self.last_ids[key] = number
        return number

    def oldest_id(self) -> int | None:
        """The id of the oldest stored event in the room's log on screen."""
        return next((e.id for e in self.log if e.id is not None), None)

    @property
    def loading_older(self) -> bool:
        """Whether a ``/history`` request is still unanswered."""
        return self._older is not None

    def expect_older(self) -> None:
        """A ``/history`` request is on its way: its lines go at the top."""
        self._older = []

    def _on_HISTORY_END(self, event: ParsedLine) -> None:
        """Older lines go where they belong: above the oldest stored line,
        below the ``you joined`` line and the ``earlier messages`` marker
        (added if the log had none), so the log stays in order."""
        older, self._older = self._older or [], None
        if self.room is None or self._field(event, 0) != self.room:
            return
        log = self.log
        at = next((i for i, entry in enumerate(log) if entry.id is not None), len(log))
        first = log[at] if at < len(log) else None
        if not older:
            self.complete.add(self.shown_log)
            older = [LogEntry(EntryKind.NOTICE, "no earlier messages", time=self.now())]
            first = None  # the screen shows the top, where this line is
        if not any(entry.kind == EntryKind.EARLIER for entry in log[:at]):
            older.insert(0, LogEntry(EntryKind.EARLIER, "earlier messages"))
        log[at:at] = older
        self._changed(Change.LOG_OLDER, first)

    def _on_GAP(self, event: ParsedLine) -> None:
        count = self._field(event, 1)
        what = "some messages" if count == "?" else f"{count} messages"
        self._add(
            LogEntry(
                EntryKind.NOTICE, f"{what} from while you were away are not shown"
            ),
            log_key(Page.ROOM, self._field(event, 0)),
        )

    def _on_HISTORY(self, event: ParsedLine) -> None:
        self._history(event, EntryKind.MESSAGE)

    def _on_HISTORY_ACTION(self, event: ParsedLine) -> None:
        self._history(event, EntryKind.ACTION)
