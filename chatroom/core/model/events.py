"""What the shared side tells members: typed values, before any door renders them.

The core describes everything that happens as one of the values below, each
a kind of event with named fields: a :class:`Message`, a :class:`Departure`
with its :class:`DepartureKind`, a :class:`Renamed` made once per rename, a
:class:`Typing` notice with its author, and so on. Back-ends store and
publish them; every door turns them into its own bytes from a table of its
own (event type → rendering: ``chatroom/doors/line/rendering.py``,
``chatroom/doors/irc/rendering.py``), and nothing inside the server ever
turns a line back into an event. Between the nodes of a cluster they travel
in one documented encoding (:mod:`chatroom.core.model.codec`).

Rendering is cached on the value per encoder (:meth:`Encodable.encoded`),
so a message to a room of a thousand members is rendered once per door (or
IRC variant), not once per member: the room hands every member the same
object, and the first member of each door pays for the rendering. A stored
event kept in memory for replays drops its live renderings
(:meth:`Encodable.forget_renderings`), so history costs what its fields do.

A stored event's ``id`` is its position in its room (or, for a private
message, its conversation), increasing; "" until a back-end numbers it. A
door shows it only to connections that asked (the line door's ``/caps
ids``). ``tags`` (``reply``, ``multiline``, ``notice``...) travel with the
messages that carry them.

An event carries what any door needs to render it, taken where it happened
from the session that caused it, so that a node renders another node's
event as its own: the ``account`` its author was signed in to (as it was
registered: IRC's ``account-tag``), and a join the joiner's realname and
away message (IRC's ``extended-join`` and ``away-notify``). These fields
are keyword-only and "" when there is nothing to say, and the cluster's
encoding leaves them out then (:data:`CARRIED`).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatroom.wire.tags import Tags

#: A door's renderer: turns an :class:`Encodable` into that door's bytes.
Encoder = Callable[[Any], bytes]

#: The metadata of a field an event carries for its rendering elsewhere
#: (an author's account, a joiner's realname): keyword-only, "" for none,
#: and left out of the cluster's encoding when "" (:mod:`chatroom.core.model.codec`),
#: so an event without it encodes as it did before the field existed.
CARRIED = {"carried": True}

#: The metadata of the time the server accepted a stored event that first
#: had none (a reaction, a redaction): keyword-only, and left out of the
#: encoding when "" as a carried field is, so an event an older version
#: stored without it reads back, and encodes again, as it lies. Every such
#: event the core makes carries it, so a room's history can be aged out by
#: its entries' own times; an undated one is an older store's, and goes
#: with the first dated event kept after it (the back-ends' age-out).
STAMPED = CARRIED


@dataclass(slots=True, eq=False)
class Encodable:
    """Something a door renders; each rendering is kept, per encoder.

    The cache is made on first use: an event nobody renders (or one kept
    for replays after :meth:`forget_renderings`) costs no dict.
    """

    _encoded: dict[Encoder, bytes] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def encoded(self, encoder: Encoder) -> bytes:
        """``encoder(self)``, computed once per encoder. Its first
        rendering raises no ``KeyError``: an event other than a message
        (a join) is rendered once per door on each node and handed to a
        few members there, so the miss is most of its lookups. The cache
        is there before the encoder runs: an encoder may keep a part of
        its rendering in it (IRC's translated Markdown)."""
        cache = self._encoded
        if cache is None:
            cache = self._encoded = {}
        data = cache.get(encoder)
        if data is None:
            data = cache[encoder] = encoder(self)
        return data

    def forget_renderings(self) -> None:
        """Drop the cached renderings (once every member had this event)."""
        self._encoded = None


def encoded_each(items: Iterable[Encodable], encoder: Encoder) -> list[bytes]:
    """Each item's :meth:`Encodable.encoded` ``encoder``, with no call
    for one already rendered: a sign-in's room list is a hundred rooms,
    all but the few changed since the last sign-in rendered before."""
    return [
        cache[encoder]
        if (cache := item._encoded) is not None and encoder in cache
        else item.encoded(encoder)
        for item in items
    ]


@dataclass(slots=True, eq=True)
class Event(Encodable):
    """Anything a member is handed through
    :meth:`~chatroom.core.model.member.Member.deliver`."""

    #: Whether it carries a chat message (``/metrics``' messages out).
    chat = False


@dataclass(slots=True, eq=True)
class RoomEvent(Event):
    """An event of one room, which the room's members are handed; a device
    that does not view the room does not see it
    (:class:`chatroom.core.infra.seats.Seat`)."""

    room: str


# -- what members say ------------------------------------------------------------


@dataclass(slots=True, eq=True)
class Message(RoomEvent):
    """A message (``action``: a ``/me``) said in a room at ``time``
    (``2026-11-21T18:04:05.123Z``); stored, numbered by ``id``. The same
    value is delivered live and replayed later: each door renders the two
    its own way (the line door's ``MSG`` and ``HISTORY``)."""

    user: str
    time: str
    text: str
    action: bool = False
    tags: Tags = ()
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    #: What a reply answers (its ``reply`` tag), or else the root of the
    #: thread it is in (its ``thread`` tag): that message's author and
    #: first words (:mod:`chatroom.core.messages.quoting`), for a door that says
    #: it in words ("" for none).
    quoted_user: str = field(default="", kw_only=True, metadata=CARRIED)
    quoted_text: str = field(default="", kw_only=True, metadata=CARRIED)
    id: str = ""

    chat = True


@dataclass(slots=True, eq=True)
class OperatorMessage(RoomEvent):
    """A message to a room's owner and operators only (IRC's ``STATUSMSG``,
    :mod:`chatroom.core.messages.operator_messages`): ``audience`` holds their name
    keys when it was said; nobody else is handed it
    (:func:`chatroom.core.infra.fanout.fan_out`). Never stored."""

    user: str
    time: str
    audience: frozenset[str]
    text: str
    #: It was an IRC ``NOTICE``.
    notice: bool = False
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class PrivateMessage(Event):
    """A message from one user to another (``id``: its place in their
    conversation, when the conversation is kept, i.e. between accounts)."""

    sender: str
    recipient: str
    time: str
    text: str
    tags: Tags = ()
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    id: str = ""

    chat = True


@dataclass(slots=True, eq=True)
class PrivateRedacted(Event):
    """``sender`` deleted their private message to ``recipient`` (said at
    ``said_at``: ``text``; ``target``: its id in their conversation),
    ``reason`` "" for none. Told to both parties (IRC's ``REDACT nick
    msgid``, whose ``msgid`` is made from the message); not stored: the
    message is gone from the conversation."""

    sender: str
    recipient: str
    said_at: str
    text: str
    target: str
    reason: str = ""
    #: The account its sender was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class Typing(RoomEvent):
    """``user`` is typing in the room (``active``, ``paused``, ``done``);
    handed to every member but the typist's own seat. ``from_tags``: it
    came with a :class:`TagMessage` (an IRC client's ``TAGMSG``) that
    carried the client's own tags to the room: a door that shows those
    shows this notice through it, not again."""

    user: str
    state: str
    from_tags: bool = False
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class TagMessage(RoomEvent):
    """``user`` sent the room tags and no text (an IRC client's ``TAGMSG``:
    ``+typing``, ``+draft/react``, tags of the client's own), ``tags`` as it
    sent them, at ``time``. One of the client's own tags is stored
    (numbered: ``id`` is the room's, as a message's), for IRC's event
    playback; a typing notice or one carrying reactions is not (``id`` is
    the core's, of no room's sequence: :func:`relayed_only`). Handed to every member but
    the sender's seat; a door that has no client tags to show shows
    nothing of it, live or replayed (the notice and reaction it means are
    told as :class:`Typing` and :class:`Reaction` too, ``from_tags``)."""

    user: str
    tags: Tags
    time: str
    id: str = ""  # last, as every stored event's (chatroom.core.model.codec.unnumbered)


@dataclass(slots=True, eq=True)
class PrivateTagMessage(Event):
    """``sender`` sent ``recipient`` tags and no text (an IRC client's
    ``TAGMSG`` to a nick), as :class:`TagMessage` is to a room: kept in
    their conversation as a :class:`PrivateMessage` is (``id``: its place
    in it), unless it is a typing notice or neither is an account (``id``:
    the core's, :func:`relayed_only`)."""

    sender: str
    recipient: str
    tags: Tags
    time: str
    id: str = ""  # last, as every stored event's (chatroom.core.model.codec.unnumbered)


#: What a private conversation keeps: messages, and tags-only messages
#: (which IRC's event playback alone plays back).
PrivateEvent = PrivateMessage | PrivateTagMessage


# -- who is in a room ------------------------------------------------------------


@dataclass(slots=True, eq=True)
class Joined(RoomEvent):
    """``user`` came into the room (not said of a quiet join into a big
    room, :mod:`chatroom.core.rooms.big_rooms`): signed in to ``account``, with
    the ``realname`` and ``away`` message its door gave (IRC's; "" for
    none), as its session had them when it joined."""

    user: str
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    realname: str = field(default="", kw_only=True, metadata=CARRIED)
    away: str = field(default="", kw_only=True, metadata=CARRIED)


class DepartureKind(enum.Enum):
    """Why someone is no longer in a room, which doors show differently
    (IRC: ``PART``, ``QUIT`` once for all the rooms, ``KICK``)."""

    #: Left the room (``/leave``, IRC ``PART``, or by joining another room).
    PART = "part"
    #: The session ended: quit, lost, timed out, killed, taken over.
    QUIT = "quit"
    #: Put out by an owner or operator.
    KICK = "kick"
    #: Its cluster node went away and another node released it.
    HARVEST = "harvest"


@dataclass(slots=True, eq=True)
class Departure(RoomEvent):
    """``user`` is no longer in the room.

    ``reason``: for a ``PART``, the user's own words ("" for none); for a
    ``QUIT`` or ``HARVEST``, why the session ended (``connection lost``,
    ``killed by alice: spam``), or with ``own_words`` the words the user
    quit with (``/quit bye``: ``bye``, which each door shows as a quit's:
    ``quit: bye``, IRC's ``Quit: bye``); for a ``KICK``, the kicker's
    reason. ``moved_to``: the room a ``PART`` left for (a line user joining
    another room). ``by``: who kicked."""

    user: str
    kind: DepartureKind
    reason: str = ""
    moved_to: str = ""
    by: str = ""
    own_words: bool = False
    #: The account the user (a kick: its kicker) was signed in to, as
    #: registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class Renamed(Event):
    """``old`` is now called ``new``: made once per rename, and handed once
    to each member who shares a room with the user (and to the user)."""

    old: str
    new: str
    #: The account the user was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class OwnerChanged(RoomEvent):
    """``user`` owns the room now (its owner left, or came back, or an admin
    gave the room away). ``previous``: the owner in the room until now, when
    it is someone else and loses its marks ("" for none). ``present``:
    whether ``user`` is in the room (a room given to an account whose user
    is elsewhere names the account, and doors that mark members show no
    mark for it)."""

    user: str
    previous: str = ""
    present: bool = True


@dataclass(slots=True, eq=True)
class AccountChanged(Event):
    """``user`` signed in to ``account`` (``*``: signed out): IRC's
    ``account-notify``; made once, handed once to each member who shares a
    room with the user. Other doors show nothing of it."""

    user: str
    account: str


@dataclass(slots=True, eq=True)
class AwayChanged(Event):
    """``user`` is away, saying ``message`` ("": back): IRC's ``AWAY``
    (``away-notify``); made once, handed once to each member who shares a
    room with the user. Other doors show nothing of it."""

    user: str
    message: str


@dataclass(slots=True, eq=True)
class RealnameChanged(Event):
    """``user``'s realname is now ``realname``: IRC's ``SETNAME``
    (``setname``); made once, handed once to each member who shares a room
    with the user. Other doors show nothing of it (their users have none)."""

    user: str
    realname: str


@dataclass(slots=True, eq=True)
class ProfileChanged(Event):
    """``user``'s profile key ``key`` (:mod:`chatroom.core.accounts.profiles`) is
    now ``value`` ("": removed); made once, handed once to each member who
    shares a room with the user. ``rich`` connections see ``PROFILE``, IRC
    clients subscribed to the key ``METADATA``."""

    user: str
    key: str
    value: str


class Sighting(enum.Enum):
    """What a :class:`Watched` tells of a user."""

    #: Its name is now held (a sign-on, or a rename to it).
    ONLINE = "online"
    #: Its name is free (a sign-off, a rename from it, its node harvested).
    OFFLINE = "offline"
    #: Its away message, realname or account changed (:class:`AwayChanged`,
    #: :class:`RealnameChanged`, :class:`AccountChanged`).
    AWAY = "away"
    REALNAME = "realname"
    ACCOUNT = "account"


@dataclass(slots=True, eq=True)
class Watched(Event):
    """News of ``user`` for whoever watches its name (IRC's ``MONITOR`` and
    ``extended-monitor``), wherever they are connected: made once, handed
    to every node's listeners
    (:meth:`~chatroom.core.services.presence.PresenceService.follow_names`),
    never to a member. ``value`` is the away message ("": back), the
    realname, or the account (``*``: signed out); ``rooms`` the keys of the
    rooms the user is in, whose members had the news there."""

    user: str
    sighting: Sighting
    value: str = ""
    rooms: tuple[str, ...] = ()


# -- the room's own state --------------------------------------------------------


@dataclass(slots=True, eq=True)
class TopicChanged(RoomEvent):
    """``user`` set the topic to ``text`` at ``time``; stored (numbered), so
    IRC's event playback can replay it."""

    user: str
    text: str
    time: str
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    id: str = ""


@dataclass(slots=True, eq=True)
class RoomDeleted(RoomEvent):
    """``by`` deleted the room: its members are back in the lobby."""

    by: str


@dataclass(slots=True, eq=True)
class RoomRenamed(RoomEvent):
    """``by`` renamed the room ``room`` to ``new`` (``reason``: their
    words, "" for none). Its members, then the lobby's watchers, are
    told; everything the room keeps goes with it. Not stored: the history
    moves under the new name."""

    new: str
    by: str
    reason: str = ""


@dataclass(slots=True, eq=True)
class RoomNotice(RoomEvent):
    """The server says ``text`` to the room's members."""

    text: str


@dataclass(slots=True, eq=True)
class Gap(RoomEvent):
    """``count`` events were missed here (``?``: unknown)."""

    count: str


@dataclass(slots=True, eq=True)
class LeftElsewhere(RoomEvent):
    """This device is no longer in the room: another device of the account
    left it, or the cluster lost it."""


@dataclass(slots=True, eq=True)
class MarkerMoved(Event):
    """The account has now read ``where`` (a room, or ``@user``) up to
    event ``marker``: for its other devices. ``said``: the time the device
    that moved it named it by (IRC's ``MARKREAD timestamp=``; "" if it
    named the event), which the account's IRC sessions show back."""

    where: str
    marker: int
    said: str = ""


@dataclass(slots=True, eq=True)
class NotifyChanged(Event):
    """The account's notification level in ``room`` is now ``level``
    (``/notify``): for its other devices, which show it."""

    room: str
    level: str


# -- moderation -------------------------------------------------------------------


class MemberMode(enum.Enum):
    """A grant to a member that a moderator gives or takes (the value is
    the line protocol's event word)."""

    OP = "OP"
    DEOP = "DEOP"
    VOICE = "VOICE"
    DEVOICE = "DEVOICE"


@dataclass(slots=True, eq=True)
class ModeChanged(RoomEvent):
    """``by`` gave ``user`` (or took from them) operator status or a voice."""

    user: str
    by: str
    mode: MemberMode
    #: The account ``by`` was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class BanChanged(RoomEvent):
    """``by`` banned ``mask`` (``account:KEY``, ``name:KEY``) from the room,
    or lifted the ban (``banned`` False)."""

    mask: str
    by: str
    banned: bool = True
    #: The account ``by`` was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class SettingChanged(RoomEvent):
    """``by`` changed the room's ``settings`` to ``values`` (the same
    order; several on/off settings at once, as an IRC ``MODE`` line)."""

    settings: tuple[str, ...]
    values: tuple[str, ...]
    by: str
    #: The account ``by`` was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class RoomMetadataChanged(RoomEvent):
    """``by`` set the room's metadata key ``key`` to ``value`` ("":
    removed; :class:`~chatroom.core.model.facts.RoomPolicy`'s ``metadata``).
    IRC clients subscribed to the key see ``761``; ``rich`` connections
    ``ROOM_METADATA``."""

    key: str
    value: str
    by: str


@dataclass(slots=True, eq=True)
class Kicked(RoomEvent):
    """You were put out of the room by ``by`` (the room hears a
    :class:`Departure` of kind ``KICK``)."""

    by: str
    reason: str
    #: The account ``by`` was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class Invitation(RoomEvent):
    """``by`` invited ``user`` into the room (told to the room's members)."""

    user: str
    by: str
    #: The account its inviter was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class Invited(Event):
    """You were invited into ``room`` by ``by`` (not a room event: every
    device of the invitee hears it, none of them being in the room)."""

    room: str
    by: str
    #: The account its inviter was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class Announcement(Event):
    """A server admin's ``/announce`` to every user."""

    by: str
    text: str


@dataclass(slots=True, eq=True)
class Wallops(Event):
    """A server admin's ``WALLOPS``, handed to every user (of every node);
    shown to those who asked for them (IRC's user mode ``+w``: other doors
    have no such switch, and show nothing of it)."""

    by: str
    text: str


@dataclass(slots=True, eq=True)
class LockdownChanged(Event):
    """The server's lockdown level is now ``level``, set by ``by``: for
    the sessions signed in to one of ``admins`` (account keys) alone
    (:meth:`chatroom.core.infra.sessions.Sessions.addressed`)."""

    level: str
    by: str
    admins: tuple[str, ...] = ()


@dataclass(slots=True, eq=True)
class ReportFiled(Event):
    """Report ``number``: ``reporter`` reported message ``event_id`` of
    ``room`` (said by ``author`` as ``text``) for ``reason``. For the
    sessions ``to`` names alone (grant masks: the room's owner and
    operators, the server's admins;
    :meth:`chatroom.core.infra.sessions.Sessions.addressed`)."""

    number: int
    room: str
    event_id: int
    reporter: str
    reason: str
    author: str
    text: str
    to: tuple[str, ...] = ()


@dataclass(slots=True, eq=True)
class ReportClosed(Event):
    """Report ``number`` (about ``room``) was closed by ``by`` with
    ``note``: for the sessions ``to`` names alone, as :class:`ReportFiled`."""

    number: int
    room: str
    by: str
    note: str
    to: tuple[str, ...] = ()


#: What is handed to every named user (an admins' or moderators' notice:
#: to them alone).
ToEveryone = Announcement | Wallops | LockdownChanged | ReportFiled | ReportClosed


# -- messages with a life -----------------------------------------------------------


@dataclass(slots=True, eq=True)
class Edited(RoomEvent):
    """``user`` changed their message ``target`` to read ``text`` at ``time``;
    stored (numbered)."""

    target: str
    user: str
    time: str
    text: str
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    #: The first words of the message as it read before
    #: (:mod:`chatroom.core.messages.quoting`; "" for none).
    quoted_text: str = field(default="", kw_only=True, metadata=CARRIED)
    id: str = ""


@dataclass(slots=True, eq=True)
class Redacted(RoomEvent):
    """``by`` deleted message ``target`` (``reason``: "" for none) at
    ``time``; stored (numbered)."""

    target: str
    by: str
    reason: str = ""
    time: str = field(default="", kw_only=True, metadata=STAMPED)
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    #: Who said the message deleted, and when: never its words, which the
    #: deletion takes away (:mod:`chatroom.core.messages.quoting`; "" for none).
    quoted_user: str = field(default="", kw_only=True, metadata=CARRIED)
    quoted_time: str = field(default="", kw_only=True, metadata=CARRIED)
    id: str = ""


@dataclass(slots=True, eq=True)
class PinChanged(RoomEvent):
    """``by`` pinned message ``target`` of the room (``pinned``), or
    unpinned it; ``text`` is the message's, for a door that shows it in
    words (IRC). Shown to every member, not stored: the room keeps its
    pins (:mod:`chatroom.core.messages.pins`)."""

    target: str
    by: str
    pinned: bool
    text: str = ""
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)


