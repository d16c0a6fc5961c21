"""Commands that wait on shared state (cluster mode) keep a connection's order.

A handler may return a coroutine instead of finishing at once; the lines the
client sent after it must wait, in order, and the client must not be able
to pile up more meanwhile. These tests drive ``LineProtocol`` with a handler
that waits on a Deferred the test fires, over a ``StringTransport``.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.doors.line import session as session_module
from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.line.session import LineSession
from tests.support import FakeClient, chat_core, local_server


class SlowListSession(LineSession):
    """``/list`` waits for the test to answer, as a cluster node waits for Redis."""

    answers: list[Deferred[bytes]]

    async def do_list(self, args: str) -> None:
        answer: Deferred[bytes] = Deferred()
        self.answers.append(answer)
        self.send(await answer)


async def list_as_overridden(session: LineSession, args: str) -> None:
    """``/list`` by the session's own ``do_list`` (a subclass's override):
    the table names :meth:`LineSession.do_list` itself."""
    await session.do_list(args)


class SlowListProtocol(LineProtocol):
    """A line connection whose session is a :class:`SlowListSession`."""

    session_class = SlowListSession
    session: SlowListSession


class WaitingTests(unittest.TestCase):
    """One command at a time per connection, whatever the others do."""

    def setUp(self) -> None:
        self.server = local_server(ServerConfig(rate=0), Clock())
        states = session_module.COMMANDS["list"][1]
        commands = {**session_module.COMMANDS, "list": (list_as_overridden, states)}
        self.patch(session_module, "COMMANDS", commands)
        self.client = FakeClient(self.server, protocol_class=SlowListProtocol)
        protocol = self.client.protocol
        assert isinstance(protocol, SlowListProtocol)
        self.answers: list[Deferred[bytes]] = []
        protocol.session.answers = self.answers
        self.client.send("alice")
        self.client.received()

    def test_later_lines_wait_for_the_slow_command(self) -> None:
        """Lines after a waiting command are answered after it, in order."""
        self.client.send("/list")
        self.client.send("/nick alicia")
        self.client.send("/bogus")
        self.assertEqual(self.client.received(), [])
        self.assertEqual(self.client.transport.producerState, "paused")
        self.answers[0].callback(b"ROOMS 0\r\n")
        lines = self.client.received()
        self.assertEqual(lines[:2], ["ROOMS 0", "NICK alice alicia"])
        self.assertTrue(lines[2].startswith("ERR UNKNOWN_COMMAND "))
        self.assertEqual(self.client.transport.producerState, "producing")

    def test_a_waiting_command_behind_another_waits_its_turn(self) -> None:
        """Two slow commands in a row: the second starts when the first ends."""
        self.client.send("/list")
        self.client.send("/list")
        self.assertEqual(len(self.answers), 1)
        self.answers[0].callback(b"ROOMS 1\r\n")
        self.assertEqual(len(self.answers), 2)
        self.answers[1].callback(b"ROOMS 2\r\n")
        self.assertEqual(self.client.received(), ["ROOMS 1", "ROOMS 2"])

    def test_the_socket_is_read_on_until_more_comes(self) -> None:
        """A waiting command alone leaves its socket read (no pause and
        resume of the socket per command: two system calls each, for every
        message of a cluster node's user); a line that comes meanwhile is
        held behind it, and then the socket waits."""
        self.client.send("/list")
        self.assertEqual(self.client.transport.producerState, "producing")
        self.client.send("/nick alicia")
        self.assertEqual(self.client.received(), [])
        self.assertEqual(self.client.transport.producerState, "paused")
        self.answers[0].callback(b"ROOMS 0\r\n")
        self.assertEqual(self.client.received(), ["ROOMS 0", "NICK alice alicia"])
        self.assertEqual(self.client.transport.producerState, "producing")

    def test_refusal_while_waiting_is_an_error_reply(self) -> None:
        """A ChatError raised after waiting is answered like any refusal."""
        self.client.send("/list")
        self.answers[0].errback(ChatError("UNAVAILABLE", "the cluster is unreachable"))
        self.assertEqual(
            self.client.received(), ["ERR UNAVAILABLE the cluster is unreachable"]
        )

    def test_failure_while_waiting_is_internal_and_logged(self) -> None:
        """An unexpected exception becomes ERR INTERNAL; the session goes on."""
        self.client.send("/list")
        self.client.send("/nick alicia")
        self.answers[0].errback(RuntimeError("boom"))
        lines = self.client.received()
        self.assertTrue(lines[0].startswith("ERR INTERNAL "))
        self.assertEqual(lines[1], "NICK alice alicia")
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_connection_lost_while_waiting_answers_nothing_more(self) -> None:
        """Lines held behind a command die with the connection."""
        self.client.send("/list")
        self.client.send("/nick alicia")
        self.client.lose()
        self.answers[0].callback(b"ROOMS 0\r\n")
        self.assertEqual(self.client.received(), [])
        names = [s.name for _, s in chat_core(self.server).sessions.named()]
        self.assertNotIn("alicia", names)
