"""A Redis that stops answering (frozen with SIGSTOP, its socket still open):
a message sent meanwhile is refused once ``--redis-timeout`` has passed,
never left hanging, and the node carries on when Redis answers again."""

from __future__ import annotations

import os
import signal

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import redis_backend


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
        os.kill(self.redis.pid, signal.SIGCONT)
        # The timeout dropped the link to Redis; the node is back once it
        # has reconnected and resumed.
        yield redis_backend(node.server).when_available()
        alice.say("hello again")
        yield alice.expect_line("MSG general alice ")
