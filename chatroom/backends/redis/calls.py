"""Calls to Redis, and what their failures mean to a user.

:class:`RedisCalls` runs the scripts of :mod:`chatroom.backends.redis.scripts` on
the commands link (the heartbeat's on a link of its own, never behind a
``WAIT``: :mod:`~chatroom.backends.redis.replicas`) and (un)subscribes
channels on the subscriber link. A
Redis that is down, slow (past ``--redis-timeout``) or not yet resumed is
``ERR UNAVAILABLE`` to the user; a script's refusal becomes the matching
refusal of :mod:`chatroom.core.model.errors`.

A script's events reach this node on the subscriber link, its reply on the
commands link: two connections, so the reply may come first. A single
server has handed a command's events to its own users (the sender's echo
among them) before the command returns, and the doors rely on it (an
``echo-message`` echo belongs in the command's ``labeled-response``
answer). So :meth:`RedisCalls.call` returns only once the subscriber link
has caught up with the script
(:class:`~chatroom.redisclient.caught_up.CaughtUp`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

import txredisapi
from twisted.application.service import Service
from twisted.internet import defer
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.redis.operands import operands_json
from chatroom.backends.redis.prelude import Script
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.transactions import KeyDoneError, KeyRecord
from chatroom.core.model.config import rooms_tag
from chatroom.core.model.errors import ChatError
from chatroom.core.model.metrics import REDIS_SECONDS
from chatroom.redisclient.caught_up import CatchingUp, CaughtUp
from chatroom.redisclient.deadlines import (
    HEARD_TIMEOUTS,
    CallDeadlines,
    Hearing,
    PendingCall,
)
from chatroom.redisclient.link import RedisLink, Written

T = TypeVar("T")

#: How a script's refusal (its status word) becomes a user's refusal.
Refusals = dict[bytes, Callable[[Any], ChatError]]

#: Redis's answers that it is not the primary for the chat's keys: a Redis
#: Cluster's redirections (the slot is another primary's, or moving to
#: it), a cluster without a primary for the slot, and a replica refusing
#: a write.
NOT_THE_PRIMARY = ("MOVED ", "ASK ", "CLUSTERDOWN ", "READONLY ")
#: What a script is answered on a node of a Redis Cluster that does not
#: serve the slot of the keys it reads (a script names no keys for the
#: cluster to redirect by, see :mod:`.scripts`).
NOT_LOCAL = "Script attempted to access a non local key in a cluster node"


#: What a script is handed besides the key prefix: its operands by name,
#: one JSON object, which the prelude decodes once (``args``).
Operands = Mapping[str, Any]

#: No operands.
NONE: Mapping[str, Any] = {}


def script_arguments(prefix: str, operands: Operands) -> tuple[str, bytes]:
    """A script's ``ARGV``: the key prefix (``P``), then its operands as
    one JSON argument."""
    return (prefix, operands_json(operands))


def slot_key(prefix: str, rooms_apart: bool, script: Script, operands: Operands) -> str:
    """The key a node declares for ``script`` run with ``operands``: one of
    the slot the script keeps to. With rooms apart, a room's script's is a
    key under its room's hash tag (``{chatroom/r}:room``, as the prelude's
    ``in_room`` makes it), the room its operand ``room_at`` names (or the
    room of the change it names); else one
    under the prefix, the server's slot. Declared, it is checked: a
    shebang script (rooms apart) that touches another slot is refused, on a
    one-server cluster too, and a Redis Cluster answers ``MOVED`` or
    ``ASK`` by it."""
    if rooms_apart and script.room_at is not None:
        room = operands[script.room_at]
        if isinstance(room, DecidedChange):
            room = room.room
        if isinstance(room, bytes):
            room = room.decode()
        return f"{rooms_tag(prefix)}{room}}}:room"
    return f"{prefix}users"


#: Redis's answers that it does not know a script yet (new, restarted
#: without its data, or, for an ``EVALSHA``, a replica a failover
#: promoted): the script is sent again by its text.
UNKNOWN_SCRIPT = ("NOSCRIPT", "Function not found", "ERR Function not found")

#: Redis's answers to an ``FCALL`` that it has no functions for this node:
#: older than 7.0, or an ACL user for the chat without ``FCALL`` (txredisapi
#: drops an ``ERR`` word). The script is sent by its text, and loaded as a
#: library, which this Redis refuses too (:meth:`RedisCalls._without_functions`).
NO_FUNCTIONS = ("unknown command", "ERR unknown command", "NOPERM")


def unknown_script(problem: Exception, script: Script) -> bool:
    """Whether ``problem``, the answer to ``script``'s first call, says
    Redis does not know it, or (a function) cannot call it by name."""
    if not isinstance(problem, txredisapi.ResponseError):
        return False
    text = str(problem)
    by_name = script.function is not None and text.startswith(NO_FUNCTIONS)
    return by_name or text.startswith(UNKNOWN_SCRIPT)


def first_call(
    script: Script, key: str, args: tuple[Any, ...], functions: bool = True
) -> tuple[Any, ...]:
    """How ``script`` is called first, on ``key``'s slot: by its function's
    name (``FCALL``) if it is one and Redis takes ``functions``, else by
    its SHA-1 (``EVALSHA``)."""
    if functions and script.function is not None:
        return ("FCALL", script.function, 1, key, *args)
    return ("EVALSHA", script.sha, 1, key, *args)


#: How a script's recovery sends one command where its first call went:
#: the command's words, answered Redis's reply.
Execute = Callable[..., Awaitable[Any]]


async def by_text(
    execute: Execute,
    script: Script,
    key: str,
    args: tuple[Any, ...],
    functions: bool,
    without_functions: Callable[[txredisapi.ResponseError], None],
) -> Any:
    """``script``, which Redis did not know at its first call
    (:func:`unknown_script`: new, restarted, ``FUNCTION FLUSH``, or a
    replica a failover promoted, since neither scripts nor functions
    are replicated), sent again by its text through ``execute``: a
    function's library loaded (``without_functions`` told if Redis
    refuses libraries) and the function called again; else, or if that
    call still finds no function, the script's source by ``EVAL``. A
    Redis Cluster's slot in migration is why the second call may still
    find none: ``ASK`` sends it on to the node importing the slot, which
    the library, loaded on the slot's owner, did not reach."""
    if functions and script.library is not None:
        try:
            await execute("FUNCTION", "LOAD", "REPLACE", script.library)
        except txredisapi.ResponseError as refusal:
            without_functions(refusal)
        else:
            try:
                return await execute(*first_call(script, key, args))
            except txredisapi.ResponseError as refusal:
                if not unknown_script(refusal, script):
                    raise
    return await execute("EVAL", script.source, 1, key, *args)


