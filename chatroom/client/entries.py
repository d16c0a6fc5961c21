"""The words the session model, the screen and the log file share.

Pages, the kinds of log line, the changes a listener hears of, and the
log entries and room listings themselves: plain data, so the widgets that
draw them and the log file that keeps them need nothing of the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from chatroom.wire.names import name_key


class Page(StrEnum):
    """The client's pages follow the server's connection states."""

    CONNECTING = "connecting"
    USERNAME = "username"
    LOBBY = "lobby"
    ROOM = "room"


class EntryKind(StrEnum):
    """What a log line is; the view styles each kind apart."""

    MESSAGE = "message"
    ACTION = "action"
    JOIN = "join"
    PART = "part"
    NICK = "nick"
    TOPIC = "topic"
    PRIVATE = "private"
    #: A message to a room's owner and operators only (``OPMSG``).
    TO_OPERATORS = "operators"
    #: A slash command's answer for this device alone (``EPHEMERAL``).
    EPHEMERAL = "ephemeral"
    NOTICE = "notice"
    ERROR = "error"
    HELP = "help"
    EARLIER = "earlier"  # the "earlier messages" marker before history
    #: The "new messages" divider at the read marker, above what was not read.
    NEW = "new"
    #: Moderation, account and admin news (``-- bob was kicked by alice``).
    MODERATION = "moderation"
    #: Something that happened to the user: kicked, invited, an announcement.
    ALERT = "alert"
    #: A ``/search`` result (``FOUND``): ``target`` is its room.
    FOUND = "found"
    #: A report of a message (``REPORT``), in the reports buffer.
    REPORT = "report"
    #: A row of a table the client lays out (``/modlog``), without a time.
    TABLE = "table"


class Change(StrEnum):
    """What a listener is told changed."""

    PAGE = "page"
    ROOMS = "rooms"
    MEMBERS = "members"
    HEADER = "header"
    LOG = "log"
    #: A line went into a log not on screen (a kick into the room's log).
    LOG_ELSEWHERE = "log_elsewhere"
    STATUS = "status"
    NAME_PROBLEM = "name_problem"
    #: The log shown is another page's (each page and room keeps its own).
    LOG_SWITCH = "log_switch"
    #: Older lines (a ``/history`` the user asked for: PgUp) were put in the
    #: log shown, above its oldest stored line, which is passed along (None:
    #: nothing older came).
    LOG_OLDER = "log_older"
    #: Lines were put in the log shown where their ids say (the client's
    #: own ``/history``, a typed one): drawn again, the view where it was.
    LOG_MERGED = "log_merged"
    #: A line said stands as the message's row where it was typed, its
    #: ``ACK`` come with no copy of it (the entry passed, in the log
    #: ``Logs.filed_in``): the log files file it now (see .unacknowledged).
    LOG_SAID = "log_said"
    #: The username page asks for a name, or for a registered name's password.
    SIGN_IN = "sign_in"
    #: The notice kept above the lobby's room list changed.
    ALERT = "alert"
    #: A buffer (room or conversation) came or went, or its unread count changed.
    BUFFERS = "buffers"
    #: A line of the log on screen was edited or deleted (the entry passed
    #: is its new form, with the same id).
    LOG_EDITED = "log_edited"
    #: Who is typing in the room on screen changed (``TYPING``, or it timed out).
    TYPING = "typing"
    #: Someone's display name came or changed (``PROFILE``): the lines that
    #: name them (those without an id too) and the member list are drawn again.
    NAMES = "names"


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a line names in its own words (a quote's author, who pinned,
    who kicked whom): their name, and the display name that stands for it
    (``PROFILE``; "" for none), which follows a change of it."""

    name: str
    shown: str = ""


#: A line's words with the people it names: ``("", Person("alice"), " pinned
#: message #7")``. The client's own words name a person by their display
#: name alone, as the page does (``Alice Liddell pinned …``).
Words = tuple[str | Person, ...]


def spelled(words: Words) -> str:
    """``words`` as the screen shows them: each person by display name."""
    return "".join(w if isinstance(w, str) else (w.shown or w.name) for w in words)


def by_names(words: Words) -> str:
    """``words`` with each person by their name (what the server said)."""
    return "".join(w if isinstance(w, str) else w.name for w in words)


