"""One sharded subscriber link per primary of a Redis Cluster.

On a Redis Cluster, what is published by sharded pub/sub (``SPUBLISH``)
reaches only the subscribers of the primary serving the channel's slot.
So :class:`ShardSubscribers` keeps a subscriber link to every primary that
:class:`~.shards.ShardLinks`' map names, opened and stopped as the map
changes, and subscribes each channel (``SSUBSCRIBE``) on the link of the
primary serving its slot; a channel of plain ``PUBLISH``, which a primary
hands to its own subscribers at once, on every one's. Each link has its
own :class:`~.caught_up.CaughtUp`. A slot that moved ends its channels'
subscriptions on the old primary (``sunsubscribe``), which drops that
link (:class:`~.link.ShardedSubscriberProtocol`), and the map is asked
again.

A subscription, and each link's ``PING``, must be answered within the
shards' timeout, counted in the time the client listened, on their
timer (:class:`~.deadlines.CallDeadlines`): a client busy for longer in
one reactor turn keeps a subscriber link whose Redis answered. Each
link's reads count on its primary's :class:`~.deadlines.Hearing`, with
the commands link's to it (:meth:`.shards.ShardLinks.hearing_of`): a
room's messages arriving from a busy primary say it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.redisclient.caught_up import CaughtUp
from chatroom.redisclient.link import RedisLink
from chatroom.redisclient.shards import ShardLinks, ShardUnavailableError
from chatroom.redisclient.slots import Node, redirection

#: How many times a subscription follows ``MOVED`` (the map asked again
#: each time) before it gives up (:class:`~.shards.ShardUnavailableError`).
RESUBSCRIBES = 3


class ShardSubscribers(MultiService):
    """One sharded subscriber link per primary that ``shards``' map names,
    opened and stopped as the map changes; a channel is subscribed on the
    link of the primary serving its slot, and each link has its own
    :class:`~.caught_up.CaughtUp`. ``on_up`` and ``on_down`` are called as
    any link begins serving or is lost (what was published meanwhile may
    be lost to it). Its deadlines are ``shards``' (one timer, and one
    timeout). ``hold``: each link's reads held
    (:attr:`~.link.RedisLink.hold`)."""

    log = Logger()

    def __init__(self, reactor: Any, shards: ShardLinks, hold: float = 0.0) -> None:
        super().__init__()
        self._reactor = reactor
        self._hold = hold
        self.shards = shards
        self.deadlines = shards.deadlines
        self._links: dict[Node, RedisLink] = {}
        self._caught_up: dict[Node, CaughtUp] = {}
        #: Links stopped since the map changed, until they have closed.
        self._stopping: set[Deferred[Any]] = set()
        self.on_up: Callable[[], None] = lambda: None
        self.on_down: Callable[[], None] = lambda: None
        self.on_message: Callable[[bytes, bytes], object] = lambda channel, data: None
        #: Called once the links follow a changed map: where it only
        #: stopped links (a replaced primary's), no link comes up to say
        #: that every one left serves.
        self.on_relinked: Callable[[], None] = lambda: None
        shards.on_relinked = self.relink

    def relink(self) -> None:
        """A link to each primary of the map; those to nodes serving no slot
        now stopped (their loss is told to ``on_down``)."""
        wanted = self.shards.primaries() if self.running else set()
        for node in wanted - set(self._links):
            self._open(node)
        for node in set(self._links) - wanted:
            del self._caught_up[node]
            link = self._links.pop(node)
            stopping: Deferred[Any] = defer.maybeDeferred(link.disownServiceParent)
            self._stopping.add(stopping)
            stopping.addBoth(self._stopped, stopping)
        self.on_relinked()

    def _stopped(self, result: Any, stopping: Deferred[Any]) -> None:
        self._stopping.discard(stopping)

    def stopService(self) -> Deferred[None]:
        stopped = defer.maybeDeferred(super().stopService)
        closing = defer.gatherResults([stopped, *self._stopping])
        return closing.addCallback(lambda _: None)

    def connected(self) -> bool:
        """Whether the map names primaries and each has its link serving."""
        primaries = self.shards.primaries()
        return bool(primaries) and all(
            (link := self._links.get(node)) is not None and link.connection is not None
            for node in primaries
        )

    def link_for(self, slot: int) -> RedisLink | None:
        """The subscriber link to ``slot``'s primary, as the map says."""
        node = None if self.shards.map is None else self.shards.map.primary_of(slot)
        return None if node is None else self._links.get(node)

    def caught_up(self, slot: int) -> Deferred[None]:
        """Fires once the link of ``slot``'s primary delivered what was
        published there before now (at once without one)."""
        node = None if self.shards.map is None else self.shards.map.primary_of(slot)
        catching = None if node is None else self._caught_up.get(node)
        return defer.succeed(None) if catching is None else catching.wait()

    def everywhere(self) -> Deferred[None]:
        """Fires once every link delivered what was published before now."""
        waiting = [catching.wait() for catching in self._caught_up.values()]
        return defer.gatherResults(waiting).addCallback(lambda _: None)

    async def subscribe(self, channel: bytes, slot: int) -> None:
        """``SSUBSCRIBE`` ``channel`` on the link to ``slot``'s primary; a
        ``MOVED`` (the map was stale) asks the map again and tries there.

        Raises:
            ShardUnavailableError: no link to the primary serves, it did not
                answer in time, or the slot kept moving.
        """
        for _ in range(RESUBSCRIBES):
            link = self.link_for(slot)
            try:
                await self._subscribed(link, channel, broadcast=False)
                return
            except txredisapi.ResponseError as refusal:
                if redirection(str(refusal)) is None:
                    raise
                await self.shards.refresh()
        raise ShardUnavailableError(f"slot {slot}: moved {RESUBSCRIBES} times")

    async def subscribe_everywhere(self, channel: bytes) -> None:
        """``SUBSCRIBE`` ``channel`` on every primary's link: a plain
        ``PUBLISH``'s channel, which a script on any primary may send. Each
        primary hands it to its own subscribers at once (the cluster's bus
        carries it to the others later), so a ``PING`` on every link
        (:meth:`everywhere`) comes after what any primary published before
        it; each message comes once per primary, and its listeners must
        take a repeat as the same message."""
        for node in self.shards.primaries():
            await self._subscribed(self._links.get(node), channel, broadcast=True)

    async def _subscribed(
        self, link: RedisLink | None, channel: bytes, broadcast: bool
    ) -> None:
        connection = None if link is None else link.connection
        if link is None or connection is None:
            raise ShardUnavailableError(f"no subscriber link for {channel!r}")
        try:
            subscribing = (
                connection.broadcast_subscribe([channel])
                if broadcast
                else connection.subscribe([channel])
            )
            await self.deadlines.within(subscribing, hearing=link.hearing)
        except (defer.TimeoutError, txredisapi.ConnectionError):
            link.drop()
            raise ShardUnavailableError(f"{link.name}: not subscribed") from None

    def unsubscribe(self, channel: bytes, slot: int) -> None:
        link = self.link_for(slot)
        connection = None if link is None else link.connection
        if connection is not None:
            connection.unsubscribe([channel]).addErrback(lambda failure: None)

    def unsubscribe_everywhere(self, channel: bytes) -> None:
        for link in self._links.values():
            if link.connection is not None:
                leaving = link.connection.broadcast_unsubscribe([channel])
                leaving.addErrback(lambda failure: None)

    def _open(self, node: Node) -> None:
        host, port = node
        link = RedisLink(
            self._reactor,
            self.shards.address.primary(host, port),
            f"{self.shards.name} subscriber {host}:{port}",
            subscriber=True,
            to_primary=True,
            sharded=True,
            hold=self._hold,
        )
        # Its reads are its primary's answers, as the commands link's are.
        link.hearing = self.shards.hearing_of(node)
        link.on_up = lambda: self.on_up()
        link.on_down = self._down
        # As the commands' links: a primary replaced (killed, and back as
        # its replacement's replica) has the map asked again.
        link.on_connect_failed = lambda failure: self.shards.unreachable()
        link.on_not_primary = self.shards.unreachable
        link.on_message = lambda channel, data: self.on_message(channel, data)
        self._links[node] = link
        self._caught_up[node] = CaughtUp(link, self.deadlines)
        link.setServiceParent(self)

    def _down(self) -> None:
        """A subscriber link lost (its primary gone, or a slot of its moved
        and Redis ended that slot's subscriptions): the map may have changed
        (not asked while stopping)."""
        if self.running:
            self.shards.refresh()
        self.on_down()


class EveryLink:
    """What was published so far has arrived on every subscriber link (for
    a plain ``PUBLISH``'s channel, heard on every one)."""

    def __init__(self, links: ShardSubscribers) -> None:
        self.links = links

    def wait(self) -> Deferred[None]:
        return self.links.everywhere()
