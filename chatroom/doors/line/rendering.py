"""The line protocol's renderings of shared events: bytes, once per event.

The core hands the door typed events (:mod:`chatroom.core.model.events`); this
module is the line protocol's table of them (``docs/protocol.md``): each
event type's line (:data:`LINES`), the id and tags a stored event carries
for ``/caps ids`` and ``rich`` connections, and which events a connection
is shown live and in a replay. The door calls the encoders below through
:meth:`~chatroom.core.model.events.Encodable.encoded`, so each event is rendered
once per encoder however many members receive it. The web door frames the
same lines (:mod:`chatroom.doors.web.socket`).

Which events whom:

- ``rich`` connections see everything but what only IRC shows (a user's
  account changing, a topic change in a replay);
- others do not see reactions, deletions or typing notices, and see an
  edit as it happens as a ``MSG`` saying ``* `` and the new text (in a
  replay the message already shows its new text);
- a stored message is ``MSG`` (``ACTION``) live and ``HISTORY``
  (``HISTORY_ACTION``) in a replay;
- a link preview (``PREVIEW``) is ``rich`` only, never replayed, and not
  shown to a session that turned previews off (:func:`hiding_previews`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from chatroom.core.model.events import (
    PLAYBACK_ONLY,
    AccountChanged,
    Announcement,
    AwayChanged,
    BanChanged,
    CallEnded,
    CallJoined,
    CallLeft,
    CallMembers,
    CallMembersChanged,
    CallStarted,
    Departure,
    DepartureKind,
    Edited,
    Encoder,
    Event,
    Gap,
    Invitation,
    Invited,
    Joined,
    Kicked,
    LeftElsewhere,
    ListedRoom,
    Listing,
    LobbyChanges,
    LockdownChanged,
    MarkerMoved,
    Message,
    ModeChanged,
    NotifyChanged,
    OperatorMessage,
    OwnerChanged,
    PinChanged,
    Preview,
    PrivateMessage,
    PrivateRedacted,
    PrivateTagMessage,
    ProfileChanged,
    Reaction,
    RealnameChanged,
    Redacted,
    Renamed,
    ReportClosed,
    ReportFiled,
    RoomDeleted,
    RoomGone,
    RoomMetadataChanged,
    RoomNotice,
    RoomRenamed,
    SearchResult,
    SettingChanged,
    Signal,
    TagMessage,
    TopicChanged,
    TurnGranted,
    Typing,
    Wallops,
    Welcome,
    encoded_each,
)
from chatroom.core.moderation.modlog import ModEntry
from chatroom.core.rooms.big_rooms import quiet_notice
from chatroom.doors.line.reporting import render_closed, render_report
from chatroom.wire import calls
from chatroom.wire.lines import format_line
from chatroom.wire.tags import Tags, format_tags

#: The reason a ``PART`` shows for leaving with no words, and before them.
LEFT, LEFT_BECAUSE, LEFT_FOR = "left", "left: ", "left for "
#: What comes before the words a user quit with.
QUIT_BECAUSE = "quit: "
#: What an empty redaction reason, an empty audience, or a moderation log
#: entry's empty target or reason is shown as.
NONE_SHOWN = "-"


def _part_reason(event: Departure) -> str:
    """The reason a ``PART`` line gives: ``left``, ``left: <words>``,
    ``left for <room>``, ``quit: <words>``, or why the session ended."""
    if event.kind is not DepartureKind.PART:
        return QUIT_BECAUSE + event.reason if event.own_words else event.reason
    if event.moved_to:
        return LEFT_FOR + event.moved_to
    return LEFT_BECAUSE + event.reason if event.reason else LEFT


def _departure(event: Departure) -> bytes:
    if event.kind is DepartureKind.KICK:
        return format_line("KICK", event.room, event.user, event.by, text=event.reason)
    return format_line("PART", event.room, event.user, text=_part_reason(event))


def _message(event: Message) -> bytes:
    word = "ACTION" if event.action else "MSG"
    return format_line(word, event.room, event.user, event.time, text=event.text)


def _operator_message(event: OperatorMessage) -> bytes:
    word = "OPNOTICE" if event.notice else "OPMSG"
    audience = ",".join(sorted(event.audience)) or NONE_SHOWN
    fields = (event.room, event.user, event.time, audience)
    return format_line(word, *fields, text=event.text)


def _setting(event: SettingChanged) -> bytes:
    settings, values = ",".join(event.settings), ",".join(event.values)
    return format_line("SET", event.room, settings, values, event.by)


def _edited(event: Edited) -> bytes:
    fields = (event.room, event.target, event.user, event.time)
    return format_line("EDIT", *fields, text=event.text)


def _reaction(event: Reaction) -> bytes:
    word = "REACT" if event.adding else "UNREACT"
    return format_line(word, event.room, event.target, event.user, event.reaction)


def _nothing(event: Any) -> bytes:
    return b""


def _call_members(event: CallMembers | CallMembersChanged) -> bytes:
    """``CALL_MEMBERS room call user...``, or ``CALL_MEMBERS room -``."""
    if not event.call:
        return format_line("CALL_MEMBERS", event.room, calls.NONE)
    return format_line("CALL_MEMBERS", event.room, event.call, *event.users)


#: Each event type's line, as it happens (with no id or tags).
LINES: dict[type[Any], Callable[[Any], bytes]] = {
    Message: _message,
    OperatorMessage: _operator_message,
    PrivateMessage: lambda e: format_line(
        "PRIVMSG", e.sender, e.recipient, e.time, text=e.text
    ),
    Typing: lambda e: format_line("TYPING", e.room, e.user, e.state),
    Joined: lambda e: format_line("JOIN", e.room, e.user),
    Departure: _departure,
    Renamed: lambda e: format_line("NICK", e.old, e.new),
    OwnerChanged: lambda e: format_line("OWNER", e.room, e.user),
    AccountChanged: _nothing,  # IRC's account-notify only
    AwayChanged: _nothing,  # IRC's away-notify only
    RealnameChanged: _nothing,  # IRC's setname only
    ProfileChanged: lambda e: format_line("PROFILE", e.user, e.key, text=e.value),
    Wallops: _nothing,  # IRC's +w only
    TopicChanged: lambda e: format_line("TOPIC", e.room, e.user, text=e.text),
    RoomDeleted: lambda e: format_line("DELETED", e.room, e.by),
    RoomRenamed: lambda e: format_line("RENAMED", e.room, e.new, e.by, text=e.reason),
    RoomNotice: lambda e: format_line("NOTICE", e.room, text=e.text),
    Gap: lambda e: format_line("GAP", e.room, e.count),
    LeftElsewhere: lambda e: format_line("LEFT", e.room),
    MarkerMoved: lambda e: format_line("READ", e.where, str(e.marker)),
    NotifyChanged: lambda e: format_line("NOTIFY", e.room, e.level),
    ModeChanged: lambda e: format_line(e.mode.value, e.room, e.user, e.by),
    BanChanged: lambda e: format_line(
        "BAN" if e.banned else "UNBAN", e.room, e.mask, e.by
    ),
    SettingChanged: _setting,
    RoomMetadataChanged: lambda e: format_line(
        "ROOM_METADATA", e.room, e.key, e.by, text=e.value
    ),
    Kicked: lambda e: format_line("KICKED", e.room, e.by, text=e.reason),
    Invitation: lambda e: format_line("INVITE", e.room, e.user, e.by),
    Invited: lambda e: format_line("INVITED", e.room, e.by),
    Announcement: lambda e: format_line("ANNOUNCE", e.by, text=e.text),
    LockdownChanged: lambda e: format_line("LOCKDOWN", e.level, e.by),
    ReportFiled: render_report,
    ReportClosed: render_closed,
    Edited: _edited,
    Redacted: lambda e: format_line(
        "REDACT", e.room, e.target, e.by, text=e.reason or NONE_SHOWN
    ),
    Reaction: _reaction,
    PinChanged: lambda e: format_line(
        "PIN" if e.pinned else "UNPIN", e.room, e.target, e.by
    ),
    TagMessage: _nothing,  # an IRC client's own tags: IRC's TAGMSG only
    PrivateTagMessage: _nothing,
    Preview: lambda e: format_line("PREVIEW", e.room, e.message, e.url),
    PrivateRedacted: _nothing,  # IRC's REDACT of a private message only
    CallStarted: lambda e: format_line(
        "CALL", e.room, e.call, calls.STARTED, e.user, e.url
    ),
    CallJoined: lambda e: format_line("CALL", e.room, e.call, calls.JOINED, e.user),
    CallLeft: lambda e: format_line("CALL", e.room, e.call, calls.LEFT, e.user),
    CallEnded: lambda e: format_line(
        "CALL", e.room, e.call, calls.ENDED, e.user, str(e.seconds)
    ),
    CallMembers: _call_members,
    CallMembersChanged: _call_members,
    TurnGranted: lambda e: format_line(
        "TURN", str(e.seconds), e.username, e.password, *e.uris
    ),
    Signal: lambda e: format_line("SIGNAL", e.room, e.sender, text=e.text),
}


def _replayed_message(event: Message) -> bytes:
    """A stored message's line in a replay: ``HISTORY`` (``HISTORY_ACTION``)."""
    word = "HISTORY_ACTION" if event.action else "HISTORY"
    return format_line(word, event.room, event.user, event.time, text=event.text)