@dataclass(slots=True, eq=True)
class Reaction(RoomEvent):
    """``user`` reacted to message ``target`` with ``reaction``, or took it
    back (``adding`` False), at ``time``; stored (numbered). ``from_tags``
    as for :class:`Typing`: it came with an IRC client's :class:`TagMessage`."""

    target: str
    user: str
    reaction: str
    adding: bool = True
    from_tags: bool = False
    time: str = field(default="", kw_only=True, metadata=STAMPED)
    #: The account its author was signed in to, as registered ("" for none).
    account: str = field(default="", kw_only=True, metadata=CARRIED)
    #: The message's author and first words (:mod:`chatroom.core.messages.quoting`;
    #: "" for none).
    quoted_user: str = field(default="", kw_only=True, metadata=CARRIED)
    quoted_text: str = field(default="", kw_only=True, metadata=CARRIED)
    id: str = ""  # last, as every stored event's (chatroom.core.model.codec.unnumbered)


@dataclass(slots=True, eq=True)
class Preview(RoomEvent):
    """What the link in message ``message`` of the room points to, as the
    server fetched it (:mod:`chatroom.core.messages.previews`): the page's
    ``title``, ``description`` and ``image`` (an absolute http(s) URL; each
    "" when the page gave none). Not stored: it follows its message once
    fetched, to every member (doors show it to ``rich`` connections
    only)."""

    message: str
    url: str
    title: str = ""
    description: str = ""
    image: str = ""


