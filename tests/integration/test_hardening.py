"""Hardening over real sockets: stalled readers, junk floods and throttling.

Each test starts the real service (``chatroom.tap.makeService``) on
127.0.0.1 port 0 and talks to it over TCP.
"""

from __future__ import annotations

import random

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.protocol import Factory, Protocol

from tests.support import ServerTestCase


class SlowReaderTests(ServerTestCase):
    """A member that never reads is dropped; the rest get every message."""

    options = ("--rate", "0")  # and the default --sendq of 1 MiB
    timeout = 30  # 7 MB through a shared reactor; typically 1-2 s

    @defer.inlineCallbacks
    def test_stalled_reader_dropped(self):
        """The stalled member is dropped; the others get all messages, in order.

        8000 lines of 900 bytes (7 MB) overflow what the kernel buffers for
        the stalled socket plus the 1 MiB send queue. The sender waits for
        bob to see each batch: bob shares this test's reactor, so an
        unpaced burst would measure the test process, not the server.
        """
        alice = yield self.client("alice")
        bob = yield self.client("bob")
        slow = yield self.client("slow")
        for member in (alice, bob, slow):
            member.sendLine(b"/join general")
            yield member.expect(lambda line: line.startswith("MEMBERS general"))
        slow.transport.pauseProducing()  # stop reading: the kernel buffers fill up
        count, batch_size = 8000, 250
        padding = b"p" * 900
        for batch in range(0, count, batch_size):
            numbers = range(batch, batch + batch_size)
            alice.transport.write(b"".join(b"%d %s\n" % (n, padding) for n in numbers))
            last = f" {numbers[-1]} "
            yield bob.expect(
                lambda line, last=last: line.startswith("MSG") and last in line
            )
        bob.sendLine(b"PING sync")
        yield bob.expect(lambda line: line == "PONG sync")
        self.assertIn("PART general slow send queue exceeded", bob.lines)
        numbers = [
            int(line.split(" ", 5)[4]) for line in bob.lines if line.startswith("MSG ")
        ]
        self.assertEqual(numbers, list(range(count)))
        server = self.service.server
        self.assertEqual(sorted(server.registry.users), ["alice", "bob"])
        self.assertEqual(len(server.registry.rooms["general"].members), 2)


class JunkTests(ServerTestCase):
    """Many connections sending random bytes leave the server serving others."""

    options = ("--max-per-ip", "0", "--rate", "0")

    @defer.inlineCallbacks
    def test_random_bytes_from_200_connections(self):
        """200 junk senders, then a normal client creates a room and chats."""
        rng = random.Random(2026)
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.port)
        junkers = yield defer.gatherResults(
            [endpoint.connect(Factory.forProtocol(Protocol)) for _ in range(200)]
        )
        for junker in junkers:
            junker.transport.write(bytes(rng.randrange(256) for _ in range(2000)))
        alice = yield self.client("alice")
        bob = yield self.client("bob")
        alice.sendLine(b"/create lab")
        yield alice.expect(lambda line: line.startswith("MEMBERS lab"))
        bob.sendLine(b"/join lab")
        yield bob.expect(lambda line: line.startswith("MEMBERS lab"))
        alice.sendLine("still works ✓".encode())
        line = yield bob.expect(lambda line: line.startswith("MSG lab alice"))
        self.assertTrue(line.endswith(" still works ✓"))
        for junker in junkers:
            junker.transport.loseConnection()
        bob.sendLine(b"/quit")
        yield bob.expect(lambda line: line.startswith("BYE"))
        yield bob.closed
        alice.sendLine(b"/who")
        members = yield alice.expect(lambda line: line.startswith("MEMBERS"))
        self.assertEqual(members, "MEMBERS lab alice")


class FloodTests(ServerTestCase):
    """The default flood limit throttles a client pasting 50 lines at once."""

    options = ()  # the default --rate and --burst

    @defer.inlineCallbacks
    def test_flood_is_throttled(self):
        """Only the burst gets through; the rest are RATE_LIMITED, not relayed."""
        alice = yield self.client("alice")
        bob = yield self.client("bob")
        bob.sendLine(b"/join general")
        yield bob.expect(lambda line: line.startswith("MEMBERS"))
        alice.sendLine(b"/join general")
        yield alice.expect(lambda line: line.startswith("MEMBERS"))
        alice.transport.write(b"".join(b"flood %d\n" % n for n in range(50)))
        alice.sendLine(b"PING done")
        yield alice.expect(lambda line: line == "PONG done")
        limited = [line for line in alice.lines if line.startswith("ERR RATE_LIMITED")]
        accepted = [
            line for line in alice.lines if line.startswith("MSG general alice")
        ]
        # The default burst is 10 lines; the name and /join used two of them
        # (and at 1 line/s, at most one more may have refilled meanwhile).
        self.assertIn(len(accepted), (8, 9))
        self.assertEqual(len(limited), 50 - len(accepted))
        bob.sendLine(b"PING sync")
        yield bob.expect(lambda line: line == "PONG sync")
        relayed = [line for line in bob.lines if line.startswith("MSG general alice")]
        self.assertEqual(relayed, accepted)