def key_done(reply: list[Any]) -> KeyDoneError:
    """A script's ``{'KEYED', line, target, id, held}`` (the prelude's
    ``key_done``): a keyed line's key was done already, as kept."""
    line, target, event_id = (field.decode() for field in reply[1:4])
    held = len(reply) > 4 and reply[4] == 1
    return KeyDoneError(KeyRecord(line, target, event_id, held))


def not_the_primary(refusal: txredisapi.ResponseError) -> bool:
    """Whether ``refusal`` says the link's Redis is not the chat's primary."""
    text = str(refusal)
    return text.startswith(NOT_THE_PRIMARY) or NOT_LOCAL in text


#: The refusal of a script that acts only for members of the room.
MEMBERS_ONLY: Refusals = {b"NOT_IN_ROOM": lambda reply: errors.not_in_room()}


class SessionHarvestedError(Exception):
    """Redis no longer knows this session (``GONE``): the node must resume."""


#: How long a session released here is remembered as this node's doing:
#: longer than any call may wait for its answer (a deadline extended while
#: Redis is heard from, :data:`~chatroom.redisclient.deadlines.HEARD_TIMEOUTS`
#: times), in timeouts.
RELEASED_TIMEOUTS = 2 * (HEARD_TIMEOUTS + 1)


class ReleasedHere:
    """The tokens of the sessions this node released lately.

    A user whose connection is lost while a command of theirs is in
    Redis's hands (a join decided, its script not yet run) is released
    meanwhile, and that script answers ``GONE``. That is the release's
    doing, not a harvest of the node: the node must not resume (which
    would tell every other user here ``UNAVAILABLE`` for a moment, and,
    when many leave at once, again and again). A token is kept until
    no call sent before its release can still be answered; the oldest go
    as new ones come, so no timer runs for it."""

    def __init__(self, clock: IReactorTime, horizon: float) -> None:
        self.clock = clock
        self.horizon = horizon
        self._tokens: set[str] = set()
        self._order: deque[tuple[float, str]] = deque()

    def add(self, token: str) -> None:
        """Session ``token`` was released by this node, now."""
        now = self.clock.seconds()
        order = self._order
        while order and order[0][0] < now - self.horizon:
            self._tokens.discard(order.popleft()[1])
        self._tokens.add(token)
        order.append((now, token))

    def named_in(self, operands: Operands) -> bool:
        """Whether a script run with ``operands`` was about a session this
        node released lately (its token among them, or among a list of
        them)."""
        tokens = self._tokens
        for value in operands.values():
            if type(value) is str and value in tokens:
                return True
            if type(value) is list and any(
                type(item) is str and item in tokens for item in value
            ):
                return True
        return False


