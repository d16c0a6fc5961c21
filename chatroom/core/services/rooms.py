"""Rooms: the list, joins, creates, leaves, topics, renames, deletion and settings.

A join, a create and a leave are decided by :mod:`chatroom.core.rooms.entries`
on the room's facts and seated by :mod:`chatroom.core.services.devices` for each of
an account's devices; a topic, a rename and a deletion are decided on the
room's facts as :mod:`chatroom.core.infra.retrying` says (again, if they changed
under the decision) and applied as one change.
"""

from __future__ import annotations

from functools import partial

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.door_settings import later
from chatroom.core.accounts.markers import MarkerStore
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import decided, retried
from chatroom.core.infra.seats import Seat
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import Append, SetTopic
from chatroom.core.model.changes.rooms import (
    Drop,
    Emit,
    NameFree,
    OwnerIs,
    RenameRoom,
    RoomName,
    RoomSeating,
)
from chatroom.core.model.events import (
    Departure,
    DepartureKind,
    Listing,
    RoomDeleted,
    RoomRenamed,
    TopicChanged,
    Welcome,
)
from chatroom.core.model.facts import DecisionFacts
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import ModAction, ModEntry, recording
from chatroom.core.policy import moderation, rules
from chatroom.core.policy.moderation import Actor
from chatroom.core.rooms.creation import CreationLimit
from chatroom.core.rooms.entries import Entries, Entry
from chatroom.core.rooms.roominfo import RoomSettings, Roster, settings_of
from chatroom.core.rooms.store import RoomStore
from chatroom.core.services.devices import Devices
from chatroom.core.services.identities import Identities
from chatroom.core.services.premises import as_read, messages_of
from chatroom.wire.lines import format_time


