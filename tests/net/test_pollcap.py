"""A crowd's closed sockets handled over several turns of a real epoll
reactor (:mod:`chatroom.net.pollcap`): the timers due run between them."""

from __future__ import annotations

import socket

from twisted.internet.epollreactor import EPollReactor
from twisted.trial import unittest

from chatroom.net.pollcap import EVENTS_PER_POLL, cap_events_per_poll


class Turns(EPollReactor):
    """An epoll reactor (never run) that counts its polls."""

    turn = 0


class Closed:
    """A reader whose peer has closed: each turn that reports it reads it
    once (and notes the turn), then it is removed, as a closed
    connection is."""

    def __init__(self, reactor: Turns, mine: socket.socket, turns: list[int]) -> None:
        self.reactor = reactor
        self.socket = mine
        self.turns = turns

    def fileno(self) -> int:
        return self.socket.fileno()

    def logPrefix(self) -> str:
        return "closed"

    def doRead(self) -> None:
        self.turns.append(self.reactor.turn)
        self.reactor.removeReader(self)


class EventsPerPollTests(unittest.TestCase):
    def setUp(self) -> None:
        self.reactor = Turns()
        self.addCleanup(self.reactor._poller.close)
        self.addCleanup(self.reactor.waker.connectionLost, None)
        self.read: list[int] = []
        for _ in range(10):
            mine, peer = socket.socketpair()
            self.addCleanup(mine.close)
            peer.close()  # the client left
            self.reactor.addReader(Closed(self.reactor, mine, self.read))

    def poll(self) -> None:
        self.reactor.turn += 1
        self.reactor.doIteration(0)

    def test_closed_sockets_are_handled_cap_a_turn(self) -> None:
        """Ten sockets closed together, at most four a turn: each turn
        handles four, all are handled once, none twice, in three turns."""
        self.assertTrue(cap_events_per_poll(self.reactor, cap=4))
        for _ in range(4):
            self.poll()
        self.assertEqual(self.read, [1] * 4 + [2] * 4 + [3] * 2)

    def test_the_default_cap(self) -> None:
        """Installed with the default cap, the reactor's poll asks for no
        more than it, whatever the number of its sockets."""
        self.assertTrue(cap_events_per_poll(self.reactor))
        self.assertEqual(self.reactor._poller.cap, EVENTS_PER_POLL)
        self.poll()
        self.assertEqual(self.read, [1] * 10)

    def test_not_an_epoll_reactor(self) -> None:
        """Another reactor (a test's clock) is left as it is."""
        from twisted.internet.task import Clock

        self.assertFalse(cap_events_per_poll(Clock()))
