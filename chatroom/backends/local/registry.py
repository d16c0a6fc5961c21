"""The in-process registry: names and rooms of a server that runs alone.

Everything it serves lives in this process's memory and every operation
completes in the call that asks for it (the coroutines never wait), so the
line door's handlers run to completion as plain calls. The one exception is
``/history`` reaching further back than memory holds, which waits for the
store. Rooms, topics and messages are also handed to a
:class:`~chatroom.backends.local.store.Store` (``--db``), which writes them off the
reactor thread; at start-up the registry restores what it kept. Every rule
comes from :mod:`chatroom.core.rules`; every refusal from :mod:`chatroom.core.errors`.
"""

from __future__ import annotations

import secrets

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from chatroom.backends.local.outage import StoreOutage
from chatroom.backends.local.rooms import Room
from chatroom.backends.local.store import MemoryStore, RoomRecord, Row, Store
from chatroom.core import errors, moderation, rules
from chatroom.core.accounts import StoredAccounts
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Event,
    Listing,
    LobbyChanges,
    RoomDetails,
    RoomGone,
    RoomInfo,
    history_event,
)
from chatroom.core.lobby import LobbyWatchers
from chatroom.core.moderation import Action, Actor, RoomPolicy, RoomSettings, Target
from chatroom.core.registry import Member
from chatroom.core.text import name_key
from chatroom.core.wire import format_time