class RoomService:
    """What a door asks of rooms: which there are, entering and leaving
    them, their topic, their deletion, their settings."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        rooms: RoomStore,
        markers: MarkerStore,
        apply: Applies,
        identities: Identities,
        entries: Entries,
        devices: Devices,
        created: CreationLimit,
        rename_grace: float = 0.0,
    ) -> None:
        """Args:
        rooms: which rooms there are, and what each is decided on.
        markers: the accounts' read markers (where a catch-up starts).
        apply: the back-end's one write (a topic, a rename, a deletion).
        rename_grace: seconds a renamed room's former name leads a join to
            it (``--rename-grace``).
        """
        self.clock = clock
        self.rename_grace = rename_grace
        self.rooms = rooms
        self.markers = markers
        self.apply = apply
        self.identities = identities
        self.sessions = identities.sessions
        self.entries = entries
        self.devices = devices
        self.created = created

    async def list_rooms(self, member: Member | None = None) -> Listing:
        """Every room, oldest first; for ``member``, without the secret rooms
        (``/set secret on``) it is not in."""
        listing = await self.rooms.list_rooms()
        where = None if member is None else self.identities.seat(member)
        return rules.listed_for(listing, self.rooms.joined_room, where)

    async def count_rooms(self) -> int:
        """How many rooms there are, secret ones too (``LUSERS``), counted
        without listing them."""
        return await self.rooms.count_rooms()

    async def lobby_rooms(self, member: Member) -> Listing:
        """What ``member`` is shown on entering the lobby: at most
        ``--lobby-rooms`` rooms, the permanent and the most populated,
        oldest first, and how many more :meth:`list_rooms` would list
        (:mod:`chatroom.core.rooms.lobby_list`); the secret rooms it is in too."""
        listing = await self.rooms.lobby_rooms()
        where = self.identities.seat(member)
        return rules.listed_for(listing, self.rooms.joined_room, where)

    async def enter_or_create(
        self,
        member: Member,
        name: str,
        key: str | None = None,
        catch_up: bool = False,
        sent: int | None = None,
    ) -> str:
        """Join room ``name`` (with ``key``), or make it when there is none
        (IRC's ``JOIN``); a create that loses the race to another's joins
        the room that other made. Returns the room's name as entered (a
        renamed room's, for its former name within its grace). A join
        catches up as :meth:`join_room` says (``catch_up``, ``sent``)."""
        try:
            return await self.join_room(
                member, name, key=key, catch_up=catch_up, sent=sent
            )
        except errors.ChatError as refused:
            if refused.code != "NO_SUCH_ROOM":
                raise
        try:
            return await self.create_room(member, name)
        except errors.ChatError as lost_race:
            if lost_race.code != "ROOM_EXISTS":
                raise
        return await self.join_room(member, name, key=key, catch_up=catch_up, sent=sent)

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> str:
        """Create room ``name`` owned by ``member`` and put it there;
        returns the room's name.

        ``leaving``: a room the member leaves first, in the same step (the
        line protocol's one-room rule), once the new room is certain.
        """
        rules.check_room_name(name)
        self._one_more_room(member, name, leaving)
        session = self.identities.session(member)
        now = int(self.clock.seconds())  # when it was made: IRC's 329

        async def seat(seat: Seat, moving: str | None) -> Welcome:
            return await self.entries.create(seat, session, name, moving, now)

        make = partial(self.devices.seated, member, name, leaving, None, seat)
        made = await self.created.making(self.identities.actor(member), make)
        self.log.info("{user} created room {room}", user=session.name, room=name)
        return made

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
        catch_up: bool = False,
        sent: int | None = None,
    ) -> str:
        """Put ``member`` in room ``name``; it hears :meth:`Member.entered`.
        Returns the room's name as entered (a renamed room's, for its
        former name within its grace).

        The member joins as :mod:`chatroom.core.rooms.entries` decides on the
        room's facts (the entry rule: bans, invitation, ``key``, then space
        and the room's own limit), before it leaves ``leaving``, so a
        refusal (``NO_SUCH_ROOM``, ``ROOM_FULL``, ``BANNED``,
        ``INVITE_ONLY``, ``BAD_KEY``, ``TOO_MANY_ROOMS`` past
        :data:`~chatroom.core.policy.rules.ROOMS_PER_USER`...) keeps it there.
        With ``since`` (an
        event id the member saw last), the welcome's history is the room's
        stored events after it, at most ``resume_bound`` of them, and its
        ``gap`` says how many were left out (see
        :func:`chatroom.core.policy.rules.catch_up`). With ``catch_up`` (a
        ``multi`` connection) and no ``since``, a signed-in member's read
        marker in the room, if any, is where it resumes, with the events
        just before it for a device that draws its rooms afresh
        (:func:`chatroom.core.policy.rules.from_marker`; a plain name's markers
        are its connection's, which saw what came before), or ``sent`` if
        that is later: the newest event of the room its door already sent
        the account there (:mod:`chatroom.core.accounts.door_settings`).
        """

        def actor() -> Actor:
            if member not in self.sessions:
                raise errors.not_in_room()  # gone meanwhile: nobody to answer
            return self.identities.actor(member)

        self._one_more_room(member, name, leaving)
        session = self.identities.session(member)
        if catch_up and since is None:
            marker = None
            if session.account:
                markers = await self.markers.markers(session.account)
                marker = markers.get(name_key(name))
            since = later(rules.from_marker(marker, member.starts_blank), sent)
        entry = Entry(actor, key)

        async def seat(seat: Seat, moving: str | None) -> Welcome:
            if member not in self.sessions:
                raise errors.not_in_room()  # gone meanwhile: nobody to answer
            return await self.entries.join(seat, session, name, moving, since, entry)

        try:
            return await self.devices.seated(
                member, name, leaving, since, seat, joining=True
            )
        except errors.ChatError as refused:
            if refused.code != "NO_SUCH_ROOM":
                raise
            renamed_to = (await self.rooms.creation_facts(name)).renamed_to
            if not renamed_to:
                raise
            return await self.join_room(
                member, renamed_to, leaving, since, key, catch_up, sent
            )

    def _one_more_room(self, member: Member, name: str, leaving: str | None) -> None:
        """The rule of how many rooms one user is in
        (:func:`~chatroom.core.policy.rules.check_rooms_joined`), for room
        ``name`` if the user is not in it yet: counted on its seat (every
        device's rooms), without ``leaving``, which it leaves for this one."""
        seat = self.identities.seat(member)
        if not isinstance(seat, Seat) or seat.find(name) is not None:
            return
        rooms = len(seat.rooms)
        if leaving is not None and seat.find(leaving) is not None:
            rooms -= 1
        rules.check_rooms_joined(rooms)

    async def leave_room(self, member: Member, room: str, words: str = "") -> Departure:
        """Take ``member`` out of ``room``: the others hear its
        :class:`~chatroom.core.model.events.Departure` (a part, with ``words`` as
        :func:`chatroom.core.policy.rules.reason` keeps them), which is returned;
        every other device of the account in the room hears ``LEFT``."""
        seat, session = self.identities.seat(member), self.identities.session(member)
        where = self.rooms.joined_room(seat, room)
        said = rules.reason(words)
        part, account = DepartureKind.PART, session.account_name
        departure = Departure(where, session.name, part, said, account=account)
        await self.entries.leave(seat, session, departure)
        if isinstance(seat, Seat):
            await self.devices.left(seat, member, room)
        return departure

    async def room_details(self, room: str) -> Roster:
        """Members, owner and topic of a room."""
        return await self.rooms.roster(room)

    async def room_settings(self, member: Member, room: str) -> RoomSettings:
        """``/info`` and ``/bans`` of a room ``member`` is in."""
        where = self.identities.joined_room(member, room)
        facts = await self.rooms.facts(where)
        actor = self.identities.actor(member)
        return settings_of(facts.room, actor, facts.owner_name)

    async def room_metadata(self, member: Member, room: str) -> dict[str, str]:
        """IRC's ``METADATA #room GET|LIST``: the metadata of a room
        ``member`` is in (``NOT_IN_ROOM`` otherwise: a room's metadata is
        its members', as Ergo keeps it), key → value; its owner and
        operators change it with the ``metadata`` moderation command."""
        where = self.identities.joined_room(member, room)
        facts = await self.rooms.facts(where)
        return dict(facts.room.policy.metadata)

    async def watch_lobby(self, member: Member, watching: bool) -> None:
        """Start or stop :meth:`Member.lobby_changed` calls for ``member``;
        returns once every change from then on reaches it, so that the
        answer to ``/watch on`` comes before any change it must hear."""
        await self.rooms.watch_lobby(member, watching)

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        """``/topic``: decided on the room's facts (topic-lock), applied as
        one change (:class:`~chatroom.core.model.changes.messages.SetTopic`, then the
        event appended) resting on the room being as read; every member
        hears ``TOPIC``."""
        rules.check_topic(topic)
        member = self.identities.seat(member)
        where = self.rooms.joined_room(member, room)
        actor, session = self.identities.actor(member), self.identities.session(member)
        now = self.clock.seconds()

        def rule(facts: DecisionFacts) -> DecidedChange:
            moderation.check_set_topic(facts.room, actor)
            stamp, account = format_time(now), actor.account_name
            name = facts.room.name
            event = TopicChanged(name, actor.name, topic, stamp, account=account)
            ops = (SetTopic(topic, actor.name, int(now)), Append(event, now))
            key = name_key(session.name)
            return DecidedChange(messages_of(name), as_read(facts), ops, (key,))

        async def apply(facts: DecisionFacts, change: DecidedChange) -> None:
            await self.apply(change, member, session)

        await decided(self.rooms.facts, where, rule, apply)

    async def rename_room(
        self, member: Member, room: str, name: str, words: str = ""
    ) -> None:
        """``/rename``: the room's owner (or an admin) calls it ``name``;
        its members, then the lobby's watchers, hear ``RENAMED`` (with
        ``words`` as :func:`chatroom.core.policy.rules.reason` keeps them). One
        change of the room's name, resting on the room being as read, its
        owner as read and ``name`` still free; its former name leads a
        ``/join`` to it for ``--rename-grace``. ``BAD_NAME``,
        ``NOT_ALLOWED`` (not the owner, a permanent room),
        ``ROOM_EXISTS`` (the name is another room's, or was within its
        grace), ``BAD_ARGS`` (its name already). A new case of its name is
        a rename too (IRC's ``draft/channel-rename`` asks for it)."""
        rules.check_room_name(name)
        actor = self.identities.actor(member)
        session = self.identities.session(member)
        said = rules.reason(words)

        async def attempt() -> str:
            facts = await self.rooms.facts(room)
            moderation.check_rename(facts.room, actor)
            old = facts.room.name
            if name == old:
                raise errors.bad_args(f"{old} is called {name} already")
            taken = await self.rooms.creation_facts(name)
            if name_key(name) != name_key(old) and (
                taken.existing
                or (taken.renamed_to and name_key(taken.renamed_to) != name_key(old))
            ):
                raise errors.room_name_taken(name)
            event = RoomRenamed(old, name, actor.name, said)
            until = self.clock.seconds() + self.rename_grace
            premises = (
                *as_read(facts),
                OwnerIs(facts.room.owner),
                NameFree(name_key(name)),
            )
            stamp = format_time(self.clock.seconds())
            entry = ModEntry(stamp, actor.name, ModAction.RENAME, old, said)
            ops = (Emit(event), RenameRoom(name, until), recording(name, [entry]))
            change = DecidedChange(RoomName(name_key(old)), premises, ops)
            await self.apply(change, member, session)
            return old

        old = await retried(attempt)
        self.log.info(
            "{user} renamed {room} to {name}", user=actor.name, room=old, name=name
        )

    async def delete_room(self, member: Member, name: str) -> str:
        """``/delete``: every member (on every node) hears ``DELETED`` and
        is back in the lobby; one change (its event shown, the room
        dropped) resting on the room being as read. Its name, as it was."""
        actor = self.identities.actor(member)
        session = self.identities.session(member)

        def rule(facts: DecisionFacts) -> DecidedChange:
            moderation.check_delete(facts.room, actor)
            event = RoomDeleted(facts.room.name, actor.name)
            subject = RoomSeating(name_key(facts.room.name))
            return DecidedChange(subject, as_read(facts), (Emit(event), Drop()))

        async def apply(facts: DecisionFacts, change: DecidedChange) -> str:
            await self.apply(change, member, session)
            return facts.room.name

        deleted = await decided(self.rooms.facts, name, rule, apply)
        self.log.info("{user} deleted {room}", user=actor.name, room=deleted)
        return deleted