def to_line(event: Event) -> bytes:
    """The event's line, as it happens."""
    return LINES[type(event)](event)


def replayed_line(event: Event) -> bytes:
    """The event's line in a replay: a message's ``HISTORY`` form."""
    if type(event) is Message:
        return event.encoded(_replayed_message)
    return event.encoded(to_line)


def _tags(event: Event) -> Tags:
    """What a ``rich`` connection sees after a stored event's id: a
    message's tags, a topic change's time."""
    if isinstance(event, Message | PrivateMessage):
        return event.tags
    if isinstance(event, TopicChanged):
        return (("time", event.time),)
    if isinstance(event, Preview):
        card = (
            ("title", event.title),
            ("description", event.description),
            ("image", event.image),
        )
        return tuple((key, value) for key, value in card if value)
    return ()


def _id_of(event: Event) -> str:
    """The id after ``@``: a stored event's own; a preview's, the id of the
    message it is about (it has none of its own: it is not stored)."""
    if isinstance(event, Preview):
        return event.message
    return getattr(event, "id", "")


def _with_id(event: Event, line: bytes) -> bytes:
    """``@ID `` and the line (``/caps ids``), for a numbered event (nothing
    for an event this door shows nothing of)."""
    event_id = _id_of(event)
    if not event_id or not line:
        return line
    return b"@" + event_id.encode("ascii") + b" " + line


