"""A crowd's closed sockets handled over several turns of a real epoll
reactor (:mod:`chatroom.net.pollcap`): the timers due run between them;
a turn's end (the send queues' flush, a Redis link's commands) runs
before the next poll, with no timer; each event is handled in its
selectable's log context."""

from __future__ import annotations

import socket
from collections.abc import Callable

from twisted.internet import tcp
from twisted.internet.epollreactor import EPollReactor
from twisted.internet.protocol import Protocol
from twisted.python import context
from twisted.python.log import ILogContext
from twisted.trial import unittest

from chatroom.doors.base.sendq import Flusher
from chatroom.net.pollcap import EVENTS_PER_POLL, cap_events_per_poll, turn_ends
from chatroom.net.tcpdirect import TurnWriter


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


class Recorder:
    """A poller that reports nothing and notes the timeout of each poll."""

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def poll(self, timeout: float = -1, maxevents: int = -1) -> list[tuple[int, int]]:
        self.timeouts.append(timeout)
        return []


class TurnEndTests(unittest.TestCase):
    """What a turn's end runs (the send queues' flush): before the next
    poll, with no timer, and never a sleep past what it scheduled."""

    def setUp(self) -> None:
        self.reactor = Turns()
        self.addCleanup(self.reactor._poller.close)
        self.addCleanup(self.reactor.waker.connectionLost, None)
        self.assertTrue(cap_events_per_poll(self.reactor))
        ends = turn_ends(self.reactor)
        assert ends is not None
        self.ends = ends

    def test_an_end_runs_once_before_the_next_poll_with_no_timer(self) -> None:
        """An end asked for runs at the next turn, before its poll, once;
        the reactor holds no timed call for it (none made per turn)."""
        ran: list[int] = []
        self.ends.append(lambda: ran.append(self.reactor.turn))
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        self.reactor.turn = 1
        self.reactor.doIteration(0)
        self.reactor.turn = 2
        self.reactor.doIteration(0)
        self.assertEqual(ran, [1])

    def test_a_call_an_end_schedules_keeps_the_poll_from_sleeping(self) -> None:
        """The timeout was reckoned before the end ran: if the end made a
        timed call, the poll does not wait (the call is due now)."""
        recorder = Recorder()
        self.reactor.doIteration.poller = recorder  # type: ignore[attr-defined]

        def schedule() -> None:
            self.reactor.callLater(0, lambda: None)

        self.ends.append(schedule)
        self.reactor.doIteration(None)  # no timer when it was reckoned
        self.reactor.doIteration(None)
        self.assertEqual(recorder.timeouts, [0, -1])

    def test_a_flush_needs_no_timer(self) -> None:
        """A send queue written during a turn is sent at the turn's end
        (before the poll), through the reactor's turn loop, not a timer."""
        mine, peer = socket.socketpair()
        self.addCleanup(mine.close)
        self.addCleanup(peer.close)
        flusher = Flusher(self.reactor)
        flusher.add(Flushed(peer))  # type: ignore[arg-type]
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        self.reactor.doIteration(0)
        self.assertEqual(mine.recv(100), b"sent")

    def test_a_redis_links_commands_leave_before_the_turns_sends(self) -> None:
        """A Redis link's commands of a turn reach Redis before the doors'
        send queues of that turn are flushed, though the flush was asked
        for first: the other nodes' copies of a message wait on the
        commands, the node's members on the flush (a reactor's iteration:
        its timed calls, then its turn, as ``mainLoop`` runs them)."""
        redis, link = socket.socketpair()
        member, queue = socket.socketpair()
        for each in (redis, link, member, queue):
            self.addCleanup(each.close)
        link.setblocking(False)
        connection = tcp.Connection(link, Protocol(), self.reactor)
        connection.connected = True
        writer = TurnWriter(connection, self.reactor)
        redis.setblocking(False)
        seen_by_redis: list[bytes] = []

        class Noting(Flushed):
            def flush(self) -> None:
                try:  # what Redis has been sent when the members' turn comes
                    seen_by_redis.append(redis.recv(100))
                except BlockingIOError:
                    seen_by_redis.append(b"")
                super().flush()

        Flusher(self.reactor).add(Noting(queue))  # type: ignore[arg-type]
        writer.write(b"*1\r\n$4\r\nPING\r\n")
        writer.writeSequence([b"*2\r\n$3\r\nGET\r\n", b"$1\r\nk\r\n"])
        self.reactor.runUntilCurrent()
        self.reactor.doIteration(0)
        self.assertEqual(
            seen_by_redis, [b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"]
        )
        self.assertEqual(member.recv(100), b"sent")

    def test_what_a_read_logs_carries_its_log_prefix(self) -> None:
        """Each event is handled in its selectable's log context, as
        Twisted's ``callWithLogger`` does: what Twisted's own legacy log
        says meanwhile names it (the ``[system]`` of the log's line)."""
        mine, peer = socket.socketpair()
        self.addCleanup(mine.close)
        self.addCleanup(peer.close)
        peer.send(b"x")
        systems: list[str] = []
        reader = Prefixed(mine, systems)
        self.reactor.addReader(reader)
        self.addCleanup(self.reactor.removeReader, reader)
        self.reactor.doIteration(0)
        self.assertEqual(systems, ["prefixed"])
        self.assertEqual(context.get(ILogContext)["system"], "-")  # popped

    def test_the_context_around_the_loop_is_kept(self) -> None:
        """What the loop runs in (``context.call``, as a thread's work is
        run) is seen by each event's handling too, as through Twisted's
        ``callWithContext`` (a context's lookup goes down the stack)."""
        mine, peer = socket.socketpair()
        self.addCleanup(mine.close)
        self.addCleanup(peer.close)
        peer.send(b"x")
        seen: list[object] = []
        reader = Prefixed(mine, [], lambda: seen.append(context.get("around")))
        self.reactor.addReader(reader)
        self.addCleanup(self.reactor.removeReader, reader)
        context.call({"around": "kept"}, self.reactor.doIteration, 0)
        self.assertEqual(seen, ["kept"])


class Flushed:
    """A send queue (to a socket) whose flush sends ``sent``."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def flush(self) -> None:
        self.sock.send(b"sent")


class Prefixed:
    """A reader that notes the log context's ``system`` when it reads."""

    def __init__(
        self,
        sock: socket.socket,
        systems: list[str],
        also: Callable[[], object] = lambda: None,
    ) -> None:
        self.socket = sock
        self.systems = systems
        self.also = also

    def fileno(self) -> int:
        return self.socket.fileno()

    def logPrefix(self) -> str:
        return "prefixed"

    def doRead(self) -> None:
        self.socket.recv(10)
        self.systems.append(context.get(ILogContext)["system"])
        self.also()
