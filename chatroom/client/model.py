"""The session as the user sees it: page, name, rooms, members, topic, log.

The model applies :class:`chatroom.core.wire.ParsedLine` objects in order and tells
its listeners what changed; it never touches the network or the screen, so
it is tested by feeding it events. The controller adds what only it knows
(connection lost, reconnecting) through the ``note_*`` methods. What it
produces (pages, log entries, changes) is described in :mod:`.entries`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from twisted.internet.defer import Deferred

from chatroom.client.entries import (
    Change,
    EntryKind,
    LogEntry,
    Page,
    RoomListing,
    log_key,
    mentions,
)
from chatroom.client.moderation import DESCRIBERS, describe
from chatroom.core.text import name_key
from chatroom.core.wire import ParsedLine, parse_time

Listener = Callable[[Change, LogEntry | None], None]

#: Errors that mean the name (or sign-in) just tried was refused, so the
#: username page shows why and asks again.
NAME_ERRORS = frozenset(
    {
        "BAD_NAME",
        "NAME_TAKEN",
        "NAME_REGISTERED",
        "ACCOUNT_REQUIRED",
        "BAD_PASSWORD",
        "NO_SUCH_ACCOUNT",
        "RATE_LIMITED",
        "BANNED",
    }
)


def _number(text: str) -> int:
    """A count field, tolerant of a garbled one (shown as 0, not a crash)."""
    try:
        return int(text)
    except ValueError:
        return 0


class SessionModel:
    """Everything the screen shows, updated by server events."""

    def __init__(self) -> None:
        self.page = Page.CONNECTING
        self.greeting = ""
        self.own_name: str | None = None
        self.name_problem = ""
        #: The registered name whose password the username page asks for
        #: (None: it asks for a name).
        self.password_for: str | None = None
        #: What last happened to the user (kicked, invited, an announcement),
        #: kept above the lobby's room list until they enter a room.
        self.alert = ""
        self.rooms: dict[str, RoomListing] = {}
        self.room: str | None = None
        self.capacity = 0
        self.members: list[str] = []
        self.owner: str | None = None
        self.topic = ""
        #: Every page's log by :func:`log_key`; ``log`` is the one shown.
        self.logs: dict[str, list[LogEntry]] = {}
        self.shown_log = log_key(self.page)
        self.status = "connecting…"
        self.connected = False
        #: Round trip to the server in seconds, once measured.
        self.lag: float | None = None
        #: Whether the server pushes lobby changes (``/watch on``).
        self.watching = True  # the controller asks for it on every connection
        #: Every user name seen this session, for completion.
        self.known_users: dict[str, str] = {}
        self.bye_reason: str | None = None
        self._listeners: list[Listener] = []
        self._waiters: list[tuple[Callable[[SessionModel], bool], Deferred[None]]] = []
        self._held = 0
        self._history_marked = False
        self._seen_before_join: set[tuple[str, float | None, str]] = set()
        #: The newest event id seen in each room (by log key): where a
        #: rejoin after a reconnect resumes from (``/join ROOM since ID``).
        self.last_ids: dict[str, int] = {}
        #: Older lines of the room being fetched with ``/history``, or None.
        self._older: list[LogEntry] | None = None
        #: Rooms (by log key) whose log reaches back to their first kept message.
        self.complete: set[str] = set()

    # -- observing -------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(change, entry)`` after every change (entry for LOG)."""
        self._listeners.append(listener)

    def when(self, predicate: Callable[[SessionModel], bool]) -> Deferred[None]:
        """A Deferred that fires once ``predicate(model)`` holds.

        Tests wait on this instead of sleeping; it is checked after every
        change, and at once.
        """
        waiter: Deferred[None] = Deferred()
        if predicate(self):
            waiter.callback(None)
        else:
            self._waiters.append((predicate, waiter))
        return waiter

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold waiters until the block ends, so they see a whole update.

        Listeners (the screen) still hear each change at once; a waiter
        resumes code that might act, so it must not run mid-event.
        """
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self._check_waiters()

    def _changed(self, change: Change, entry: LogEntry | None = None) -> None:
        for listener in list(self._listeners):
            listener(change, entry)
        if not self._held:
            self._check_waiters()

    def _check_waiters(self) -> None:
        pending, self._waiters = self._waiters, []
        for predicate, waiter in pending:
            if predicate(self):
                waiter.callback(None)
            else:
                self._waiters.append((predicate, waiter))

    @property
    def log(self) -> list[LogEntry]:
        """The lines of the log on screen now."""
        return self.logs.setdefault(self.shown_log, [])

    def _add(self, entry: LogEntry, where: str | None = None) -> None:
        if where is None or where == self.shown_log:
            self.log.append(entry)
            self._changed(Change.LOG, entry)
        else:
            self.logs.setdefault(where, []).append(entry)

    def _set_page(self, page: Page) -> None:
        if page != self.page:
            self.page = page
            self._changed(Change.PAGE)
        self._switch_log()

    def _switch_log(self) -> None:
        key = log_key(self.page, self.room)
        if key != self.shown_log:
            self.shown_log = key
            self._changed(Change.LOG_SWITCH)

    def _saw_user(self, *names: str) -> None:
        for name in names:
            if name:
                self.known_users[name_key(name)] = name

    # -- what the controller knows -------------------------------------------

    def note(
        self, text: str, kind: EntryKind = EntryKind.NOTICE, where: str | None = None
    ) -> None:
        """A line from the client itself (connection news, key help).

        ``where`` (a :func:`log_key`) puts it in another page's log: news
        about rejoining a room belongs with that room's lines.
        """
        self._add(LogEntry(kind, text), where)

    def note_members(self) -> None:
        """Show the room's members in the log (the answer to a typed ``/who``)."""
        names = [f"@{name}" if name == self.owner else name for name in self.members]
        self.note(f"members of {self.room} ({len(names)}): {', '.join(names)}")

    def note_room(self, room: RoomListing) -> None:
        """Show one room of a listing in the log (a typed ``/list``)."""
        topic = f" · {room.topic}" if room.topic else ""
        self.note(f"  {room.name} {room.members}/{room.capacity}{topic}")

    def ask_password(self, name: str, problem: str) -> None:
        """The username page asks for the password of ``name``, saying why."""
        self.password_for = name
        self._set_name_problem(problem)
        self._changed(Change.SIGN_IN)

    def ask_name(self, problem: str = "") -> None:
        """The username page asks for a name again (and says why, if given)."""
        self.password_for = None
        self._set_name_problem(problem)
        self._changed(Change.SIGN_IN)

    def _set_name_problem(self, problem: str) -> None:
        self.name_problem = problem
        self._changed(Change.NAME_PROBLEM)

    def note_alert(self, text: str) -> None:
        """Something that happened to the user: prominent in the log on
        screen (it rings the bell) and kept above the lobby's room list."""
        self.alert = text
        self._changed(Change.ALERT)
        self._add(LogEntry(EntryKind.ALERT, text, mentions_me=True))

    def dismiss_alert(self) -> None:
        """The user has read the lobby's notice (Esc), or entered a room."""
        if self.alert:
            self.alert = ""
            self._changed(Change.ALERT)

    def set_lag(self, seconds: float) -> None:
        """The last measured round trip to the server."""
        self.lag = seconds
        self._changed(Change.STATUS)

    def set_status(self, text: str) -> None:
        """The status bar's text."""
        self.status = text
        self._changed(Change.STATUS)

    def note_connected(self, status: str) -> None:
        """A connection is open; the server's HELLO follows."""
        self.connected = True
        self.bye_reason = None
        self.set_status(status)

    def note_disconnected(self, status: str) -> None:
        """The connection is gone; the pages stay as they were until it is back."""
        self.connected = False
        self.lag = None
        self.set_status(status)

    # -- server events -----------------------------------------------------------

    def apply(self, event: ParsedLine) -> None:
        """Update the session for one server event (unknown ones are ignored)."""
        handler = getattr(self, f"_on_{event.name}", None)
        if handler is None and event.name in DESCRIBERS:
            handler = self._described
        if handler is not None:
            with self.batch():
                handler(event)

    def _field(self, event: ParsedLine, index: int) -> str:
        return event.fields[index] if len(event.fields) > index else ""

    def _time(self, stamp: str) -> float | None:
        try:
            return parse_time(stamp)
        except ValueError:
            return None

    def _on_HELLO(self, event: ParsedLine) -> None:
        self.greeting = event.text
        self._set_page(Page.USERNAME)

    def _on_WELCOME(self, event: ParsedLine) -> None:
        self.own_name = self._field(event, 0)
        self.password_for = None
        self._set_name_problem("")
        self._changed(Change.SIGN_IN)
        self.room = None
        self._set_page(Page.LOBBY)
        self._changed(Change.HEADER)

    def _on_ERR(self, event: ParsedLine) -> None:
        code = self._field(event, 0)
        if self.page == Page.USERNAME and code in NAME_ERRORS:
            self._set_name_problem(event.text or code)
        self._add(LogEntry(EntryKind.ERROR, event.text or code, user=code))

    def _on_ROOMS(self, event: ParsedLine) -> None:
        # A full list follows; pushed ROOM lines (from /watch) come without it.
        self.rooms = {}
        self._changed(Change.ROOMS)

    def _on_ROOM(self, event: ParsedLine) -> None:
        name = self._field(event, 0)
        self.rooms[name] = RoomListing(
            name,
            _number(self._field(event, 1)),
            _number(self._field(event, 2)),
            event.text,
        )
        self._changed(Change.ROOMS)

    def _on_LOBBY(self, event: ParsedLine) -> None:
        self.watching = event.text == "watching"
        self._changed(Change.ROOMS)

    def _on_ROOM_GONE(self, event: ParsedLine) -> None:
        if self.rooms.pop(self._field(event, 0), None) is not None:
            self._changed(Change.ROOMS)

    def _on_JOINED(self, event: ParsedLine) -> None:
        room = self._field(event, 0)
        # Rejoining after a reconnect replays history we already show.
        self._seen_before_join = {
            (entry.user, entry.time, entry.text)
            for entry in self.logs.get(log_key(Page.ROOM, room), [])
            if entry.kind in (EntryKind.MESSAGE, EntryKind.ACTION)
        }
        self.room = room
        self._older = None
        self.capacity = _number(self._field(event, 2))
        self.members = []
        self.owner = None
        self.topic = ""
        self._history_marked = False
        self.dismiss_alert()
        self._set_page(Page.ROOM)
        self._add(LogEntry(EntryKind.NOTICE, f"you joined {room}"))
        self._changed(Change.HEADER)
        self._changed(Change.MEMBERS)

    def _on_MEMBERS(self, event: ParsedLine) -> None:
        if event.fields[:1] == (self.room,):
            self.members = list(event.fields[1:])
            self._saw_user(*self.members)
            self._changed(Change.MEMBERS)

    def _on_OWNER(self, event: ParsedLine) -> None:
        user = self._field(event, 1)
        if user != self.owner:
            # The first OWNER after joining is news to nobody; later ones are.
            if self.owner is not None:
                self._add(LogEntry(EntryKind.NOTICE, f"{user} now owns {self.room}"))
            self.owner = user
            self._changed(Change.MEMBERS)

    def _history(self, event: ParsedLine, kind: EntryKind) -> None:
        user, stamp = self._field(event, 1), self._field(event, 2)
        moment = self._time(stamp)
        entry = self._said(kind, user, moment, event.text, True, self._seen(event))
        if self._older is not None:
            self._older.append(entry)
            return
        if (user, moment, event.text) in self._seen_before_join:
            return
        if not self._history_marked:
            self._history_marked = True
            self._add(LogEntry(EntryKind.EARLIER, "earlier messages"))
        self._add(entry)

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
        older, self._older = self._older or [], None
        if self.room is None or self._field(event, 0) != self.room:
            return
        first = self.log[0] if self.log else None
        if not older:
            self.complete.add(self.shown_log)
            self._add(LogEntry(EntryKind.NOTICE, "no earlier messages"))
            return
        self.log[0:0] = older
        self._changed(Change.LOG_OLDER, first)

    def _on_GAP(self, event: ParsedLine) -> None:
        count = self._field(event, 1)
        what = "some messages" if count == "?" else f"{count} messages"
        self._add(
            LogEntry(EntryKind.NOTICE, f"{what} from while you were away are not shown")
        )

    def _on_HISTORY(self, event: ParsedLine) -> None:
        self._history(event, EntryKind.MESSAGE)

    def _on_HISTORY_ACTION(self, event: ParsedLine) -> None:
        self._history(event, EntryKind.ACTION)

    def _live(self, event: ParsedLine, kind: EntryKind) -> None:
        user, moment = self._field(event, 1), self._time(self._field(event, 2))
        self._add(self._said(kind, user, moment, event.text, id=self._seen(event)))

    def _said(
        self,
        kind: EntryKind,
        user: str,
        moment: float | None,
        text: str,
        earlier: bool = False,
        id: int | None = None,
    ) -> LogEntry:
        """A message or action by ``user``, flagged if it mentions us."""
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
        )

    def _on_MSG(self, event: ParsedLine) -> None:
        self._live(event, EntryKind.MESSAGE)

    def _on_ACTION(self, event: ParsedLine) -> None:
        self._live(event, EntryKind.ACTION)

    def _on_PRIVMSG(self, event: ParsedLine) -> None:
        sender, recipient = self._field(event, 0), self._field(event, 1)
        self._saw_user(sender, recipient)
        self._add(
            LogEntry(
                EntryKind.PRIVATE,
                event.text,
                user=sender,
                target=recipient,
                time=self._time(self._field(event, 2)),
                mentions_me=sender != self.own_name,
            )
        )

    def _on_TOPIC(self, event: ParsedLine) -> None:
        self.topic = event.text
        self._changed(Change.HEADER)
        self._add(LogEntry(EntryKind.TOPIC, event.text, user=self._field(event, 1)))

    def _on_JOIN(self, event: ParsedLine) -> None:
        user = self._field(event, 1)
        self._saw_user(user)
        if user not in self.members:
            self.members.append(user)
            self._changed(Change.MEMBERS)
        self._add(LogEntry(EntryKind.JOIN, f"{user} joined", user=user))

    def _on_PART(self, event: ParsedLine) -> None:
        user = self._field(event, 1)
        if user in self.members:
            self.members.remove(user)
            self._changed(Change.MEMBERS)
        self._add(LogEntry(EntryKind.PART, event.text, user=user))

    def _on_NICK(self, event: ParsedLine) -> None:
        old, new = self._field(event, 0), self._field(event, 1)
        self.known_users.pop(name_key(old), None)
        self._saw_user(new)
        if old == self.own_name:
            self.own_name = new
            self._changed(Change.HEADER)
        self.members = [new if member == old else member for member in self.members]
        if self.owner == old:
            self.owner = new
        self._changed(Change.MEMBERS)
        self._add(LogEntry(EntryKind.NICK, new, user=old))

    def _leave(self, text: str = "") -> None:
        """Back in the lobby; ``text`` says why in the lobby's log."""
        self.room = None
        self.members = []
        self.owner = None
        self.topic = ""
        self._set_page(Page.LOBBY)
        if text:
            self._add(LogEntry(EntryKind.NOTICE, text))
        self._changed(Change.HEADER)
        self._changed(Change.MEMBERS)

    def _on_LEFT(self, event: ParsedLine) -> None:
        self._leave(f"you left {self._field(event, 0)}")

    def _on_DELETED(self, event: ParsedLine) -> None:
        room, by = self._field(event, 0), self._field(event, 1)
        self._leave(f"{room} was deleted by {by}")

    def _on_NOTICE(self, event: ParsedLine) -> None:
        """The server's word about a room (a cluster node lost touch, say)."""
        self._add(LogEntry(EntryKind.NOTICE, f"{self._field(event, 0)}: {event.text}"))

    def _on_SLOW(self, event: ParsedLine) -> None:
        """The server is holding our lines back (a paste past its burst)."""
        self._add(LogEntry(EntryKind.NOTICE, f"server: {event.text}"))

    def _on_HELP(self, event: ParsedLine) -> None:
        self._add(LogEntry(EntryKind.HELP, event.text))

    def _on_BYE(self, event: ParsedLine) -> None:
        self.bye_reason = event.text
        self._add(LogEntry(EntryKind.NOTICE, f"server said goodbye: {event.text}"))

    # -- accounts, moderation and admin events (see moderation.py) -------------

    def _described(self, event: ParsedLine) -> None:
        """A line in the log as :mod:`.moderation` words it: a room's in that
        room's log, one about the user as an alert."""
        line = describe(event)
        if line is None:
            return
        if line.alert:
            self.note_alert(line.text)
            return
        where = log_key(Page.ROOM, line.room) if line.room else None
        self._add(LogEntry(EntryKind.MODERATION, line.text), where)

    def _on_KICK(self, event: ParsedLine) -> None:
        user = self._field(event, 1)
        if self._field(event, 0) == self.room and user in self.members:
            self.members.remove(user)
            self._changed(Change.MEMBERS)
        self._described(event)

    def _on_KICKED(self, event: ParsedLine) -> None:
        """Put out of the room: the lobby (the server sends its list) keeps
        the notice in view."""
        if self._field(event, 0) == self.room:
            self._leave()
        self._described(event)
