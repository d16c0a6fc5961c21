"""Routing commands over a Redis Cluster's primaries, slot by slot.

Keys spread over a cluster's slots must each be written on the primary
serving its slot. txredisapi has no cluster client, and no maintained
Twisted Redis client has one (docs/scaling.md, "Why the Redis client is
ours"), so :class:`ShardLinks` is ours:

- It keeps the cluster's :class:`~.slots.SlotMap`, asked (``CLUSTER
  SLOTS``) of the URL's nodes in turn, then of the primaries it knows, as
  :class:`~.link.ClusterEndpoint` asks for one key's slot.
- It keeps one :class:`~.link.RedisLink` per primary, which serves only
  once that Redis says it is a primary (``ROLE``). When the map changes, a
  link to a node that serves no slot any more is stopped.
- :meth:`ShardLinks.execute` sends a command to the slot's primary and
  follows the cluster's answers: ``MOVED`` (the slot moved: the map is
  updated and the command sent again there, a few times at most), ``ASK``
  (the slot is being migrated and the key is already on its new primary:
  ``ASKING`` and the command once there, the map unchanged), and a
  primary that cannot be reached, or that says it is not one (``READONLY``,
  ``CLUSTERDOWN``): the map is asked again, the cluster promoting a replica
  of a dead primary within seconds, and the command waits for it, within
  its deadline. Past that it raises :class:`ShardUnavailableError`, for
  the caller to tell its own clients to try again.

A command's deadline is counted in the time the client listened
(:class:`~.deadlines.CallDeadlines`, one timer for every command in
flight): a client whose reactor was busy for longer than the timeout in
one turn (accepting a storm of connections) reads the replies waiting in
its sockets before it judges any command late, and does not take a
primary that answered for dead. Nor is a busy primary taken for a dead
one: each primary has its :class:`~.deadlines.Hearing` (every read of the
client's commands and subscriber links to it, :meth:`ShardLinks.hearing_of`),
and a command past its deadline on a primary heard from meanwhile (its
replies to the commands before, its channels' messages) is given more
time, as a call to one Redis is; a primary silent for the timeout is
found though the others answer.

A command whose connection is lost while it runs is not sent again (it may
have run): that is :class:`ShardUnavailableError` at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.redisclient.addresses import RedisClusterAddress
from chatroom.redisclient.deadlines import CallDeadlines, Hearing, PendingCall
from chatroom.redisclient.link import RedisLink, Written, _ask_redis
from chatroom.redisclient.slots import Node, SlotMap, redirection

#: How many ``MOVED`` or ``ASK`` one command follows before giving up (a
#: slot moves once at a time; more means the map is not settling).
MAX_REDIRECTIONS = 5
#: Seconds between two askings of the map while a slot's primary cannot be
#: reached (the cluster notices a dead primary after its node timeout, and
#: promotes a replica a moment later).
REFRESH_EVERY = 0.25
#: Answers of a node that does not serve the slot, for which the map is
#: asked again: a replica (a demoted primary) refusing a write, and a
#: cluster that lost the slot's primary and has not yet promoted another.
STALE = ("READONLY ", "CLUSTERDOWN ")


class ShardUnavailableError(Exception):
    """No primary of the cluster answered the command in time: worth
    trying again."""


class _Attempt:
    """Where one :meth:`ShardLinks.execute` is: what it waits for (said
    if its deadline passes), the link its command is in flight on, and the
    deadlines that wait on it (they listen to that link's primary)."""

    __slots__ = ("link", "waiting_for", "watches")

    def __init__(self, watches: list[PendingCall]) -> None:
        self.waiting_for = "a primary"
        self.link: RedisLink | None = None
        self.watches = watches

    def sent_on(self, link: RedisLink) -> None:
        """The command is in flight on ``link``: its primary's answers (to
        any command, on any of the client's links to it) are heard."""
        self.link = link
        for watch in self.watches:
            watch.listen_to(link.hearing)


class ShardLinks(MultiService):
    """One commands link per primary of a Redis Cluster, and the slot map
    that routes a command to one of them (see the module's docstring).

    ``timeout``: how long :meth:`execute` may take, waiting for a primary
    and following redirections included, in the time the client listened;
    ``deadlines``, the timer that counts it, if the caller keeps one for
    its other calls (then its timeout is the one). All its timers are on
    ``reactor``.
    """

    log = Logger()

    def __init__(
        self,
        reactor: Any,
        address: RedisClusterAddress,
        name: str = "shard",
        timeout: float = 5.0,
        deadlines: CallDeadlines | None = None,
    ) -> None:
        super().__init__()
        self._reactor = reactor
        self.address = address
        self.name = name
        #: The deadlines of the commands in flight (stopped with the
        #: service unless they are the caller's).
        self.deadlines = (
            CallDeadlines(reactor, timeout) if deadlines is None else deadlines
        )
        self._own_deadlines = deadlines is None
        #: The slots' primaries as last told (None until first told).
        self.map: SlotMap | None = None
        self._links: dict[Node, RedisLink] = {}
        #: The reads from each primary, on any of the client's links to it.
        self._hearings: dict[Node, Hearing] = {}
        #: Links stopped since the map changed, until they have closed.
        self._stopping: set[Deferred[Any]] = set()
        #: Waiters for the map being asked now (None: it is not).
        self._refreshing: list[Deferred[None]] | None = None
        self._refreshed_at = float("-inf")
        #: Waiters for a link to a node to serve.
        self._waiting_up: dict[Node, list[Deferred[None]]] = {}
        #: The owner's hooks: a link began serving, or lost its connection
        #: (what was published meanwhile may be lost to it), and the map
        #: changed the primaries (:mod:`.shard_subscribers` keeps a
        #: subscriber link per primary).
        self.on_up: Callable[[], None] = lambda: None
        self.on_down: Callable[[], None] = lambda: None
        self.on_relinked: Callable[[], None] = lambda: None

    @property
    def timeout(self) -> float:
        """How long a command may take, in the time the client listened."""
        return self.deadlines.timeout

    def startService(self) -> None:
        super().startService()
        self.refresh()

    def stopService(self) -> Deferred[Any]:
        stopped = super().stopService()
        if self._own_deadlines:
            stopped.addBoth(self.deadlines.stop)
        closing = [stopped, *self._stopping]
        if self._refreshing is not None:  # its short connection closes
            closing.append(self.refresh())
        return defer.gatherResults(closing).addCallback(lambda _: None)

    # What callers ask.

    def primaries(self) -> set[Node]:
        """The primaries serving a slot, as the map last said."""
        return set() if self.map is None else self.map.primaries()

    def links(self) -> dict[Node, RedisLink]:
        """Every link open now, by node (a copy)."""
        return dict(self._links)

    def hearing_of(self, node: Node) -> Hearing:
        """The reads from ``node`` that its links count (this commands
        link and :mod:`.shard_subscribers`' subscriber link to it): a
        command waiting on a primary heard from waits on one that answers
        (:class:`~.deadlines.CallDeadlines`)."""
        return self._hearings.setdefault(node, Hearing())

    def unread(self) -> bool:
        """Whether a primary's replies wait unread on its commands link
        (:attr:`~.deadlines.CallDeadlines.answering`)."""
        return any(link.unread() for link in self._links.values())

    def link_for(self, slot: int) -> RedisLink | None:
        """The link to the primary serving ``slot``, or None if the map
        names none (not asked yet, or the slot is not served)."""
        node = None if self.map is None else self.map.primary_of(slot)
        return None if node is None else self._links.get(node)

    async def execute(
        self,
        slot: int,
        *command: Any,
        written: Written | None = None,
        also: PendingCall | None = None,
    ) -> Any:
        """Run ``command`` on the primary serving ``slot``; its reply.
        ``written`` is told the link and connection it last went on (for
        ``WAIT``, which must go on that connection: :class:`~.link.Written`).
        ``also``: a deadline of the caller's that this command runs under
        (a script's, for its ``EVALSHA`` and then its ``EVAL``), listening,
        as the command's own, to the primary it is sent to.

        Follows ``MOVED`` (the map updated) and ``ASK`` (once, the map
        unchanged), at most :data:`MAX_REDIRECTIONS` in all, and waits for a
        primary that cannot be reached to come back or be replaced, all
        within :attr:`timeout`.

        Raises:
            ShardUnavailableError: no primary answered in time, the command's
                connection was lost while it ran, or it was redirected too
                often.
            txredisapi.ResponseError: Redis refused the command otherwise.
        """
        attempt = _Attempt([] if also is None else [also])
        running = defer.ensureDeferred(self._execute(slot, command, written, attempt))
        watch = self.deadlines.watch(running)
        attempt.watches.append(watch)
        if attempt.link is not None:  # sent before the watch was made
            watch.listen_to(attempt.link.hearing)
        try:
            return await running
        except defer.CancelledError:
            if not watch.timed_out:
                raise  # the caller gave up, not the deadline
            if attempt.link is not None:
                self.log.warn(
                    "{link}: Redis did not answer in time", link=attempt.link.name
                )
                # Its reply, if it comes, must not be taken for the next one's.
                attempt.link.drop()
            raise ShardUnavailableError(
                f"slot {slot}: {attempt.waiting_for} for {self.timeout} s"
            ) from None
        finally:
            self.deadlines.done(watch)

    async def _execute(
        self,
        slot: int,
        command: tuple[Any, ...],
        written: Written | None,
        attempt: _Attempt,
    ) -> Any:
        """:meth:`execute`'s work, cancelled if its deadline passes."""
        asking: Node | None = None
        redirections = 0
        while True:
            if asking is None:
                node, link = await self._primary(slot, attempt)
            else:
                node, link = asking, await self._link_up(asking, attempt)
            try:
                return await self._send(
                    link, command, asking is not None, attempt, written
                )
            except txredisapi.ResponseError as refusal:
                text = str(refusal)
                told = redirection(text)
                if told is None and not text.startswith(STALE):
                    raise
                self.log.info(
                    "{name}: {host}:{port} answered slot {slot}'s command with {text}",
                    name=self.name,
                    host=node[0],
                    port=node[1],
                    slot=slot,
                    text=text,
                )
                asking = None
                if told is None:  # not a primary, or the cluster is failing over
                    attempt.waiting_for = text
                    await self._sleep(REFRESH_EVERY)
                    await self.refresh()
                    continue
                redirections += 1
                if redirections > MAX_REDIRECTIONS:
                    raise ShardUnavailableError(
                        f"slot {slot}: redirected more than {MAX_REDIRECTIONS} times"
                    ) from None
                there = (told.host or node[0], told.port)
                if told.kind == "ASK":
                    asking = there
                    continue
                assert self.map is not None  # a command was routed by it
                self.map.moved(told.slot, there)
                self._relink()
                self.refresh()  # a failover moves all of a primary's slots

    def refresh(self) -> Deferred[None]:
        """Ask the cluster for its map again (one asking at a time, shared by
        every caller meanwhile), then open and stop links to match. Never
        fails: if no node answers the old map stays, and that is logged."""
        waiter: Deferred[None] = Deferred()
        if self._refreshing is None:
            self._refreshing = [waiter]
            defer.ensureDeferred(self._refresh())
        else:
            self._refreshing.append(waiter)
        return waiter

    # How.

    async def _refresh(self) -> None:
        try:
            slots = await self._ask_map()
            if slots is not None and slots != self.map:
                self.map = slots
                self._relink()
        except Exception:
            self.log.failure("{name}: asking the cluster's map", name=self.name)
        finally:
            self._refreshed_at = self._reactor.seconds()
            waiters, self._refreshing = self._refreshing or [], None
            for waiter in waiters:
                if not waiter.called:  # a waiter may have given up
                    waiter.callback(None)

    async def _ask_map(self) -> SlotMap | None:
        """The map as the first node that serves one tells: the URL's nodes,
        then the primaries known (the URL's may all be gone)."""
        problems = []
        known = [node for node in self.primaries() if node not in self.address.nodes]
        for host, port in (*self.address.nodes, *known):
            try:
                (reply,) = await _ask_redis(
                    self._reactor,
                    host,
                    port,
                    self.address.password,
                    ("CLUSTER", "SLOTS"),
                )
            except Exception as problem:  # down, slow or not in a cluster: next
                problems.append(f"{host}:{port}: {problem}")
                continue
            if reply:
                told = SlotMap.from_reply(reply, host)
                if told != self.map:
                    self.log.info(
                        "{name}: the cluster's map, as {host}:{port} tells it: "
                        "primaries {primaries}, {unserved} slots unserved",
                        name=self.name,
                        host=host,
                        port=port,
                        primaries=" ".join(f"{h}:{p}" for h, p in told.primaries()),
                        unserved=told.unserved(),
                    )
                return told
            problems.append(f"{host}:{port}: serves no slots")
        self.log.warn(
            "{name}: no node of the cluster told its slots ({why})",
            name=self.name,
            why="; ".join(problems),
        )
        return None

    def _relink(self) -> None:
        """Open a link to every primary of the map, and stop those to nodes
        that serve no slot now (a replaced primary, or one whose slots all
        moved)."""
        wanted = self.primaries() if self.running else set()
        for node in wanted - set(self._links):
            self._open(node)
        for node in set(self._links) - wanted:
            link = self._links.pop(node)
            self.log.info(
                "{name}: {host}:{port} serves no slot now; leaving it",
                name=self.name,
                host=node[0],
                port=node[1],
            )
            stopping: Deferred[Any] = defer.maybeDeferred(link.disownServiceParent)
            self._stopping.add(stopping)
            stopping.addBoth(self._stopped, stopping)
        for node in set(self._hearings) - set(self._links):
            del self._hearings[node]  # a link opened again counts anew
        self.on_relinked()

    def _stopped(self, result: Any, stopping: Deferred[Any]) -> None:
        self._stopping.discard(stopping)

    def _open(self, node: Node) -> RedisLink:
        host, port = node
        link = RedisLink(
            self._reactor,
            self.address.primary(host, port),
            f"{self.name} {host}:{port}",
            to_primary=True,
        )
        link.hearing = self.hearing_of(node)
        link.on_up = lambda: self._up(node)
        link.on_down = lambda: self.on_down()
        # A primary that cannot be reached, or that is one no more (killed,
        # and back as its replacement's replica before the map was asked
        # again), may have been replaced.
        link.on_connect_failed = lambda failure: self.unreachable()
        link.on_not_primary = self.unreachable
        self._links[node] = link
        link.setServiceParent(self)
        return link

    def _up(self, node: Node) -> None:
        for waiter in self._waiting_up.pop(node, []):
            if not waiter.called:
                waiter.callback(None)
        self.on_up()

    def unreachable(self) -> None:
        """A link to a node the map names could not connect, or found no
        primary there: the map is asked again (at most every
        :data:`REFRESH_EVERY` seconds), since the node may have been
        replaced. Nothing else would ask it while no command is sent (a
        node waiting for every link to serve before it serves any)."""
        if self.running and self._reactor.seconds() >= (
            self._refreshed_at + REFRESH_EVERY
        ):
            self.refresh()

    async def _primary(self, slot: int, attempt: _Attempt) -> tuple[Node, RedisLink]:
        """The slot's primary and its link, once it serves; the map asked
        again meanwhile, every :data:`REFRESH_EVERY` seconds at most."""
        while True:
            node = None if self.map is None else self.map.primary_of(slot)
            link = None if node is None else self._links.get(node)
            if node is not None and link is not None and link.connection is not None:
                return node, link
            attempt.waiting_for = (
                "no primary" if node is None else f"{node[0]}:{node[1]} not reachable"
            )
            since = self._reactor.seconds() - self._refreshed_at
            if self._refreshing is None and since >= REFRESH_EVERY:
                await self.refresh()
                continue
            if node is None:
                await self._sleep(REFRESH_EVERY)
            else:
                await self._until_up(node, REFRESH_EVERY)

    async def _link_up(self, node: Node, attempt: _Attempt) -> RedisLink:
        """The link to ``node`` (one ``ASK`` named), opened if there is none
        (a primary being given its first slots), once it serves. It is
        stopped at the next change of the map unless the node is a primary
        by then."""
        link = self._links.get(node) or self._open(node)
        attempt.waiting_for = f"{node[0]}:{node[1]} not reachable"
        while link.connection is None:
            if link is not self._links.get(node):
                raise ShardUnavailableError(f"{node[0]}:{node[1]} not reachable")
            await self._until_up(node, REFRESH_EVERY)
        return link

    async def _send(
        self,
        link: RedisLink,
        command: tuple[Any, ...],
        asking: bool,
        attempt: _Attempt,
        written: Written | None = None,
    ) -> Any:
        """``command``'s reply on ``link``, after ``ASKING`` if ``asking``
        (sent together: Redis honours it for the next command on the
        connection only)."""
        connection = link.connection
        if connection is None:
            raise ShardUnavailableError(f"{link.name}: no connection")
        try:
            first = connection.execute_command("ASKING") if asking else None
            running = connection.execute_command(*command)
        except txredisapi.ConnectionError:
            raise ShardUnavailableError(f"{link.name}: connection lost") from None
        if written is not None:
            written.sent(link, connection)
        attempt.waiting_for = f"no answer from {link.name}"
        attempt.sent_on(link)  # dropped if the deadline passes meanwhile
        try:
            if first is not None:  # a connection that hangs may never answer it
                try:
                    await first
                except Exception:
                    running.addErrback(lambda failure: None)
                    raise
            reply = await running
        except defer.CancelledError:
            raise  # the deadline passed: attempt.link is :meth:`execute`'s to drop
        except txredisapi.ConnectionError:
            attempt.link = None
            raise ShardUnavailableError(f"{link.name}: connection lost") from None
        except Exception:
            attempt.link = None
            raise
        attempt.link = None
        return reply

    async def _until_up(self, node: Node, seconds: float) -> None:
        """Wait until the link to ``node`` serves, ``seconds`` at most."""
        waiter: Deferred[None] = Deferred()
        self._waiting_up.setdefault(node, []).append(waiter)
        try:
            await waiter.addTimeout(seconds, self._reactor)
        except defer.TimeoutError:
            pass
        finally:
            waiting = self._waiting_up.get(node, [])
            if waiter in waiting:
                waiting.remove(waiter)

    async def _sleep(self, seconds: float) -> None:
        """A pause of ``seconds``, its timer cancelled with it."""
        waiter: Deferred[None] = Deferred(lambda _: pausing.cancel())
        pausing = self._reactor.callLater(seconds, waiter.callback, None)
        await waiter
