"""The deadlines of calls to Redis: one timer for all of them.

A call Redis does not answer within ``--redis-timeout`` is cancelled (the
user hears ``ERR UNAVAILABLE``); one answered in time is never touched.
Driven by ``task.Clock``; the calls are plain Deferreds, as txredisapi's are.
Time the node spends listening is the clock advanced in small steps
(:meth:`CallDeadlinesTests.listen`); one jump of the clock is the node
stalled that long in one reactor turn.
"""

from __future__ import annotations

import socket

import txredisapi
from twisted.internet import defer, task
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.life_scripts import ATTACH
from chatroom.backends.redis.routing import RoutedCalls
from chatroom.core.model.config import CLUSTER_PREFIX
from chatroom.core.model.errors import ChatError
from chatroom.redisclient.addresses import RedisAddress, RedisClusterAddress
from chatroom.redisclient.caught_up import CaughtUp
from chatroom.redisclient.deadlines import (
    HEARD_TIMEOUTS,
    CallDeadlines,
    Hearing,
    within,
)
from chatroom.redisclient.link import LinkProtocol, RedisLink
from chatroom.redisclient.shard_subscribers import ShardSubscribers
from chatroom.redisclient.shards import ShardLinks, ShardUnavailableError
from chatroom.redisclient.slots import SLOTS, SlotMap, key_slot


class DeadlinesCase(unittest.TestCase):
    """Deadlines of 5 s on a test clock, and calls watched by them."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.deadlines = CallDeadlines(self.clock, 5.0)

    def listen(self, seconds: float) -> None:
        """The node's reactor runs ``seconds``, a turn every 10 ms."""
        until = self.clock.seconds() + seconds
        while self.clock.seconds() < until:
            self.clock.advance(min(0.01, until - self.clock.seconds()))

    def connect(self, link: RedisLink) -> LinkProtocol:
        """``link`` serving on its protocol over a ``StringTransport``."""
        protocol = link.protocol_class(link, charset=None, convertNumbers=False)
        protocol.makeConnection(StringTransport())
        link.connection = protocol
        return protocol

    def call(self, hearing: Hearing | None = None) -> defer.Deferred[bytes]:
        """A call in flight, watched until it fires (as RedisCalls.eval does),
        on a Redis whose reads ``hearing`` counts, if given."""
        running: defer.Deferred[bytes] = defer.Deferred()
        watch = self.deadlines.watch(running, hearing=hearing)

        def done(result: object) -> object:
            self.deadlines.done(watch)
            return result

        running.addBoth(done)
        return running


class CallDeadlinesTests(DeadlinesCase):
    """Calls in flight time out after the timeout, and only those."""

    def test_unanswered_call_is_cancelled_at_its_deadline(self) -> None:
        """Not answered in 5 s: cancelled then, not before, and marked so."""
        running: defer.Deferred[bytes] = defer.Deferred()
        watch = self.deadlines.watch(running)
        self.listen(4.9)
        self.assertFalse(running.called)
        self.listen(0.1)
        self.assertTrue(watch.timed_out)
        self.failureResultOf(running, defer.CancelledError)

    def test_answered_call_keeps_its_reply(self) -> None:
        """A call answered in time keeps its reply when the deadline passes,
        and the late reply of a timed-out call is ignored, not an error."""
        answered, late = self.call(), self.call()
        answered.callback(b"OK")
        self.listen(5)
        self.assertEqual(self.successResultOf(answered), b"OK")
        self.failureResultOf(late, defer.CancelledError)
        late.callback(b"too late")  # what txredisapi does when it comes

    def test_each_call_has_its_own_deadline(self) -> None:
        """Calls made later time out later, each 5 s after it began, with
        one timer for all of them."""
        first = self.call()
        self.listen(1)
        second = self.call()
        self.listen(2)
        third = self.call()
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.listen(2)  # t = 5
        self.failureResultOf(first, defer.CancelledError)
        self.assertFalse(second.called)
        second.callback(b"OK")
        self.listen(1)  # t = 6: second was answered
        self.assertEqual(self.successResultOf(second), b"OK")
        self.assertFalse(third.called)
        self.listen(2)  # t = 8
        self.failureResultOf(third, defer.CancelledError)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_timer_returns_for_calls_after_a_quiet_spell(self) -> None:
        """After every call was answered and the timer ran out, a new call
        still times out, 5 s after it began."""
        self.call().callback(b"OK")
        self.listen(10)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(60)  # nothing in flight: no timer, nothing counted
        running = self.call()
        self.listen(4.9)
        self.assertFalse(running.called)
        self.listen(0.1)
        self.failureResultOf(running, defer.CancelledError)

    def test_stop_leaves_no_timer(self) -> None:
        """A node that detached leaves no timer behind, and passes its
        Deferred chain's result through."""
        self.call()
        self.assertEqual(self.deadlines.stop("detached"), "detached")
        self.assertEqual(self.clock.getDelayedCalls(), [])


