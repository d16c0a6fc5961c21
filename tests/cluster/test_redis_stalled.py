"""A Redis that stops answering (frozen with SIGSTOP, its socket still open):
a message sent meanwhile is refused once ``--redis-timeout`` has passed,
never left hanging, and the node carries on when Redis answers again. A
Redis that answers, slowly, past the timeout is waited for: the node keeps
its link and goes on serving."""

from __future__ import annotations

import os
import signal
from collections.abc import Coroutine, Iterable
from typing import Any

from twisted.internet import defer, reactor

from tests.cluster.support import ClusterTestCase
from tests.support import redis_backend, until


class StalledRedisTests(ClusterTestCase):
    """Scripts that Redis does not answer in time."""

    @defer.inlineCallbacks
    def test_message_to_a_frozen_redis_is_refused_in_time(self):
        """alice's message while Redis is frozen: ``ERR UNAVAILABLE`` after
        the timeout; once Redis runs again, her next message goes out."""
        node = yield self.node("--redis-timeout", "0.5")
        alice = yield self.client(node, "alice")
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        os.kill(self.redis.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.redis.pid, signal.SIGCONT)
        alice.say("into the void")
        refused = yield alice.expect_line("ERR ")
        self.assertIn("UNAVAILABLE", refused)
        # The timeout drops the link to Redis (the refusal may reach alice
        # first); the node is back once it has reconnected and resumed.
        backend = redis_backend(node.server)
        yield until(lambda: not backend.available, 10, "the link's loss noticed")
        os.kill(self.redis.pid, signal.SIGCONT)
        yield backend.when_available()
        alice.say("hello again")
        yield alice.expect_line("MSG general alice ")


def spinning(ms: str) -> str:
    """A script that keeps Redis busy for ``ms`` milliseconds (its Lua: a
    script's ``ARGV[1]``, or an operand ``args.ms``): a Redis slowed by its
    work, answering every command in turn, each later."""
    return f"""
local t = redis.call('TIME')
local began = t[1] * 1000000 + t[2]
local until_us = tonumber({ms}) * 1000
repeat
    t = redis.call('TIME')
until t[1] * 1000000 + t[2] - began >= until_us
return 1
"""


#: :func:`spinning` for ``ARGV[1]`` milliseconds.
SPIN = spinning("ARGV[1]")


@defer.inlineCallbacks
def answered_together(calls: Iterable[Coroutine[Any, Any, Any]]):
    """The replies of ``calls``, all begun now, and the longest any of
    them waited (seconds)."""
    began = reactor.seconds()
    waits: list[float] = []

    def answered(reply: object) -> object:
        waits.append(reactor.seconds() - began)
        return reply

    running = [defer.ensureDeferred(call).addCallback(answered) for call in calls]
    replies = yield defer.gatherResults(running)
    return replies, max(waits)


class SlowRedisTests(ClusterTestCase):
    """A Redis that answers, slowly, is not a dead one."""

    @defer.inlineCallbacks
    def test_calls_behind_a_slow_redis_keep_the_link(self):
        """The node sends 16 commands at once, each keeping Redis busy for
        0.15 s, each 6 KB long: Redis reads 16 KiB of a client a turn, so
        it runs two or three of them a turn and answers those (as under a
        storm of sign-ins from many nodes, whose queue waits in the
        sockets), and the last commands wait past the 1 s
        ``--redis-timeout`` while the replies before them keep coming.
        Every command is answered, the link to Redis is the same one, the
        node never stopped serving, and alice chats on."""
        node = yield self.node("--redis-timeout", "1")
        backend = redis_backend(node.server)
        alice = yield self.client(node, "alice")
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        link = backend.calls.commands
        connection = link.connection
        lost = []
        down = link.on_down

        def dropped():
            lost.append(link.name)
            down()

        link.on_down = dropped
        replies, longest = yield answered_together(
            backend.calls.command("EVAL", SPIN, "0", "150", "x" * 6000)
            for _ in range(16)
        )
        self.assertEqual(replies, [1] * 16)
        self.assertGreater(longest, 1.0)  # the case this test is about
        self.assertIs(link.connection, connection)
        self.assertEqual(lost, [])
        self.assertTrue(backend.node.available)
        alice.say("still here")
        yield alice.expect_line("MSG general alice ")
