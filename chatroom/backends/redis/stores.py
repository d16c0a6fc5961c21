"""A node's stores by concern, and its bus: what the core reads and tells.

The Redis back-end keeps each kind of record in its own keys and scripts
(:mod:`.accounts`, :mod:`.markers`, :mod:`.settings`, :mod:`.push`,
:mod:`.files`, :mod:`.modlog`...); these gather them by the concerns the
core reads them by: what was said (:class:`RedisMessages`), accounts and
identity (:class:`RedisAccountStores`), moderation and safety
(:class:`RedisModeration`), the cluster's names and nodes
(:class:`RedisServer`), and the one bus a node tells on
(:class:`RedisBus`): each publish goes on Redis's channels, which every
node's subscriber hands on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatroom.backends.redis import dumpfile, moderation_scripts, scripts
from chatroom.backends.redis.abuse_reports import RedisReports
from chatroom.backends.redis.accounts import RedisAccounts
from chatroom.backends.redis.calls import MEMBERS_ONLY, RedisCalls
from chatroom.backends.redis.census import RedisCensus
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.encoded import stored_events
from chatroom.backends.redis.files import RedisFiles, RedisUploadTokens
from chatroom.backends.redis.markers import RedisMarkers
from chatroom.backends.redis.messages import RedisMessageSteps
from chatroom.backends.redis.modlog import RedisModerationLog
from chatroom.backends.redis.neighbours import RedisNeighbours
from chatroom.backends.redis.other_nodes import RedisOtherNodes
from chatroom.backends.redis.pins import RedisPins
from chatroom.backends.redis.presence import RedisPresence
from chatroom.backends.redis.private import RedisConversations
from chatroom.backends.redis.push import RedisPush
from chatroom.backends.redis.remembered import RedisRememberedRooms
from chatroom.backends.redis.replies import key_of
from chatroom.backends.redis.room_store import RedisRooms
from chatroom.backends.redis.settings import RedisSettings
from chatroom.backends.redis.streams import RedisStreams
from chatroom.backends.redis.userdata import RedisUserData
from chatroom.backends.redis.watching import RedisWatching
from chatroom.backends.redis.whowas import RedisWhowas
from chatroom.core.accounts.files import SharedBytes
from chatroom.core.infra.fanout import deliver_to
from chatroom.core.infra.seats import Session
from chatroom.core.messages.search import SearchQuery
from chatroom.core.model import codec, errors
from chatroom.core.model.changes.transactions import KeyRecord
from chatroom.core.model.events import (
    Event,
    PrivateRedacted,
    Renamed,
    RoomEvent,
    SearchResult,
    StoredEvent,
    ToEveryone,
    Watched,
)
from chatroom.core.model.facts import SpeakingFacts, Target
from chatroom.core.model.member import Member
from chatroom.core.model.nodemessages import StandHere
from chatroom.core.model.presence import Presence
from chatroom.core.model.text import name_key
from chatroom.core.moderation.lockdown import LockdownNews
from chatroom.core.moderation.netbans import NetworkBanNews
from chatroom.core.policy.reactions import ReactionFacts
from chatroom.core.server.bus import NO_COPY, CopyTo, DeviceRow
from chatroom.core.server.census import Census


class RedisMessages:
    """What was said in the cluster's rooms, as this node reads it."""

    def __init__(
        self,
        calls: RedisCalls,
        here: NodeRooms,
        steps: RedisMessageSteps,
        pins: RedisPins,
        conversations: RedisConversations,
    ) -> None:
        self.calls = calls
        self.here = here
        self.steps = steps
        self.pins = pins
        self.conversations = conversations

    def speaking(self, member: Member, room: str) -> SpeakingFacts:
        where = self.here.rooms.get(name_key(room))
        if where is None or not self.here.is_in(member, where):
            return SpeakingFacts(room, False)
        if where.quiet and member in where.quiet:
            return SpeakingFacts(where.name, True, True, where.moderated)
        if where.speaking is None:  # one value while nothing refutes it
            where.speaking = SpeakingFacts(where.name, True, False, where.moderated)
        return where.speaking

    async def history(
        self,
        member: Member,
        session: Session,
        room: str,
        count: int,
        before: int | None,
    ) -> list[StoredEvent]:
        where = self.here.joined_room(member, room)
        reply = await self.calls.call(
            scripts.PAGE,
            {
                "room": where.key,
                "user": key_of(session),
                "token": session.token,
                "count": count,
                "before": "" if before is None else before,
            },
            refusals=MEMBERS_ONLY,
        )
        return stored_events(reply[1])

    async def reaction_facts(
        self, room: str, target: str, reaction: str, user: str
    ) -> ReactionFacts:
        return await self.steps.reaction_facts(room, target, reaction, user)

    async def key_record(self, sender: str, key: str, place: str) -> KeyRecord | None:
        """One read (``KEY_RECORD``) where the key is kept: in the server's
        slot for a private message (``@USER``), else as its room's."""
        private = place.startswith("@")
        script = scripts.KEY_RECORD_PRIVATE if private else scripts.KEY_RECORD
        operands = {"room": "" if private else name_key(place), "sender": sender}
        kept = await self.calls.eval(script, {**operands, "key": key})
        if not kept:
            return None
        line, event_id, target = kept.decode().split(" ", 2)
        if event_id == "!":  # a message held (SAY's ``held``): no id yet
            return KeyRecord(line, target, "", held=True)
        return KeyRecord(line, target, event_id)

    async def search(
        self, rooms: list[str], query: SearchQuery, limit: int
    ) -> list[SearchResult]:
        return await self.steps.search(rooms, query, limit)