def _with_tags(event: Event, line: bytes) -> bytes:
    """``@ID;key=value... `` and the line (``rich``): the id with the
    event's tags, escaped as IRCv3 message tags are."""
    tags = _tags(event)
    if not tags or not line:
        return _with_id(event, line)
    event_id = _id_of(event)
    return ("@" + event_id + ";" + format_tags(tags) + " ").encode("utf-8") + line


#: Events only ``rich`` connections see (an edit as itself: others get a
#: ``MSG`` saying ``* `` and the new text as it happens, nothing in a
#: replay, where the message already shows its new text), and a user's
#: profile or a room's metadata changing (IRC's ``METADATA``: the name
#: beside its messages is all others show).
RICH_ONLY = (
    Edited,
    Redacted,
    Reaction,
    Typing,
    Preview,
    ProfileChanged,
    RoomMetadataChanged,
)


def _edit_fallback(event: Edited) -> bytes:
    """An edit as clients without ``rich`` get it: ``MSG room user time * text``."""
    fields = (event.room, event.user, event.time)
    return format_line("MSG", *fields, text="* " + event.text)


def live_line(event: Event) -> bytes:
    """An event as it happens, for a connection without ``rich``."""
    if isinstance(event, RICH_ONLY):
        return event.encoded(_edit_fallback) if type(event) is Edited else b""
    return event.encoded(to_line)


def live_id_line(event: Event) -> bytes:
    """The same with ``@ID `` (``/caps ids``)."""
    if isinstance(event, RICH_ONLY):
        if type(event) is not Edited:
            return b""
        return _with_id(event, event.encoded(_edit_fallback))
    return _with_id(event, event.encoded(to_line))


def live_rich_line(event: Event) -> bytes:
    """An event as it happens, for a ``rich`` connection."""
    return _with_tags(event, event.encoded(to_line))


@cache
def hiding_previews(encoder: Encoder) -> Encoder:
    """``encoder`` for a session that turned link previews off (``/set
    previews off``): nothing for a :class:`Preview`, the rest as
    ``encoder`` renders it (its cached rendering, shared). One per encoder,
    so the sessions that hide previews share its cache too."""

    def render(event: Event) -> bytes:
        return b"" if type(event) is Preview else event.encoded(encoder)

    return render


def _shown_in_replay(event: Event, rich: bool) -> bool:
    """A topic change or a tags-only message is replayed to IRC's event
    playback only; what only ``rich`` connections see live they alone see
    in a replay."""
    if isinstance(event, PLAYBACK_ONLY):
        return False
    return rich or not isinstance(event, RICH_ONLY)


def replay_line(event: Event) -> bytes:
    """A stored event in a replay (welcome, ``/history``) without ``rich``:
    the messages as they now stand, nothing else."""
    return event.encoded(replayed_line) if _shown_in_replay(event, False) else b""