class LocalRegistry:
    """Names, rooms and lobby watchers in one process.

    Names are unique under :func:`chatroom.core.text.name_key`: ``users`` maps
    that key to the member holding it and ``names`` each member to the name
    it is shown by. Rooms are keyed the same way; ``places`` lists the rooms
    each member is in.
    """

    log = Logger()

    def __init__(
        self, config: ServerConfig, clock: IReactorTime, store: Store | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        self.store: Store = store or MemoryStore()
        self.users: dict[str, Member] = {}
        self.names: dict[Member, str] = {}
        self.rooms: dict[str, Room] = {}
        self.places: dict[Member, list[Room]] = {}
        #: The account each signed-in member is signed in to, and every
        #: member's session number (what a plain name's grants are tied to).
        self.signed_in: dict[Member, str] = {}
        self.sessions: dict[Member, str] = {}
        self._next_session = 0
        #: Sessions are ``prefix:number``, the prefix new with each process,
        #: so a grant stored with a room never matches a later session.
        self._session_prefix = secrets.token_hex(4)
        self.stopping = False
        self.lobby = LobbyWatchers(clock, config.lobby_interval, self._lobby_entries)
        #: The newest event id of rooms that are gone: made again, a room
        #: goes on from there, so an id never means two events.
        self.last_ids: dict[str, int] = {}
        self._grace: IDelayedCall | None = None
        self.store.on_trimmed = self._aged_out
        #: Refuses messages while the store cannot write them.
        self.outage = StoreOutage(self.store)
        self.accounts = StoredAccounts(self.store)
        self._restore()

    # -- restoring what the store kept --------------------------------------------

    def _new_room(self, name: str, permanent: bool, owner: Member | None) -> Room:
        config = self.config
        keep = max(config.history, config.resume_bound)
        if self.store.persistent:
            keep = min(keep, config.retention)
        room = Room(name, config.room_capacity, config.history, permanent, owner, keep)
        if self.store.persistent:
            room.retention = config.retention
        room.last_id = self.last_ids.pop(room.key, 0)
        room.first_id = room.last_id + 1
        return room

    def _restore(self) -> None:
        """Permanent rooms, then every room the store kept, with its history.

        Restored rooms that nobody rejoins within ``--grace`` are harvested
        (:meth:`_grace_over`), so reconnecting clients find their room.
        """
        config = self.config
        loaded = self.store.load(max(config.history, config.resume_bound))
        self.last_ids.update(loaded.last_ids)
        permanent = {name_key(name): name for name in config.rooms}
        for name in config.rooms:
            self._add_room(self._new_room(name, True, None))
        for record in loaded.rooms:
            room = self.rooms.get(record.key)
            if room is None:
                room = self._new_room(record.name, False, None)
                room.restored = True
                room.absent_owner = name_key(record.owner) if record.owner else ""
                self._add_room(room)
            room.topic, room.topic_by = record.topic, record.topic_by
            room.policy = RoomPolicy.from_json(record.policy)
            if room.policy.keep:
                room.restored = False  # kept: no grace period, it stays
            room.first_id = record.first_id
            for row in record.recent:
                room.remember(self._history(room, row))
        for room in self.rooms.values():
            if room.key in permanent:
                self._save(room)
        if any(room.restored for room in self.rooms.values()):
            self.log.info(
                "restored {count} rooms",
                count=sum(r.restored for r in self.rooms.values()),
            )
            self._grace = self.clock.callLater(config.grace, self._grace_over)

    def _grace_over(self) -> None:
        """Restored rooms nobody came back to go; absent owners are replaced."""
        self._grace = None
        for room in list(self.rooms.values()):
            if room.restored and not room.members and not self._kept(room):
                self._remove_room(room)
            elif room.absent_owner and room.members and not room.policy.owner_account:
                room.absent_owner = ""
                room.owner = next(iter(room.members))
                room.broadcast(Event("OWNER", (room.name, room.members[room.owner])))
                self._save(room)
            room.restored = False

    def _aged_out(self, firsts: dict[str, int]) -> None:
        """Events older than ``--retention-age`` left the store: memory and
        resumes follow (a resume from before them now has a ``GAP``)."""
        for key, first in firsts.items():
            room = self.rooms.get(key)
            if room is not None:
                room.forget_before(first)

    @staticmethod
    def _history(room: Room, row: Row) -> Event:
        event_id, kind, user, stamp, text = row
        return history_event(kind, room.name, user, stamp, text, str(event_id))

    def _save(self, room: Room) -> None:
        """Tell the store the room's name, owner and topic."""
        owner = room.members.get(room.owner) if room.owner is not None else None
        if owner is None and room.absent_owner:
            owner = room.absent_owner
        record = RoomRecord(
            room.key,
            room.name,
            owner or "",
            room.permanent,
            room.topic,
            room.topic_by,
            room.policy.to_json(),
        )
        self.store.save_room(record)

    # -- life -------------------------------------------------------------------

    #: Everything is in this process: never out of reach.
    available = True

    def start(self) -> None:
        """Nothing to connect to."""

    def stop(self) -> None:
        """Shutdown: departures are no longer announced, no more lobby pushes,
        and rooms emptied from now on stay (in the store, for the restart)."""
        self.stopping = True
        self.lobby.stop()
        if self._grace is not None and self._grace.active():
            self._grace.cancel()

    def detach(self) -> Deferred[None]:
        """Every session is closed: write what is pending and close the store."""
        return self.store.close()

    # -- names ----------------------------------------------------------------

    def _actor(self, member: Member) -> Actor:
        account = self.signed_in.get(member, "")
        return Actor(
            self.names[member],
            account,
            self._session(member),
            account in self.config.admin_accounts,
        )

    def _session(self, member: Member) -> str:
        session = self.sessions.get(member)
        if session is None:
            self._next_session += 1
            session = f"{self._session_prefix}:{self._next_session}"
            self.sessions[member] = session
        return session

    def account_of(self, member: Member) -> str:
        return self.signed_in.get(member, "")

    async def claim_name(
        self,
        member: Member,
        name: str,
        account: str | None = None,
        takeover: bool = True,
    ) -> bool:
        rules.check_name(name)
        key = name_key(name)
        signed_in = self.signed_in.get(member, "") if account is None else account
        registered = await self.accounts.get(key) is not None
        banned = await self.accounts.is_server_banned(
            moderation.claim_masks(key, signed_in)
        )
        rules.check_claim(
            name, registered, signed_in, banned, self.config.require_account
        )
        holder = self.users.get(key)
        if holder is not None and holder is not member:
            if account != key or not takeover:
                raise errors.name_taken(name)
            self._end(holder, "signed in elsewhere")
        if account:
            self.signed_in[member] = account
        old = self.names.get(member)
        if old is not None:
            del self.users[name_key(old)]
        self.users[key] = member
        self.names[member] = name
        rooms = self.places.get(member, [])
        if old is None or not rooms:
            return False
        nick = Event("NICK", (old, name))
        for room in rooms:
            room.rename(member, name)
            room.broadcast(nick)
            if room.owner is member:
                self._save(room)
        return True

    async def set_account(self, member: Member, account: str) -> None:
        if account:
            self.signed_in[member] = account
        else:
            self.signed_in.pop(member, None)

    def _end(self, member: Member, reason: str) -> None:
        """End another member's session: its rooms hear ``reason`` now."""
        self.release(member, reason)
        member.disconnect(reason)

    def release(self, member: Member, reason: str) -> None:
        self.lobby.watch(member, False)
        for room in list(self.places.get(member, ())):
            self._leave(member, room, reason, announce=not self.stopping)
        self.signed_in.pop(member, None)
        self.sessions.pop(member, None)
        name = self.names.pop(member, None)
        if name is not None:
            del self.users[name_key(name)]

    async def private_message(self, member: Member, target: str, text: str) -> Event:
        rules.check_text(text)
        recipient = self.users.get(name_key(target))
        if recipient is None:
            raise errors.no_such_user(target)
        stamp = format_time(self.clock.seconds())
        event = Event(
            "PRIVMSG", (self.names[member], self.names[recipient], stamp), text
        )
        recipient.deliver(event)
        return event

    # -- rooms ----------------------------------------------------------------

    async def list_rooms(self) -> Listing:
        return Listing([room.info() for room in self.rooms.values()])

    def _find(self, name: str) -> Room:
        room = self.rooms.get(name_key(name))
        if room is None:
            raise errors.no_such_room(name)
        return room

    def _room_of(self, member: Member, name: str) -> Room:
        """The room ``name``, which ``member`` must be in."""
        room = self.rooms.get(name_key(name))
        if room is None or member not in room.members:
            raise errors.not_in_room()
        return room

    async def create_room(
        self, member: Member, name: str, leaving: str | None = None
    ) -> None:
        rules.check_room_name(name)
        if name_key(name) in self.rooms:
            raise errors.room_exists(self.rooms[name_key(name)].name)
        rules.check_room_count(len(self.rooms), self.config.max_rooms)
        room = self._new_room(name, False, member)
        self._add_room(room)
        self.log.info("{user} created room {room}", user=self.names[member], room=name)
        self._enter(member, room, leaving)
        self._save(room)

    async def join_room(
        self,
        member: Member,
        name: str,
        leaving: str | None = None,
        since: int | None = None,
        key: str | None = None,
    ) -> None:
        room = self._find(name)
        if member in room.members:
            raise errors.already_in_room(room.name)
        facts = room.facts()  # checked before leaving: a refusal keeps us there
        if room.policy.restricted:  # open rooms (most) need no actor
            moderation.check_entry(facts, self._actor(member), key)
        rules.check_space(facts)
        self._enter(member, room, leaving, since)

    def _enter(
        self, member: Member, room: Room, leaving: str | None, since: int | None = None
    ) -> None:
        if leaving is not None:
            old = self.rooms.get(name_key(leaving))
            if old is not None and member in old.members:
                self._leave(member, old, f"left for {room.name}")
        name = self.names[member]
        owner = room.owner
        room.add(member, name, self.signed_in.get(member, ""))
        self.places.setdefault(member, []).append(room)
        member.entered(room.welcome(since, self.config.resume_bound))
        if room.owner is not owner:
            self._save(room)  # its owner is back
        self._room_changed(room)
        self.log.info("{user} joined {room}", user=name, room=room.name)

    async def leave_room(self, member: Member, room: str, reason: str) -> None:
        self._leave(member, self._room_of(member, room), reason)

    def _leave(
        self,
        member: Member,
        room: Room,
        reason: str,
        announce: bool = True,
        farewell: Event | None = None,
    ) -> None:
        owner = room.owner
        room.remove(member, reason, announce=announce, farewell=farewell)
        places = self.places[member]
        places.remove(room)
        if not places:
            del self.places[member]
        if self.stopping:
            return  # every room that exists at shutdown is restored
        if not room.members and not self._kept(room):
            self._remove_room(room)
        else:
            if room.owner is not owner:
                self._save(room)
            self._room_changed(room)

    async def say(self, member: Member, room: str, kind: str, text: str) -> None:
        rules.check_text(text)
        where = self._room_of(member, room)
        self.outage.check(where, text)  # nothing acknowledged that cannot be kept
        now = self.clock.seconds()
        name, stamp = self.names[member], format_time(now)
        event_id = where.last_id + 1
        where.broadcast(Event(kind, (where.name, name, stamp), text, str(event_id)))
        where.remember(
            history_event(kind, where.name, name, stamp, text, str(event_id))
        )
        self.store.add_event(where.key, (event_id, kind, name, stamp, text), now)

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[Event]:
        rules.check_history_count(count)
        where = self._room_of(member, room)
        last = where.last_id if before is None else min(before - 1, where.last_id)
        first = max(where.first_id, last - count + 1)
        if last < first:
            return []
        if where.holds_from(first):
            return where.held(first, last)
        rows = await self.store.read(where.key, first, last)
        return [self._history(where, row) for row in rows]

    async def room_details(self, room: str) -> RoomDetails:
        where = self._find(room)
        owner = where.members.get(where.owner) if where.owner is not None else None
        return RoomDetails(
            room=where.name,
            members=list(where.members.values()),
            owner=owner or "",
            topic=where.topic,
            topic_by=where.topic_by,
            operators=self._operators(where),
        )

    def _operators(self, room: Room) -> list[str]:
        """The members ``/op`` made operators (the owner is told apart)."""
        if not room.policy.operators:
            return []
        facts = room.facts()
        return [
            name
            for member, name in room.members.items()
            if member is not room.owner
            and moderation.is_operator(facts, self._target(name, room) or Target(name))
        ]

    async def set_topic(self, member: Member, room: str, topic: str) -> None:
        rules.check_topic(topic)
        where = self._room_of(member, room)
        name = self.names[member]
        moderation.check_set_topic(where.facts(), self._actor(member))
        where.topic, where.topic_by = topic, name
        where.broadcast(Event("TOPIC", (where.name, name), topic))
        self._save(where)
        self._room_changed(where)

    async def delete_room(self, member: Member, name: str) -> None:
        room = self._find(name)
        by = self.names[member]
        moderation.check_delete(room.facts(), self._actor(member))
        room.broadcast(Event("DELETED", (room.name, by)))
        members = list(room.members)
        room.members.clear()
        self._remove_room(room)
        listing = await self.list_rooms()
        for gone in members:
            places = self.places[gone]
            places.remove(room)
            if not places:
                del self.places[gone]
            gone.removed(room.name, listing)
        self.log.info("{user} deleted {room}", user=by, room=room.name)

    def _add_room(self, room: Room) -> None:
        self.rooms[room.key] = room
        self._room_changed(room)

    def _remove_room(self, room: Room) -> None:
        del self.rooms[room.key]
        self.last_ids[room.key] = room.last_id
        self.store.drop_room(room.key)
        self._room_changed(room)

    # -- lobby watchers ---------------------------------------------------------

    def watch_lobby(self, member: Member, watching: bool) -> None:
        self.lobby.watch(member, watching)

    def _room_changed(self, room: Room) -> None:
        self.lobby.changed(room.key, room.name)

    async def _lobby_entries(self, changed: dict[str, str]) -> LobbyChanges:
        entries: list[RoomInfo | RoomGone] = []
        for key, name in changed.items():
            room = self.rooms.get(key)
            entries.append(RoomGone(name) if room is None else room.info())
        return LobbyChanges(entries)

    # -- moderation and admins ----------------------------------------------------

    def _kept(self, room: Room) -> bool:
        """Permanent and ``keep`` rooms stay when empty."""
        return room.permanent or room.policy.keep

    def _target(self, name: str, room: Room | None = None) -> Target | None:
        """The user called ``name``: connected, or (if not) a registered name."""
        member = self.users.get(name_key(name))
        if member is None:
            account = self.accounts.accounts.get(name_key(name))
            return Target(account.name, account.key) if account else None
        return Target(
            self.names[member],
            self.signed_in.get(member, ""),
            self._session(member),
            room is not None and member in room.members,
        )

    async def moderate(self, member: Member, room: str, action: Action) -> None:
        where = self._room_of(member, room)
        target = self._target(action.target, where) if action.needs_target else None
        outcome = moderation.decide(action, where.facts(), self._actor(member), target)
        if outcome.policy is not None:
            where.policy = outcome.policy
            if where.policy.owner_account and where.owner is None:
                where.owner = member  # /set keep: the owner's account holds it
            self._save(where)
        for event in outcome.events[: len(outcome.events) - (outcome.kick is not None)]:
            where.broadcast(event)
        if outcome.kick is not None and outcome.kicked is not None:
            kicked = self.users[outcome.kick.key]
            self._leave(kicked, where, "", farewell=outcome.events[-1])
            kicked.deliver(outcome.kicked)
            kicked.removed(where.name, await self.list_rooms())
        if outcome.notify is not None:
            name, event = outcome.notify
            self.users[name_key(name)].deliver(event)
        self.log.info(
            "{user} /{command} {target} in {room}",
            user=self.names[member],
            command=action.command,
            target=action.target,
            room=where.name,
        )

    async def room_settings(self, member: Member, room: str) -> RoomSettings:
        where = self._room_of(member, room)
        owner = where.members.get(where.owner) if where.owner is not None else None
        return moderation.settings_of(where.facts(), self._actor(member), owner or "")

    async def kill(self, member: Member, target: str, reason: str) -> str:
        moderation.check_admin(self._actor(member), "kill")
        victim = self.users.get(name_key(target))
        if victim is None:
            raise errors.no_such_user(target)
        name = self.names[victim]
        self._end(victim, f"killed by {self.names[member]}: {reason}")
        return name

    async def server_ban(self, member: Member, target: str, banned: bool) -> str:
        actor = self._actor(member)
        moderation.check_admin(actor, "gban" if banned else "gunban")
        mask = moderation.server_ban_mask(target, self._target(target))
        if banned:
            if not await self.accounts.add_server_ban(mask):
                raise errors.server_ban_unchanged(mask, banned)
            for victim in list(self.names):
                if mask in moderation.claim_masks(
                    name_key(self.names[victim]), self.signed_in.get(victim, "")
                ):
                    self._end(victim, f"banned from this server by {actor.name}")
        elif not await self.accounts.remove_server_ban(mask):
            raise errors.server_ban_unchanged(mask, banned)
        return mask

    async def announce(self, member: Member, text: str) -> None:
        event = moderation.announcement(self._actor(member), text)
        for listener in list(self.names):
            listener.deliver(event)
