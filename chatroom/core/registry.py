"""The one interface to shared state.

Names, rooms, membership, messages, topics, deletion, private messages and
the lobby all go through a :class:`Registry`. There is one implementation,
:class:`chatroom.core.chat.ChatCore`, over one of two back-ends: in this
process (:mod:`chatroom.backends.local`) or in Redis, shared by a cluster
(:mod:`chatroom.backends.redis`). Doors write each command once against
this interface and never know which back-end they have.

Every operation is a coroutine. The in-process registry never actually
waits, so a door's handler runs to completion in the same call; the Redis
one waits on Redis, and the door holds that connection's later input
meanwhile (see :mod:`chatroom.doors.base.framing`).

The shared side calls members back through
:class:`~chatroom.core.member.Member`. A member may sit in
several rooms at once (IRC clients do); the line protocol's one-room rule
is the line door's own, expressed by the ``leaving`` argument of
:meth:`Registry.join_room`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from twisted.internet.defer import Deferred

from chatroom.core.accounts import AccountStore
from chatroom.core.admin import Killed, Reload
from chatroom.core.census import Census
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Departure,
    DeviceList,
    Listing,
    Message,
    PrivateEvent,
    PrivateMessage,
    PrivateRedacted,
    PrivateTagMessage,
    ProfileChanged,
    SearchResult,
    StoredEvent,
    TagMessage,
)
from chatroom.core.files import FileService
from chatroom.core.hooks import Hook
from chatroom.core.lockdown import Lockdown
from chatroom.core.markers import Marker, Unread
from chatroom.core.member import Member
from chatroom.core.message_threads import ThreadSummary
from chatroom.core.moderation import Action, Actor
from chatroom.core.modlog import ModEntry
from chatroom.core.netbans import ServerBan
from chatroom.core.presence import Presence
from chatroom.core.roominfo import RoomSettings, Roster
from chatroom.core.rules import QUIT_WORDS
from chatroom.core.serverbans import ServerBans
from chatroom.core.userdata import AccountData
from chatroom.core.watching import Listener
from chatroom.core.whowas import Departed
from chatroom.wire.tags import Tags


class Registry(Protocol):
    """Names, rooms and who is where: shared by every door and node.

    Accounts and server bans are kept by its :attr:`account_store`, which
    :class:`chatroom.core.accounts.AccountService` uses for every sign-in rule; the
    registry itself knows which account each member is signed in to, and
    decides moderation with :mod:`chatroom.core.moderation`.
    """

    @property
    def account_store(self) -> AccountStore:
        """Where accounts and server bans are kept, for this registry's mode."""
        ...

    @property
    def files(self) -> FileService | None:
        """Uploads' rules and metadata (``--files``); None while they are off."""
        ...

    @property
    def available(self) -> bool:
        """False while shared state is out of reach (a cluster node that
        cannot reach Redis: ``/healthz`` says so); always True in-process."""
        ...

    async def caught_up(self) -> None:
        """Returns once this server's users have been handed every event
        published before the call, whichever node it came from (IRC's
        ``PONG`` waits for it: a client synchronising with ``PING`` then
        has what another client had sent before, as on one server)."""
        ...

    @property
    def store_epoch(self) -> str:
        """The lifetime of the store that numbers the rooms' events: a room's
        event ids are unique under one epoch, which a restart keeps and a
        new store (a new ``--db`` file, a Redis that lost its data, a server
        without ``--db`` started again) changes. With a room's name and an
        id it names one event for all time (IRC's ``msgid``)."""
        ...

    def start(self) -> None:
        """The server is starting (a cluster node joins the cluster)."""

    def stop(self) -> None:
        """Cancel timers: no more lobby pushes (shutdown begins)."""

    def reconfigure(self, config: ServerConfig) -> None:
        """A reload: ``config``'s admins (``--admins``) from the next command
        on, for every session; the rest of ``config`` is as it was."""

    def detach(self) -> Deferred[None]:
        """Every session is closed: let go of shared state before exiting."""

    def attach_reloader(self, reload: Reload) -> None:
        """What reloads this node's configuration, handed over by the
        wiring once the server is built: :meth:`rehash` calls it."""

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> None:
        """Give ``name`` to ``member`` (its first, or instead of its old one).

        ``account``: the account the member has just signed in to (its
        password checked by the caller): the name is that account's, and a
        session holding it is disconnected (``signed in elsewhere``) unless
        ``takeover`` is False (a name just registered: ``NAME_TAKEN``).
        None keeps the account the member is signed in to, if any.

        A rename is a :class:`~chatroom.core.events.Renamed` told once to
        the member and to each member sharing a room with it (``NICK``),
        however many rooms they share.

        Raises:
            ChatError: ``BAD_NAME``, ``NAME_TAKEN``, ``NAME_REGISTERED``,
                ``ACCOUNT_REQUIRED``, ``BANNED`` (or ``UNAVAILABLE``).
        """
        ...

    async def set_account(self, member: Member, account: str) -> None:
        """The member registered (``account``) or unregistered (``""``)."""
        ...

    def account_of(self, member: Member) -> str:
        """The account ``member`` is signed in to, "" if none."""
        ...

    def account_named(self, name: str) -> str:
        """The name of the account the session called ``name`` is signed in
        to, "" if none; this process's sessions only (a cluster node does
        not know other nodes' accounts)."""
        ...

    async def set_away(self, member: Member, message: str) -> None:
        """The member is away, saying ``message`` ("": back): everyone who
        shares a room with it hears so, once (IRC's ``away-notify``)."""
        ...

    async def set_realname(self, member: Member, realname: str) -> None:
        """The member's realname is now ``realname`` (IRC's ``SETNAME``):
        everyone who shares a room with it hears so, once.

        Raises:
            ChatError: ``BAD_TEXT``, ``BAD_ARGS`` (over 100 characters).
        """
        ...

    async def set_presence(self, member: Member, facts: Presence) -> None:
        """The member's door facts (``USER`` name, realname, away, ``+B``,
        ``+i``) are now ``facts``, for the other nodes' ``WHO`` and
        ``WHOIS`` (:mod:`chatroom.core.presence`; nothing in one process),
        and its realname and away message for its next joins
        (:meth:`chatroom.core.sessions.SeatSession.joined`)."""
        ...

    async def names_online(self) -> list[str]:
        """Every name held now, by a user of any door on any node, as shown
        (``WHO`` with a mask): one read of all the names at once."""
        ...

    async def presence_of(self, names: Sequence[str]) -> dict[str, Presence]:
        """The presence of those ``names`` online that a door gave one
        (by name key): one read for all, never a scan of every user."""
        ...

    async def remember_gone(self, gone: Departed) -> None:
        """A user quit or changed its nick: ``gone`` is what the nick was,
        for ``WHOWAS`` on every node (:mod:`chatroom.core.whowas`)."""
        ...

    async def who_was(self, name: str, count: int) -> list[Departed]:
        """Up to ``count`` past holders of ``name``, newest first."""
        ...

    async def follow_names(self, listener: Listener, following: bool) -> None:
        """``listener`` hears (``following``), or no more, every
        :class:`~chatroom.core.events.Watched`: a name coming online or
        going offline, at any door on any node, and its user's away,
        realname and account news (:mod:`chatroom.core.watching`); returns
        once it will. IRC's ``MONITOR`` follows while it has watchers."""
        ...

    async def count_here(self, here: Census) -> None:
        """This process's connections are now ``here`` (its doors' server
        says so at each change); returns once :meth:`census` counts them
        on every node."""
        ...

    async def census(self, here: Census) -> Census:
        """The connections of the whole server (every node of a cluster),
        this process's being ``here``: IRC's ``LUSERS``
        (:mod:`chatroom.core.census`)."""
        ...

    def release(self, member: Member, reason: str) -> None:
        """The member is gone: leave its rooms (``PART reason``), free its name.

        Nobody waits for it; idempotent.
        """

    def quit(self, member: Member, words: str, unsaid: str = QUIT_WORDS) -> str:
        """The member quits saying ``words``: as :meth:`release`, its rooms
        hearing them as its own (a departure with ``own_words``); returns the
        words they heard (:func:`chatroom.core.rules.reason`: ``words``, or
        ``unsaid`` for none that can be shown: a door's own convention, the
        line protocol's ``Goodbye``, IRC's ``Client Quit``), for the door's
        goodbye. Its door then closes the connection (whose
        :meth:`release` finds nothing left to do)."""
        ...

    async def list_rooms(self, member: Member | None = None) -> Listing:
        """Every room, oldest first; for ``member``, without the secret rooms
        (``/set secret on``) it is not in."""
        ...

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        """Create room ``name`` owned by ``member`` and put it there.

        ``leaving``: a room the member leaves first, in the same step (the
        line protocol's one-room rule), once the new room is certain.
        """
        ...

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
        catch_up: bool = False,
    ) -> None:
        """Put ``member`` in room ``name``; it hears :meth:`Member.entered`.

        ``key``: the room's key, if it has one (``/set key``). A refusal
        (``NO_SUCH_ROOM``, ``ROOM_FULL``, ``BANNED``, ``INVITE_ONLY``,
        ``BAD_KEY``...) leaves the member
        where it was, ``leaving`` included. With ``since`` (an event id the
        member saw last), the welcome's history is the room's stored events
        after it, at most ``resume_bound`` of them, and its ``gap`` says
        how many were left out (see :func:`chatroom.core.rules.catch_up`).
        With ``catch_up`` (a ``multi`` connection) and no ``since``, a
        signed-in member's read marker in the room, if any, is ``since``.
        """
        ...

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[StoredEvent]:
        """Up to ``count`` stored events of ``room`` before id ``before`` (or
        the newest), oldest first, with their ids.

        Raises:
            ChatError: ``BAD_ARGS`` (count not 1-200), ``NOT_IN_ROOM``.
        """
        ...

    async def leave_room(self, member: Member, room: str, words: str = "") -> Departure:
        """Take ``member`` out of ``room``; the others hear its
        :class:`~chatroom.core.events.Departure` (a part, with ``words`` as
        :func:`chatroom.core.rules.reason` keeps them), which is returned."""
        ...

    async def say(
        self,
        member: Member,
        room: str,
        text: str,
        tags: Tags = (),
        action: bool = False,
    ) -> None:
        """A message (an ``action``: a ``/me``) to every member of ``room``,
        with ``tags`` (an IRC ``NOTICE``, IRC clients' ``+`` tags) stored with it."""
        ...

    async def paste(self, member: Member, room: str, text: str) -> None:
        """``/paste TEXT``: the lines of ``text`` (escaped as an IRCv3 tag
        value) as one message to ``room``, stored with its ``multiline``
        tag as an IRC ``draft/multiline`` batch is (``BAD_ARGS`` when empty
        or over 32 lines or 4000 bytes, ``BAD_TEXT``)."""
        ...

    async def reply(
        self, member: Member, room: str, event_id: int, text: str, tags: Tags = ()
    ) -> None:
        """``/reply ID TEXT``: a message answering message ``event_id`` of the
        room (``NO_SUCH_MESSAGE`` if it is none), with ``tags`` (an IRC
        client's other ``+`` tags) stored after its ``reply``."""
        ...

    async def thread(self, member: Member, room: str, event_id: int, text: str) -> None:
        """``/thread ID TEXT``: TEXT in the thread of message ``event_id``
        (its root's, when it is in one): ``NO_SUCH_MESSAGE``, ``BAD_TEXT``."""
        ...

    async def threads(self, member: Member, room: str) -> list[ThreadSummary]:
        """``/threads``: the room's threads, newest first."""
        ...

    async def thread_history(
        self, member: Member, room: str, root: int, count: int, before: int | None
    ) -> tuple[str, list[StoredEvent]]:
        """``/history thread ROOT N [before ID]``: the room's name and a page
        of the thread (``NO_SUCH_MESSAGE``, ``BAD_ARGS``)."""
        ...

    async def follow_thread(
        self, member: Member, room: str, root: int, following: bool
    ) -> tuple[str, int]:
        """``/follow ID`` (``following``) or ``/unfollow ID``: the thread of
        message ID; the room's name and the thread's root
        (``NO_SUCH_MESSAGE``; ``NOT_ALLOWED`` for a plain name)."""
        ...

    async def pin(self, member: Member, room: str, event_id: int, pinned: bool) -> None:
        """``/pin ID`` (``pinned``) or ``/unpin ID``: ``PIN``/``UNPIN`` to
        the members unless nothing changed (``NOT_ALLOWED`` but for the
        owner, operators and admins; ``NO_SUCH_MESSAGE``; ``BAD_ARGS``)."""
        ...

    async def pinned(self, member: Member, room: str) -> tuple[str, list[Message]]:
        """``/pins``: the room's name and its pinned messages, oldest first."""
        ...

    async def pin_count(self, member: Member, room: str) -> int:
        """How many messages ``room`` (the member's) has pinned."""
        ...

    async def notify_level(
        self, member: Member, room: str, level: str = ""
    ) -> tuple[str, str]:
        """``/notify ROOM [LEVEL]``: the room's name and the account's
        notification level there, set to ``level`` first if given
        (``BAD_ARGS``, ``NOT_IN_ROOM``; ``NOT_ALLOWED`` for a plain name)."""
        ...

    async def profile_of(self, name: str) -> dict[str, str]:
        """``/profile NAME``: the profile of the account called ``name``
        (key → value, the keys set only; :mod:`chatroom.core.profiles`)."""
        ...

    async def own_profile(self, member: Member) -> dict[str, str]:
        """The member's own profile (empty for a plain name)."""
        ...

    async def set_profile(self, member: Member, key: str, value: str) -> ProfileChanged:
        """``/profile set KEY VALUE`` (``unset``: ``value`` ""): the member's
        account's profile changes, and its rooms' members hear it
        (``BAD_ARGS``; ``NOT_ALLOWED`` for a plain name)."""
        ...

    async def edit(self, member: Member, room: str, event_id: int, text: str) -> None:
        """``/edit ID TEXT``: the member's own message ``event_id`` now reads
        ``text`` (``NO_SUCH_MESSAGE``, ``NOT_ALLOWED``)."""
        ...

    async def redact(
        self, member: Member, room: str, event_id: int, reason: str
    ) -> None:
        """``/redact ID [REASON]``: message ``event_id`` is deleted for
        everyone (its author, the room's owner and operators, admins)."""
        ...

    async def react(
        self, member: Member, room: str, event_id: int, reaction: str, adding: bool
    ) -> None:
        """``/react ID EMOJI`` (``adding``) or ``/unreact ID EMOJI``: rich
        members hear ``REACT`` (``UNREACT``) unless nothing changed
        (``NO_SUCH_MESSAGE``, ``BAD_ARGS``: a bad reaction, or too many)."""
        ...

    async def to_operators(
        self, member: Member, room: str, text: str, notice: bool = False
    ) -> None:
        """``text`` to ``room``'s owner and operators only, not kept (IRC's
        ``PRIVMSG @#room``; :mod:`chatroom.core.operator_messages`)."""
        ...

    async def typing(self, member: Member, room: str, state: str) -> None:
        """``/typing active|paused|done``: the room's other rich members hear
        ``TYPING`` (``active``/``paused`` at most every 3 seconds)."""
        ...

    async def tag_message(
        self,
        member: Member,
        room: str,
        tags: Tags,
        typing: str | None = None,
        reactions: Sequence[tuple[int, str, bool]] = (),
    ) -> TagMessage:
        """Tags and no text (an IRC client's ``TAGMSG``) to ``room``'s other
        members, as they were, then what they mean: a typing notice in state
        ``typing``, each of ``reactions`` (message id, reaction, adding) as
        :meth:`react`; returns the message (for the sender's echo). What
        they mean is never refused aloud (:mod:`chatroom.core.tagmessages`).

        Raises:
            ChatError: ``NOT_IN_ROOM``.
        """
        ...

    async def private_tag_message(
        self, member: Member, target: str, tags: Tags, typing: bool = False
    ) -> PrivateTagMessage:
        """Tags and no text to the user called ``target``, if connected;
        kept in their conversation (when either is an account) unless it
        is a typing notice (``typing``); returns the message (for the
        sender's echo)."""
        ...

    async def modlog(self, member: Member, room: str, count: int) -> list[ModEntry]:
        """``/modlog [N]``: the room's newest ``count`` moderation log
        entries, oldest first (``NOT_ALLOWED`` unless owner, operator or
        admin; ``BAD_ARGS`` for a count not 1-200)."""
        ...

    async def room_details(self, room: str) -> Roster:
        """Members, owner and topic of a room."""
        ...

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        """Set ``room``'s topic; every member hears ``TOPIC``."""
        ...

    async def delete_room(self, member: Member, name: str) -> None:
        """Delete a room: its members hear ``DELETED`` and are removed."""
        ...

    async def private_message(
        self, member: Member, target: str, text: str, tags: Tags = ()
    ) -> PrivateMessage:
        """Deliver a private message (with ``tags``) to ``target``; returns it (for
        the sender's copy).

        The target's copy is delivered here; the sender's is the caller's
        to show, unless the sender is the target. To a registered account
        nobody is signed in to, it is kept for the account's next sign-in
        (``INBOX_FULL`` past ``kept_private``).
        """
        ...

    async def private_history(
        self, member: Member, other: str, count: int, before: int | None = None
    ) -> list[PrivateEvent]:
        """``/history @USER N [before ID]``: the member's account's private
        conversation with ``other``, oldest first (its tags-only messages
        too, which IRC's event playback alone shows)."""
        ...

    async def private_targets(self, member: Member) -> list[PrivateEvent]:
        """The newest message of each of the member's account's private
        conversations (IRC's ``CHATHISTORY TARGETS``); [] for a plain name."""
        ...

    async def redact_private(
        self, member: Member, other: str, event_id: int, reason: str = ""
    ) -> PrivateRedacted:
        """Delete message ``event_id`` of the member's conversation with
        ``other`` (its sender only; IRC's ``REDACT nick msgid``): ``other``
        is told, and the member's other devices; returns the event for the
        member's own door to show.

        Raises:
            ChatError: ``NOT_ALLOWED``, ``NO_SUCH_MESSAGE``, ``NO_SUCH_USER``.
        """
        ...

    async def deliver_kept(self, member: Member) -> None:
        """After a sign-in (once the room list is out): the private
        messages kept for the member's account while it was away."""
        ...

    # -- read markers ------------------------------------------------------------

    async def read_marker(self, member: Member, room: str) -> int | None:
        """The member's read marker in ``room`` (None: none): its
        account's, or for a plain name its connection's."""
        ...

    async def mark_read(
        self, member: Member, room: str, event_id: int, said: str = ""
    ) -> Marker:
        """Move the member's marker in ``room`` forward to ``event_id``
        (``said``: the time the client named it by, if it named one, which
        the account's other devices are told with it); returns the marker
        in force (an older id changes nothing).

        Raises:
            ChatError: ``NO_SUCH_ROOM``, ``NOT_IN_ROOM``, ``BAD_ARGS`` (an id
                past the room's newest event).
        """
        ...

    async def unread(self, member: Member, rooms: list[str]) -> list[Unread]:
        """Of ``rooms`` (which the member is in), each with events after the
        member's marker: how many, and how many messages name the member."""
        ...

    async def search(
        self, member: Member, rooms: list[str], text: str
    ) -> list[SearchResult]:
        """``/search text`` over ``rooms`` (which the member is in): up to
        :data:`chatroom.core.search.FOUND_LIMIT` ``FOUND`` events, newest
        first.

        Raises:
            ChatError: ``BAD_ARGS`` (an empty, too long or malformed search),
                ``NOT_IN_ROOM`` (an ``in:`` room the member is not in),
                ``UNAVAILABLE`` (a back-end that cannot search).
        """
        ...

    def watch_lobby(self, member: Member, watching: bool) -> None:
        """Start or stop :meth:`Member.lobby_changed` calls for ``member``."""

    # -- many devices per account ------------------------------------------------

    async def viewing_every_room(self, member: Member) -> None:
        """``member`` turned ``/caps multi`` on: it gets the join replies of
        each room its account is in that it was not shown."""
        ...

    async def devices_of(self, member: Member) -> DeviceList:
        """``/devices``: the connections of ``member``'s account on every
        node (a plain name: its one), oldest first."""
        ...

    async def end_device(self, member: Member, number: int) -> None:
        """``/logout ID``: device ``number`` of the account is closed, on
        whichever node it is (``NO_SUCH_DEVICE``)."""
        ...

    # -- a user's own data (chatroom.core.userdata) ------------------------------

    async def gather_user_data(self, account: str) -> AccountData:
        """Everything kept of account key ``account``, for ``/export``."""
        ...

    async def keep_export(self, token: str, archive: bytes) -> None:
        """Keep an export under ``token`` for
        :data:`~chatroom.core.userdata.EXPORT_TTL` seconds, once."""
        ...

    async def take_export(self, token: str) -> bytes | None:
        """The export under ``token`` (then gone), or None."""
        ...

    async def erase_account(self, member: Member, account: str) -> None:
        """``member``'s account ``account`` and its data go, in one step;
        its room messages as ``--on-delete`` says."""
        ...

    async def end_account(self, member: Member, reason: str) -> None:
        """Every device of ``member``'s account is disconnected (``reason``)."""
        ...

    async def end_signed_in(self, account: str, name: str, reason: str) -> None:
        """Every device signed in to account key ``account`` (its name
        ``name``) is disconnected (``reason``), and its push subscriptions
        and upload tokens forgotten: a password reset by mail."""
        ...

    # -- moderation and admins -------------------------------------------------

    async def moderate(self, member: Member, room: str, action: Action) -> None:
        """Apply one moderation command in ``room`` (which ``member`` is in),
        as :func:`chatroom.core.moderation.decide` decides it.

        Raises:
            ChatError: ``NOT_IN_ROOM``, ``NOT_ALLOWED``, ``NO_SUCH_USER``,
                ``BAD_ARGS``.
        """
        ...

    async def room_settings(self, member: Member, room: str) -> RoomSettings:
        """``/info`` and ``/bans`` of a room ``member`` is in."""
        ...

    async def kill(self, member: Member, target: str, reason: str) -> Killed:
        """An admin ends ``target``'s session; returns the name it had and
        the reason its rooms were given (``reason``, or
        :data:`~chatroom.core.rules.NO_REASON` for none that can be shown:
        :func:`chatroom.core.rules.reason`).

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``NO_SUCH_USER``.
        """
        ...

    async def server_ban(self, member: Member, words: str, banned: bool) -> ServerBan:
        """An admin bans ``words`` (``USER|MASK [DURATION] [REASON]``) from
        the server, or lifts the ban of ``words`` (``USER|MASK``); returns
        the ban (lifted: its mask). A user it covers who is connected is
        disconnected, on any node (:mod:`chatroom.core.serverbans`).

        Raises:
            ChatError: ``NOT_ALLOWED``, ``BAD_ARGS`` (already / not banned,
                a bad mask or duration).
        """
        ...

    async def listed_server_bans(self, member: Member) -> list[ServerBan]:
        """``/gbans``: the bans that hold, oldest first, for an admin.

        Raises:
            ChatError: ``NOT_ALLOWED``.
        """
        ...

    async def ignore(self, member: Member, name: str, ignore: bool) -> str:
        """``/ignore NAME`` (``ignore``) or ``/unignore NAME`` for the
        member's account: nothing ``name`` says reaches any of its devices
        from then on (:mod:`chatroom.core.ignoring`); returns ``name``.

        Raises:
            ChatError: ``ACCOUNT_REQUIRED``, ``BAD_ARGS``.
        """
        ...

    async def ignored(self, member: Member) -> list[str]:
        """The names the member's account ignores (name keys), sorted."""
        ...

    async def server_modlog(self, member: Member, count: int) -> list[ModEntry]:
        """``/modlog server``: the server's newest ``count`` moderation
        entries (server bans and their lifting, lockdowns, kills), oldest
        first, for admins.

        Raises:
            ChatError: ``NOT_ALLOWED``, ``BAD_ARGS`` (a count not 1-200).
        """
        ...

    async def lockdown(self, member: Member, level: str) -> Lockdown:
        """``/lockdown [off|accounts|closed]`` by an admin: the level now,
        set first if ``level`` is given (every admin, on every node, hears
        ``LOCKDOWN``; :mod:`chatroom.core.lockdown`).

        Raises:
            ChatError: ``NOT_ALLOWED``, ``BAD_ARGS`` (no such level).
        """
        ...

    async def lockdown_as(self, actor: Actor, level: str) -> Lockdown:
        """:meth:`lockdown` by ``actor`` (the server's operator)."""
        ...

    @property
    def bans(self) -> ServerBans:
        """Server bans, for the doors' server: new connections screened
        by network, and the connected ones a network ban covers ended."""
        ...

    async def announce(self, member: Member, text: str) -> None:
        """An admin's ``ANNOUNCE`` to every named member on every node."""
        ...

    async def kill_as(self, actor: Actor, target: str, reason: str) -> Killed:
        """:meth:`kill` by ``actor``, who is no member: the server's operator
        (chatroom-admin, :mod:`chatroom.core.operating`)."""
        ...

    async def server_ban_as(
        self, actor: Actor, words: str, banned: bool, reason: str = ""
    ) -> ServerBan:
        """:meth:`server_ban` by ``actor``; ``reason`` is the ban's when
        ``words`` give none (the sessions it ends are told
        :func:`chatroom.core.netbans.bye` of it)."""
        ...

    async def announce_as(self, actor: Actor, text: str) -> None:
        """:meth:`announce` by ``actor``."""
        ...

    async def give_room_as(self, actor: Actor, room: str, account: str) -> str:
        """A server admin's ``rooms give``: room ``room`` belongs to
        ``account`` from now on (:func:`chatroom.core.moderation.give`);
        its name as the room has it.

        Raises:
            ChatError: ``NOT_ALLOWED``, ``NO_SUCH_ROOM``, ``NO_SUCH_ACCOUNT``,
                ``BAD_ARGS`` (a permanent room).
        """
        ...

    async def backup(self, actor: Actor, path: str) -> None:
        """An admin's copy of the store, written to a new file at ``path``:
        alone, a consistent copy of the SQLite file by the store's one
        writer; in cluster mode, every Redis key under the cluster's prefix
        (:mod:`chatroom.backends.redis.dumpfile`).

        Raises:
            ChatError: ``NOT_ALLOWED``, ``NOT_SUPPORTED`` (no file to copy:
                ``--db :memory:``), ``UNAVAILABLE`` (Redis out of reach).
        """
        ...

    async def wallops(self, member: Member, text: str) -> None:
        """An admin's ``WALLOPS`` to every named member on every node (shown
        by IRC users with ``+w``).

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``BAD_TEXT``.
        """
        ...

    async def rehash(self, member: Member) -> str:
        """An admin's ``/rehash`` (IRC's ``REHASH``): this node's
        configuration read again (:meth:`attach_reloader`); what changed,
        what was read again, what needs a restart.

        Raises:
            ChatError: ``NOT_ALLOWED`` (not an admin), ``REHASH_FAILED``.
        """
        ...

    # -- webhooks (chatroom.core.webhooks) -------------------------------------------

    async def add_webhook(self, member: Member, room: str, name: str) -> Hook:
        """``/webhook add NAME`` in ``room``: a new hook (its secret made
        here) for the room's owner or an admin.

        Raises:
            ChatError: ``NOT_IN_ROOM``, ``NOT_ALLOWED``, ``BAD_NAME``,
                ``NAME_TAKEN`` (the room has one of that name), ``BAD_ARGS``
                (the room has its ten).
        """
        ...

    async def remove_webhook(self, member: Member, room: str, name: str) -> str:
        """``/webhook remove NAME``: the hook goes (its address answers
        ``404``); returns the room's name (``NO_SUCH_WEBHOOK``,
        ``NOT_ALLOWED``)."""
        ...

    async def webhooks(self, member: Member, room: str) -> tuple[str, list[Hook]]:
        """``/webhook list``: the room's name and its hooks (``NOT_ALLOWED``)."""
        ...

    async def post_webhook(self, secret: str, body: bytes) -> Message:
        """A ``POST`` of Slack's JSON ``body`` to the hook whose secret is
        ``secret``: its message, said in the hook's room (see
        :meth:`chatroom.core.webhooks.Webhooks.post` for the refusals)."""
        ...

    # -- Web Push (chatroom.core.push) -------------------------------------------

    async def push_subscribe(
        self, member: Member, endpoint: str, p256dh: str, auth: str, format: str
    ) -> None:
        """``/push add`` (``format`` json) or IRC's ``WEBPUSH REGISTER``
        (irc): keep a subscription for the member's account.

        Raises:
            ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_ARGS`` (not
                https nor allowed, keys that are no base64url P-256 key and
                16-byte secret, too many subscriptions).
        """
        ...

    async def push_unsubscribe(self, member: Member, endpoint: str) -> None:
        """``/push remove``, ``WEBPUSH UNREGISTER``: forget one of the
        account's subscriptions (``NOT_ALLOWED``; ``BAD_ARGS``: none there)."""
        ...

    async def push_key(self) -> str:
        """The server's VAPID public key, base64url (what clients subscribe
        with), made at the first start."""
        ...