class RedisCalls:
    """Scripts and subscriptions, each bounded by ``timeout`` seconds."""

    log = Logger()

    def __init__(
        self,
        commands: RedisLink,
        subscriber: RedisLink,
        heartbeat: RedisLink,
        prefix: str,
        timeout: float,
        clock: IReactorTime,
        rooms_apart: bool = False,
        deadlines: CallDeadlines | None = None,
    ) -> None:
        """``deadlines``: the timer of the calls' deadlines, if another
        already keeps them (a Redis Cluster's :class:`~.routing.RoutedCalls`
        shares its shards' one)."""
        self.commands = commands
        self.subscriber = subscriber
        #: The node's heartbeat alone: ``WAIT`` blocks the commands link.
        self.heartbeat = heartbeat
        self.prefix = prefix
        #: Channels every script publishes with a plain ``PUBLISH`` (no
        #: slot, so a room's script on any shard may send it; ``LOBBY`` in
        #: the prelude), subscribed with ``SUBSCRIBE`` even on a Redis
        #: Cluster: the lobby's changes.
        self.broadcast = {f"{prefix}lobby".encode()}
        #: Each room in a slot of its own (``ClusterConfig.rooms_apart``):
        #: the scripts' variant with that layout's room keys.
        self.rooms_apart = rooms_apart
        self.timeout = timeout
        self.clock = clock
        #: One timer for every script in flight (not one per call).
        self.deadlines = (
            CallDeadlines(clock, timeout) if deadlines is None else deadlines
        )
        #: A call is not judged late while Redis's replies wait unread on
        #: the links that carry calls (:mod:`~chatroom.redisclient.deadlines`).
        self.deadlines.answering = lambda: commands.unread() or heartbeat.unread()
        #: The three links go to one Redis: a read on any of them is Redis
        #: answering, so a call waiting behind a long queue is given more
        #: time instead of the link dropped (a heartbeat answered, or the
        #: room's messages arriving, while the commands link's replies come
        #: slowly, say so).
        heard = commands.hearing
        subscriber.hearing = heartbeat.hearing = heard
        #: False until the node has resumed: only the resume may run then.
        self.serving = False
        #: Waits for the subscriber link to deliver what was published.
        self.caught_up: CatchingUp = CaughtUp(subscriber, self.deadlines)
        #: Called when Redis no longer knows a session of ours (``GONE``)
        #: that this node did not release itself.
        self.on_harvested: Callable[[], None] = lambda: None
        #: The sessions this node released lately: their ``GONE`` is no
        #: harvest.
        self.released_here = ReleasedHere(clock, RELEASED_TIMEOUTS * timeout)
        #: False once a Redis refused to load a script's library (older
        #: than 7.0, say): each script goes by ``EVALSHA`` from then on.
        self.functions = True

    async def eval(
        self,
        script: Script,
        operands: Operands,
        *,
        always: bool = False,
        link: RedisLink | None = None,
        written: Written | None = None,
    ) -> Any:
        """Run one script with its ``operands``; ``UNAVAILABLE`` if Redis
        cannot answer.

        ``always``: run even before the node has resumed (for the resume).
        ``link``: the link it goes on, the commands link if none.
        ``written``: told the link and connection it went on (for
        ``WAIT``: :mod:`.replicas`). The
        script goes by its SHA1 (``EVALSHA``), or its function's name
        (``FCALL``), and by its text only if Redis does not know it yet
        (:func:`unknown_script`); both within one deadline of
        :attr:`deadlines`.
        """
        link = link or self.commands
        connection = link.connection
        if connection is None or not (self.serving or always):
            raise errors.unavailable()
        if self.rooms_apart:
            script = script.rooms_apart
        full_args = script_arguments(self.prefix, operands)
        key = slot_key(self.prefix, self.rooms_apart, script, operands)
        started = time.perf_counter()
        running = connection.execute_command(
            *first_call(script, key, full_args, self.functions)
        )
        if written is not None:
            written.sent(link, connection)
        # Awaited here, not in a coroutine of its own: every resumption of
        # a message's call (its reply) resumes each coroutine it awaits in.
        watch = self.deadlines.watch(running, hearing=link.hearing)
        try:
            reply = await running
        except Exception as problem:
            reply = await self._unanswered(
                link, watch, problem, script.name, script, key, full_args
            )
        finally:
            self.deadlines.done(watch)
        REDIS_SECONDS.observe(time.perf_counter() - started)
        return reply

    async def command(self, *args: Any, link: RedisLink | None = None) -> Any:
        """One plain command on ``link`` (the commands link if none),
        bounded as a script is."""
        link = link or self.commands
        connection = link.connection
        if connection is None:
            raise errors.unavailable()
        running = connection.execute_command(*args)
        watch = self.deadlines.watch(running, hearing=link.hearing)
        try:
            return await running
        except Exception as problem:
            return await self._unanswered(link, watch, problem, args[0])
        finally:
            self.deadlines.done(watch)

    def scanners(self) -> list[Callable[..., Coroutine[Any, Any, Any]]]:
        """A plain command on each Redis holding the chat's keys (the
        backup's ``SCAN``): here the commands link's alone."""
        return [self.command]

    async def keyed(self, *args: Any) -> Any:
        """A plain command on one key (``args[1]``), on the Redis serving it
        (the backup's ``DUMP`` and ``PTTL``): here the commands link."""
        return await self.command(*args)

    async def _unanswered(
        self,
        link: RedisLink,
        watch: PendingCall,
        problem: Exception,
        what: str,
        script: Script | None = None,
        key: str = "",
        args: tuple[Any, ...] = (),
    ) -> Any:
        """What a call (sent on ``link``, under ``watch``: one deadline of
        :attr:`deadlines`, more while Redis answers the calls before it,
        :mod:`~chatroom.redisclient.deadlines`) that failed with
        ``problem`` means: ``UNAVAILABLE`` if Redis is lost or silent for
        the timeout (then the link is dropped). A ``script`` Redis does not
        know (:func:`unknown_script`: it is new, restarted, or a replica a
        failover promoted, since scripts are not replicated) is sent again
        by its text on the same link, within the same deadline, and its
        reply returned: a function's library loaded and called again, a
        script's source by ``EVAL``."""
        try:
            if script is None or not unknown_script(problem, script):
                raise problem
            connection = link.connection
            if connection is None:
                raise errors.unavailable() from None

            def execute(*words: Any) -> defer.Deferred[Any]:
                """On the same connection, under the same deadline."""
                watch.running = connection.execute_command(*words)
                return watch.running

            functions, without = self.functions, self._without_functions
            return await by_text(execute, script, key, args, functions, without)
        except defer.CancelledError:
            if not watch.timed_out:
                raise  # the caller gave up, not Redis
            self.log.warn("Redis did not answer {what} in time", what=what)
            link.drop()
            raise errors.unavailable() from None
        except txredisapi.ConnectionError:
            raise errors.unavailable() from None
        except txredisapi.ResponseError as refusal:
            if not not_the_primary(refusal):
                raise
            self.log.warn(
                "{link}: Redis answered {what} with {refusal}; leaving it",
                link=link.name,
                what=what,
                refusal=str(refusal),
            )
            self._leave(link)
            raise errors.unavailable() from None

    def _without_functions(self, refusal: txredisapi.ResponseError) -> None:
        """Redis refused a library: every script by ``EVALSHA`` from now."""
        self.log.warn(
            "Redis refused a script's library ({refusal}): scripts go by EVALSHA",
            refusal=str(refusal),
        )
        self.functions = False

    def _leave(self, link: RedisLink) -> None:
        """``link``'s Redis is not the chat's primary any more (a Redis
        Cluster moved the slot: a failover made it a replica). Every link
        to it leaves it, the subscriber's too, which would still hear the
        cluster's messages there, but not in order with this node's
        commands on the new primary (:class:`CaughtUp`); the next
        connections ask the cluster again."""
        peer = link.peer()
        for each in (self.commands, self.subscriber, self.heartbeat):
            if each is link or (peer is not None and each.peer() == peer):
                each.drop()

    async def call(
        self,
        script: Script,
        operands: Operands,
        *,
        refusals: Refusals,
        always: bool = False,
        arrived: Callable[[Any], defer.Deferred[None] | None] | None = None,
        written: Written | None = None,
    ) -> Any:
        """Run a script that may refuse; its refusal raised as a ChatError.

        ``GONE`` (this node's session was harvested) makes the node resume,
        and the user hears ``UNAVAILABLE`` meanwhile; not for a session this
        node released itself meanwhile (:class:`ReleasedHere`), whose user
        is gone. ``always``: as
        :meth:`eval`'s. Returns once this node has received the events the
        script published, as a single server's command returns once its
        events are delivered (see the module's docstring): ``arrived``,
        given the reply, may say when that is (a message's place in its
        room's channel: :meth:`NodeRoom.reached`), which spares the
        ``PING`` of :class:`CaughtUp`; None from it, or no ``arrived``,
        and the ``PING`` tells. ``written``: as :meth:`eval`'s.
        """
        try:
            reply = await self.eval(script, operands, always=always, written=written)
            if self.serving:
                waiting = None if arrived is None else arrived(reply)
                if waiting is None:
                    await self.caught_up_after(script, operands)
                elif not waiting.called:  # the event came first: no wait
                    await self._within_timeout(waiting, script, operands)
            return check(reply, refusals)
        except SessionHarvestedError:
            self.harvested(operands)
            raise errors.unavailable() from None

    def harvested(self, operands: Operands) -> None:
        """A script run with ``operands`` answered ``GONE``: the node
        resumes, unless the session was one this node released since."""
        if not self.released_here.named_in(operands):
            self.on_harvested()

    def caught_up_after(
        self, script: Script, operands: Operands
    ) -> defer.Deferred[None]:
        """Fires once the subscriber link that hears what ``script`` (run
        with ``operands``) published has caught up: on one Redis, the one
        subscriber link (:mod:`.routing` picks the shard's)."""
        return self.caught_up.wait()

    def hearing_after(self, script: Script, operands: Operands) -> Hearing:
        """The reads of the subscriber link that hears what ``script``
        (run with ``operands``) published: on one Redis, every link's
        (:mod:`.routing` picks the shard's)."""
        return self.subscriber.hearing

    async def step(
        self,
        script: Script,
        operands: Operands,
        *,
        refusals: Refusals,
        always: bool = False,
    ) -> Any:
        """Run a script that may refuse and publishes nothing this node
        waits for (a server's step of a split operation): as :meth:`call`,
        without waiting to catch up with the room channels."""
        try:
            return check(await self.eval(script, operands, always=always), refusals)
        except SessionHarvestedError:
            self.harvested(operands)
            raise errors.unavailable() from None

    async def _within_timeout(
        self, waiting: defer.Deferred[None], script: Script, operands: Operands
    ) -> None:
        """Wait for ``waiting`` (an event of ``script`` run with
        ``operands``), but no longer than a ``PING`` would be waited for:
        the events then come when they come. The deadline is the calls'
        shared timer's (:mod:`~chatroom.redisclient.deadlines`), not a
        timer per message."""
        hearing = self.hearing_after(script, operands)
        watch = self.deadlines.watch(waiting, hearing=hearing)
        try:
            await waiting
        except defer.CancelledError:
            if not watch.timed_out:
                raise  # the caller gave up, not the deadline
        finally:
            self.deadlines.done(watch)

    # The links, for the node (:class:`~.node.ClusterNode`), which resumes
    # after any of them was lost.

    def links(self) -> list[Service]:
        """Every link to start and stop with the node."""
        return [self.commands, self.subscriber, self.heartbeat]

    def connected(self) -> bool:
        """Whether every link serves (the node may resume)."""
        return all(
            link.connection is not None
            for link in (self.commands, self.subscriber, self.heartbeat)
        )

    def watch_links(
        self,
        up: Callable[[], None],
        down: Callable[[], None],
        connect_failed: Callable[[Failure], None],
    ) -> None:
        """Call ``up`` whenever a link begins serving, ``down`` whenever one
        is lost, and ``connect_failed`` when one cannot connect."""
        for link in (self.commands, self.subscriber, self.heartbeat):
            link.on_up = up
            link.on_down = down
            link.on_connect_failed = connect_failed

    def listen(self, on_message: Callable[[bytes, bytes], object]) -> None:
        """Hand every message of a subscribed channel to ``on_message``."""
        self.subscriber.on_message = on_message

    async def subscribe(self, channel: bytes) -> None:
        connection = self.subscriber.connection
        if connection is None:
            raise errors.unavailable()
        try:
            if channel in self.broadcast:
                subscribing = connection.broadcast_subscribe([channel])
            else:
                subscribing = connection.subscribe([channel])
        except txredisapi.ConnectionError:
            self.subscriber.drop()
            raise errors.unavailable() from None
        # Within the deadline the scripts have (the time the node listened,
        # :mod:`~chatroom.redisclient.deadlines`): a node busy accepting a
        # storm of connections does not drop a subscriber link whose Redis
        # answered.
        watch = self.deadlines.watch(subscribing, hearing=self.subscriber.hearing)
        try:
            await subscribing
        except defer.CancelledError:
            if not watch.timed_out:
                raise  # the caller gave up, not Redis
            self.log.warn("Redis did not answer SUBSCRIBE in time")
            self.subscriber.drop()
            raise errors.unavailable() from None
        except txredisapi.ConnectionError:
            self.subscriber.drop()
            raise errors.unavailable() from None
        finally:
            self.deadlines.done(watch)

    def unsubscribe(self, channel: bytes) -> None:
        connection = self.subscriber.connection
        if connection is not None:
            leave = (
                connection.broadcast_unsubscribe
                if channel in self.broadcast
                else connection.unsubscribe
            )
            leave([channel]).addErrback(lambda failure: None)


