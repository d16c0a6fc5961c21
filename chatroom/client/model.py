"""The session as the user sees it: page, name, rooms, members, topic, logs.

:class:`SessionModel` is one object composed of parts that each hold one
kind of data: the logs (:class:`~chatroom.client.logs.Logs`), the open
rooms and conversations (:class:`~chatroom.client.buffers.Buffers`), a
room's stored lines in order (:class:`~chatroom.client.history.RoomHistory`),
who is typing (:class:`~chatroom.client.typists.Typists`) and the
moderation log being read (:class:`~chatroom.client.findings.Findings`).
It decides what each server event does to them: the controller hands it
each event through its table (``chatroom.client.controller.EVENTS``),
calling the method that table names, and the model tells its listeners
(the screen, the log files) what changed. It never touches the network
or the screen, so it is tested by feeding it events. The controller adds
what only it knows (connection lost, reconnecting) through the ``note_*``
and ``set_*`` methods. What it produces (pages, log entries, changes) is
described in :mod:`.entries`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Self

from twisted.internet.defer import Deferred

from chatroom.client.buffers import Buffer, Buffers, private_key
from chatroom.client.entries import (
    Change,
    EntryKind,
    LogEntry,
    Page,
    Person,
    RoomListing,
    Words,
    dressed,
    log_key,
    mentions,
    spelled,
    worded,
)
from chatroom.client.findings import (
    MODLOG_TITLES,
    SEARCH_KEY,
    Findings,
    found_summary,
    short_time,
    table,
)
from chatroom.client.history import (
    EARLIER_MARKER,
    NEW_MARKER,
    RoomHistory,
    first_place,
    merge,
    stored,
)
from chatroom.client.logs import Logs
from chatroom.client.moderation import describe, kicked_from
from chatroom.client.reports import (
    REPORTS_KEY,
    REPORTS_TOPIC,
    closed,
    heading,
    said,
    summary,
)
from chatroom.client.rich import (
    CHANGEABLE,
    attachment,
    deleted,
    edited,
    find_message,
    paste_lines,
    previewed,
    quoted,
    reacted,
)
from chatroom.client.threads import pins_rows, replies_line, thread_key
from chatroom.client.typists import Typists
from chatroom.wire.goodbyes import SIGN_IN_REFUSALS
from chatroom.wire.lines import ParsedLine, parse_time
from chatroom.wire.names import name_key
from chatroom.wire.tags import THREAD_TAG
from chatroom.wire.waiting import not_yet_words

#: Hears of every change: what changed, and the log line for LOG changes.
Listener = Callable[[Change, LogEntry | None], None]

#: How long after a rejoin the members who were there before count as
#: coming back rather than joining (the server keeps a restored room for
#: its members for ``--grace``, 5 minutes by default).
RETURN_WINDOW_SECONDS = 300.0


def _number(text: str) -> int:
    """A count field, tolerant of a garbled one (shown as 0, not a crash)."""
    try:
        return int(text)
    except ValueError:
        return 0


def moment(stamp: str) -> float | None:
    """A time field as seconds since the epoch; None for one that is not."""
    try:
        return parse_time(stamp)
    except ValueError:
        return None


def fetched_key(target: str) -> str:
    """The log a ``/history`` answer is for: a room's, or the conversation
    with USER's (``@USER``)."""
    if target.startswith("@"):
        return private_key(target[1:])
    return log_key(Page.ROOM, target)


def answered(event: ParsedLine) -> str:
    """The id of the message ``event`` answers: the one it replies to, or
    else the root of the thread it is in ("" for neither)."""
    return event.tag("reply") or event.tag(THREAD_TAG) or ""