class StalledNodeTests(DeadlinesCase):
    """A node that stalls (a reactor turn of seconds: an accept storm, or
    the CPU taken by other processes) does not blame Redis for it."""

    def test_reply_waiting_through_a_stall_is_not_late(self) -> None:
        """The node stalls 20 s with calls in flight, their replies waiting
        in its socket: when it runs again and reads them, none was
        cancelled, though the clock passed every deadline."""
        first = self.call()
        self.listen(4)
        second = self.call()
        self.clock.advance(20)  # one turn of 20 s
        self.assertFalse(first.called)
        self.assertFalse(second.called)
        first.callback(b"OK")  # read in the turn after the stall
        second.callback(b"OK")
        self.listen(10)
        self.assertEqual(self.successResultOf(first), b"OK")
        self.assertEqual(self.successResultOf(second), b"OK")

    def test_replies_waiting_unread_keep_calls_alive(self) -> None:
        """A node that reads its replies slower than Redis sends them (a
        storm of sign-ins) holds a call's reply unread past its deadline:
        while replies wait on the links, nothing is cancelled, and the
        call keeps its reply once read. When nothing waits any more, a call
        still unanswered is cancelled within a tick (0.5 s)."""
        waiting = [True]
        self.deadlines.answering = lambda: waiting[0]
        answered, silent = self.call(), self.call()
        self.listen(8)  # behind: its reply unread for 3 s past the deadline
        self.assertFalse(answered.called)
        answered.callback(b"OK")
        self.assertEqual(self.successResultOf(answered), b"OK")
        self.assertFalse(silent.called)
        waiting[0] = False  # all read: what is left Redis did not answer
        self.listen(0.6)  # judged at the next tick (0.5 s)
        self.failureResultOf(silent, defer.CancelledError)

    def test_nothing_waiting_is_the_usual_deadline(self) -> None:
        """With nothing waiting on the links, an unanswered call is
        cancelled at its deadline, as without the question."""
        self.deadlines.answering = lambda: False
        running = self.call()
        self.listen(5.05)
        self.failureResultOf(running, defer.CancelledError)

    def test_call_made_in_a_stalled_turn_is_not_late(self) -> None:
        """A call begun at the start of a 20 s turn (its command sent only
        at the turn's end) is given the rest of its time after it."""
        running = self.call()
        self.clock.advance(20)
        self.listen(0.5)
        self.assertFalse(running.called)
        running.callback(b"OK")
        self.assertEqual(self.successResultOf(running), b"OK")

    def test_silent_redis_is_still_found_after_a_stall(self) -> None:
        """Redis that never answers: after the node's 20 s stall the call
        is cancelled once the node has listened for the rest of the
        timeout, at most two ticks (1 s) counted for the stall."""
        running = self.call()
        self.clock.advance(20)
        self.listen(3.9)
        self.assertFalse(running.called)
        self.listen(1.1)
        self.failureResultOf(running, defer.CancelledError)

    def test_stalls_between_ticks_are_counted(self) -> None:
        """Turns a little longer than a tick (0.6 s) are the node reading
        its links every turn: that time counts in full, and a silent Redis
        is found 5 s after the call began, give or take a turn."""
        running = self.call()
        self.clock.pump([0.6] * 8)  # 4.8 s
        self.assertFalse(running.called)
        self.clock.pump([0.6] * 2)  # 6 s
        self.failureResultOf(running, defer.CancelledError)