# -- calls: told, never stored (chatroom.core.calls) --------------------------


@dataclass(slots=True, eq=True)
class CallStarted(RoomEvent):
    """``user`` started call ``call`` in the room (and is in it); it is
    joined from the web page at ``url`` ("-": the server has no page)."""

    call: str
    user: str
    url: str


@dataclass(slots=True, eq=True)
class CallJoined(RoomEvent):
    """``user`` joined the room's call ``call``."""

    call: str
    user: str


@dataclass(slots=True, eq=True)
class CallLeft(RoomEvent):
    """``user`` left the room's call ``call`` (by itself, or by leaving the
    room, its connection or its node)."""

    call: str
    user: str


@dataclass(slots=True, eq=True)
class CallEnded(RoomEvent):
    """The room's call ``call`` ended after ``seconds``: ``user`` was the
    last to leave it ("-": nobody left by itself, the room or a node went)."""

    call: str
    user: str
    seconds: int


@dataclass(slots=True, eq=True)
class CallMembers(Event):
    """Who is in the room's call ``call``, in the order they joined (``call``
    "" and nobody: no call is on); to one connection."""

    room: str
    call: str
    users: tuple[str, ...]


@dataclass(slots=True, eq=True)
class CallMembersChanged(RoomEvent):
    """The room's call ``call`` has ``users`` now, in the order they
    joined, one of them under its new name (its ``/nick``): told to every
    member of the room as :class:`CallMembers` is to one."""

    call: str
    users: tuple[str, ...]