@dataclass(frozen=True)
class RedisAccountStores:
    """Everything kept for an account, for every node."""

    records: RedisAccounts
    markers: RedisMarkers
    settings: RedisSettings
    remembered: RedisRememberedRooms
    push: RedisPush
    files: RedisFiles
    upload_tokens: RedisUploadTokens
    user_data: RedisUserData
    file_bytes: SharedBytes | None


@dataclass(frozen=True)
class RedisModeration:
    """The moderation logs, the reports and the bans, for every node, and
    who on this node hears of a network ban or a lockdown set on any node
    (the orders on every node's channel: :class:`RedisServer`'s node)."""

    modlog: RedisModerationLog
    reports: RedisReports
    bans: RedisAccounts
    network_ban_listeners: list[NetworkBanNews] = field(default_factory=list)
    lockdown_listeners: list[LockdownNews] = field(default_factory=list)

    def follow_network_bans(self, news: NetworkBanNews) -> None:
        """``news`` hears the orders of bans made and lifted on every node's
        channel (this one's too), and that it may have missed some when
        the subscriber link drops, and again once it is back."""
        self.network_ban_listeners.append(news)

    def follow_lockdown(self, news: LockdownNews) -> None:
        """``news`` hears the orders of the level set on every node's channel
        (this one's too), and that it may have missed some, as the bans'."""
        self.lockdown_listeners.append(news)


class RedisServer:
    """The cluster's names and nodes, as this node reads them."""

    def __init__(
        self,
        calls: RedisCalls,
        prefix: str,
        rooms: RedisRooms,
        other_nodes: RedisOtherNodes,
        presence: RedisPresence,
        whowas: RedisWhowas,
        census: RedisCensus,
        watching: RedisWatching,
        streams: RedisStreams,
    ) -> None:
        self.calls = calls
        self.prefix = prefix
        self.rooms = rooms
        self.other_nodes = other_nodes
        self.presence = presence
        self.whowas = whowas
        self.census = census
        self.watching = watching
        self.streams = streams

    async def find_user(self, name: str) -> Target | None:
        return await self.rooms.target(name_key(name))

    async def names_online(self) -> list[str]:
        """``HVALS`` of ``P users`` (``"token display"`` each)."""
        held = await self.calls.command("HVALS", self.prefix + "users")
        return [value.decode().partition(" ")[2] for value in held]

    async def backup(self, path: str) -> None:
        """Every key of the chat (under the cluster's prefix, and with rooms
        apart every room's, on every primary), as Redis dumps it, streamed
        into the file at ``path`` (:mod:`~chatroom.backends.redis.dumpfile`)."""
        calls = self.calls
        matches = dumpfile.patterns(calls.prefix, calls.rooms_apart)
        with open(path, "wb") as file:
            await dumpfile.export(calls.scanners(), calls.keyed, matches, file)