class SlowRedisTests(DeadlinesCase):
    """A Redis behind on its queue (a storm of sign-ins from many nodes)
    answers every call, in order, each later than the last: a call that
    waits past its deadline while Redis answers the calls before it is
    given more time, not failed (its link would be dropped)."""

    def setUp(self) -> None:
        super().setUp()
        self.hearing = Hearing()

    def test_call_behind_a_queue_waits_while_redis_answers(self) -> None:
        """Ten calls, Redis answering one a second: the last is answered
        9 s after it began, past its 5 s deadline, and none is cancelled."""
        calls = [self.call(self.hearing) for _ in range(10)]
        for each in calls:
            self.listen(0.9)
            self.assertFalse(each.called)
            self.hearing.reads += 1  # the reply read from the link
            each.callback(b"OK")
        for each in calls:
            self.assertEqual(self.successResultOf(each), b"OK")

    def test_silent_redis_is_found_at_the_deadline(self) -> None:
        """Nothing read from Redis since the call began: cancelled at its
        deadline, as without hearing (a frozen Redis, or its network gone)."""
        running = self.call(self.hearing)
        self.listen(4.9)
        self.assertFalse(running.called)
        self.listen(0.2)
        self.failureResultOf(running, defer.CancelledError)

    def test_redis_that_falls_silent_is_found_a_timeout_later(self) -> None:
        """Redis answered the call before this one, then nothing: this call
        is given one more timeout from its deadline, and cancelled at its
        end (10 s after it began, give or take a tick)."""
        before, running = self.call(self.hearing), self.call(self.hearing)
        self.listen(1)
        self.hearing.reads += 1
        before.callback(b"OK")
        self.listen(9)
        self.assertFalse(running.called)
        self.listen(0.6)
        self.failureResultOf(running, defer.CancelledError)

    def test_a_call_redis_never_answers_while_answering_others(self) -> None:
        """Redis answers (other links' replies keep coming) but never this
        call: it is cancelled once it has waited HEARD_TIMEOUTS timeouts."""
        running = self.call(self.hearing)
        limit = 5.0 * HEARD_TIMEOUTS
        while self.clock.seconds() < limit - 0.5:
            self.listen(0.5)
            self.hearing.reads += 1
        self.assertFalse(running.called)
        for _ in range(12):  # 6 s more, still heard
            self.listen(0.5)
            self.hearing.reads += 1
        self.failureResultOf(running, defer.CancelledError)

    def test_later_calls_keep_their_own_deadlines(self) -> None:
        """A call given more time goes to the back of the deadlines' order:
        a call made after it, on a Redis not heard from, is still found at
        its own deadline."""
        heard = self.call(self.hearing)
        self.listen(1)
        other = self.call()  # no hearing: late at its deadline
        self.listen(3.5)
        self.hearing.reads += 1  # heard: the first call waits on
        self.listen(1.7)
        self.assertFalse(heard.called)
        self.failureResultOf(other, defer.CancelledError)


class WithinTests(unittest.TestCase):
    """:func:`within`: ``addTimeout`` in the time the client listened, for
    the calls made now and then (a connection's ``ROLE``, a question to a
    Sentinel or a cluster's node)."""

    def setUp(self) -> None:
        self.clock = task.Clock()

    def test_a_stalled_turn_does_not_time_it_out(self) -> None:
        """One turn of 20 s with a 1 s timeout: the reply read after it is
        the result, and no timer is left once it fired."""
        asking: defer.Deferred[bytes] = defer.Deferred()
        within(asking, 1.0, self.clock)
        self.clock.advance(20)
        asking.callback(b"master")
        self.assertEqual(self.successResultOf(asking), b"master")
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_no_answer_is_a_timeout(self) -> None:
        """Nobody answers while the client listens: ``TimeoutError`` once
        it listened 1 s, as ``addTimeout`` says it, and no timer left."""
        asking: defer.Deferred[bytes] = defer.Deferred()
        within(asking, 1.0, self.clock)
        self.clock.pump([0.01] * 95)
        self.assertNoResult(asking)
        self.clock.pump([0.01] * 10)
        self.failureResultOf(asking, defer.TimeoutError)
        self.assertEqual(self.clock.getDelayedCalls(), [])


#: A Redis Cluster of one primary serving every slot, as ``CLUSTER SLOTS``
#: answers (txredisapi's reading of it).
ONE_PRIMARY = [[0, SLOTS - 1, [b"127.0.0.1", 7000]]]


