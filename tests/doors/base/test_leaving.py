"""A crowd whose connections close at once is given back a bounded number
a reactor turn, and the timers due (a cluster node's heartbeat) run in
between.

The reactor calls every lost connection's ``connectionLost`` in the turn
the kernel reports them: 4,000 at once made a turn of seconds (minutes
on a machine shared by dozens of nodes), in which no heartbeat ran and
the node's key expired while it was alive (docs/performance.md, the
million's leave). Driven with real protocols over ``StringTransport`` on
a ``task.Clock``, whose ``advance`` runs the timers due in time order, as
the reactor's turns do.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionLost
from twisted.internet.task import Clock, LoopingCall
from twisted.python.failure import Failure
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.leaving import PER_TURN
from tests.doors.irc.test_irc import IRCTestCase
from tests.support import FakeClient, local_server

CROWD = 3 * PER_TURN + 10


def one_turn(clock: Clock) -> None:
    """One reactor turn on ``clock``: the calls due when it began, as the
    reactor's ``runUntilCurrent`` runs them (a call one of them schedules
    waits for the next turn; ``Clock.advance`` would run it too)."""
    due = [call for call in clock.calls if call.getTime() <= clock.seconds()]
    for call in due:
        if call.active():
            clock.calls.remove(call)
            call.called = 1
            call.func(*call.args, **call.kw)


class CrowdLeavesTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(ServerConfig(rate=0, max_per_ip=0), self.clock)
        self.crowd = []
        for n in range(CROWD):
            client = FakeClient(self.server)
            client.send(f"user{n}")
            client.send("/join lobby2")
            self.crowd.append(client)
        self.assertEqual(self.server.census().users, CROWD)

    def named(self) -> int:
        return self.server.census().users

    def test_a_turn_gives_back_a_bounded_number(self) -> None:
        """Every connection lost in one turn: that turn gives back
        ``PER_TURN`` of them, the others wait (counted) for the turns
        after it, until all are gone. A name of one waiting is free all
        the same: its user, back at once, gets it."""
        for client in self.crowd:
            client.lose()
        self.assertEqual(self.named(), CROWD - PER_TURN)
        self.assertEqual(self.server.lost_connections.waiting, CROWD - PER_TURN)
        back = FakeClient(self.server)
        back.send(f"user{CROWD - 1}")
        self.assertIn(f"WELCOME user{CROWD - 1}", back.received())
        self.assertEqual(self.server.lost_connections.waiting, CROWD - PER_TURN)
        self.clock.advance(0)
        self.assertEqual(self.named(), 1)
        self.assertFalse(back.closing)
        newcomer = FakeClient(self.server)
        newcomer.send(f"user{CROWD - 2}")
        self.assertIn(f"WELCOME user{CROWD - 2}", newcomer.received())

    def test_the_heartbeat_beats_between_the_turns(self) -> None:
        """A timer due (the heartbeat, every second here) runs while the
        crowd is still being given back, not after all of it."""
        seen: list[int] = []
        beat = LoopingCall(lambda: seen.append(self.named()))
        beat.clock = self.clock
        beat.start(1.0, now=False)
        self.addCleanup(beat.stop)
        for client in self.crowd:
            client.lose()
        self.clock.advance(1.0)
        self.assertEqual(len(seen), 1)
        # The turn of the losses gave back PER_TURN, the next turn as many,
        # then the beat came: it did not wait for the whole crowd.
        self.assertEqual(seen[0], CROWD - 2 * PER_TURN)
        self.clock.pump([0] * 4)
        self.assertEqual(self.named(), 0)

    def test_no_turn_is_left_due_after_the_last_batch(self) -> None:
        """Once the turn that gives back the last of the waiting ones has
        run (fewer than ``PER_TURN``), nothing of this is left due on the
        clock: the node wakes for no empty turn after a crowd has left."""
        for client in self.crowd:
            client.lose()
        turns = 0
        while self.server.lost_connections.waiting:
            one_turn(self.clock)
            turns += 1
        self.assertEqual(turns, 3)
        self.assertEqual(self.named(), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_a_later_loss_is_given_back_at_once(self) -> None:
        """A crowd given back, a later turn's losses are given back as
        they come, up to ``PER_TURN`` of them (the count is this turn's,
        not the crowd's last)."""
        for client in self.crowd[:-PER_TURN]:
            client.lose()
        while self.server.lost_connections.waiting:
            one_turn(self.clock)
        one_turn(self.clock)
        for client in self.crowd[-PER_TURN:]:
            client.lose()
        self.assertEqual(self.server.lost_connections.waiting, 0)
        self.assertEqual(self.named(), 0)

    def test_shutdown_gives_back_those_waiting(self) -> None:
        """The server's shutdown gives back every lost connection still
        waiting, before it lets go of the registry."""
        for client in self.crowd:
            client.lose()
        self.assertGreater(self.server.lost_connections.waiting, 0)
        self.server.stop()
        self.assertEqual(self.server.lost_connections.waiting, 0)
        self.assertEqual(self.named(), 0)

    def test_after_shutdown_each_is_given_back_at_once(self) -> None:
        """Once the server is shutting down, the connections it closes are
        given back as each closes, and no turn of giving back is left due
        on the clock after it has let go (a stopped node would otherwise
        still count and write for them)."""
        self.server.stop()
        for client in self.crowd:
            client.lose()
        self.assertEqual(self.server.lost_connections.waiting, 0)
        self.assertEqual(self.named(), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])


class IRCCrowdLeavesTests(IRCTestCase):
    config = ServerConfig(rate=0, max_per_ip=0)

    def test_a_nick_leaves_the_directory_with_its_connection(self) -> None:
        """At the IRC door the session's own end (its nick out of the
        door's directory) comes with its connection's: a connection still
        waiting keeps its nick in the directory, as it keeps its name."""
        crowd = [self.irc(f"nick{n}") for n in range(PER_TURN + 5)]
        for client in crowd:
            client.session.connectionLost(Failure(ConnectionLost()))
        listed = [
            n for n in range(PER_TURN + 5) if self.factory.directory.find(f"nick{n}")
        ]
        self.assertEqual(listed, list(range(PER_TURN, PER_TURN + 5)))
        self.clock.advance(0)
        self.assertFalse(
            [n for n in range(PER_TURN + 5) if self.factory.directory.find(f"nick{n}")]
        )