class RedisBus:
    """What this node tells the cluster, on Redis's channels."""

    def __init__(
        self,
        calls: RedisCalls,
        neighbours: RedisNeighbours,
        steps: RedisMessageSteps,
        server: RedisServer,
        node: str = "",
    ) -> None:
        self.calls = calls
        self.neighbours = neighbours
        self.steps = steps
        self.server = server
        #: This node's id (what its :class:`StandHere` says it is).
        self.node = node

    async def tell(self, target: Target, event: Event, copy: CopyTo = NO_COPY) -> None:
        """A private message (or an invitation) to its recipient's node, and
        the sender's copy to its account's sessions on other nodes."""
        await self.calls.call(
            scripts.TELL,
            {
                "user": target.key,
                "token": target.session,
                "event": codec.encode(event),
                "copy_account": copy.account,
                "copy_token": copy.token,
            },
            refusals={b"NO_SUCH_USER": lambda r: errors.no_such_user(target.name)},
        )

    async def stand_elsewhere(self, names: tuple[str, ...]) -> int:
        """:class:`StandHere` to every node (this one leaves its own aside),
        in one script that answers how many others there are."""
        order = codec.encode(StandHere(self.node, names)).decode()
        told = await self.calls.eval(
            moderation_scripts.STAND_ELSEWHERE, {"order": order, "node": self.node}
        )
        return int(told)

    async def tell_neighbours(
        self, member: Member, session: Session, event: Event, including_self: bool
    ) -> None:
        """Published in each of the user's rooms, in order with their
        events, under one news number, so that each node hands it to each of
        its members once (:mod:`.neighbours`)."""
        unless = "" if including_self else key_of(session)
        renamed = None  # a rename's watchers hear it after its rooms
        if isinstance(event, Renamed) and name_key(event.old) != name_key(event.new):
            renamed = (event.old, event.new)
        rooms = await self.neighbours.tell(
            key_of(session), session.token, event, unless, renamed
        )
        if not rooms and including_self:  # in no room: told directly
            deliver_to(member, event)

    async def tell_everyone(self, event: ToEveryone) -> None:
        await self.calls.eval(
            moderation_scripts.ANNOUNCE, {"event": codec.encode(event)}
        )

    async def tell_devices(
        self, account: str, token: str, event: PrivateRedacted
    ) -> None:
        await self.server.other_nodes.tell(account, token, event)

    async def tell_watchers(self, news: Watched) -> None:
        await self.server.watching.tell(news)

    async def relay(
        self, member: Member, session: Session, room: str, event: RoomEvent
    ) -> None:
        await self.steps.relay(member, session, room, event)

    async def attach(self, room: str, event: RoomEvent) -> None:
        await self.steps.attach(room, event)

    def publish_devices(
        self, account: str, token: str, devices: list[DeviceRow]
    ) -> None:
        self.server.other_nodes.publish(account, token, devices)

    async def publish_presence(self, key: str, token: str, facts: Presence) -> None:
        await self.server.presence.publish(key, token, facts)

    async def publish_metadata(
        self, key: str, token: str, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        await self.server.presence.publish_metadata(key, token, metadata)

    async def publish_census(self, here: Census) -> None:
        await self.server.census.publish(here)
