"""A node whose subscriber link holds its reads (``--subscriber-hold``)
on a real Redis, over real sockets: every event of a burst from another
node comes to its member, in order, read many at a time (the socket not
read while held, what came meanwhile read when the hold has passed);
and the node stops with nothing left due (trial checks a clean reactor).
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import redis_backend

#: The burst's messages, each said once the last has come back to its
#: sender (a round trip through Redis apart).
BURST = 60


class SubscriberHoldTests(ClusterTestCase):
    @defer.inlineCallbacks
    def test_a_held_node_delivers_every_event_of_a_burst_in_order(self):
        """Bob on a node without the option says 60 lines, each once the
        last has come back to him; alice, on a node holding its reads for
        50 ms, gets every one, in order, and her node read them in far
        fewer reads than there were lines."""
        held = yield self.node("--subscriber-hold", "50")
        other = yield self.node()
        alice, bob = yield self.clients_of([held, other], ["alice", "bob"])
        for member in (alice, bob):
            member.say("/join general")
            yield member.expect_line("JOINED general ")
        protocol: Any = redis_backend(held.server).calls.subscriber.connection
        reads = []
        read = protocol.dataReceived

        def counted(data: bytes, *args: Any) -> None:
            reads.append(len(data))
            read(data, *args)

        protocol.dataReceived = counted
        for number in range(BURST):
            bob.say(f"line {number}")
            yield bob.expect_line("MSG general bob ")
        came = []
        for _ in range(BURST):
            came.append((yield alice.expect_line("MSG general bob ")))
        self.assertEqual(
            [line.rsplit(" ", 1)[1] for line in came], [str(n) for n in range(BURST)]
        )
        self.assertLess(len(reads), BURST / 2)