@dataclass(slots=True, eq=True)
class TurnGranted(Event):
    """TURN credentials for one participant, good for ``seconds`` at each of
    ``uris`` (:mod:`chatroom.core.calls.turn`)."""

    seconds: int
    username: str
    password: str
    uris: tuple[str, ...]


@dataclass(slots=True, eq=True)
class Signal(Event):
    """A participant's signalling message (one JSON object, as it sent it)
    to one other participant of the room's call: never stored."""

    room: str
    sender: str
    text: str
    #: The addressee's device (:class:`~chatroom.core.infra.seats.Device`'s
    #: number): the one connection of its seat it is for (0: any, a seat's
    #: only device).
    device: int = 0


#: Stored events that change a message and go with it when it is redacted.
DEPENDENT_EVENTS = (Edited, Reaction)

#: A room's stored events: what its history holds and replays.
StoredEvent = Message | TopicChanged | TagMessage | Edited | Redacted | Reaction

#: Stored events only IRC's event playback replays (``draft/event-playback``):
#: they count in no other door's history window.
PLAYBACK_ONLY = (TopicChanged, TagMessage, PrivateTagMessage)

#: How the core's ids of what it relays and never stores begin (a stored
#: event's id is a number).
RELAYED_ID_PREFIX = "t"


def relayed_only(event: TagMessage | PrivateTagMessage) -> bool:
    """Whether a tags-only message was relayed and not stored: its id is
    the core's, no room's (``t...``)."""
    return event.id.startswith(RELAYED_ID_PREFIX)


