"""The session as the user sees it: page, name, rooms, members, topic, log.

The model applies :class:`chatroom.wire.lines.ParsedLine` objects in order and tells
its listeners what changed; it never touches the network or the screen, so
it is tested by feeding it events. The controller adds what only it knows
(connection lost, reconnecting) through the ``note_*`` methods. What it
produces (pages, log entries, changes) is described in :mod:`.entries`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chatroom.client.buffers import Buffer
from chatroom.client.entries import (
    Change,
    EntryKind,
    LogEntry,
    Page,
    RoomListing,
    log_key,
)
from chatroom.client.findings import Findings
from chatroom.client.moderation import DESCRIBERS, describe, kicked_from
from chatroom.core.text import name_key
from chatroom.wire.lines import ParsedLine

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


class SessionModel(Findings):
    """Everything the screen shows, updated by server events.

    Args:
        now: the time a line without one of its own (a join, a topic, the
            client's own news) is stamped with; the reactor's clock, or a
            ``task.Clock`` in tests.
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        super().__init__(log_key(Page.CONNECTING), now)
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

    def _set_page(self, page: Page) -> None:
        if page != self.page:
            self.page = page
            self._changed(Change.PAGE)
        self._switch_log()

    def _switch_log(self) -> None:
        on_buffer = self.page == Page.ROOM and self.focused
        key = self.focused if on_buffer and self.focused else log_key(self.page)
        if key != self.shown_log:
            self.shown_log = key
            self._changed(Change.LOG_SWITCH)

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

    # -- server events -----------------------------------------------------------

    def apply(self, event: ParsedLine) -> None:
        """Update the session for one server event (unknown ones are ignored)."""
        event = self._tagged(event)
        handler = getattr(self, f"_on_{event.name}", None)
        if handler is None and event.name in DESCRIBERS:
            handler = self._described
        if handler is not None:
            with self.batch():
                handler(event)

    def _on_HELLO(self, event: ParsedLine) -> None:
        self.greeting = event.text
        self._set_page(Page.USERNAME)

    def _on_WELCOME(self, event: ParsedLine) -> None:
        self.own_name = self._field(event, 0)
        self.password_for = None
        self._set_name_problem("")
        self._changed(Change.SIGN_IN)
        # Signed in again after a reconnect: the rooms' buffers stay, to be
        # rejoined, and the one on screen comes back when it is.
        shown = self.buffer
        self._refocus = None
        if shown is not None and shown.is_room:
            self._refocus, self.focused = shown.key, None
        self._set_page(Page.ROOM if self.focused else Page.LOBBY)
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
        key = log_key(Page.ROOM, room)
        self._start_history(room)
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
        buffer.capacity = _number(self._field(event, 2))
        buffer.joined_count = _number(self._field(event, 1))
        buffer.join_listed, buffer.total = False, None
        buffer.members = []
        buffer.owner = None
        buffer.topic = ""
        self.server_room = room
        self.dismiss_alert()
        # A room the user joins is shown; rooms rejoined after a reconnect
        # leave the one the user was looking at on screen.
        if not returning or key == self._refocus or self._nothing_to_refocus():
            self.focus(key)
        news = "reconnected" if returning else f"you joined {room}"
        self._add(LogEntry(EntryKind.NOTICE, news), key)
        self._changed(Change.HEADER)
        self._changed(Change.MEMBERS)

    def _nothing_to_refocus(self) -> bool:
        """No buffer on screen, and the one that was is not coming back."""
        return self.focused is None and self._refocus not in self._rejoining

    def _event_buffer(self, event: ParsedLine) -> Buffer | None:
        """The buffer of the room an event names (None: not one of ours)."""
        return self.room_buffer(self._field(event, 0))

    def _on_MEMBERS(self, event: ParsedLine) -> None:
        buffer = self._event_buffer(event)
        if buffer is not None:
            names = list(event.fields[1:])
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

    def _on_OWNER(self, event: ParsedLine) -> None:
        buffer = self._event_buffer(event)
        user = self._field(event, 1)
        if buffer is not None and user != buffer.owner:
            # The first OWNER after joining is news to nobody; later ones are.
            if buffer.owner is not None:
                self._add(
                    LogEntry(EntryKind.NOTICE, f"{user} now owns {buffer.name}"),
                    buffer.key,
                )
            buffer.owner = user
            self._changed(Change.MEMBERS)

    def _live(self, event: ParsedLine, kind: EntryKind) -> None:
        buffer = self._event_buffer(event)
        if buffer is not None:
            buffer.topic_before = None  # the join sequence is over
        user, moment = self._field(event, 1), self._time(self._field(event, 2))
        room = self._field(event, 0)
        entry = self._said(
            kind, user, moment, event.text, id=self._seen(event), room=room
        )
        self._add(entry, buffer.key if buffer is not None else None)

    def _on_MSG(self, event: ParsedLine) -> None:
        self._live(event, EntryKind.MESSAGE)

    def _on_ACTION(self, event: ParsedLine) -> None:
        self._live(event, EntryKind.ACTION)

    def _on_OPMSG(self, event: ParsedLine) -> None:
        """Said to the room's operators, of whom this user is one (the
        server sends it to nobody else): in the room, marked as such."""
        self._live(event, EntryKind.TO_OPERATORS)

    _on_OPNOTICE = _on_OPMSG

    def _on_PRIVMSG(self, event: ParsedLine) -> None:
        """A private message goes in its conversation's buffer (opened by
        the first one). The log on screen shows it too in the lobby (which
        shows no buffer: it is seen there, not counted) and, for the copy
        of one the user sent from another buffer, in the room it was typed in."""
        sender, recipient = self._field(event, 0), self._field(event, 1)
        self._saw_user(sender, recipient)
        entry = LogEntry(
            EntryKind.PRIVATE,
            event.text,
            user=sender,
            target=recipient,
            time=self._time(self._field(event, 2)),
            mentions_me=sender != self.own_name,
        )
        other = recipient if sender == self.own_name else sender
        buffer = self._conversation(other)
        self._add(entry, buffer.key)
        mine = sender == self.own_name
        if self.shown_log != buffer.key and (mine or self.page != Page.ROOM):
            self._add(entry)
            if self.following and buffer.unread:
                buffer.unread -= 1
                buffer.mentions -= entry.mentions_me
                self._changed(Change.BUFFERS)

    def _on_TOPIC(self, event: ParsedLine) -> None:
        buffer = self._event_buffer(event)
        if buffer is None:
            return
        unchanged = buffer.topic_before == event.text
        buffer.topic_before = None
        buffer.topic = event.text
        self._changed(Change.HEADER)
        if not unchanged:  # the topic seen before a reconnect is not news
            entry = LogEntry(EntryKind.TOPIC, event.text, user=self._field(event, 1))
            self._add(entry, buffer.key)

    def _on_JOIN(self, event: ParsedLine) -> None:
        buffer = self._event_buffer(event)
        user = self._field(event, 1)
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

    def _on_PART(self, event: ParsedLine) -> None:
        buffer = self._event_buffer(event)
        user = self._field(event, 1)
        if buffer is None:
            return
        buffer.returning.discard(user)
        if user in buffer.members:
            buffer.members.remove(user)
            self._changed(Change.MEMBERS)
        self._add(LogEntry(EntryKind.PART, event.text, user=user), buffer.key)

    def _on_NICK(self, event: ParsedLine) -> None:
        """A rename, in the log of every room the user shares with them
        (``multi`` sends it once per room: the later copies find the old
        name gone and add nothing)."""
        old, new = self._field(event, 0), self._field(event, 1)
        self.known_users.pop(name_key(old), None)
        self._saw_user(new)
        if old == self.own_name:
            self.own_name = new
            self._changed(Change.HEADER)
        shared = [b for b in self.buffers.values() if old in b.members]
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

    def _on_LEFT(self, event: ParsedLine) -> None:
        room = self._field(event, 0)
        self._left(room, f"you left {room}")

    def _on_DELETED(self, event: ParsedLine) -> None:
        room, by = self._field(event, 0), self._field(event, 1)
        self._left(room, f"{room} was deleted by {by}")

    def _on_NOTICE(self, event: ParsedLine) -> None:
        """The server's word about a room (a cluster node lost touch, say)."""
        self._add(LogEntry(EntryKind.NOTICE, f"{self._field(event, 0)}: {event.text}"))

    def _on_SLOW(self, event: ParsedLine) -> None:
        """The server is holding our lines back (a paste past its burst)."""
        self._add(LogEntry(EntryKind.NOTICE, f"server: {event.text}"))

    def _on_HELP(self, event: ParsedLine) -> None:
        self._add(LogEntry(EntryKind.HELP, event.text))

    def _on_BYE(self, event: ParsedLine) -> None:
        # Kept for the "connection lost: REASON" line that follows (or the
        # alert, when the session ended for good): one line, not two.
        self.bye_reason = event.text

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
        buffer, user = self._event_buffer(event), self._field(event, 1)
        if buffer is not None and user in buffer.members:
            buffer.members.remove(user)
            self._changed(Change.MEMBERS)
        self._described(event)

    def _on_KICKED(self, event: ParsedLine) -> None:
        """Put out of the room: the lobby (the server sends its list) keeps
        the notice in view, and the room's own log keeps a line saying so."""
        room = self._field(event, 0)
        self._left(room)
        self._add(
            LogEntry(EntryKind.ALERT, kicked_from(event)), log_key(Page.ROOM, room)
        )
        self._described(event)
