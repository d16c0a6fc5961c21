"""The room list in a cluster: the server's index of rooms, each room's row.

Every sign-in at the line door is sent the lobby's list (at most
``--lobby-rooms`` rooms, :class:`~chatroom.core.rooms.lobby_list.LobbyList`),
kept from every room's row, and every ``/list`` and ``LIST`` lists all.
Each room's row (name, members, capacity, topic, creation number, secret)
is in the room's slot, the index of rooms (``P rooms``) in the server's,
so the list is read in steps of one slot each: the index
(:data:`LISTED_KEYS`), then every room's row (:data:`LISTED_ROOM`), sent
together on the link (one round trip, see
:func:`~chatroom.backends.redis.calls.together`); where the rooms share
the server's slot, many rooms' rows in one call (:data:`LISTED_ROOMS`). Read
per sign-in, that would be a script per room per sign-in; so a node keeps
the rows it has read (:class:`RedisListing`) and reads again only the rooms
changed since. Every change of a row is news, told in the same step by
the script that changes a room's name, topic, policy or members, makes a
room or drops one (``lobby_news``, or ``lobby_count`` where only its
members changed: a layout's functions of the prelude).

Where the rooms share the server's slot (one Redis, Sentinel's, a Redis
Cluster in one slot), the news is a number in the server's index of
changes (``P listed-changes``), and a read of the kept rows is one call
(:data:`LISTED_SINCE`): the rows changed since the last read, as Redis has
them when it runs, so nothing that happened before a user asked is
missing. A join or a leave changes its room's count alone, and stores
that count with its change (``P listed-counts``): for such a room a read
is handed the count (every such count in one command), and the node
changes the count of the row it keeps. Every node reads every join's room
again, so what a join costs each node is a number, not a row (two
commands of the script and seven fields to parse). The lobby's watchers
are told of the rows such a read finds changed, and while a node has
watchers it reads once per ``lobby_interval`` for them: a join costs the
other nodes a count each in their next read, and no message. The lobby
channel carries only renames there
(:class:`~chatroom.core.model.events.RoomRenamed`, which watchers hear as the
room's members did), subscribed while the node has watchers.

With each room in a slot of its own a room's script cannot write the
server's index, so there the news is the room's name published on the
lobby channel (``P lobby``, a plain ``PUBLISH`` any shard may send), a row
is kept only while this node is subscribed to it, from before the full
read that read it until the subscriber link drops (then the next read is
a full one again), and the kept rows are read again for the rooms the
news named since; before answering, such a read waits for the subscriber
link to deliver what Redis published before it was asked
(:class:`~chatroom.redisclient.caught_up.CaughtUp`).

A full read also finishes deletions and drops a node left halfway (it
died between the room's step and the server's last, ``UNLIST`` or
``INDEX_LAST``: docs/scaling.md): the index naming a room whose row is
gone is cleared of it (:data:`UNLIST_GONE`), unless the room is being
made: a create lists its room before it makes the room's keys (the index
first), so a read between those steps finds the same entry without a row,
and clearing it would leave a room made but never listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from sys import intern
from typing import Any

from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis.calls import RedisCalls, together
from chatroom.backends.redis.encoded import decoded
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.replies import listed_room
from chatroom.backends.redis.shared_read import SharedRead
from chatroom.core.model.events import ListedRoom, Listing, LobbyChanges, RoomRenamed
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.rooms.lobby import LobbyWatchers
from chatroom.core.rooms.lobby_list import LobbyList

#: Operands: kept. The server's step: the number of the listing's last
#: change, then the keys of the rooms in its index (and the index of changes
#: rid of gone rooms changed more than ``kept`` changes ago).
LISTED_KEYS = Script("listed-keys")

#: Operands: since, most. Where the rooms share the server's slot, the
#: rooms changed after change ``since``, at most ``most`` of them, oldest
#: first: the number of the last change the answer covers (the listing's
#: last, or where more rooms changed, the last of these: read on from
#: there), then for each room its row (as :data:`LISTED_ROOM` gives it),
#: or ``[key, members]`` (:data:`COUNTED`) where only its members changed
#: since (a join, a leave: the count each stored with its change);
#: ``[-1]`` for a full read (the index no longer holds every change since).
#: A storm of joins changes more rooms between a node's reads than a page
#: holds: pages of counts cost Redis a number a room, where reading every
#: room's row again cost it a row for each of the list's rooms.
LISTED_SINCE = Script("listed-since")

#: The length of :data:`LISTED_SINCE`'s entry for a room whose members
#: alone changed: its key and its count.
COUNTED = 2

#: Changes a gone room stays in the index of changes after its last, so
#: that a node that reads within them reads the room gone rather than all.
CHANGES_KEPT = 10_000

#: Operands: room. The server's step for a listed room found without its row
#: (a full read): the entry cleared, as a deletion or a drop cut short
#: before its last step would have (``unlist_room``), unless the room is
#: being made (``being_made``: its maker listed it first, the index before
#: the room, and has yet to make its keys). Answers ``OK``, or ``MAKING``.
UNLIST_GONE = Script("unlist-gone")

#: Operands: room. The room's step: its row (key, name, members, capacity,
#: topic, creation number, secret '1' or '0'); a gone room has only its key.
LISTED_ROOM = Script("listed-room", room_at="room")

#: Operands: rooms. The rows of those rooms, as :data:`LISTED_ROOM` gives each:
#: on the layouts whose rooms share the server's slot, one call for them.
LISTED_ROOMS = Script("listed-rooms")

#: Rooms read by one :data:`LISTED_ROOMS` call at most, so that a full read
#: of a list of thousands keeps Redis busy a few milliseconds at a time.
ROOMS_A_CALL = 500

#: A row of :data:`LISTED_ROOM`.
Row = list[Any]


def _same(was: ListedRoom | None, now: ListedRoom | None) -> bool:
    """Whether a room's row is as it was (None: not listed)."""
    if was is None or now is None:
        return was is now
    return was.order == now.order and (
        was.name == now.name
        and was.members == now.members
        and was.capacity == now.capacity
        and was.topic == now.topic
        and was.secret == now.secret
    )