def said_at(event: Event) -> str | None:
    """The time a stored message was said; None for any other event."""
    return event.time if isinstance(event, Message) else None


def happened_at(event: Event) -> str | None:
    """The time of a stored event that keeps one: a message's, or a topic
    change's, or a stored tags-only message's; None for the rest."""
    if isinstance(event, Message | TopicChanged | TagMessage):
        return event.time
    return None


def depends_on(event: Event, target: str) -> bool:
    """Whether stored ``event`` changes message ``target`` (and goes with it)."""
    return isinstance(event, DEPENDENT_EVENTS) and event.target == target


# -- answers to one member ------------------------------------------------------------


@dataclass(slots=True, eq=True)
class SearchResult(Encodable):
    """One message ``/search`` found: in room ``where`` (or ``@user``, a
    private conversation), with its ``id``, author, time and text."""

    where: str
    id: str
    user: str
    time: str
    text: str


@dataclass(slots=True, eq=False)
class ListedRoom(Encodable):
    """One room as the room list (``/list``, the lobby) shows it: name,
    member count, capacity, topic; and whether it is ``secret`` (listed to
    its members only). Not ``/info``, which is :class:`RoomSettings
    <chatroom.core.rooms.roominfo.RoomSettings>`."""

    name: str
    members: int
    capacity: int
    topic: str
    secret: bool = False
    #: Where the list sorts it, oldest first (its creation number), set by
    #: :meth:`LobbyList.put <chatroom.core.rooms.lobby_list.LobbyList.put>`:
    #: every node keeps every room's listing, and the number in it rather
    #: than in a tuple beside it saves each room 48 bytes there.
    order: int = field(default=0, kw_only=True, repr=False)