class SessionModel:
    """Everything the screen shows, updated by server events.

    Args:
        now: the time a line without one of its own (a join, a topic, the
            client's own news) is stamped with; the reactor's clock, or a
            ``task.Clock`` in tests.
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now
        self.logs = Logs(log_key(Page.CONNECTING), now)
        self.buffers = Buffers()
        self.history = RoomHistory()
        self.typists = Typists()
        self.findings = Findings()
        #: Every user name seen this session (by name key), for completion.
        self.known_users: dict[str, str] = {}
        #: Users' display names (``PROFILE``), by name key.
        self.display_names: dict[str, str] = {}
        self._listeners: list[Listener] = []
        self._waiters: list[tuple[Callable[[Self], bool], Deferred[None]]] = []
        self._held = 0
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
        #: Rooms the server's last full list left out (``ROOMS n more``: the
        #: lobby's shows the fullest few), which ``/list`` would list.
        self.rooms_more = 0
        self.status = "connecting…"
        self.connected = False
        #: Round trip to the server in seconds, once measured.
        self.lag: float | None = None
        #: Typed lines waiting for their turn under the flood pacing.
        self.queued = 0
        #: Whether the server pushes lobby changes (``/watch on``).
        self.watching = True  # the controller asks for it on every connection
        self.bye_reason: str | None = None
        #: The rooms being rejoined after a reconnect (by log key): their
        #: members come back without a "joined" line each, and an unchanged
        #: topic is not announced again (see :class:`.buffers.Buffer`).
        self._rejoining: set[str] = set()
        #: The room that was on screen before a reconnect, shown again.
        self._refocus: str | None = None
        #: The log key of the buffer where the line the server is answering
        #: was typed (None: the client's own line): answers that name no
        #: room are drawn there, where the user asked (the controller sets
        #: it for each event).
        self.answer_in: str | None = None
        #: Whether the server is answering one of the client's own questions
        #: (``/pins`` to know what is pinned, ``/info`` before a leave):
        #: what it says is kept, not shown (the controller sets it).
        self.quiet = False
        #: The room (or ``@USER``) whose join's replay a ``READ`` just ended,
        #: for the controller to fill in what it lacks (None: none).
        self.joined_now: str | None = None

    # -- observing -------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(change, entry)`` after every change (entry for LOG)."""
        self._listeners.append(listener)

    def when(self, predicate: Callable[[Self], bool]) -> Deferred[None]:
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

    def _check_waiters(self: Self) -> None:
        pending, self._waiters = self._waiters, []
        for predicate, waiter in pending:
            if predicate(self):
                waiter.callback(None)
            else:
                self._waiters.append((predicate, waiter))

    # -- what the screen shows ---------------------------------------------------

    @property
    def log(self) -> list[LogEntry]:
        """The lines of the log on screen now."""
        return self.logs.shown_lines

    @property
    def buffer(self) -> Buffer | None:
        """The buffer on screen, if any."""
        return self.buffers.shown

    @property
    def room(self) -> str | None:
        """The room on screen (None: the lobby, or a conversation)."""
        buffer = self.buffer
        return buffer.name if buffer is not None and buffer.is_room else None

    @property
    def members(self) -> list[str]:
        buffer = self.buffer
        if buffer is None or buffer.search:
            return []
        if buffer.private:
            return [name for name in (self.own_name, buffer.name) if name]
        if buffer.thread:  # a thread's buffer: its room's members
            room = self.buffers.room_buffer(buffer.name)
            return room.members if room is not None else []
        return buffer.members

    @property
    def members_total(self) -> int | None:
        """The room's size when only some of its members are listed."""
        buffer = self.buffer
        return buffer.total if buffer is not None and not buffer.private else None

    @property
    def owner(self) -> str | None:
        buffer = self.buffer
        if buffer is not None and buffer.thread:  # a thread's: its room's owner
            buffer = self.buffers.room_buffer(buffer.name)
        return buffer.owner if buffer is not None else None

    @property
    def topic(self) -> str:
        buffer = self.buffer
        if buffer is not None and buffer.private:
            return "private conversation"
        return buffer.topic if buffer is not None else ""

    @property
    def capacity(self) -> int:
        return self.buffer.capacity if self.buffer is not None else 0

    def typing_here(self) -> list[str]:
        """Who is typing in the room on screen, in the order they started."""
        if self.room is None:
            return []
        return self.typists.in_room(log_key(Page.ROOM, self.room), self.now())

    def oldest_id(self, key: str | None = None) -> int | None:
        """The id of the oldest stored event in log ``key`` (None: the one
        on screen)."""
        log = self.log if key is None else self.logs.lines(key)
        return next((e.id for e in log if e.id is not None), None)

    def last_own_message(self) -> LogEntry | None:
        """The user's newest message in the room on screen, to edit (Up)."""
        if self.room is None:
            return None
        for entry in reversed(self.log):
            if (
                entry.user == self.own_name
                and entry.id is not None
                and entry.kind in CHANGEABLE
                and not entry.deleted
            ):
                return entry
        return None

    # -- pages, and the buffer on screen ---------------------------------------------

    def _set_page(self, page: Page) -> None:
        if page != self.page:
            self.page = page
            self._changed(Change.PAGE)
        self._switch_log()

    def _switch_log(self) -> None:
        focused = self.buffers.focused
        key = focused if self.page == Page.ROOM and focused else log_key(self.page)
        if key != self.logs.shown:
            self.logs.shown = key
            self._changed(Change.LOG_SWITCH)

    def focus(self, key: str) -> bool:
        """Show the buffer ``key``; False if there is no such buffer, or
        the user is not signed in (the username page stays)."""
        if key not in self.buffers.by_key or self.page not in (Page.LOBBY, Page.ROOM):
            return False
        self.buffers.focused = key
        self._set_page(Page.ROOM)
        self._caught_up()
        self._changed(Change.HEADER)
        self._changed(Change.MEMBERS)
        self._changed(Change.BUFFERS)
        return True

    def focus_number(self, number: int) -> bool:
        """Show the ``number``-th buffer (from 1), as Alt-1..9 do."""
        keys = list(self.buffers.by_key)
        return 0 < number <= len(keys) and self.focus(keys[number - 1])

    def focus_step(self, step: int) -> bool:
        """Show the next (1) or previous (-1) buffer, wrapping round."""
        keys = list(self.buffers.by_key)
        if not keys:
            return False
        focused = self.buffers.focused
        at = keys.index(focused) if focused in keys else -1
        return self.focus(keys[(at + step) % len(keys)])

    def set_following(self, following: bool) -> None:
        """Whether the log on screen shows its newest line (the view's word)."""
        self.buffers.following = following
        self._caught_up()

    def in_view(self, key: str) -> bool:
        """Whether the newest line of ``key`` is in front of the user."""
        buffers = self.buffers
        return self.page == Page.ROOM and buffers.focused == key and buffers.following

    def _caught_up(self) -> None:
        """The focused buffer is in view: its news is seen."""
        buffer = self.buffer
        if buffer is None or not self.in_view(buffer.key):
            return
        buffer.seen = max(buffer.seen, self.history.last_ids.get(buffer.key, 0))
        if buffer.unread or buffer.mentions:
            buffer.unread = buffer.mentions = 0
            self._changed(Change.BUFFERS)

    def _recount(self, buffer: Buffer) -> None:
        """Count a buffer's news again (a catch-up's history, a READ)."""
        if self.in_view(buffer.key):
            self._caught_up()
            return
        buffer.recount(self.logs.lines(buffer.key), self.own_name)
        self._changed(Change.BUFFERS)

    def _open_room(self, room: str) -> Buffer:
        buffer = self.buffers.open_room(room)
        self._changed(Change.BUFFERS)
        return buffer

    def _conversation(self, user: str) -> Buffer:
        buffer, opened = self.buffers.conversation(user)
        if opened:
            self._changed(Change.BUFFERS)
        return buffer

    def open_conversation(self, user: str) -> None:
        """A private conversation with ``user``, shown (``/query``)."""
        self.focus(self._conversation(user).key)

    def close(self, key: str) -> None:
        """Forget a buffer (a room left, a conversation closed); if it was
        on screen, show the room joined last, as the server's FOCUS will,
        or the lobby when no room is left."""
        if not self.buffers.close(key):
            return
        self._changed(Change.BUFFERS)
        if self.buffers.focused != key:
            return
        rooms = self.buffers.room_keys()
        if rooms:
            self.focus(rooms[-1])
        else:
            self.buffers.focused = None
            self._set_page(Page.LOBBY)
            self._changed(Change.HEADER)
            self._changed(Change.MEMBERS)

    # -- adding lines ------------------------------------------------------------------

    def _add(self, entry: LogEntry, where: str | None = None) -> LogEntry:
        """Put a line in log ``where`` (None: the buffer where the line
        being answered was typed, else the one on screen), count it as news
        in its buffer if it is out of view, and take its author off the
        typists there (what they typed has come); the line as added. A
        line of someone whose display name is known names them by it
        (:meth:`profile_seen` follows a later one)."""
        if entry.user and not entry.shown_as and self.display_name(entry.user):
            entry = replace(entry, shown_as=self.display_name(entry.user))
        if where is None and self.answer_in in self.buffers.by_key:
            where = self.answer_in
        key = where or self.logs.shown
        added, shown = self.logs.add(entry, where)
        self._changed(Change.LOG if shown else Change.LOG_ELSEWHERE, added)
        buffer = self.buffers.by_key.get(key)
        if buffer is not None:
            if self.in_view(key):
                if entry.id is not None:
                    buffer.seen = max(buffer.seen, entry.id)
            elif buffer.count(entry, self.own_name):
                self._changed(Change.BUFFERS)
        if entry.user and not entry.earlier and self.typists.stopped(key, entry.user):
            self._changed(Change.TYPING)
        return added

    def note(
        self, text: str, kind: EntryKind = EntryKind.NOTICE, where: str | None = None
    ) -> None:
        """A line from the client itself (connection news, key help).

        ``where`` (a :func:`log_key`) puts it in another page's log: news
        about rejoining a room belongs with that room's lines.
        """
        self._add(LogEntry(kind, text), where)

    def add_row(self, entry: LogEntry, where: str) -> LogEntry:
        """A row of the client's own in log ``where`` (a line said and not
        yet acknowledged, see .unacknowledged); the row as added."""
        return self._add(entry, where)

    def change_row(self, where: str, row: LogEntry, entry: LogEntry | None) -> None:
        """Row ``row`` of log ``where`` is ``entry`` now (None: it goes);
        the screen draws the log again, where it was."""
        log = self.logs.lines(where)
        index = _index_of(log, row)
        if index is None:
            return
        if entry is None:
            del log[index]
        else:
            log[index] = entry
        if where == self.logs.shown:
            self._changed(Change.LOG_MERGED, None)

    def copy_in_place(self, where: str, row: LogEntry) -> None:
        """The server's copy of the line pending as ``row`` in log
        ``where`` came (added at the log's end): it takes the row's place,
        above lines said after it and still pending. The copy is the
        user's newest message, action or private message below the row;
        none there (it went elsewhere), the row goes."""
        log = self.logs.lines(where)
        index = _index_of(log, row)
        if index is None:
            return
        copy = next(
            (
                at
                for at in range(len(log) - 1, index, -1)
                if log[at].kind in OWN_LINES
                and not log[at].pending
                and log[at].user == self.own_name
            ),
            None,
        )
        if copy is None:
            del log[index]
        else:
            log[index] = log.pop(copy)
        if where == self.logs.shown:
            self._changed(Change.LOG_MERGED, None)

    def said_in_place(self, where: str, row: LogEntry, entry: LogEntry) -> None:
        """Row ``row`` of log ``where``, a line said, is ``entry`` now: the
        message's row where it stands (its ``ACK`` came, no copy did),
        filed in the log files as a copy would have been."""
        log = self.logs.lines(where)
        index = _index_of(log, row)
        if index is None:
            return
        log[index] = entry
        self.logs.filed_in = where
        self._changed(Change.LOG_SAID, entry)
        if where == self.logs.shown:
            self._changed(Change.LOG_MERGED, None)

    def stored_ids(self, where: str) -> set[int]:
        """The ids of the stored events log ``where`` shows."""
        return {entry.id for entry in self.logs.lines(where) if entry.id is not None}

    def _replace(self, log: list[LogEntry], index: int, entry: LogEntry) -> None:
        """Line ``index`` of ``log`` now reads as ``entry``; the screen redraws it."""
        log[index] = entry
        if log is self.logs.by_key.get(self.logs.shown):
            self._changed(Change.LOG_EDITED, entry)

    # -- what the controller knows -------------------------------------------

    def note_members(self) -> None:
        """Show the room's members in the log (the answer to a typed ``/who``:
        in a big room, everyone it listed, not only the announced)."""
        buffer = self.buffer
        members = self.members
        if buffer is not None and buffer.everyone is not None:
            members, buffer.everyone = buffer.everyone, None
        names = [f"@{name}" if name == self.owner else name for name in members]
        self.note(f"members of {self.room} ({len(names)}): {', '.join(names)}")

    def clear(self) -> None:
        """``/clear``: the log on screen starts again empty (the lines are
        gone from this session; PgUp in a room fetches them again)."""
        key = self.logs.shown
        self.logs.empty(key)
        self.history.complete.discard(key)
        self.history.dividers.pop(key, None)
        self._changed(Change.LOG_SWITCH)

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

    def expect_rejoin(self, rooms: list[str]) -> None:
        """The controller is taking the user back into ``rooms`` after a
        reconnect (none: it gave up): their JOINED is a return, not news."""
        self._rejoining = {log_key(Page.ROOM, room) for room in rooms}

    def mark_read(self, room: str, number: int) -> None:
        """``/read ROOM ID`` is on its way: the marker is there already."""
        self.buffers.mark_read(room, number)

    def set_lag(self, seconds: float) -> None:
        """The last measured round trip to the server."""
        self.lag = seconds
        self._changed(Change.STATUS)

    def set_queued(self, count: int) -> None:
        """How many typed lines wait to be sent (a paste, paced)."""
        self.queued = count
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

    def start_search(self, words: str) -> None:
        """A ``/search`` is on its way: its buffer, emptied, comes on screen."""
        buffer = self.buffers.by_key.get(SEARCH_KEY)
        if buffer is None:
            buffer = Buffer(SEARCH_KEY, "search", search=True)
            self.buffers.by_key[SEARCH_KEY] = buffer
        buffer.topic = f"search: {words}"
        self.logs.empty(SEARCH_KEY)
        if self.buffers.focused == SEARCH_KEY:
            self._changed(Change.LOG_SWITCH)
        self.focus(SEARCH_KEY)
        self._add(LogEntry(EntryKind.NOTICE, f"searching for {words}…"), SEARCH_KEY)

    def start_reports(self, room: str) -> None:
        """A ``/reports [ROOM]`` is on its way: the reports buffer, emptied,
        comes on screen for its answer."""
        self._reports_buffer()
        self.logs.empty(REPORTS_KEY)
        if self.buffers.focused == REPORTS_KEY:
            self._changed(Change.LOG_SWITCH)
        self.focus(REPORTS_KEY)
        asked = f"open reports of #{room}" if room else "open reports"
        self._add(LogEntry(EntryKind.NOTICE, f"{asked}…"), REPORTS_KEY)

    def _reports_buffer(self) -> Buffer:
        """The reports buffer, made (listed last, not shown) if new."""
        buffer = self.buffers.by_key.get(REPORTS_KEY)
        if buffer is None:
            buffer = Buffer(REPORTS_KEY, "reports", reports=True, topic=REPORTS_TOPIC)
            self.buffers.by_key[REPORTS_KEY] = buffer
            self._changed(Change.BUFFERS)
        return buffer

    def expire_typing(self) -> None:
        """Forget whoever has not said they are typing for a while."""
        if self.typists.expire(self.now()):
            self._changed(Change.TYPING)

    # -- server events: signing in and the lobby ---------------------------------
    #
    # Each method below is what one server event (or a few alike) does to
    # the session; the controller's table says which, by event word.

    def greeted(self, event: ParsedLine) -> None:
        """HELLO: the username page, with the server's greeting."""
        self.greeting = event.text
        self._set_page(Page.USERNAME)

    def welcomed(self, event: ParsedLine) -> None:
        """WELCOME: signed in; the lobby, or a room's buffer after a reconnect."""
        self.own_name = event.field("user")
        self.password_for = None
        self._set_name_problem("")
        self._changed(Change.SIGN_IN)
        # Signed in again after a reconnect: the rooms' buffers stay, to be
        # rejoined, and the one on screen comes back when it is.
        shown = self.buffer
        self._refocus = None
        if shown is not None and shown.is_room:
            self._refocus, self.buffers.focused = shown.key, None
        self._set_page(Page.ROOM if self.buffers.focused else Page.LOBBY)
        self._changed(Change.HEADER)

    def refused(self, event: ParsedLine) -> None:
        """ERR: in the log on screen; on the username page, why the name
        (or sign-in) was refused too. A newcomer's wait is said in words."""
        code = event.field("code")
        text = not_yet_words(event.text) if code == "NOT_YET" else event.text
        if self.page == Page.USERNAME and code in SIGN_IN_REFUSALS:
            self._set_name_problem(text or code)
        self._add(LogEntry(EntryKind.ERROR, text or code, user=code))

    def rooms_listing(self, event: ParsedLine) -> None:
        """ROOMS: a full list follows (pushed ROOM lines come without it),
        and how many rooms it leaves out."""
        self.rooms = {}
        self.rooms_more = _number(event.field("more"))
        self._changed(Change.ROOMS)

    def room_listed(self, event: ParsedLine) -> None:
        """ROOM: one room of the lobby's list, new or changed."""
        name = event.field("room")
        self.rooms[name] = RoomListing(
            name,
            _number(event.field("members")),
            _number(event.field("capacity")),
            event.text,
        )
        self._changed(Change.ROOMS)

    def lobby_watching(self, event: ParsedLine) -> None:
        """LOBBY: whether the server pushes the list's changes."""
        self.watching = event.text == "watching"
        self._changed(Change.ROOMS)

    def room_gone(self, event: ParsedLine) -> None:
        """ROOM_GONE: off the lobby's list."""
        if self.rooms.pop(event.field("room"), None) is not None:
            self._changed(Change.ROOMS)

    # -- server events: rooms and their members ---------------------------------

    def joined(self, event: ParsedLine) -> None:
        """JOINED: in a room, its buffer (kept across a rejoin) shown."""
        room = event.field("room")
        key = log_key(Page.ROOM, room)
        self.history.start(key, self.logs.lines(key))
        returning = key in self._rejoining
        self._rejoining.discard(key)
        buffer = self._open_room(room)
        if returning:
            # After a server restart everyone comes back: those who were
            # here before are not news, nor is the topic they already saw.
            buffer.returning = set(buffer.members) - {self.own_name or ""}
            buffer.returning_until = self.now() + RETURN_WINDOW_SECONDS
            buffer.topic_before = buffer.topic
        else:
            buffer.returning, buffer.topic_before = set(), None
        buffer.capacity = _number(event.field("capacity"))
        buffer.joined_count = _number(event.field("members"))
        buffer.join_listed, buffer.total = False, None
        buffer.members = []
        buffer.owner = None
        buffer.topic = ""
        self.dismiss_alert()
        # A room the user joins is shown; rooms rejoined after a reconnect
        # leave the one the user was looking at on screen.
        if not returning or key == self._refocus or self._nothing_to_refocus():
            self.focus(key)
        news = "reconnected" if returning else f"you joined {room}"
        self.history.join_lines[key] = self._add(LogEntry(EntryKind.NOTICE, news), key)
        self._changed(Change.HEADER)
        self._changed(Change.MEMBERS)

    def _nothing_to_refocus(self) -> bool:
        """No buffer on screen, and the one that was is not coming back."""
        return self.buffers.focused is None and self._refocus not in self._rejoining

    def _event_buffer(self, event: ParsedLine) -> Buffer | None:
        """The buffer of the room an event names (None: not one of ours)."""
        return self.buffers.room_buffer(event.field("room"))

    def _saw_user(self, *names: str) -> None:
        for name in names:
            if name:
                self.known_users[name_key(name)] = name

    def display_name(self, user: str) -> str:
        """``user``'s display name as their profile has it ("" for none)."""
        return self.display_names.get(name_key(user), "")

    def person(self, user: str) -> Person:
        """``user`` as a line's words name them: by their display name."""
        return Person(user, self.display_name(user))

    def _worded(self, kind: EntryKind, words: Words) -> LogEntry:
        """A line of the client's own words, each person in them by the
        display name known now (a later one follows: :meth:`profile_seen`)."""
        return worded(kind, dressed(words, self.display_name))

    def profile_seen(self, event: ParsedLine) -> None:
        """PROFILE: a user's display name (the other keys are only shown
        when asked for) is how every place names them: beside their lines,
        in quotes of them, a thread's summary, the client's own words
        about them (``Alice Liddell pinned …``) and the member list, in
        every log (those already there too, with an id or not, and those
        a ``/history`` is fetching)."""
        if event.field("key") != "display-name":
            return
        key, shown = name_key(event.field("user")), event.text
        if self.display_names.get(key, "") == shown:
            return
        if shown:
            self.display_names[key] = shown
        else:
            self.display_names.pop(key, None)
        fetched = [fetch.lines for fetch in self.history.fetches.values()]
        for log in (*self.logs.by_key.values(), *fetched):
            for index, entry in enumerate(log):
                log[index] = entry.known_as(key, shown)
        self._changed(Change.NAMES)

    def members_listed(self, event: ParsedLine) -> None:
        """MEMBERS: the join's list, or a ``/who``'s (in a big room kept
        aside for the log: the list beside it stays the announced ones)."""
        buffer = self._event_buffer(event)
        if buffer is None:
            return
        names = list(event.listed)
        if not buffer.join_listed:  # the join's: fewer than JOINED's count?
            buffer.join_listed = True
            big = len(names) < buffer.joined_count
            buffer.total = buffer.joined_count if big else None
        elif buffer.total is not None:  # a /who of a big room: kept aside
            buffer.everyone = names
            return
        buffer.members = names
        buffer.returning -= set(buffer.members)  # they never went
        self._saw_user(*buffer.members)
        self._changed(Change.MEMBERS)

    def owner_named(self, event: ParsedLine) -> None:
        """OWNER: the first after joining is news to nobody; later ones are."""
        buffer = self._event_buffer(event)
        user = event.field("user")
        if buffer is not None and user != buffer.owner:
            if buffer.owner is not None:
                words = (Person(user), f" now owns {buffer.name}")
                self._add(self._worded(EntryKind.NOTICE, words), buffer.key)
            buffer.owner = user
            self._changed(Change.MEMBERS)

    def topic_changed(self, event: ParsedLine) -> None:
        """TOPIC: in the header, and in the log unless seen before a reconnect."""
        buffer = self._event_buffer(event)
        if buffer is None:
            return
        unchanged = buffer.topic_before == event.text
        buffer.topic_before = None
        buffer.topic = event.text
        self._changed(Change.HEADER)
        if not unchanged:  # the topic seen before a reconnect is not news
            entry = LogEntry(EntryKind.TOPIC, event.text, user=event.field("user"))
            self._add(entry, buffer.key)

    def member_joined(self, event: ParsedLine) -> None:
        """JOIN: a member more (one back after a restart is not news)."""
        buffer = self._event_buffer(event)
        user = event.field("user")
        self._saw_user(user)
        if buffer is None:
            return
        if user not in buffer.members:
            buffer.members.append(user)
            self._changed(Change.MEMBERS)
        if user in buffer.returning and self.now() < buffer.returning_until:
            buffer.returning.discard(user)  # back after a restart, never left
            return
        self._add(LogEntry(EntryKind.JOIN, f"{user} joined", user=user), buffer.key)

    def member_left(self, event: ParsedLine) -> None:
        """PART: a member fewer, and why."""
        buffer = self._event_buffer(event)
        user = event.field("user")
        if buffer is None:
            return
        buffer.returning.discard(user)
        if user in buffer.members:
            buffer.members.remove(user)
            self._changed(Change.MEMBERS)
        self._add(LogEntry(EntryKind.PART, event.text, user=user), buffer.key)

    def renamed(self, event: ParsedLine) -> None:
        """NICK: a rename, in the log of every room the user shares with them
        (``multi`` sends it once per room: the later copies find the old
        name gone and add nothing)."""
        old, new = event.field("old"), event.field("new")
        self.known_users.pop(name_key(old), None)
        self._saw_user(new)
        if old == self.own_name:
            self.own_name = new
            self._changed(Change.HEADER)
        shared = [b for b in self.buffers.by_key.values() if old in b.members]
        for buffer in shared:
            buffer.members = [new if m == old else m for m in buffer.members]
            if buffer.owner == old:
                buffer.owner = new
            self._add(LogEntry(EntryKind.NICK, new, user=old), buffer.key)
        self._changed(Change.MEMBERS)
        if not shared and old != new and self.page != Page.ROOM:
            self._add(LogEntry(EntryKind.NICK, new, user=old))

    def _left(self, room: str, text: str = "") -> None:
        """Out of ``room``: its buffer closes (its log is kept for a return);
        ``text`` says why in the log shown next (the lobby's when no room
        is left)."""
        self.close(log_key(Page.ROOM, room))
        if text:
            self._add(LogEntry(EntryKind.NOTICE, text))

    def left_room(self, event: ParsedLine) -> None:
        """LEFT: out of the room, as asked."""
        room = event.field("room")
        self._left(room, f"you left {room}")

    def room_deleted(self, event: ParsedLine) -> None:
        """DELETED: out of the room, which is no more."""
        room, by = event.field("room"), event.field("by")
        self._left(room, spelled((f"{room} was deleted by ", self.person(by))))

    def room_renamed(self, event: ParsedLine) -> None:
        """RENAMED: the room's buffer and log go by its new name, in their
        place, with a line saying who renamed it; for a lobby watcher, the
        list's entry (its ``ROOM`` line follows)."""
        room, name, by = event.field("room"), event.field("new"), event.field("by")
        why = f" ({event.text})" if event.text else ""
        if self.rooms.pop(room, None) is not None:
            self._changed(Change.ROOMS)
        buffer = self.buffers.renamed(room, name)
        if buffer is None:
            return
        self.logs.renamed(log_key(Page.ROOM, room), buffer.key)
        self._changed(Change.BUFFERS)
        self._changed(Change.HEADER)
        words = (Person(by), f" renamed {room} to {name}{why}")
        self._add(self._worded(EntryKind.NOTICE, words), buffer.key)

    def room_notice(self, event: ParsedLine) -> None:
        """NOTICE: the server's word about a room (a cluster node lost touch)."""
        self._add(LogEntry(EntryKind.NOTICE, f"{event.field('room')}: {event.text}"))

    def slowed(self, event: ParsedLine) -> None:
        """SLOW: the server is holding our lines back (a paste past its burst)."""
        self._add(LogEntry(EntryKind.NOTICE, f"server: {event.text}"))

    def help_line(self, event: ParsedLine) -> None:
        """HELP: one line of the server's ``/help``."""
        self._add(LogEntry(EntryKind.HELP, event.text))

    def goodbye(self, event: ParsedLine) -> None:
        """BYE: kept for the "connection lost: REASON" line that follows (or
        the alert, when the session ended for good): one line, not two."""
        self.bye_reason = event.text

    # -- server events: what is said ------------------------------------------------

    def _said(self, event: ParsedLine, kind: EntryKind, earlier: bool) -> LogEntry:
        """A message or action (live, or ``earlier`` from history) as a log
        line: flagged if it mentions us, quoting what it answers if it is a
        reply (its ``reply`` tag) or a thread's message (its root, the
        ``thread`` tag), with a paste's lines (``multiline``)."""
        user, room = event.field("user"), event.field("room")
        number = self._saw_id(event)
        self._saw_user(user)
        buffer = self.buffers.room_buffer(room) if room else None
        muted = buffer is not None and buffer.muted  # highlights nothing
        return LogEntry(
            kind,
            event.text,
            user=user,
            time=moment(event.field("time")),
            earlier=earlier,
            mentions_me=not muted
            and user != self.own_name
            and mentions(self.own_name, event.text),
            id=number,
            answers=self._answering(room, answered(event)) if room else (),
            lines=paste_lines(event) if room else (),
            attachment=attachment(event) if room else "",
            shown_as=self.display_names.get(name_key(user), ""),
        )

    def _saw_id(self, event: ParsedLine) -> int | None:
        """Note a stored event's id as its room's newest (None without one)."""
        return self.history.saw(log_key(Page.ROOM, event.field("room")), event.id)

    def _find(self, room: str, number: str) -> tuple[list[LogEntry], int] | None:
        """The log of ``room`` and where in it message ``number`` is (or
        the older lines being fetched with PgUp, not yet in the log, or
        the room's threads)."""
        prefix = thread_key(room, "")
        threads = [
            lines for key, lines in self.logs.by_key.items() if key.startswith(prefix)
        ]
        key = log_key(Page.ROOM, room)
        fetch = self.history.fetching(key)
        logs = (self.logs.lines(key), fetch.lines if fetch else [], *threads)
        return find_message(logs, number)

    def _answering(self, room: str, number: str) -> Words:
        """Message ``number`` of ``room``, quoted (() if not in the log)."""
        found = self._find(room, number)
        if found is None:
            return ()
        log, index = found
        return quoted(log[index])

    def _live(self, event: ParsedLine, kind: EntryKind) -> None:
        buffer = self._event_buffer(event)
        if buffer is not None:
            buffer.topic_before = None  # the join sequence is over
        entry = self._said(event, kind, earlier=False)
        if not self._kept_in_thread(event, entry):
            self._add(entry, buffer.key if buffer is not None else None)

    def message(self, event: ParsedLine) -> None:
        """MSG: a message, in its room's log."""
        self._live(event, EntryKind.MESSAGE)

    def action(self, event: ParsedLine) -> None:
        """ACTION: a ``/me``, in its room's log."""
        self._live(event, EntryKind.ACTION)

    def to_operators(self, event: ParsedLine) -> None:
        """OPMSG, OPNOTICE: said to the room's operators, of whom this user
        is one (the server sends it to nobody else): in the room, marked
        as such."""
        self._live(event, EntryKind.TO_OPERATORS)

    def ephemeral(self, event: ParsedLine) -> None:
        """EPHEMERAL: a room's slash command answered this device alone
        (the server keeps nothing of it): in the room, marked as such."""
        self._live(event, EntryKind.EPHEMERAL)

    def private_message(self, event: ParsedLine) -> None:
        """PRIVMSG: in its conversation's buffer (opened by the first one;
        a kept one has an id of the conversation's, see protocol.md,
        *Private conversations*). One a ``/history @USER`` is fetching is
        merged when it ends. The log on screen shows it too in the lobby
        (which shows no buffer: it is seen there, not counted) and, for the
        copy of one the user sent from another buffer, in the buffer it was
        typed in (without its id, which is the conversation's)."""
        sender, recipient = event.field("from"), event.field("to")
        self._saw_user(sender, recipient)
        other = recipient if sender == self.own_name else sender
        key = private_key(other)
        number = self.history.saw(key, event.id) if event.id else None
        fetch = self.history.fetching(key)
        entry = LogEntry(
            EntryKind.PRIVATE,
            event.text,
            user=sender,
            target=recipient,
            time=moment(event.field("time")),
            mentions_me=sender != self.own_name and fetch is None,
            id=number,
            earlier=fetch is not None,
        )
        if fetch is not None:
            fetch.lines.append(entry)
            return
        buffer = self._conversation(other)
        self._add(entry, buffer.key)
        mine = sender == self.own_name
        if self.logs.shown != buffer.key and (mine or self.page != Page.ROOM):
            self._add(replace(entry, id=None))
            if self.buffers.following and buffer.unread:
                buffer.unread -= 1
                buffer.mentions -= entry.mentions_me
                self._changed(Change.BUFFERS)

    # -- threads (see .threads) --------------------------------------------------

    def _kept_in_thread(self, event: ParsedLine, entry: LogEntry) -> bool:
        """A thread's message whose root is in the room's log goes into the
        thread's log (True), counted in the thread's buffer when it is
        open, else in the room's; the root's line says how many answer it."""
        root, room = event.tag(THREAD_TAG), event.field("room")
        if not root or not room:
            return False
        found = find_message([self.logs.lines(log_key(Page.ROOM, room))], root)
        if found is None:
            return False
        key = thread_key(room, root)
        if any(line.id == entry.id for line in self.logs.lines(key)):
            return True  # there already (``/history thread``, a replay)
        if not event.tag("reply"):  # in its thread, under its root: no quote
            entry = replace(entry, answers=())
        if key in self.buffers.by_key:
            self._add(entry, key)
        else:
            self.logs.add(entry, key)
            buffer = self.buffers.room_buffer(room)
            if (
                buffer is not None
                and not self.in_view(buffer.key)
                and buffer.count(entry, self.own_name)
            ):
                self._changed(Change.BUFFERS)
        log, index = found
        replies = replies_line(self.logs.lines(key), root)
        self._replace(log, index, replace(log[index], replies=replies))
        return True

    def open_thread(self, room: str, number: str) -> None:
        """``/thread ID``: the thread of message ``number`` of ``room`` (the
        one it is in, or the one rooted at it) as a buffer, on screen: its
        root first (when the room's log has it), then its messages."""
        prefix = thread_key(room, "")
        root = next(
            (
                key.removeprefix(prefix)
                for key, lines in self.logs.by_key.items()
                if key.startswith(prefix)
                and any(str(entry.id) == number for entry in lines)
            ),
            number,
        )
        key = thread_key(room, root)
        if key not in self.buffers.by_key:
            self.buffers.by_key[key] = Buffer(
                key, room, thread=root, topic=f"thread of #{root} in {room}"
            )
            lines = self.logs.by_key.setdefault(key, [])
            found = find_message([self.logs.lines(log_key(Page.ROOM, room))], root)
            if found is not None and not (lines and lines[0].id == int(root)):
                log, index = found
                lines.insert(0, replace(log[index], replies=()))
            self._changed(Change.BUFFERS)
        self.focus(key)

    # -- server events: a room's history ------------------------------------------

    def _replayed(self, event: ParsedLine, kind: EntryKind) -> None:
        """A stored message from the room's past: one a ``/history`` is
        fetching (merged when it ends), or one of a join's replay, at the
        end of the log (those it shows already are not shown again)."""
        entry = self._said(event, kind, earlier=True)
        if self._kept_in_thread(event, entry):
            return
        key = log_key(Page.ROOM, event.field("room"))
        fetch = self.history.fetching(key)
        if fetch is not None:
            fetch.lines.append(entry)
            return
        log = self.logs.lines(key)
        if entry.id is not None and entry.id in stored(log):
            return
        if (entry.user, entry.time, event.text) in self.history.shown_before:
            return
        self.history.replayed(key, entry.id)
        if self.history.needs_marker():
            self._add(EARLIER_MARKER, key)
        self._add(entry, key)

    def history_message(self, event: ParsedLine) -> None:
        """HISTORY: an earlier message, replayed on joining or fetched."""
        self._replayed(event, EntryKind.MESSAGE)

    def history_action(self, event: ParsedLine) -> None:
        """HISTORY_ACTION: an earlier ``/me``."""
        self._replayed(event, EntryKind.ACTION)

    def expect_history(self, key: str, paging: bool) -> None:
        """A ``/history`` of log ``key`` (a room's, a conversation's) is on
        its way; ``paging``: the user asked for it (PgUp, typed)."""
        self.history.expect(key, paging)

    def older_lines(self, event: ParsedLine) -> None:
        """HISTORY_END: the lines fetched go where their ids say, above
        what is shown and in time order, each once (see
        :func:`.history.merge`); when there was nothing (more) to fetch,
        the log says so at its top, under the ``earlier messages`` marker."""
        key = fetched_key(event.field("room"))
        fetch = self.history.take(key)
        if fetch is None:
            return  # one the client did not ask for (``/history thread``)
        log = self.logs.by_key.setdefault(key, [])
        ids = stored(log)
        anchor = (
            next((entry for entry in log if entry.id == ids[0]), None) if ids else None
        )
        buffer = self.buffers.by_key.get(key)
        added = merge(
            log,
            fetch.lines,
            self.history.dividers.get(key),
            self.history.join_lines.get(key),
            marked=buffer is None or not buffer.private,
        )
        at_start = not fetch.lines and fetch.paging and key not in self.history.complete
        if at_start:
            self.history.complete.add(key)
            if not any(entry.kind == EntryKind.EARLIER for entry in log):
                log.insert(
                    first_place(log, self.history.join_lines.get(key)), EARLIER_MARKER
                )
            notice = LogEntry(EntryKind.NOTICE, "no earlier messages", time=self.now())
            log.insert(first_place(log, self.history.join_lines.get(key)), notice)
            anchor = None  # the screen shows the top, where this line is
        if key != self.logs.shown or not (added or at_start):
            return
        if fetch.paging:
            self._changed(Change.LOG_OLDER, anchor)
        else:
            self._changed(Change.LOG_MERGED, anchor)

    def gap(self, event: ParsedLine) -> None:
        """GAP: more was missed than a resuming join replays."""
        count = event.field("count")
        what = "some messages" if count == "?" else f"{count} messages"
        self._add(
            LogEntry(
                EntryKind.NOTICE, f"{what} from while you were away are not shown"
            ),
            log_key(Page.ROOM, event.field("room")),
        )

    # -- server events: messages with a life (see .rich) ---------------------------

    def edited(self, event: ParsedLine) -> None:
        """EDIT: the message reads anew, marked ``(edited)``."""
        self._saw_id(event)
        found = self._find(event.field("room"), event.field("message"))
        if found is not None:
            log, index = found
            self._replace(
                log, index, edited(log[index], event.text, paste_lines(event))
            )

    def redacted(self, event: ParsedLine) -> None:
        """REDACT: the message is deleted, by whom and why."""
        self._saw_id(event)
        found = self._find(event.field("room"), event.field("message"))
        if found is not None:
            log, index = found
            self._replace(
                log,
                index,
                deleted(log[index], self.person(event.field("by")), event.text),
            )

    def _reaction(self, event: ParsedLine, given: bool) -> None:
        self._saw_id(event)
        found = self._find(event.field("room"), event.field("message"))
        user, emoji = event.field("user"), event.field("emoji")
        if found is not None and user and emoji:
            log, index = found
            self._replace(log, index, reacted(log[index], emoji, user, given))

    def reaction_given(self, event: ParsedLine) -> None:
        """REACT: counted under its message."""
        self._reaction(event, given=True)

    def reaction_taken_back(self, event: ParsedLine) -> None:
        """UNREACT: no longer counted under its message."""
        self._reaction(event, given=False)

    def link_previewed(self, event: ParsedLine) -> None:
        """PREVIEW: the card of a message's link, a dim line under it (its
        ``@ID`` is the message's, no new position)."""
        found = self._find(event.field("room"), event.field("message"))
        if found is not None and event.field("url"):
            log, index = found
            self._replace(log, index, previewed(log[index], event))

    def someone_typing(self, event: ParsedLine) -> None:
        """TYPING: someone else is typing in a room, or has stopped."""
        key = log_key(Page.ROOM, event.field("room"))
        user, state = event.field("user"), event.field("state")
        if not user or user == self.own_name:
            return
        if state == "active":
            self.typists.started(key, user, self.now())
            self._changed(Change.TYPING)
        elif self.typists.stopped(key, user):
            self._changed(Change.TYPING)

    # -- server events: many rooms and read markers ----------------------------------

    def server_focused(self, event: ParsedLine) -> None:
        """FOCUS: the server's current room, shown if nothing else is (what
        is typed names its room itself, see .addressing)."""
        buffer = self.buffers.room_buffer(event.field("room"))
        if buffer is not None and self._nothing_to_refocus():
            self.focus(buffer.key)

    def _marked_buffer(self, target: str) -> Buffer | None:
        """The buffer a marker or count names: a room's, or ``@USER``'s."""
        if target.startswith("@"):
            return self.buffers.by_key.get(private_key(target[1:]))
        return self.buffers.room_buffer(target)

    def read_marker(self, event: ParsedLine) -> None:
        """READ: the read marker in force in a room (or a conversation,
        ``@USER``); its news counted anew. The one that ends a join's
        replay puts the *new messages* divider above what came after it,
        and says the join is over (:attr:`joined_now`)."""
        target, marker = event.field("room"), event.field("marker")
        buffer = self._marked_buffer(target)
        if buffer is None:
            return
        key = buffer.key
        ending = key in self.history.joining
        self.history.joining.discard(key)
        if not marker.isdigit():
            return
        buffer.marker = max(buffer.marker or 0, int(marker))
        if ending:
            self._divide(key, int(marker))
            self.joined_now = target
        self._recount(buffer)

    def _divide(self, key: str, marker: int) -> None:
        """The *new messages* divider above the first line of the join's
        replay after ``marker``, if one came."""
        log = self.logs.by_key.get(key, [])
        start = self.history.replay_start.get(key)
        if start is None:
            return
        first = next(
            (
                index
                for index, entry in enumerate(log)
                if entry.id is not None and entry.id > marker and entry.id >= start
            ),
            None,
        )
        if first is None:
            return
        before = sum(1 for entry in log[:first] if entry.kind == EntryKind.NEW)
        log[:] = [entry for entry in log if entry.kind != EntryKind.NEW]
        log.insert(first - before, NEW_MARKER)
        self.history.dividers[key] = marker
        if key == self.logs.shown:
            self._changed(Change.LOG_MERGED, None)

    def unread_counts(self, event: ParsedLine) -> None:
        """UNREAD: a room's (or a conversation's, ``@USER``) news as the
        server counted it."""
        buffer = self._marked_buffer(event.field("room"))
        if buffer is None or self.in_view(buffer.key):
            return
        counts = event.field("count"), event.field("mentions")
        if all(count.isdigit() for count in counts):
            buffer.unread, buffer.mentions = (int(count) for count in counts)
            self._changed(Change.BUFFERS)

    def conversation_listed(self, event: ParsedLine) -> None:
        """CONVERSATION: one of the account's conversations, kept by the
        server: its buffer (opened, not shown), with its unread count (each
        a message to the user, so a mention: ``carol(1!)``)."""
        user, unread, last = (event.field(n) for n in ("user", "unread", "last"))
        if not user:
            return
        self._saw_user(user)
        buffer = self._conversation(user)
        if last.isdigit():
            self.history.saw(buffer.key, last)
            if unread.isdigit():
                buffer.marker = max(buffer.marker or 0, int(last) - int(unread))
        if unread.isdigit() and not self.in_view(buffer.key):
            buffer.unread = buffer.mentions = int(unread)
        self._changed(Change.BUFFERS)

    # -- server events: search and the moderation log (see .findings) ------------

    def found(self, event: ParsedLine) -> None:
        """FOUND: a search result, in the search buffer."""
        if SEARCH_KEY not in self.buffers.by_key:
            return
        number = event.field("message")
        entry = LogEntry(
            EntryKind.FOUND,
            event.text,
            user=event.field("user"),
            time=moment(event.field("time")),
            target=event.field("room"),
            id=int(number) if number.isdigit() else None,
        )
        self._add(entry, SEARCH_KEY)

    def found_all(self, event: ParsedLine) -> None:
        """FOUND_END: how many were found."""
        text = found_summary(event.field("count"))
        self._add(LogEntry(EntryKind.NOTICE, text), SEARCH_KEY)

    # -- server events: reports of messages (see .reports) ------------------------

    def report_heard(self, event: ParsedLine) -> None:
        """REPORT: a report, live or listed, in the reports buffer (news
        calling for the user there when it is out of view)."""
        self._reports_buffer()
        number, room, reported = (event.field(n) for n in ("number", "room", "id"))
        words = heading(number, room, reported, event.field("reporter"), event.text)
        entry = replace(self._worded(EntryKind.REPORT, words), mentions_me=True)
        self._add(entry, REPORTS_KEY)

    def report_said(self, event: ParsedLine) -> None:
        """REPORT_TEXT: what the reported message said, under its report."""
        words = said(event.field("user"), event.text)
        self._add(self._worded(EntryKind.TABLE, words), REPORTS_KEY)

    def reports_listed(self, event: ParsedLine) -> None:
        """REPORTS_END: how many are open."""
        self._reports_buffer()
        text = summary(event.field("count"))
        self._add(LogEntry(EntryKind.NOTICE, text), REPORTS_KEY)

    def report_closed(self, event: ParsedLine) -> None:
        """REPORT_CLOSED: a report closed, by whom and with what note."""
        self._reports_buffer()
        words = closed(event.field("by"), event.field("number"), event.text)
        self._add(self._worded(EntryKind.MODERATION, words), REPORTS_KEY)

    def modlog_row(self, event: ParsedLine) -> None:
        """MODLOG: one row of the table to come."""
        self.findings.modlog_row(
            event.field("time"),
            event.field("by"),
            event.field("action"),
            event.field("target"),
            event.text,
        )

    def modlog_end(self, event: ParsedLine) -> None:
        """MODLOG_END: the rows as a table, in the room's log."""
        rows = self.findings.take_modlog()
        room = event.field("room")
        where = log_key(Page.ROOM, room) if self.buffers.room_buffer(room) else None
        if not rows:
            self._add(LogEntry(EntryKind.NOTICE, f"{room}: no moderation yet"), where)
            return
        heading = f"moderation log of {room}, oldest first ({len(rows)}):"
        self._add(LogEntry(EntryKind.NOTICE, heading), where)
        for line in table([MODLOG_TITLES, *rows]):
            self._add(LogEntry(EntryKind.TABLE, line), where)

    def pinned_row(self, event: ParsedLine) -> None:
        """PINNED: one pinned message of the list to come."""
        user = event.field("user")
        self.findings.pins.append(
            (event.field("message"), user, short_time(event.field("time")), event.text)
        )

    def pins_listed(self, event: ParsedLine) -> None:
        """PINS_END: the room's pinned messages are known (what ``p`` on
        a selected one does), and, asked by the user, listed in its log."""
        rows, self.findings.pins = self.findings.pins, []
        room = event.field("room")
        buffer = self.buffers.room_buffer(room)
        if buffer is not None:
            buffer.pinned = {int(row[0]) for row in rows if row[0].isdigit()}
        if self.quiet:
            return
        where = buffer.key if buffer is not None else None
        if not rows:
            self._add(
                LogEntry(EntryKind.NOTICE, f"{room} has no pinned messages"), where
            )
            return
        heading = f"pinned in {room}, oldest first ({len(rows)}):"
        self._add(LogEntry(EntryKind.NOTICE, heading), where)
        for words in pins_rows(rows):
            self._add(self._worded(EntryKind.TABLE, words), where)

    def pin_changed(self, event: ParsedLine) -> None:
        """PIN, UNPIN: a message pinned or unpinned, in the room's log."""
        buffer = self._event_buffer(event)
        number = event.field("message")
        if buffer is not None and number.isdigit():
            if event.name == "PIN":
                buffer.pinned.add(int(number))
            else:
                buffer.pinned.discard(int(number))
        self.described(event)

    def is_pinned(self, entry: LogEntry) -> bool:
        """Whether ``entry`` of the room (or thread) on screen is pinned."""
        buffer = self.buffer
        if buffer is not None and buffer.thread:
            buffer = self.buffers.room_buffer(buffer.name)
        return buffer is not None and entry.id in buffer.pinned

    def setting_shown(self, event: ParsedLine) -> None:
        """INFO: one of a room's settings (``-- tea owner: alice``), and
        whether the room is kept when empty; asked by the client itself
        (before a leave), not shown."""
        self._kept(event.field("room"), event.field("setting"), event.text)
        if not self.quiet:
            self.described(event)

    def setting_changed(self, event: ParsedLine) -> None:
        """SET: a room's setting changed (``-- bob set keep on``)."""
        self._kept(event.field("room"), event.field("setting"), event.field("value"))
        self.described(event)

    def _kept(self, room: str, setting: str, value: str) -> None:
        buffer = self.buffers.room_buffer(room)
        if buffer is not None and setting == "keep" and value in ("on", "off"):
            buffer.keep = value == "on"

    def level_set(self, event: ParsedLine) -> None:
        """NOTIFY: the account's level in a room, shown in the buffer list
        (the answer to the client's own question on joining, unsaid)."""
        buffer = self.buffers.room_buffer(event.field("room"))
        if buffer is None:
            self.described(event)
            return
        known = buffer.level != ""
        buffer.level = event.field("level")
        if buffer.muted:
            buffer.unread = buffer.mentions = 0
        self._changed(Change.BUFFERS)
        if known:
            self.described(event)

    # -- server events: accounts, moderation and admin (see .moderation) -----------

    def described(self, event: ParsedLine) -> None:
        """A line in the log as :mod:`.moderation` words it: a room's in that
        room's log, one about the user as an alert. One that names a
        message by its id also shows the message's start, when the log
        has it (nobody reads ids)."""
        line = describe(event)
        if line is None:
            return
        if line.alert:
            self.note_alert(spelled(dressed(line.words, self.display_name)))
            return
        where = log_key(Page.ROOM, line.room) if line.room else None
        words = line.words + self._named_message(event)
        self._add(self._worded(EntryKind.MODERATION, words), where)

    def _named_message(self, event: ParsedLine) -> Words:
        """`` (bob: who has the scones?)``: the start of the message an
        event names by id (its room's, or the room where the user asked),
        "" when the log does not have it."""
        fields = event.named_fields()
        number = fields.get("message") or fields.get("root") or fields.get("id", "")
        room = fields.get("room", "")
        if not room and self.answer_in in self.buffers.by_key:
            room = self.buffers.by_key[self.answer_in].name
        found = self._find(room, number) if room and number else None
        if found is None:
            return ()
        log, index = found
        return (" (", *quoted(log[index]), ")")

    def member_kicked(self, event: ParsedLine) -> None:
        """KICK: a member fewer, and a line saying who and why."""
        buffer, user = self._event_buffer(event), event.field("user")
        if buffer is not None and user in buffer.members:
            buffer.members.remove(user)
            self._changed(Change.MEMBERS)
        self.described(event)

    def kicked(self, event: ParsedLine) -> None:
        """KICKED: put out of the room: the lobby (the server sends its list)
        keeps the notice in view, and the room's own log keeps a line
        saying so."""
        room = event.field("room")
        self._left(room)
        self._add(
            self._worded(EntryKind.ALERT, kicked_from(event)), log_key(Page.ROOM, room)
        )
        self.described(event)


#: The kinds of line a thing said is shown as (see :meth:`SessionModel.copy_in_place`).
OWN_LINES = frozenset({EntryKind.MESSAGE, EntryKind.ACTION, EntryKind.PRIVATE})


def _index_of(log: list[LogEntry], row: LogEntry) -> int | None:
    """Where ``row`` (that very entry) stands in ``log``; None: not there."""
    return next((i for i, each in enumerate(log) if each is row), None)
