"""A node's reads of the cluster's rooms: which there are, who sits where.

:class:`RedisRooms` is the Redis back-end's
:class:`~chatroom.core.rooms.store.RoomStore`: the rooms with members here
(:class:`~chatroom.backends.redis.delivery.NodeRooms`), the room list as
this node keeps it (:mod:`.listing`), a room's seating as this node's last
reply about it read it (:mod:`.entries`), the renamed rooms' former names
(:mod:`.room_renames`), and the reads of a room's facts and roster by one
script each.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.defer import Deferred

from chatroom.backends.redis import moderation_scripts, outcomes, scripts
from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.entries import RedisEntries
from chatroom.backends.redis.hooks import RedisHooks
from chatroom.backends.redis.listing import RedisListing
from chatroom.backends.redis.replies import parse_facts, parse_roster, parse_target
from chatroom.backends.redis.room_calls import RedisRoomCalls
from chatroom.backends.redis.room_renames import RedisRenames
from chatroom.backends.redis.slash_commands import RedisCommands
from chatroom.core.infra.sessions import Sessions
from chatroom.core.model import errors
from chatroom.core.model.events import Listing
from chatroom.core.model.facts import CreationFacts, DecisionFacts, SeatingFacts, Target
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.rooms.roominfo import Roster


class RedisRooms:
    """The cluster's rooms as this node reads them."""

    def __init__(
        self,
        calls: RedisCalls,
        here: NodeRooms,
        listing: RedisListing,
        entries: RedisEntries,
        renames: RedisRenames,
        sessions: Sessions,
        hooks: RedisHooks,
        commands: RedisCommands,
        room_calls: RedisRoomCalls,
    ) -> None:
        self.calls = calls
        self.here = here
        self.listing = listing
        self.entries = entries
        self.renames = renames
        self.sessions = sessions
        #: Rooms' webhooks (chatroom.core.rooms.webhooks).
        self.hooks = hooks
        #: Rooms' slash commands (chatroom.core.rooms.slash_commands).
        self.commands = commands
        #: The rooms' calls, while they are on (chatroom.core.calls).
        self.room_calls = room_calls

    async def seating_facts(
        self, member: Member, room: str, latest: bool = False
    ) -> SeatingFacts:
        session = self.sessions.get(member)
        if session is None:
            raise errors.not_in_room()  # gone meanwhile
        return await self.entries.seating_facts(member, session, room, latest)

    async def creation_facts(self, name: str) -> CreationFacts:
        """What a refusal brought last, else the name as a former name."""
        facts = self.entries.creation_facts(name)
        if facts.renamed_to or facts.existing:
            return facts
        return replace(facts, renamed_to=await self.renames.former_name(name))

    async def facts(self, room: str, target: str = "") -> DecisionFacts:
        """Who the target is (``TARGET``, the server's keys), then the room
        (``FACTS``, its keys: its facts, and whether the target is in it),
        two reads of one slot each, and for a target in the room its
        seating (``SEATINGS``: what a kick's departure is decided on). The
        target may change between them (go, and another take its name and
        join): a decision is applied only if the target's session still
        holds the name (the room's copy of who holds it for a member,
        ``MODERATING`` for a connected non-member) and is in the room or
        not as decided, and the room's seating is as read (``CHANGED``
        otherwise, and the node reads and decides again:
        :mod:`.moderation_steps`)."""
        key = name_key(target) if target else ""
        found = await self.target(key) if key else None
        reply = await self.calls.call(
            scripts.FACTS,
            {"room": name_key(room), "target": key},
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(room)},
        )
        facts = parse_facts(reply, found)
        if facts.target is None or not facts.target.present:
            return facts
        read = await self.calls.eval(
            scripts.SEATINGS, {"room": name_key(room), "about": [key]}
        )
        return replace(facts, seating=outcomes.seated(read[0]).about(key))

    def joined_room(self, member: Member, room: str) -> str:
        return self.here.joined_room(member, room).name

    def rooms_of(self, member: Member) -> list[str]:
        return [room.name for room in self.here.rooms_here(member)]

    async def list_rooms(self) -> Listing:
        return await self.listing.every_room()

    async def count_rooms(self) -> int:
        return await self.listing.count()

    async def lobby_rooms(self) -> Listing:
        return await self.listing.lobby()  # one read for a storm's sign-ins

    async def roster(self, room: str) -> Roster:
        """``WHO`` reads the room; an owner who is not a member is named
        from the server's keys (``TARGET``: the name its session holds, or
        its key when it has none), a second read only then."""
        reply = await self.calls.call(
            scripts.WHO,
            {"room": name_key(room)},
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(room)},
        )
        roster = parse_roster(reply)
        if roster.owner_key and not roster.owner:
            found = await self.target(roster.owner_key)
            owner = found.name if found is not None and found.online else ""
            return replace(roster, owner=owner or roster.owner_key)
        return roster

    def watch_lobby(self, member: Member, watching: bool) -> Deferred[None]:
        return self.listing.watch(member, watching)

    async def target(self, key: str) -> Target | None:
        """The user whose name key is ``key``, as ``TARGET`` reads them."""
        return parse_target(
            await self.calls.eval(moderation_scripts.TARGET, {"user": key})
        )
