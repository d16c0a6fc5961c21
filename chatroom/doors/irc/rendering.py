"""Shared events as IRC lines: once per event for each variant in use.

An :class:`IRCRenderer` turns each :class:`chatroom.core.model.events.Event` into
IRC bytes with ``event.encoded(encoder)``, which caches the bytes on the
event per encoder: a message to a room of a thousand IRC members is
rendered once per *variant*, never once per member. A variant is a set of
the capabilities that change the bytes (:data:`chatroom.doors.irc.caps.RENDERING`):

- no capabilities: :attr:`IRCRenderer.render`, the plain lines (what every
  client got before IRCv3; clients without capabilities cost what they
  always did);
- ``server-time`` and ``message-tags``: the plain bytes with ``@time=``
  and ``@msgid=`` put in front (:class:`Variant`), so the text is rendered
  and split once and only the tags are added per variant;
- ``batch`` + ``draft/multiline``: a long message as one multiline batch
  instead of several lines;
- ``invite-notify``: an invitation in a room as ``INVITE`` (others get nothing);
- ``account-tag``: ``@account=`` on what a signed-in user does (live: a
  replay's messages carry none, their author's account then is not kept);
  ``extended-join``: ``JOIN #chan account :realname``; ``account-notify``:
  ``ACCOUNT name`` when a user in the channel signs in or out (others get
  nothing). Every event a user does carries the account it was signed in
  to (a kick's, a mode's: its moderator's; ``ACCOUNT`` is the news of
  it), and a join the joiner's realname (its nick if it gave none) and
  away message (``away-notify``), from the session that made them on
  whichever node (:data:`CARRYING`); other events' accounts, and those of
  stored events played back, are the core's of the user now holding the
  name (:meth:`~chatroom.core.infra.sessions.Sessions.account_named`: this
  node's sessions).

What IRC says in tags, a client without ``message-tags`` is told in
words (:mod:`chatroom.doors.irc.notes`): a reply starts with its addressee
and a quote of what it answers, a thread's message names its thread, and
a reaction, an edit and a deletion (the last also for a client without
``draft/message-redaction``) are each a short server ``NOTICE`` naming the
message. The quotes come with the events, from the core
(:mod:`chatroom.core.messages.quoting`); a client with ``message-tags`` gets the
bare message and its tags instead (its own rendering, once per event).

Nothing leaves over 512 bytes before its tags: a message whose text does
not fit is split at word boundaries (:func:`chatroom.doors.irc.tags.split_text`)
into several ``PRIVMSG``, the same split for every variant.

``msgid`` of a room's stored event is its id, the one the line door shows
with ``/caps ids``, with the store's epoch and the room in front
(:mod:`chatroom.doors.irc.msgids`): unique across the server and its
restarts; the messages it names (a reply's ``+draft/reply``, a reaction's,
a ``REDACT``'s) are named the same way. A private message, which is not
stored, gets a digest of its sender, recipient, time and text, the same
for every variant of it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import count
from typing import Any, NamedTuple

from twisted.internet.interfaces import IReactorTime

from chatroom.core.messages.abuse_reports import PRIVATE
from chatroom.core.model import multiline
from chatroom.core.model.events import (
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
    LockdownChanged,
    MarkerMoved,
    MemberMode,
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
    RoomEvent,
    RoomMetadataChanged,
    RoomNotice,
    RoomRenamed,
    SettingChanged,
    Sighting,
    Signal,
    TagMessage,
    TopicChanged,
    TurnGranted,
    Typing,
    Wallops,
    Watched,
    relayed_only,
)
from chatroom.core.model.text import name_key
from chatroom.core.moderation.report_store import MessageReport
from chatroom.doors.irc.callnotes import call_ended, call_started
from chatroom.doors.irc.caps import RENDERING
from chatroom.doors.irc.chanmodes import setting_mode
from chatroom.doors.irc.formatting import irc_lines, irc_text
from chatroom.doors.irc.msgids import MsgIds, private_msgid, private_tags_msgid
from chatroom.doors.irc.notes import (
    edit_note,
    quoted_prefix,
    reaction_note,
    redaction_note,
)
from chatroom.doors.irc.statusmsg import operator_lines
from chatroom.doors.irc.tags import (
    MAX_LINE,
    NOTICE_TAG,
    RELAYMSG_TAG,
    add_tags,
    lines_of,
    relayed_tags,
    split_text,
    text_room,
)
from chatroom.doors.irc.wire import (
    X_DELIM,
    build,
    build_words,
    channel,
    hostmask,
    irc_mask,
)
from chatroom.wire.lines import format_time
from chatroom.wire.markdown import has_marks
from chatroom.wire.tags import RELAY_TAG, tag_section

#: Shared events IRC clients with ``message-tags`` get as a ``TAGMSG``.
TAG_EVENTS = (Reaction, Typing, TagMessage, PrivateTagMessage)
#: Member modes, as IRC shows them.
_MEMBER_MODES = {
    MemberMode.OP: "+o",
    MemberMode.DEOP: "-o",
    MemberMode.VOICE: "+v",
    MemberMode.DEVOICE: "-v",
}
_CONCAT = "draft/multiline-concat"
#: The reason a part with no words of its own shows.
_LEFT = "left"
#: What comes before the words a user quit with (as ircds say it).
_QUIT_BECAUSE = "Quit: "
#: A said message: what IRC lines carry.
SaidEvent = Message | PrivateMessage


def _nobody(name: str) -> str:
    return ""


def _nothing(event: Any) -> bytes:
    return b""


#: Who did an event, for ``account-tag`` (no type: nobody).
_ACTORS: dict[type[Any], Callable[[Any], str]] = {
    Message: lambda e: e.user,
    PrivateMessage: lambda e: e.sender,
    Joined: lambda e: e.user,
    Departure: lambda e: e.by if e.kind is DepartureKind.KICK else e.user,
    Renamed: lambda e: e.new,
    TopicChanged: lambda e: e.user,
    AccountChanged: lambda e: e.user,
    Typing: lambda e: e.user,
    OperatorMessage: lambda e: e.user,
    Kicked: lambda e: e.by,
    Invited: lambda e: e.by,
    ModeChanged: lambda e: e.by if e.mode in (MemberMode.OP, MemberMode.DEOP) else "",
    BanChanged: lambda e: e.by,
    Invitation: lambda e: e.by,
    Edited: lambda e: e.user,
    Redacted: lambda e: e.by,
    PrivateRedacted: lambda e: e.sender,
    Reaction: lambda e: e.user,
    PinChanged: lambda e: e.by,
    SettingChanged: lambda e: e.by,
}

#: Stored events a replay shows as they were, with no ``account`` (who
#: holds its author's nick now may not be its author).
_REPLAYED = (Message, TopicChanged)

#: Events that carry their author's account (``account``), rendered from
#: it as they happen, wherever the author is connected.
CARRYING = (
    Message,
    PrivateMessage,
    OperatorMessage,
    Joined,
    Departure,
    Renamed,
    Invitation,
    Invited,
    Kicked,
    ModeChanged,
    BanChanged,
    SettingChanged,
    TopicChanged,
    Typing,
    Reaction,
    Edited,
    Redacted,
    PrivateRedacted,
)


def actor_of(event: Event) -> str:
    """The name of the user who did ``event`` ("" when none does)."""
    actor = _ACTORS.get(type(event))
    return actor(event) if actor is not None else ""


def is_notice(event: SaidEvent) -> bool:
    """Whether a shared message was said as an IRC ``NOTICE``."""
    return any(key == NOTICE_TAG for key, _ in event.tags)


def time_of(event: Event) -> str:
    """The time a message was said, a topic set, or a reaction or a
    deletion accepted ("" for other events, and for a reaction or a
    deletion an older version stored without one)."""
    if isinstance(event, Message | PrivateMessage | TopicChanged):
        return event.time
    if isinstance(event, Reaction | Redacted):
        return event.time
    return ""


class Said(NamedTuple):
    """A message as IRC lines say it: who, which command, to whom, the
    text in pieces that fit a line each, and whether it is a CTCP ACTION."""

    source: str
    command: str
    target: str
    pieces: list[str]
    action: bool


def clock_text(stamp: str) -> str:
    """``2026-11-21T18:04:05.123Z`` → ``18:04`` (replay without server-time)."""
    return stamp[11:16] if len(stamp) >= 16 else stamp


#: Events IRC addresses to one user's nick (:meth:`IRCRenderer.personal`).
Personal = (
    Kicked | Invited | Announcement | LockdownChanged | ReportFiled | ReportClosed
)


def report_notice(report: MessageReport | ReportFiled) -> str:
    """``REPORT <n> #room <id> <reporter> <reason> | <author>: <text>``
    (a private message's: the other side's nick in place of ``#room``)."""
    reason = report.reason or "-"
    private = report.room.removeprefix(PRIVATE)
    place = private if private != report.room else channel(report.room)
    return (
        f"REPORT {report.number} {place} {report.event_id}"
        f" {report.reporter} {reason} | <{report.author}> {report.text}"
    )


def closed_notice(event: ReportClosed) -> str:
    note = f" {event.note}" if event.note else ""
    return f"REPORT_CLOSED {event.number} {event.by}{note}"


class IRCRenderer:
    """The IRC form of shared events, for one server (its name is the source
    of server lines and the host of every user).

    ``render`` is bound once, so that every session of the door hands the
    same callable to :meth:`Event.encoded`, which caches per callable;
    :meth:`encoder` gives each variant its own such callable, and
    :meth:`replay_encoder` each variant's for stored events played back.
    """

    def __init__(
        self,
        server_name: str,
        clock: IReactorTime,
        accounts: Callable[[str], str] = _nobody,
        msgids: MsgIds | None = None,
    ) -> None:
        """Args:
        accounts: a user's account name by their nick ("" for none), for
            the events that do not carry it (:data:`CARRYING`) and replays.
        msgids: the door's ``msgid``\\ s of stored events, both ways (the
            registry's store epoch; one of its own if not given).
        """
        self.server = server_name
        self.msgids = msgids if msgids is not None else MsgIds(lambda: "0")
        self.clock = clock
        self.accounts = accounts
        self.render: Encoder = self._render
        #: Stored events played back, plain: a message with its time in
        #: front (``[18:04]``), for clients that cannot be told its time.
        self.replayed: Encoder = self._replayed
        #: A reply or a thread's message without the words that say what it
        #: answers, for clients that are told so by its tags
        #: (``message-tags``), as it happens and played back.
        self.unquoted: Encoder = self._unquoted
        self.unquoted_replayed: Encoder = self._unquoted_replayed
        #: Each room's newest stored event rendered here (by name key): what
        #: its IRC members on this node were last sent, read when a
        #: session's replay position is kept (:mod:`chatroom.doors.irc.positions`).
        self.newest: dict[str, int] = {}
        self._variants: dict[frozenset[str], Encoder] = {frozenset(): self.render}
        self._replays: dict[frozenset[str], Encoder] = {frozenset(): self.replayed}
        self._batches = count(1)
        #: The plain rendering of each event type, as it happens.
        self._plain: dict[type[Any], Callable[[Any], bytes]] = {
            Message: self._said_lines,
            PrivateMessage: self._said_lines,
            OperatorMessage: lambda e: operator_lines(e, self.source),
            Joined: lambda e: build(self.source(e.user), "JOIN", channel(e.room)),
            Departure: self.departure,
            Renamed: lambda e: build(self.source(e.old), "NICK", e.new),
            TopicChanged: lambda e: build(
                self.source(e.user), "TOPIC", channel(e.room), e.text
            ),
            OwnerChanged: self._owner_changed,
            ModeChanged: lambda e: build(
                self.source(e.by),
                "MODE",
                channel(e.room),
                _MEMBER_MODES[e.mode],
                e.user,
            ),
            BanChanged: lambda e: build(
                self.source(e.by),
                "MODE",
                channel(e.room),
                "+b" if e.banned else "-b",
                irc_mask(e.mask),
            ),
            SettingChanged: self._setting,
            Invitation: _nothing,  # only with invite-notify (Variant)
            AccountChanged: _nothing,  # only with account-notify (Variant)
            AwayChanged: self._away,  # only with away-notify (IRCProtocol)
            RealnameChanged: lambda e: build(
                self.source(e.user), "SETNAME", e.realname
            ),  # only with setname (IRCProtocol)
            ProfileChanged: self._metadata,  # draft/metadata-2 only (IRCSession)
            RoomMetadataChanged: self._room_metadata,  # the same
            Wallops: lambda e: build(self.source(e.by), "WALLOPS", e.text),
            RoomDeleted: lambda e: build(
                self.server, "NOTICE", channel(e.room), f"{e.by} deleted the room"
            ),
            RoomNotice: lambda e: self._notice(channel(e.room), e.text),
            # draft/channel-rename only (IRCSession: PART and JOIN without)
            RoomRenamed: lambda e: build(
                self.source(e.by), "RENAME", channel(e.room), channel(e.new), e.reason
            ),
            Redacted: lambda e: self._room_note(e, redaction_note(e)),
            Edited: lambda e: self._room_note(e, edit_note(e)),
            Reaction: lambda e: self._room_note(e, reaction_note(e)),
            PinChanged: self._pin_notice,
            # What IRC has no words for is said as it is, rather than dropped.
            Gap: lambda e: self._notice(channel(e.room), f"GAP {e.room} {e.count} "),
            LeftElsewhere: lambda e: self._notice(channel(e.room), f"LEFT {e.room} "),
            MarkerMoved: _nothing,  # the session asks for the marker (MARKREAD)
            NotifyChanged: _nothing,  # IRC has no notification levels
            Typing: _nothing,  # only with message-tags, as TAGMSG (Variant)
            TagMessage: _nothing,
            PrivateTagMessage: _nothing,
            PrivateRedacted: _nothing,  # draft/message-redaction only (Variant)
            Kicked: _nothing,  # addressed to one nick (personal)
            Invited: _nothing,
            Announcement: _nothing,
            LockdownChanged: _nothing,  # addressed to one nick (personal)
            ReportFiled: _nothing,  # addressed to one nick (personal)
            ReportClosed: _nothing,  # addressed to one nick (personal)
            # No IRCv3 specification or draft carries a link preview
            # (docs/irc.md, "Link previews"): IRC clients fetch links themselves.
            Preview: _nothing,
            # A call is the web page's: its channel hears when one starts
            # and ends, in words; joins and departures are not told.
            CallStarted: lambda e: self._notice(channel(e.room), call_started(e)),
            CallJoined: _nothing,
            CallLeft: _nothing,
            CallEnded: lambda e: self._notice(channel(e.room), call_ended(e)),
            CallMembers: _nothing,  # the line protocol's (/call)
            CallMembersChanged: _nothing,
            TurnGranted: _nothing,
            Signal: _nothing,
        }

    def encoder(self, caps: frozenset[str]) -> Encoder:
        """The encoder for a session with capabilities ``caps``: one per
        combination in use, shared by every session with it."""
        key = self._rendering_key(caps)
        try:
            return self._variants[key]
        except KeyError:
            variant = self._variants[key] = Variant(self, key)
            return variant

    def replay_encoder(self, caps: frozenset[str]) -> Encoder:
        """The encoder of stored events played back (a join's history,
        ``CHATHISTORY``) for a session with capabilities ``caps``."""
        key = self._rendering_key(caps)
        try:
            return self._replays[key]
        except KeyError:
            variant = self._replays[key] = Variant(self, key, replay=True)
            return variant

    @staticmethod
    def _rendering_key(caps: frozenset[str]) -> frozenset[str]:
        key = caps & RENDERING
        if "batch" not in key:
            key -= {"draft/multiline"}
        if not key & {"server-time", "message-tags", "draft/multiline"}:
            key -= {"batch"}  # batch alone changes no event's bytes
        return key

    def batch_ref(self) -> str:
        """A fresh batch reference, unique for as long as this server runs."""
        return f"b{next(self._batches)}"

    def source(self, nick: str) -> str:
        return hostmask(nick, self.server)

    def account(self, event: Event, replayed: bool = False) -> str:
        """The account of the user who did ``event`` ("" for none): the one
        it carries as it happens, else (played back, an event that carries
        none, or one read from a store that keeps none: a private message
        kept across a restart) the one of whoever holds the name now."""
        actor = actor_of(event)
        if not actor:
            return ""  # nobody's (a voice given: IRC shows no account)
        if not replayed:
            if isinstance(event, CARRYING) and event.account:
                return event.account
            if isinstance(event, AccountChanged):  # its news is the account
                return "" if event.account == "*" else event.account
        return self.accounts(actor)

    def extended_join(self, event: Joined) -> bytes:
        """``JOIN #chan account :realname`` (``*`` for no account; the nick
        for no realname)."""
        user, room = event.user, channel(event.room)
        account = self.account(event) or "*"
        return build(self.source(user), "JOIN", room, account, event.realname or user)

    def watched(self, news: Watched) -> bytes:
        """What ``extended-monitor`` tells a watcher of ``news``, plain:
        the line of the :class:`AwayChanged`, :class:`RealnameChanged` or
        :class:`AccountChanged` it stands for, as ``away-notify``,
        ``setname`` and ``account-notify`` render them."""
        if news.sighting is Sighting.AWAY:
            return self._away(AwayChanged(news.user, news.value))
        if news.sighting is Sighting.REALNAME:
            return self._plain[RealnameChanged](RealnameChanged(news.user, news.value))
        return build_words(self.source(news.user), "ACCOUNT", news.value)

    def _away(self, event: AwayChanged) -> bytes:
        """``AWAY :message``, or ``AWAY`` alone for being back."""
        source = self.source(event.user)
        if not event.message:
            return build(source, "AWAY")
        return build(source, "AWAY", event.message)

    def _metadata(self, event: ProfileChanged) -> bytes:
        """``761 * nick key * :value``, or ``766 * nick key`` for a key
        unset (``draft/metadata-2``'s notification as Ergo sends it and
        irctest asks for: the numerics of ``GET``, to ``*`` as one
        rendering serves every subscriber)."""
        return self._key_value(event.user, event.key, event.value)

    def _room_metadata(self, event: RoomMetadataChanged) -> bytes:
        """The same of a channel's key."""
        return self._key_value(channel(event.room), event.key, event.value)

    def _key_value(self, target: str, key: str, value: str) -> bytes:
        if not value:
            return build(self.server, "766", "*", target, key, "key not set")
        return build(self.server, "761", "*", target, key, "*", value)

    def joiner_away(self, event: Joined, timed: bool) -> bytes:
        """For an ``away-notify`` client: after a ``JOIN``, ``AWAY :message``
        if the joiner is away (with ``@time`` if ``timed``), as the join
        carries it."""
        return event.encoded(self._joiner_away_timed if timed else self._joiner_away)

    def _joiner_away(self, event: Joined) -> bytes:
        message = event.away
        return build(self.source(event.user), "AWAY", message) if message else b""

    def _joiner_away_timed(self, event: Joined) -> bytes:
        return self.timed(event.encoded(self._joiner_away))

    def personal_tags(self, event: Event, caps: frozenset[str]) -> dict[str, str]:
        """``time`` and ``account`` for an event rendered for one member
        (:meth:`personal`), as ``caps`` asks."""
        tags = {"time": self.now()} if "server-time" in caps else {}
        account = self.account(event) if "account-tag" in caps else ""
        if account:
            tags["account"] = account
        return tags

    def now(self) -> str:
        return format_time(self.clock.seconds())

    def timed(self, data: bytes) -> bytes:
        """``data``'s lines with ``@time=`` now (server-time), for what is
        rendered for one member only (a kick, an invitation to them)."""
        tag = tag_section({"time": self.now()})
        return b"".join(add_tags(line, tag) for line in lines_of(data))

    # -- messages, split to fit ---------------------------------------------------

    def said(self, event: SaidEvent, clocked: bool, quoted: bool = True) -> Said:
        """A message as IRC says it: room messages to their channel,
        private ones to their recipient, as ``NOTICE`` if they were one
        (``clocked``: a room message played back with ``[18:04]`` in
        front, for clients that cannot be told its time; ``quoted``: a
        reply or a thread's message starts with the words that say what
        it answers, for clients that have no tags to tell them)."""
        text = self.formatted(event)
        command = "NOTICE" if is_notice(event) else "PRIVMSG"
        before = ""
        if isinstance(event, PrivateMessage):
            target, source = event.recipient, self.source(event.sender)
            action = False
        else:
            target, source = channel(event.room), self.source(event.user)
            action = event.action
            before = quoted_prefix(event) if quoted else ""
            if clocked:
                before = f"[{clock_text(event.time)}] {before}"
        room = text_room(f":{source} {command} {target} :", 9 if action else 0)
        lines = self.formatted_lines(event)
        if lines is None:
            pieces = split_text(before + text, room)
        else:  # one PRIVMSG (or several, if long) per line said
            said = multiline.fallback_lines(lines)
            said = [before + said[0], *said[1:]] if said else [before]
            pieces = [piece for line in said for piece in split_text(line, room)]
        return Said(source, command, target, pieces, action)

    def formatted(self, event: SaidEvent) -> str:
        """The message's text as IRC clients read it: its Markdown as IRC's
        formatting codes (:func:`~chatroom.doors.irc.formatting.irc_text`),
        translated once per event (cached on it, as its renderings are),
        never per member; an action's as it is (plain text)."""
        text = event.text
        if not has_marks(text) or (isinstance(event, Message) and event.action):
            return text
        return event.encoded(self._formatted).decode("utf-8")

    @staticmethod
    def _formatted(event: SaidEvent) -> bytes:
        # One line's text is one line (a paste's lines are formatted_lines').
        return irc_text(event.text).replace("\n", " ").encode("utf-8")

    def formatted_lines(self, event: SaidEvent) -> list[multiline.Line] | None:
        """A message's lines (a paste, a multiline batch: None for another)
        as IRC clients read them, translated once per event as
        :meth:`formatted` is; lines whose Markdown changed lose their
        ``draft/multiline-concat`` (a fenced block's fences go)."""
        lines = multiline.lines_of(event.tags) if event.tags else None
        if lines is None or (isinstance(event, Message) and event.action):
            return lines
        texts = [text for text, _ in lines]
        if not has_marks("\n".join(texts)):
            return lines
        said = event.encoded(self._formatted_lines).decode("utf-8").split("\n")
        return lines if said == texts else [(text, False) for text in said]

    @staticmethod
    def _formatted_lines(event: SaidEvent) -> bytes:
        lines = multiline.lines_of(event.tags) or []
        return "\n".join(irc_lines([text for text, _ in lines])).encode("utf-8")

    def _message_lines(
        self, event: SaidEvent, clocked: bool, quoted: bool = True
    ) -> bytes:
        said = self.said(event, clocked, quoted)
        source, command, target = said.source, said.command, said.target
        pieces = said.pieces
        if said.action:
            pieces = [f"{X_DELIM}ACTION {piece}{X_DELIM}" for piece in pieces]
        return b"".join(build(source, command, target, piece) for piece in pieces)

    def _said_lines(self, event: SaidEvent) -> bytes:
        if type(event) is Message and not event.tags and not event.action:
            # The usual message, one line that fits: what said() and build()
            # make of it, without their pieces (rendered once per message,
            # it was a tenth of the IRC door's time at its peak).
            head = f":{self.source(event.user)} PRIVMSG {channel(event.room)} :"
            line = (head + self.formatted(event)).encode("utf-8") + b"\r\n"
            if len(line) <= MAX_LINE:
                return line
        return self._message_lines(event, clocked=False)

    def edit_answer(self, event: Edited) -> bytes:
        """An edit as the bridges' convention says it, for ``message-tags``
        clients (tagged as answering the message edited): a new message
        from its author, ``* text``."""
        edited = Message(event.room, event.user, event.time, "* " + event.text)
        return self._message_lines(edited, clocked=False)

    # -- the plain rendering -------------------------------------------------------

    def _render(self, event: Event) -> bytes:
        self.saw(event)
        return self._plain[type(event)](event)

    def _replayed(self, event: Event) -> bytes:
        if type(event) is Message:
            self.saw(event)
            return self._message_lines(event, clocked=True)
        return event.encoded(self.render)

    def _unquoted(self, event: Message) -> bytes:
        if not (event.quoted_user or event.quoted_text):
            return event.encoded(self.render)  # nothing to leave out
        self.saw(event)
        return self._message_lines(event, clocked=False, quoted=False)

    def _unquoted_replayed(self, event: Message) -> bytes:
        if not (event.quoted_user or event.quoted_text):
            return event.encoded(self.replayed)
        self.saw(event)
        return self._message_lines(event, clocked=True, quoted=False)

    def saw(self, event: Event) -> None:
        """A room's stored event is rendered (for one of its IRC members:
        each event once per rendering): the room's newest here
        (:attr:`newest`) is it, if it is newer."""
        event_id = getattr(event, "id", "")
        if event_id and isinstance(event, RoomEvent) and event_id.isdigit():
            key, number = name_key(event.room), int(event_id)
            if number > self.newest.get(key, 0):
                self.newest[key] = number

    def _owner_changed(self, event: OwnerChanged) -> bytes:
        """The new owner's ``+o``, after the former owner's ``-o`` when it
        was someone else in the room; a user who is not in the channel
        (a room given to an account whose user is elsewhere) gets no mark,
        as a channel's modes name only its members."""
        where = channel(event.room)
        changes = []
        if event.previous:
            changes.append(("-o", event.previous))
        if event.present:
            changes.append(("+o", event.user))
        if not changes:
            return b""
        flags = "".join(flag for flag, _ in changes)
        return build(self.server, "MODE", where, flags, *(n for _, n in changes))

    def departure(self, event: Departure) -> bytes:
        """``PART`` for leaving one room, ``KICK`` for being put out of
        it, ``QUIT`` for leaving the server (the session ended; the door
        passes on the first of the departures a quit makes in the rooms it
        shares)."""
        user = self.source(event.user)
        kind = event.kind
        if kind is DepartureKind.KICK:
            by = self.source(event.by)
            return build(by, "KICK", channel(event.room), event.user, event.reason)
        if kind is DepartureKind.PART:
            moved = f"left for {event.moved_to}" if event.moved_to else _LEFT
            return build(user, "PART", channel(event.room), event.reason or moved)
        reason = _QUIT_BECAUSE + event.reason if event.own_words else event.reason
        return build(user, "QUIT", reason)

    def _notice(self, target: str, text: str) -> bytes:
        room = text_room(f":{self.server} NOTICE {target} :")
        return b"".join(
            build(self.server, "NOTICE", target, piece)
            for piece in split_text(text, room)
        )

    def _room_note(self, event: RoomEvent, words: str) -> bytes:
        """A change to a message said in words, as a server ``NOTICE`` to
        its channel (:mod:`chatroom.doors.irc.notes`)."""
        return self._notice(channel(event.room), words)

    def _pin_notice(self, event: PinChanged) -> bytes:
        """IRC has no pins: say it in words, with the message's first line."""
        said = f"{event.by} {'pinned' if event.pinned else 'unpinned'} a message"
        first = event.text.splitlines()[0] if event.text else ""
        return self._notice(channel(event.room), f"{said}: {first}" if first else said)

    def _setting(self, event: SettingChanged) -> bytes:
        """``/set`` as the mode it is (:func:`setting_mode`); ``keep`` has
        no mode, so it is a notice."""
        setting, value = ",".join(event.settings), ",".join(event.values)
        params = setting_mode(setting, value)
        if params is None:
            notice = f"{event.by} set {setting} {value}"
            return build(self.server, "NOTICE", channel(event.room), notice)
        return build(self.source(event.by), "MODE", channel(event.room), *params)

    def personal(self, event: Personal, nick: str) -> bytes:
        """Events for one user that IRC addresses to their nick: being
        kicked (``KICK #room nick``), invited (``INVITE nick #room``), an
        admin's announcement and, to admins, the lockdown's change (server
        ``NOTICE`` s)."""
        if isinstance(event, Kicked):
            return build(
                self.source(event.by), "KICK", channel(event.room), nick, event.reason
            )
        if isinstance(event, Invited):
            return build(self.source(event.by), "INVITE", nick, channel(event.room))
        if isinstance(event, LockdownChanged):
            return self._notice(nick, f"LOCKDOWN {event.level} {event.by}")
        if isinstance(event, ReportFiled):
            return self._notice(nick, report_notice(event))
        if isinstance(event, ReportClosed):
            return self._notice(nick, closed_notice(event))
        text = f"[announcement from {event.by}] {event.text}"
        return self._notice(nick, text)

    # -- tags -----------------------------------------------------------------------

    def msgid(self, event: Event) -> str:
        """The event's ``msgid``: a room's stored event's id as
        :class:`MsgIds` makes it (a kept tags-only message's too), a
        relayed tags-only message's own (the core's), or for a private
        message or tags-only message (whose id, if kept, counts in its
        conversation, not a room) a digest that is the same in every
        variant ("" for other events)."""
        if isinstance(event, TagMessage | PrivateTagMessage) and relayed_only(event):
            return event.id
        if isinstance(event, PrivateTagMessage):  # kept in its conversation
            said = (event.sender, event.recipient, event.time, event.tags)
            return private_tags_msgid(*said)
        if not isinstance(event, PrivateMessage):
            event_id: str = getattr(event, "id", "")
            if event_id and isinstance(event, RoomEvent):
                return self.msgids.of(event.room, event_id)
            return event_id
        return private_msgid(event.sender, event.recipient, event.time, event.text)

    def private_redaction(self, event: PrivateRedacted) -> bytes:
        """A private message's deletion as ``draft/message-redaction`` says
        it, to both parties: ``:sender REDACT recipient msgid [:reason]``."""
        source = self.source(event.sender)
        said = (event.sender, event.recipient, event.said_at, event.text)
        target = private_msgid(*said)
        if not event.reason:
            return build_words(source, "REDACT", event.recipient, target)
        return build(source, "REDACT", event.recipient, target, event.reason)

    def redaction(self, event: Redacted) -> bytes:
        """``REDACT`` as ``draft/message-redaction`` says it: ``:by REDACT
        #room msgid [:reason]`` (no reason when none was given)."""
        source, room = self.source(event.by), channel(event.room)
        target = self.msgids.of(event.room, event.target)
        if not event.reason:
            return build_words(source, "REDACT", room, target)
        return build(source, "REDACT", room, target, event.reason)


class Variant:
    """The encoder of one combination of rendering capabilities, for events
    as they happen or (``replay``) for stored events played back."""

    __slots__ = (
        "accounted",
        "caps",
        "multiline",
        "relaying",
        "renderer",
        "replay",
        "tagged",
        "timed",
    )

    def __init__(
        self, renderer: IRCRenderer, caps: frozenset[str], replay: bool = False
    ) -> None:
        self.renderer = renderer
        self.caps = caps
        self.replay = replay
        self.timed = "server-time" in caps
        self.tagged = "message-tags" in caps
        self.multiline = "draft/multiline" in caps
        self.accounted = "account-tag" in caps
        #: ``draft/relaymsg`` without ``message-tags``: a relayed message's
        #: one tag, its relayer's nick.
        self.relaying = RELAYMSG_TAG in caps and not self.tagged

    def __repr__(self) -> str:
        played = " (replay)" if self.replay else ""
        return f"<Variant {' '.join(sorted(self.caps))}{played}>"

    def __call__(self, event: Event) -> bytes:
        renderer = self.renderer
        kind = type(event)
        if kind is Invitation and "invite-notify" in self.caps:
            assert isinstance(event, Invitation)
            by, room = renderer.source(event.by), channel(event.room)
            base = build(by, "INVITE", event.user, room)
        elif kind is Redacted and "draft/message-redaction" in self.caps:
            base = event.encoded(renderer.redaction)
        elif kind is PrivateRedacted and "draft/message-redaction" in self.caps:
            base = event.encoded(renderer.private_redaction)
        elif kind is Joined and "extended-join" in self.caps:
            base = event.encoded(renderer.extended_join)
        elif kind is AccountChanged and "account-notify" in self.caps:
            assert isinstance(event, AccountChanged)
            base = build_words(renderer.source(event.user), "ACCOUNT", event.account)
        elif kind in TAG_EVENTS and self.tagged:
            return self._tag_event(event)
        elif kind in TAG_EVENTS and kind is not Reaction:
            return b""  # only message-tags clients get them (a reaction: a note)
        elif kind is Edited and self.tagged:
            assert isinstance(event, Edited)
            return self._answer(event, event.target)
        elif kind is Message and self.tagged:  # told what it answers by its tags
            clocked = self.replay and not self.timed
            base = event.encoded(
                renderer.unquoted_replayed if clocked else renderer.unquoted
            )
        elif self.replay and not self.timed and kind is Message:
            base = event.encoded(renderer.replayed)  # its time, in front
        else:
            base = event.encoded(renderer.render)
        if not base:
            return base  # nothing for IRC clients (an invitation, unasked)
        tags = self.tags(event)
        if isinstance(event, Message | PrivateMessage) and self.multiline:
            lines = renderer.formatted_lines(event)
            split = lines is not None or base.count(b"\r\n") > 1
            if split and not (isinstance(event, Message) and event.action):
                return self._multiline(event, tags, lines)
        if not tags:
            return base
        first, *rest = lines_of(base)
        later = tag_section({k: v for k, v in tags.items() if k != "msgid"})
        return add_tags(first, tag_section(tags)) + b"".join(
            add_tags(line, later) for line in rest
        )

    def _tag_event(self, event: Event) -> bytes:
        """A reaction or a typing notice as the ``TAGMSG`` IRC clients send:
        ``+draft/react`` (``+draft/unreact``) and ``+draft/reply`` naming
        the message, or ``+typing``; nothing for one that came with an IRC
        client's own ``TAGMSG`` (``from_tags``), which showed its tags as
        they were; and that ``TAGMSG`` itself (:meth:`_tag_message`)."""
        if isinstance(event, TagMessage | PrivateTagMessage):
            return self._tag_message(event)
        if isinstance(event, Typing | Reaction) and event.from_tags:
            return b""
        if isinstance(event, Typing):
            room, user = event.room, event.user
            said = {"+typing": event.state}
        else:
            assert isinstance(event, Reaction)
            room, user = event.room, event.user
            key = "+draft/react" if event.adding else "+draft/unreact"
            target = self.renderer.msgids.of(room, event.target)
            said = {"+draft/reply": target, key: event.reaction}
        line = build_words(self.renderer.source(user), "TAGMSG", channel(room))
        return add_tags(line, tag_section({**self.tags(event), **said}))

    def _tag_message(self, event: TagMessage | PrivateTagMessage) -> bytes:
        """A client's ``TAGMSG`` as it sent it: its tags, then the core's
        ``msgid`` (and ``time``, with ``server-time``), to its channel or
        nick."""
        tags = {**dict(event.tags), "msgid": self.renderer.msgid(event)}
        if self.timed:
            tags["time"] = event.time
        if isinstance(event, TagMessage):
            source, target = event.user, channel(event.room)
        else:
            source, target = event.sender, event.recipient
        line = build_words(self.renderer.source(source), "TAGMSG", target)
        return add_tags(line, tag_section(tags))

    def _answer(self, event: Edited, target: str) -> bytes:
        """A message answering message ``target`` (an edit's ``* text``):
        ``+draft/reply`` on its first line, with its ``time`` and ``msgid``."""
        reply = self.renderer.msgids.of(event.room, target)
        tags = {**self.tags(event), "+draft/reply": reply}
        self.renderer.saw(event)
        first, *rest = lines_of(event.encoded(self.renderer.edit_answer))
        later = tag_section({k: v for k, v in tags.items() if k == "time"})
        return add_tags(first, tag_section(tags)) + b"".join(
            add_tags(line, later) for line in rest
        )

    def tags(self, event: Event) -> dict[str, str]:
        """``time``, ``account`` and ``msgid`` as this variant shows them."""
        tags: dict[str, str] = {}
        if self.timed:
            tags["time"] = time_of(event) or self.renderer.now()
        if self.accounted and not (self.replay and isinstance(event, _REPLAYED)):
            account = self.renderer.account(event, self.replay)
            if account:
                tags["account"] = account
        if self.tagged:
            msgid = self.renderer.msgid(event)
            if msgid:
                tags["msgid"] = msgid
            if isinstance(event, Message) and event.tags:
                of_room = partial(self.renderer.msgids.of, event.room)
                tags.update(relayed_tags(event.tags, of_room))
            elif isinstance(event, PrivateMessage) and event.tags:
                tags.update(relayed_tags(event.tags, str))
        elif self.relaying and isinstance(event, Message) and event.tags:
            relayer = dict(event.tags).get(RELAY_TAG)
            if relayer is not None:
                tags[RELAYMSG_TAG] = relayer
        return tags

    def _multiline(
        self,
        event: SaidEvent,
        tags: dict[str, str],
        lines: list[multiline.Line] | None,
    ) -> bytes:
        """A long or multiline message as one ``draft/multiline`` batch, the
        batch carrying the message's tags: a client's lines as it sent them
        (blank ones too), each cut to fit if it must, the pieces of one line
        joined with ``draft/multiline-concat``."""
        renderer = self.renderer
        clocked = self.replay and not self.timed
        said = renderer.said(event, clocked=clocked, quoted=not self.tagged)
        source, command, target = said.source, said.command, said.target
        if lines is None:
            marked = [(piece, index > 0) for index, piece in enumerate(said.pieces)]
        else:
            room = text_room(f":{source} {command} {target} :")
            marked = [
                (piece, glued or index > 0)
                for text, glued in lines
                for index, piece in enumerate(split_text(text, room) if text else [""])
            ]
        ref = renderer.batch_ref()
        opening = build_words(
            renderer.server, "BATCH", f"+{ref}", "draft/multiline", target
        )
        out = [add_tags(opening, tag_section(tags))]
        for piece, glued in marked:
            inner = {"batch": ref, _CONCAT: ""} if glued else {"batch": ref}
            out.append(
                add_tags(build(source, command, target, piece), tag_section(inner))
            )
        out.append(build_words(renderer.server, "BATCH", f"-{ref}"))
        return b"".join(out)