def _known_as(words: Words, key: str, shown: str) -> Words:
    """``words`` with the person of name key ``key`` shown as ``shown``
    (the same tuple when they are not named)."""
    if not any(isinstance(w, Person) and name_key(w.name) == key for w in words):
        return words
    return tuple(
        replace(w, shown=shown)
        if isinstance(w, Person) and name_key(w.name) == key
        else w
        for w in words
    )


def dressed(words: Words, display_name: Callable[[str], str]) -> Words:
    """``words`` with each person's display name as ``display_name`` knows it."""
    return tuple(
        replace(w, shown=display_name(w.name)) if isinstance(w, Person) else w
        for w in words
    )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the log, kept as data so the view decides its looks."""

    kind: EntryKind
    text: str = ""
    user: str = ""
    time: float | None = None
    earlier: bool = False  # came from the room's history on joining
    mentions_me: bool = False
    target: str = ""  # the recipient of a private message
    id: int | None = None  # a stored event's id (the server's ``@ID``)
    #: ``/caps rich``: changed since it was sent (``EDIT``).
    edited: bool = False
    #: Deleted (``REDACT``): by whom and why, as the line now says; () if not.
    deleted: Words = ()
    #: The line a reply answers, quoted (``bob: anyone for tea?``); () if none.
    answers: Words = ()
    #: Reactions (``REACT``): each emoji with the users who gave it, in the
    #: order first given.
    reactions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: A paste's lines (the ``multiline`` tag), shown as a block; () if one line.
    lines: tuple[str, ...] = ()
    #: Its link's preview (``PREVIEW``), one dim line under it; "" if none.
    preview: str = ""
    #: The file it shares (its ``file-*`` tags): name, type and size; "" if none.
    attachment: str = ""
    #: A thread's root: how many answer it, who last (see .threads); () if none.
    replies: Words = ()
    #: Its author's display name (``PROFILE``), shown beside the name; "" if none.
    shown_as: str = ""
    #: The client's own words naming people (a moderation line, who owns or
    #: renamed a room), drawn instead of ``text`` (which names them by
    #: their names); () for a line that names nobody in its words.
    words: Words = ()
    #: Said by the user and not yet acknowledged (see .unacknowledged): the
    #: word its row shows (``waiting``, ``sending``, ``waiting to try
    #: again``); "" for any other line.
    pending: str = ""

    def known_as(self, key: str, shown: str) -> LogEntry:
        """This line with the user of name key ``key`` shown as ``shown``
        (their display name, "" for none) wherever it names them: beside
        their own line, in its quote, its thread's summary, its words,
        who deleted it."""
        mine = bool(self.user) and name_key(self.user) == key
        shown_as = shown if mine else self.shown_as
        answers = _known_as(self.answers, key, shown)
        replies = _known_as(self.replies, key, shown)
        words = _known_as(self.words, key, shown)
        deleted = _known_as(self.deleted, key, shown)
        if (shown_as, answers, replies, words, deleted) == (
            self.shown_as,
            self.answers,
            self.replies,
            self.words,
            self.deleted,
        ):
            return self
        return replace(
            self,
            shown_as=shown_as,
            answers=answers,
            replies=replies,
            words=words,
            deleted=deleted,
        )


def worded(kind: EntryKind, words: Words) -> LogEntry:
    """A line of the client's own ``words`` (its ``text`` names people by
    their names, as the server did)."""
    return LogEntry(kind, by_names(words), words=words)


@dataclass(frozen=True, slots=True)
class RoomListing:
    """One room of the lobby list."""

    name: str
    members: int
    capacity: int
    topic: str = ""


def log_key(page: Page, room: str | None = None) -> str:
    """Which log a page shows: one for the name prompt, the lobby, each room.

    Rooms are keyed as the server compares names, so ``Tea`` is ``tea``.
    """
    if page == Page.ROOM and room:
        return f"room:{name_key(room)}"
    return "lobby" if page == Page.LOBBY else "username"


def mentions(name: str | None, text: str) -> bool:
    """Whether ``text`` names ``name`` as a whole word (ignoring case)."""
    if not name:
        return False
    pattern = rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None