@dataclass(slots=True, eq=False)
class RoomGone(Encodable):
    """A room that has been removed, for lobby watchers."""

    name: str


@dataclass(slots=True, eq=False)
class Listing(Encodable):
    """The room list (``/list``, the lobby on arrival)."""

    rooms: Sequence[ListedRoom]
    #: How many rooms the list leaves out: the lobby's shows at most
    #: ``--lobby-rooms`` (:mod:`chatroom.core.rooms.lobby_list`); ``/list``'s none.
    more: int = 0

    def public(self) -> Listing:
        """The list without its secret rooms (itself if it has none)."""
        return self.keeping(lambda info: not info.secret)

    def keeping(self, keep: Callable[[ListedRoom], bool]) -> Listing:
        """The list of the rooms ``keep`` is true of (itself if it is of
        every one), with as many more."""
        rooms = [info for info in self.rooms if keep(info)]
        if len(rooms) == len(self.rooms):
            return self
        return Listing(rooms, self.more)


@dataclass(slots=True, eq=False)
class LobbyChanges(Encodable):
    """Rooms whose listing changed since the last push, for ``/watch``:
    the renames among them first, as their members heard them."""

    changes: Sequence[ListedRoom | RoomGone | RoomRenamed]


@dataclass
class Welcome:
    """What a member is shown on entering a room, oldest history first."""

    room: str
    members: list[str]
    capacity: int
    history: list[StoredEvent] = field(default_factory=list)
    topic: str = ""
    topic_by: str = ""
    #: When the topic was set (Unix seconds; 0 for unknown), IRC's ``333``.
    topic_at: int = 0
    #: Set when the member asked to resume (``since``) and more was missed
    #: than is replayed: the number of events left out, or "?" if unknown.
    gap: str = ""
    #: The event a resume started after (None: none was asked), for a door
    #: that counts what a ``?`` gap left out from the ids it replays.
    since: int | None = None
    #: How many members the room has, when ``members`` lists only some of
    #: them: a big room's announced members and the joiner (see
    #: :mod:`chatroom.core.rooms.big_rooms`); None when it lists everyone.
    total: int | None = None
    #: The room's owner, if present ("": none), so that a door listing a
    #: big room's announced members need not ask for the whole room.
    owner: str = ""
    #: How many messages the room has pinned (a door that shows pins says
    #: so, and its client knows to ask for them).
    pins: int = 0
    #: True when the room marks no member but its owner (no operators, no
    #: voices, an owner who kept operator status): ``members`` and
    #: ``owner`` are then all a door needs to list the room with its marks
    #: (IRC's ``NAMES`` after a ``JOIN``), with no read of the room's roster.
    #: False when that is not known.
    owner_alone_marked: bool = False
    #: The room is secret (IRC's ``@`` in ``NAMES``); False also when the
    #: back-end did not read its policy with the rest.
    secret: bool = False
    #: The room's call while one is on (None: none), which a door that
    #: speaks of calls shows after the rest (the line protocol's
    #: ``CALL_MEMBERS``).
    call: CallMembers | None = None

    @property
    def count(self) -> int:
        """The room's true number of members."""
        return len(self.members) if self.total is None else self.total


@dataclass
class DeviceList:
    """``/devices``: the asker's number and each device's number, door and
    sign-in time, oldest first."""

    asker: int
    devices: list[tuple[int, str, float]] = field(default_factory=list)


def fresh_epoch() -> str:
    """A new store epoch (:attr:`Backend.store_epoch`): 10 random hex digits."""
    return secrets.token_hex(5)