def replay_id_line(event: Event) -> bytes:
    """The same with ``@ID ``."""
    if not _shown_in_replay(event, False):
        return b""
    return _with_id(event, event.encoded(replayed_line))


def replay_rich_line(event: Event) -> bytes:
    """A stored event in a replay for a ``rich`` connection: all but the
    IRC door's own."""
    if not _shown_in_replay(event, True):
        return b""
    return _with_tags(event, event.encoded(replayed_line))


def render_found(result: SearchResult) -> bytes:
    """``FOUND <room> <id> <user> <time> <text>``: one ``/search`` result."""
    fields = (result.where, result.id, result.user, result.time)
    return format_line("FOUND", *fields, text=result.text)


def render_modlog(room: str, entries: list[ModEntry]) -> bytes:
    """The ``/modlog`` reply: ``MODLOG room time by action target reason``
    per entry, oldest first (``-``: no target, no reason), then
    ``MODLOG_END room count``."""
    lines = [
        format_line(
            "MODLOG",
            room,
            entry.time,
            entry.by,
            entry.action.value,
            entry.target or NONE_SHOWN,
            text=entry.reason or NONE_SHOWN,
        )
        for entry in entries
    ]
    lines.append(format_line("MODLOG_END", room, str(len(entries))))
    return b"".join(lines)


def render_room(info: ListedRoom) -> bytes:
    """``ROOM name members capacity topic``."""
    return format_line(
        "ROOM", info.name, str(info.members), str(info.capacity), text=info.topic
    )


def render_listing(listing: Listing) -> bytes:
    """``ROOMS n`` (``ROOMS n more`` when it leaves rooms out: the lobby's
    list) and a ``ROOM`` line per room, as one write."""
    count = str(len(listing.rooms))
    fields = (count, str(listing.more)) if listing.more else (count,)
    return format_line("ROOMS", *fields) + b"".join(
        encoded_each(listing.rooms, render_room)
    )


def render_lobby_changes(changes: LobbyChanges) -> bytes:
    """A ``ROOM`` line per changed room, ``ROOM_GONE`` per removed one,
    ``RENAMED`` per renamed one."""
    return b"".join(_lobby_change(change) for change in changes.changes)


def _lobby_change(change: ListedRoom | RoomGone | RoomRenamed) -> bytes:
    if isinstance(change, RoomGone):
        return format_line("ROOM_GONE", change.name)
    if isinstance(change, RoomRenamed):
        return to_line(change)
    return change.encoded(render_room)


def render_welcome(
    welcome: Welcome, render: Encoder = replay_line, rich: bool = False
) -> bytes:
    """``JOINED``, ``MEMBERS`` (a big room's: with a ``NOTICE`` saying
    whom it lists), ``GAP`` if a resume left some out, the
    history oldest first (rendered by ``render``: with ``@ID`` or not),
    ``TOPIC``, and for a ``rich`` client (one that shows a pinned bar)
    ``PINS room count`` when the room has pins (a plain join stays the
    two steps it was); ``CALL_MEMBERS`` while a call is on there."""
    room = welcome.room
    lines = [
        format_line("JOINED", room, str(welcome.count), str(welcome.capacity)),
        format_line("MEMBERS", room, *welcome.members),
    ]
    if welcome.total is not None:  # a big room: the members shown, and why
        lines.append(format_line("NOTICE", room, text=quiet_notice(welcome.total)))
    if welcome.gap:
        lines.append(format_line("GAP", room, welcome.gap))
    lines.extend(event.encoded(render) for event in welcome.history)
    if welcome.topic:
        lines.append(format_line("TOPIC", room, welcome.topic_by, text=welcome.topic))
    if rich and welcome.pins:
        lines.append(format_line("PINS", room, str(welcome.pins)))
    if welcome.call is not None:
        lines.append(_call_members(welcome.call))
    return b"".join(lines)


@dataclass(frozen=True)
class LineOutput:
    """How a line session's output reaches the wire: as lines (the line
    door) or one WebSocket text frame per line (the web door)."""

    #: Which door (``/metrics`` labels, logs).
    door: str
    #: The session's own lines (bytes ending in CRLF) → what is written;
    #: None writes them as they are.
    frame: Callable[[bytes], bytes] | None
    #: Room events as delivered, without and with ``@ID`` (``/caps ids``):
    #: each is rendered once per event for every session of the door.
    events: Encoder
    events_with_ids: Encoder
    #: ... and with ``@ID;tags`` and the rich events (``/caps rich``).
    events_rich: Encoder


#: The line door's output: lines as they are.
AS_LINES = LineOutput("line", None, live_line, live_id_line, live_rich_line)