class BusyShardTests(DeadlinesCase):
    """A Redis Cluster's commands, subscriptions and ``PING``s across a
    stall of the client's reactor: the same deadlines as the node's own
    calls (5 s of listening), on links whose connections are txredisapi's
    protocols over a ``StringTransport``, what Redis sends fed to them."""

    def setUp(self) -> None:
        super().setUp()
        address = RedisClusterAddress((("127.0.0.1", 7000),))
        self.shards = ShardLinks(self.clock, address, deadlines=self.deadlines)
        self.shards.map = SlotMap.from_reply(ONE_PRIMARY, "127.0.0.1")
        self.link = RedisLink(self.clock, address.primary("127.0.0.1", 7000), "one")
        self.shards._links[("127.0.0.1", 7000)] = self.link
        self.commands = self.connect(self.link)
        self.subscribers = ShardSubscribers(self.clock, self.shards)
        self.subscriber_link = RedisLink(
            self.clock,
            address.primary("127.0.0.1", 7000),
            "one subscriber",
            subscriber=True,
            sharded=True,
        )
        self.subscribers._links[("127.0.0.1", 7000)] = self.subscriber_link
        self.subscriber = self.connect(self.subscriber_link)

    def get(self) -> defer.Deferred[bytes]:
        return defer.ensureDeferred(self.shards.execute(key_slot("k"), "GET", "k"))

    def test_command_answered_after_a_stall_keeps_its_link(self) -> None:
        """A command in flight while the client stalls 20 s, its reply
        waiting in the socket: read after the stall, it is the command's
        reply, and the link is kept."""
        getting = self.get()
        self.assertEqual(
            self.commands.transport.value(), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        )
        self.clock.advance(20)
        self.commands.dataReceived(b"$2\r\nv1\r\n")
        self.listen(10)
        self.assertEqual(self.successResultOf(getting), b"v1")
        self.assertFalse(self.commands.transport.disconnecting)

    def test_silent_primary_is_still_found_after_a_stall(self) -> None:
        """A primary that never answers: after the 20 s stall the command
        fails (:class:`ShardUnavailableError`) once the client has listened
        for the rest of the timeout, and its link is dropped."""
        getting = self.get()
        self.clock.advance(20)
        self.listen(3.9)
        self.assertNoResult(getting)
        self.listen(1.1)
        self.failureResultOf(getting, ShardUnavailableError)
        self.assertTrue(self.commands.transport.disconnecting)

    def test_subscription_answered_after_a_stall(self) -> None:
        """``SSUBSCRIBE`` sent as the client stalls 20 s: Redis's
        confirmation read after the stall subscribes it, the link kept."""
        subscribing = defer.ensureDeferred(
            self.subscribers.subscribe(b"{room}:channel", key_slot(b"{room}"))
        )
        self.clock.advance(20)
        self.subscriber.dataReceived(
            b"*3\r\n$10\r\nssubscribe\r\n$14\r\n{room}:channel\r\n:1\r\n"
        )
        self.successResultOf(subscribing)
        self.assertFalse(self.subscriber.transport.disconnecting)

    def test_silent_subscription_is_found(self) -> None:
        """No confirmation while the client listens 5 s: unavailable, and
        the subscriber link dropped."""
        subscribing = defer.ensureDeferred(
            self.subscribers.subscribe(b"{room}:channel", key_slot(b"{room}"))
        )
        self.clock.advance(20)
        self.listen(5)
        self.failureResultOf(subscribing, ShardUnavailableError)
        self.assertTrue(self.subscriber.transport.disconnecting)

    def test_caught_up_waits_for_its_ping_across_a_stall(self) -> None:
        """A wait for the subscriber link to catch up (its ``PING``) spans
        a 20 s stall: it fires when the ``PONG`` is read after the stall,
        not at the stall's end, before the messages ahead of it."""
        waiting = CaughtUp(self.subscriber_link, self.deadlines).wait()
        self.clock.advance(20)
        self.assertNoResult(waiting)
        self.subscriber.dataReceived(b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        self.successResultOf(waiting)


class UnreadRepliesTests(unittest.TestCase):
    """A link tells whether Redis's bytes wait unread in its socket (what
    :attr:`CallDeadlines.answering` asks of the node's links)."""

    def test_bytes_in_the_socket_are_unread_until_read(self) -> None:
        address = RedisClusterAddress((("127.0.0.1", 7000),))
        link = RedisLink(task.Clock(), address.primary("127.0.0.1", 7000), "one")
        self.assertFalse(link.unread())  # no connection
        ours, redis = socket.socketpair()
        self.addCleanup(ours.close)
        self.addCleanup(redis.close)
        transport = StringTransport()
        transport.socket = ours  # type: ignore[attr-defined]
        link.connection = txredisapi.BaseRedisProtocol()
        link.connection.transport = transport
        self.assertFalse(link.unread())
        redis.sendall(b"+OK\r\n")
        self.assertTrue(link.unread())
        self.assertEqual(ours.recv(64), b"+OK\r\n")
        self.assertFalse(link.unread())


#: A Redis Cluster of two primaries, each serving half the slots: a
#: room's script goes to the one serving its room's slot.
TWO_PRIMARIES = [
    [0, SLOTS // 2 - 1, [b"127.0.0.1", 7000]],
    [SLOTS // 2, SLOTS - 1, [b"127.0.0.1", 7001]],
]
#: A room on each: ``a`` (slot 10350) on 7001, ``quiet`` (slot 1979) on 7000.
BUSY, QUIET = ("127.0.0.1", 7001), ("127.0.0.1", 7000)


def smessage(channel: bytes, data: bytes) -> bytes:
    """A sharded channel's message, as Redis sends it."""
    parts = [b"smessage", channel, data]
    return b"*3\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


class BusyShardHearingTests(DeadlinesCase):
    """Calls routed to a Redis Cluster's shards (rooms apart,
    :class:`~chatroom.backends.redis.routing.RoutedCalls`): a shard heard
    from (its commands link's replies, its subscriber link's messages) is
    slow, not dead, and its calls wait for it; a shard silent for the
    timeout is found while another answers. Two primaries, each with its
    commands and subscriber link over a ``StringTransport``; 5 s timeout."""

    def setUp(self) -> None:
        super().setUp()
        address = RedisClusterAddress((("127.0.0.1", 7000),))
        self.shards = ShardLinks(self.clock, address, deadlines=self.deadlines)
        self.shards.map = SlotMap.from_reply(TWO_PRIMARIES, "127.0.0.1")
        subscribers = ShardSubscribers(self.clock, self.shards)
        self.commands = {}
        self.channels = {}
        for node in (BUSY, QUIET):
            self.commands[node] = self.connect(self.shards._open(node))
            subscribers._open(node)
            self.channels[node] = self.connect(subscribers._links[node])
        commands, subscriber, heartbeat = (
            RedisLink(self.clock, address, name, cluster_key=CLUSTER_PREFIX)
            for name in ("commands", "subscriber", "heartbeat")
        )
        self.calls = RoutedCalls(
            commands,
            subscriber,
            heartbeat,
            self.shards,
            subscribers,
            CLUSTER_PREFIX,
            self.clock,
        )
        self.calls.serving = True

    def add_entry(self, room: str) -> defer.Deferred[object]:
        """A room's script (a link preview's ``ATTACH``), routed."""
        operands = {"room": room, "event": "entry"}
        return defer.ensureDeferred(self.calls.eval(ATTACH, operands))

    def busy_for(self, seconds: float) -> None:
        """The busy shard answers nothing of the call waited for, but its
        room's messages keep coming, one every 0.9 s."""
        for _ in range(int(seconds / 0.9)):
            self.listen(0.9)
            self.channels[BUSY].dataReceived(smessage(b"{chatroom/a}:chan", b"hi"))

    def test_script_on_a_busy_shard_waits_while_it_answers(self) -> None:
        """A room's script answered 9 s after it began (past the 5 s
        timeout) by a shard whose messages kept coming: its reply, the
        shard's link kept, the node not told the cluster is unavailable."""
        adding = self.add_entry("a")
        self.assertIn(b"EVALSHA", self.commands[BUSY].transport.value())
        self.busy_for(9)
        self.assertNoResult(adding)
        self.commands[BUSY].dataReceived(b"$2\r\nOK\r\n")
        self.assertEqual(self.successResultOf(adding), b"OK")
        self.assertFalse(self.commands[BUSY].transport.disconnecting)

    def test_commands_behind_a_busy_shard_wait(self) -> None:
        """Ten commands on one shard, answered one every 0.9 s (a queue on
        that primary): the last 9 s after it began, and none failed."""
        key = "{chatroom/a}:room"
        getting = [
            defer.ensureDeferred(self.calls.keyed("GET", key)) for _ in range(10)
        ]
        for each in getting:
            self.listen(0.9)
            self.assertNoResult(each)
            self.commands[BUSY].dataReceived(b"$1\r\nv\r\n")
        for each in getting:
            self.assertEqual(self.successResultOf(each), b"v")

    def test_subscription_on_a_busy_shard_waits(self) -> None:
        """``SSUBSCRIBE`` confirmed 9 s after it was sent, the shard's
        other channel's messages coming meanwhile: subscribed, its link
        kept."""
        subscribing = defer.ensureDeferred(self.calls.subscribe(b"{chatroom/a}:chan"))
        self.busy_for(9)
        self.assertNoResult(subscribing)
        self.channels[BUSY].dataReceived(
            b"*3\r\n$10\r\nssubscribe\r\n$17\r\n{chatroom/a}:chan\r\n:1\r\n"
        )
        self.successResultOf(subscribing)
        self.assertFalse(self.channels[BUSY].transport.disconnecting)

    def test_event_of_a_busy_shard_is_waited_for(self) -> None:
        """A room's script answered at once, its event (which the command
        returns after, as a single server's does) coming 9 s later behind
        the shard's other messages: the call returns once it came, not
        before."""
        event: defer.Deferred[None] = defer.Deferred()
        adding = defer.ensureDeferred(
            self.calls.call(
                ATTACH,
                {"room": "a", "event": "entry"},
                refusals={},
                arrived=lambda _: event,
            )
        )
        self.commands[BUSY].dataReceived(b"$2\r\nOK\r\n")
        self.busy_for(9)
        self.assertNoResult(adding)
        event.callback(None)
        self.assertEqual(self.successResultOf(adding), b"OK")

    def test_silent_shard_is_found_while_another_answers(self) -> None:
        """A room's script on a shard that says nothing, while the other
        shard's messages keep coming: ``UNAVAILABLE`` once the node has
        listened the timeout (and a tick), that shard's link dropped, the
        busy one's kept."""
        adding = self.add_entry("quiet")
        self.assertIn(b"EVALSHA", self.commands[QUIET].transport.value())
        self.busy_for(4.5)
        self.assertNoResult(adding)
        self.busy_for(1.8)
        self.assertEqual(
            self.failureResultOf(adding, ChatError).value.code, "UNAVAILABLE"
        )
        self.assertTrue(self.commands[QUIET].transport.disconnecting)
        self.assertFalse(self.commands[BUSY].transport.disconnecting)


class OneRedisHearingTests(DeadlinesCase):
    """On one Redis, a room's messages on the subscriber link are Redis
    answering, as the commands link's replies are: a script queued behind
    Redis's other work waits while they come."""

    def test_script_waits_while_the_subscriber_hears_messages(self) -> None:
        """A script answered 9 s after it began, the room's messages
        coming meanwhile on the subscriber link alone: its reply, the
        commands link kept."""
        address = RedisAddress("127.0.0.1", 6379)
        commands, subscriber, heartbeat = (
            RedisLink(self.clock, address, "commands"),
            RedisLink(self.clock, address, "subscriber", subscriber=True),
            RedisLink(self.clock, address, "heartbeat"),
        )
        calls = RedisCalls(
            commands,
            subscriber,
            heartbeat,
            "chatroom:",
            5.0,
            self.clock,
            deadlines=self.deadlines,
        )
        calls.serving = True
        connection = self.connect(commands)
        channel = self.connect(subscriber)
        adding = defer.ensureDeferred(
            calls.eval(ATTACH, {"room": "a", "event": "entry"})
        )
        for _ in range(10):
            self.listen(0.9)
            channel.dataReceived(b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n")
        self.assertNoResult(adding)
        connection.dataReceived(b"$2\r\nOK\r\n")
        self.assertEqual(self.successResultOf(adding), b"OK")
        self.assertFalse(connection.transport.disconnecting)