def published_nothing(reply: Any) -> defer.Deferred[None]:
    """For :meth:`RedisCalls.call`'s ``arrived``: a script that publishes
    nothing (a check, a step on the server's slot) has nothing to wait for,
    which spares the ``PING`` of :class:`CaughtUp`."""
    return defer.succeed(None)


async def together(calls: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """The replies of ``calls`` (scripts on one link), in order: sent at
    once, so that they go as one round trip (Redis answers a connection's
    commands in order), where awaiting each would cost one each: a step
    per room, when each reads or writes its room's slot alone. The first
    failure is raised as itself."""
    running = [defer.ensureDeferred(call) for call in calls]
    try:
        return await defer.gatherResults(running, consumeErrors=True)
    except defer.FirstError as first:
        first.subFailure.raiseException()
        raise  # not reached: raiseException raises


def check(reply: Any, refusals: Refusals) -> Any:
    """Return a script's reply, or raise what its status says.

    The status is the reply itself or its first element. ``GONE`` raises
    :class:`SessionHarvestedError`, and ``CHANGED`` and ``RESTRICTED``
    :class:`FactsChangedError`, for the caller to handle; a status in
    ``refusals`` raises that refusal.
    """
    status = reply[0] if isinstance(reply, list) else reply
    if status in (b"OK", b"IN_ROOM"):
        return reply
    if status == b"GONE":
        raise SessionHarvestedError()
    if status == b"KEYED":
        raise key_done(reply)
    if status in (b"CHANGED", b"RESTRICTED"):
        raise FactsChangedError(reply)  # what changed, when the script says
    refusal = refusals.get(status)
    if refusal is None:
        raise RuntimeError(f"unexpected reply from Redis: {reply!r}")
    raise refusal(reply)