class RedisListing:
    """This node's copy of the room list, and the lobby channel's news: for
    every reader of the list, and for the lobby's watchers
    (:class:`~chatroom.core.rooms.lobby.LobbyWatchers`)."""

    def __init__(
        self,
        calls: RedisCalls,
        prefix: str,
        clock: IReactorTime,
        interval: float,
        available: Callable[[], bool],
        lobby_list: LobbyList,
    ) -> None:
        self.calls = calls
        #: The rows read, as listings (``/list``) and the lobby's selection
        #: of them, kept up to date with ``_rows``.
        self.lobby_list = lobby_list
        self.channel = f"{prefix}lobby".encode()
        self.available = available
        self.watchers = LobbyWatchers(clock, interval, self._entries, lobby_list)
        #: Where rooms share the server's slot, the changes are read for the
        #: watchers once per ``interval`` while there are any (a sign-in's
        #: read tells them too).
        self._polling = task.LoopingCall(self._poll)
        self._polling.clock = clock
        self._interval = interval
        #: One read for the callers who asked while the last one ran: the
        #: kept rows brought up to date.
        self.read = SharedRead(self._read)
        #: Whether the rows read (kept as the lobby's list's listings: every
        #: node keeps every room's, with members here or not, so once, not
        #: in a dict of this copy's too) can be trusted: False while none
        #: were read, or since the subscriber link dropped; then, where
        #: rooms share the server's slot, ``_told`` says the watchers were
        #: told of the rows kept, for the full read to tell them what differs.
        self._trusted = False
        self._told = False
        #: Rooms the lobby's changes named since their rows were read
        #: (rooms apart); where rooms share the server's slot, the number of
        #: the last change read (:data:`LISTED_SINCE`).
        self._named: set[str] = set()
        self._version = 0
        #: Whether the rows are read again by the server's index of changes
        #: (not the lobby channel's news): rooms share the server's slot.
        self._indexed = not calls.rooms_apart
        #: Whether the channel is subscribed (or being), and whether the
        #: copy needs it (from its full read until the link drops).
        self._subscribed = False
        self._keeping = False
        #: Who waits for the channel's subscription in flight (None: none
        #: in flight): a ``/watch on`` is answered once Redis has confirmed
        #: it, so its watcher misses no rename told after the answer.
        self._confirming: list[Deferred[None]] | None = None
        #: Subscriber links lost so far: a full read is kept only if none
        #: was lost while it ran.
        self._losses = 0

    # -- the lobby channel ----------------------------------------------------

    def heard(self, message: bytes) -> None:
        """News on the lobby channel: the room named ``message`` changed
        (rooms apart), or a room was renamed (its encoded
        :class:`~chatroom.core.model.events.RoomRenamed`, which watchers hear as
        its members did, ahead of the old and new names' changes)."""
        if message.startswith(b"{"):
            renamed = decoded(message, RoomRenamed)
            if renamed is not None:
                self.watchers.renamed(renamed)
            return
        name = message.decode()
        key = name_key(name)
        self._named.add(key)
        self.watchers.changed(key, name)

    def watch(self, member: Member, watching: bool) -> Deferred[None]:
        """Watchers hear of changes on every node: the channel is subscribed
        while this node has any (or keeps rows), and where rooms share the
        server's slot the changes are read for them every interval. Fires
        once a new watcher hears every change from then on: at once, or
        when Redis has confirmed the channel's subscription (or failed it:
        then the next resume subscribes it, and the rows are read in full)."""
        self.watchers.watch(member, watching)
        if self._indexed and bool(self.watchers.members) != self._polling.running:
            if self._polling.running:
                self._polling.stop()
            else:
                self._polling.start(self._interval, now=False)
        if self.watchers.members and not self._subscribed and self.available():
            self._subscribe().addErrback(lambda failure: None)
        elif not self.watchers.members and self._subscribed and not self._keeping:
            self._subscribed = False
            self.calls.unsubscribe(self.channel)
        if watching and self._confirming is not None:
            confirmed: Deferred[None] = Deferred()
            self._confirming.append(confirmed)
            return confirmed
        return defer.succeed(None)

    def _subscribe(self) -> Deferred[None]:
        """Subscribe the lobby channel; its waiters are told when Redis has
        answered, either way."""
        self._subscribed = True
        confirming: list[Deferred[None]] = []
        self._confirming = confirming

        def answered(result: object) -> object:
            if self._confirming is confirming:
                self._confirming = None
            for confirmed in confirming:
                confirmed.callback(None)
            return result

        subscribing = defer.ensureDeferred(self.calls.subscribe(self.channel))
        return subscribing.addBoth(answered)

    def channels(self) -> list[bytes]:
        """What a resume subscribes to: the channel, while wanted."""
        self._subscribed = bool(self.watchers.members) or self._keeping
        return [self.channel] if self._subscribed else []

    def lost(self) -> None:
        """The subscriber link dropped: news may have been missed, so the
        rows are read again in full next time (which also clears what a
        node that died halfway left in the index of rooms)."""
        self._subscribed = self._keeping = False
        self._losses += 1
        if self._indexed and self._trusted:
            self._told = True
        self._trusted = False

    def stop(self) -> None:
        """No more pushes to the watchers, nor reads for them (shutdown)."""
        self.watchers.stop()
        if self._polling.running:
            self._polling.stop()

    def _poll(self) -> None:
        """The changes read for the watchers (:meth:`_read_changed` tells
        them), unless Redis cannot answer now: the next interval's read."""
        if self.available():
            self.read().addErrback(lambda failure: None)

    # -- reads ------------------------------------------------------------------

    async def every_room(self) -> Listing:
        """Every room, oldest first, as Redis has them now."""
        await self.read()
        return self.lobby_list.everything()

    async def count(self) -> int:
        """How many rooms Redis has now, secret ones too."""
        await self.read()
        return len(self.lobby_list)

    async def lobby(self) -> Listing:
        """The lobby's list (:class:`~chatroom.core.rooms.lobby_list.LobbyList`),
        as Redis has the rooms now: a sign-in costs the rows changed since
        the last read and the rooms shown, not every room."""
        await self.read()
        return self.lobby_list.listing()

    async def _read(self) -> None:
        """The kept rows brought up to date: all read if none are kept,
        else those changed since: by the server's index of changes where
        rooms share its slot, else those the news named (after the news
        published before now has come)."""
        listed = self.lobby_list
        told: dict[str, ListedRoom] | None = None
        if self._trusted and not self._indexed:
            await self.calls.caught_up.wait()
            named, self._named = self._named, set()
            for row in await self._rows_of(sorted(named)):
                self._keep(intern(row[0].decode()), row)
            return
        if self._trusted:
            if await self._read_changed():
                return
            told = listed.rooms()  # the watchers told anew from these
        elif self._told:
            told, self._told = listed.rooms(), False
        await self._read_all()
        if told is not None and self._indexed:
            self._tell(told, told.keys() | listed.rooms().keys())

    def _keep(self, key: str, row: Row) -> None:
        """Room ``key``'s row as read (gone: only its key), in the lobby's
        list."""
        if len(row) > 1:
            self.lobby_list.put(key, listed_room(row), int(row[5]))
        else:
            self.lobby_list.drop(key)

    async def _read_changed(self) -> bool:
        """The kept rows with those changed since the last read read again
        (one call), the watchers told; False where all must be read again.
        It reads and writes nothing of a session's, so it runs during a
        resume too: a member the resume's catch-up removes from a room is
        shown the list."""
        changed: dict[str, Row] = {}
        while True:  # a page of ROOMS_A_CALL rooms at a time, oldest first
            reply = await self.calls.eval(
                LISTED_SINCE,
                {"since": self._version, "most": ROOMS_A_CALL},
                always=True,
            )
            if reply[0] < 0:
                return False
            self._version = reply[0]
            changed.update((intern(row[0].decode()), row) for row in reply[1:])
            if len(reply) - 1 < ROOMS_A_CALL:
                break
        listed = self.lobby_list
        # The watchers' diff only while there are any: in a crowd's fill
        # every node reads every join's count here, and nobody watches.
        watched = bool(self.watchers.members)
        before: dict[str, ListedRoom] = {}
        if watched:
            for key in changed:
                if (was := listed.get(key)) is not None:
                    before[key] = was
        unknown = []
        for key, row in changed.items():
            if len(row) == COUNTED:
                was = listed.get(key)
                if was is None:  # its row never read here: read it now
                    unknown.append(key)
                else:
                    now = ListedRoom(
                        was.name, int(row[1]), was.capacity, was.topic, was.secret
                    )
                    listed.put(key, now, was.order)
            else:
                self._keep(key, row)
        for row in await self._rows_of(unknown) if unknown else ():
            self._keep(intern(row[0].decode()), row)
        if watched or self.watchers.members:  # one came while Redis answered
            self._tell(before, changed)
        return True

    def _tell(self, before: dict[str, ListedRoom], keys: Iterable[str]) -> None:
        """The watchers told of the rooms of ``keys`` whose rows differ from
        ``before`` now (a room gone by the name they knew it by)."""
        listed = self.lobby_list
        for key in keys:
            now, was = listed.get(key), before.get(key)
            kept = now or was
            if kept is not None and not _same(was, now):
                self.watchers.changed(key, kept.name)

    async def _read_all(self) -> None:
        """Every room's row, kept while it can be brought up to date: where
        rooms share the server's slot, from the change the read started
        at; else while the link stays up (the channel subscribed first, so
        that no news after the read is missed)."""
        losses = self._losses
        if not self._indexed:
            self._keeping = True
            self._named = set()
            await self._subscribe()
        version, *listed = await self.calls.eval(LISTED_KEYS, {"kept": CHANGES_KEPT})
        keys = [intern(key.decode()) for key in listed]
        rows: dict[str, Row] = {}
        gone = []
        for row in await self._rows_of(keys):
            if len(row) > 1:
                rows[intern(row[0].decode())] = row
            else:
                gone.append(row[0])
        await together(self.calls.eval(UNLIST_GONE, {"room": key}) for key in gone)
        self.lobby_list.clear()
        for key, row in rows.items():
            self.lobby_list.put(key, listed_room(row), int(row[5]))
        if self._losses == losses:  # else read again next time
            self._trusted, self._version = True, version

    async def _rows_of(self, keys: list[str]) -> list[Row]:
        """The rows of rooms ``keys``: one step on each room's slot where
        each room has its own, else :data:`ROOMS_A_CALL` rooms a call. A
        storm's joins change a room's row each, and every node reads the
        rows the news named at its next sign-in: a call per room would be
        a script per node for each join."""
        if self.calls.rooms_apart:
            return await together(
                self.calls.eval(LISTED_ROOM, {"room": key}) for key in keys
            )
        chunks = [
            keys[at : at + ROOMS_A_CALL] for at in range(0, len(keys), ROOMS_A_CALL)
        ]
        replies = await together(
            self.calls.eval(LISTED_ROOMS, {"rooms": chunk}) for chunk in chunks
        )
        return [row for reply in replies for row in reply]

    async def _entries(self, changed: dict[str, str]) -> LobbyChanges:
        """The watchers' entries for the rooms that changed (key: name), as
        the lobby's list shows them once read up to date (where rooms share
        the server's slot, one read of the changes since; else of the rooms
        the news named)."""
        await self.read()
        return self.lobby_list.watched(changed)
