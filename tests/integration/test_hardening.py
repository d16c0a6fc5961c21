"""Hardening over real sockets: stalled readers, junk floods and throttling.

Each test starts the real service (``chatroom.wiring.tap.makeService``) on
127.0.0.1 port 0 and talks to it over TCP.
"""

from __future__ import annotations

import random

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.protocol import Factory, Protocol

from tests.support import ServerTestCase, local_backend


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
            sent = range(batch, batch + batch_size)
            alice.transport.write(b"".join(b"%d %s\n" % (n, padding) for n in sent))
            last = f" {sent[-1]} "
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
        self.assertEqual(sorted(local_backend(server).server.users), ["alice", "bob"])
        self.assertEqual(len(local_backend(server).rooms.by_key["general"].members), 2)


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
    """Floods are slowed, not dropped: a paste arrives whole, a bot is cut off."""

    options = ("--rate", "20", "--burst", "5")

    @defer.inlineCallbacks
    def in_general(self, *names: str):
        clients = []
        for name in names:
            client = yield self.client(name)
            client.sendLine(b"/join general")
            yield client.expect(lambda line: line.startswith("MEMBERS"))
            clients.append(client)
        return clients

    @defer.inlineCallbacks
    def test_paste_arrives_whole_and_in_order(self):
        """30 lines at once: all relayed in order, the sender told once, no ERR."""
        alice, bob = yield self.in_general("alice", "bob")
        alice.transport.write(b"".join(b"paste %d\n" % n for n in range(30)))
        yield bob.expect(lambda line: line.endswith(" paste 29"))
        relayed = [line for line in bob.lines if line.startswith("MSG general alice")]
        self.assertEqual(
            [line.rsplit(" ", 1)[1] for line in relayed], [str(n) for n in range(30)]
        )
        yield alice.expect(lambda line: line.endswith(" paste 29"))
        self.assertEqual(len([x for x in alice.lines if x.startswith("SLOW ")]), 1)
        self.assertEqual([x for x in alice.lines if x.startswith("ERR ")], [])

    @defer.inlineCallbacks
    def test_bot_flood_is_disconnected(self):
        """10,000 lines at once: BYE excess flood; the others chat on."""
        alice, bob = yield self.in_general("alice", "bob")
        alice.transport.write(b"".join(b"spam %d\n" % n for n in range(10_000)))
        yield alice.expect(lambda line: line == "BYE excess flood")
        yield alice.closed
        yield bob.expect(lambda line: line == "PART general alice excess flood")
        bob.sendLine(b"still here")
        yield bob.expect(lambda line: line.endswith(" still here"))
        relayed = [line for line in bob.lines if line.startswith("MSG general alice")]
        self.assertLessEqual(len(relayed), 5 + 1)  # the burst, and a token or so
