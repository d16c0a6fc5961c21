"""A server bounds the sign-ons it has in flight (``--signons-in-flight``).

A sign-on is the line of a connection without a name that waits on the
registry; past the limit the server's line and IRC ports stop accepting
and further names wait, and a connection that says nothing holds no slot.
Driven with real protocols over ``StringTransport``, a name that waits on
a Deferred the test fires (as a cluster node waits for Redis), and a real
``tcp.Port`` on a ``MemoryReactor`` (whose readers show whether it
accepts).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from twisted.internet import tcp
from twisted.internet.defer import Deferred
from twisted.internet.protocol import Factory
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactor, StringTransport
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.admission import SignOns
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.doors.line.protocol import LineProtocol
from chatroom.doors.line.session import LineSession
from chatroom.doors.web.metrics import ServerCollector
from chatroom.wiring.service import HubService
from tests.support import FakeClient, local_server


class SlowNameSession(LineSession):
    """A name waits for the test to answer, as a cluster node waits for
    Redis's claim."""

    answers: list[Deferred[None]]

    async def choose_name(
        self, name: str, account: str | None = None, takeover: bool = True
    ) -> None:
        answer: Deferred[None] = Deferred()
        self.answers.append(answer)
        await answer
        await super().choose_name(name, account, takeover)


class SlowNameProtocol(LineProtocol):
    session_class = SlowNameSession
    session: SlowNameSession


class AdmissionTests(unittest.TestCase):
    """Two sign-ons in flight at most; the port a real listening port."""

    def setUp(self) -> None:
        self.server = local_server(ServerConfig(rate=0, signons_in_flight=2), Clock())
        self.answers: list[Deferred[None]] = []
        self.reactor = MemoryReactor()
        self.port = tcp.Port(0, Factory(), reactor=self.reactor)
        self.port.connected = True  # as after startListening
        self.port.startReading()
        self.server.signons.door(self.port)
        self.addCleanup(self.stop_server)

    def stop_server(self) -> None:
        """The server stops after each test as twistd stops it, closing
        every connection: a name a test left waiting for a slot is let go
        with its connection, not left to Python's "never awaited" warning
        when a later test's garbage collection finds it."""
        HubService(self.server).stopService()

    def client(self) -> FakeClient:
        client = FakeClient(self.server, protocol_class=SlowNameProtocol)
        protocol = client.protocol
        assert isinstance(protocol, SlowNameProtocol)
        protocol.session.answers = self.answers
        client.received()  # the greeting
        return client

    def accepting(self) -> bool:
        return self.port in self.reactor.getReaders()

    def test_past_the_limit_the_door_shuts_and_names_wait(self) -> None:
        """Two names in flight: a third name waits unread (its connection
        paused) and the port stops accepting, until the first is answered;
        the third then runs, and once fewer than two are in flight the
        port accepts again."""
        alice, bob, carol = self.client(), self.client(), self.client()
        alice.send("alice")
        bob.send("bob")
        self.assertTrue(self.accepting())
        carol.send("carol")
        self.assertFalse(self.accepting())
        self.assertEqual(len(self.answers), 2)  # carol's name not yet asked
        self.assertEqual(carol.transport.producerState, "paused")
        self.assertEqual(self.server.signons.waiting(), 1)
        self.answers[0].callback(None)
        self.assertEqual(alice.received()[0], "WELCOME alice")
        self.assertEqual(len(self.answers), 3)  # carol's turn
        self.assertFalse(self.accepting())  # bob's and carol's in flight
        self.answers[1].callback(None)
        self.assertEqual(bob.received()[0], "WELCOME bob")
        self.assertTrue(self.accepting())
        self.answers[2].callback(None)
        self.assertEqual(carol.received()[0], "WELCOME carol")
        self.assertEqual(carol.transport.producerState, "producing")
        self.assertEqual(len(self.server.signons), 0)

    def test_metrics_show_the_sign_ons(self) -> None:
        """``/metrics`` shows the sign-ons in flight, the names waiting, and
        how often the door shut."""
        clients = [self.client() for _ in range(3)]
        for client, name in zip(clients, ("alice", "bob", "carol"), strict=True):
            client.send(name)
        samples = {
            sample.name: sample.value
            for family in ServerCollector(self.server, 0).collect()
            for sample in family.samples
        }
        self.assertEqual(samples["chatroom_signons_in_flight"], 2)
        self.assertEqual(samples["chatroom_signons_waiting"], 1)
        self.assertEqual(samples["chatroom_signon_door_shut_total"], 1)

    def test_a_quiet_connection_holds_no_slot(self) -> None:
        """Ten connections that say nothing take no slot: the port accepts,
        and a name is asked at once."""
        quiet = [self.client() for _ in range(10)]
        self.assertEqual(len(self.server.signons), 0)
        self.assertTrue(self.accepting())
        alice = self.client()
        alice.send("alice")
        self.assertEqual(len(self.answers), 1)
        self.assertTrue(self.accepting())
        self.assertEqual(len(quiet), 10)

    def test_a_named_connection_holds_no_slot(self) -> None:
        """Once named, a connection's lines take no slot, however long
        they wait: a named user's command is not a sign-on."""
        alice = self.client()
        alice.send("alice")
        self.answers[0].callback(None)
        alice.received()
        self.assertEqual(len(self.server.signons), 0)
        alice.send("/list")
        self.assertEqual(len(self.server.signons), 0)

    def test_a_waiting_name_whose_connection_closed_gives_its_turn(self) -> None:
        """carol waits for a slot and hangs up: when alice's name is
        answered, the slot goes to dave, who came after carol."""
        alice, bob, carol, dave = (self.client() for _ in range(4))
        alice.send("alice")
        bob.send("bob")
        carol.send("carol")
        dave.send("dave")
        carol.lose()
        self.answers[0].callback(None)
        self.assertEqual(len(self.answers), 3)  # dave's, not carol's
        self.answers[2].callback(None)
        self.assertEqual(dave.received()[0], "WELCOME dave")

    def test_a_reload_with_room_lets_the_waiting_in(self) -> None:
        """A reload raising ``--signons-in-flight`` starts the names waiting
        and opens the door."""
        alice, bob, carol = self.client(), self.client(), self.client()
        for client, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
            client.send(name)
        self.assertEqual(len(self.answers), 2)
        self.server.reconfigure(ServerConfig(rate=0, signons_in_flight=4))
        self.assertEqual(len(self.answers), 3)
        self.assertTrue(self.accepting())


class SingleServerTests(unittest.TestCase):
    """On one server nothing waits on the registry: a name takes a slot
    and gives it back within its line, and the door never shuts."""

    def test_names_on_one_server_never_shut_the_door(self) -> None:
        server = local_server(ServerConfig(rate=0, signons_in_flight=1), Clock())
        reactor = MemoryReactor()
        port = tcp.Port(0, Factory(), reactor=reactor)
        port.connected = True
        port.startReading()
        server.signons.door(port)
        for name in ("alice", "bob", "carol"):
            client = FakeClient(server)
            client.received()
            client.send(name)
            self.assertEqual(client.received()[0], f"WELCOME {name}")
        self.assertEqual(len(server.signons), 0)
        self.assertIn(port, reactor.getReaders())
        self.assertEqual(server.signons.shut_times, 0)


class IRCAdmissionTests(unittest.TestCase):
    """The IRC door's registration is a sign-on too: ``NICK`` and ``USER``
    of a client past the limit wait their turn."""

    def test_registration_waits_for_a_slot(self) -> None:
        server = local_server(ServerConfig(rate=0, signons_in_flight=1), Clock())
        waiting = FakeClient(server, protocol_class=SlowNameProtocol)
        protocol = waiting.protocol
        assert isinstance(protocol, SlowNameProtocol)
        answers: list[Deferred[None]] = []
        protocol.session.answers = answers
        waiting.send("alice")  # the one slot, held
        irc = IRCFactory(server).buildProtocol(None)
        transport = StringTransport()
        irc.makeConnection(transport)
        irc.dataReceived(b"NICK bob\r\nUSER bob 0 * :Bob\r\n")
        self.assertNotIn(b" 001 ", transport.value())
        self.assertEqual(transport.producerState, "paused")
        answers[0].callback(None)
        self.assertIn(b" 001 bob ", transport.value())
        self.assertEqual(len(server.signons), 0)


class SignOnsTests(unittest.TestCase):
    """:class:`SignOns` without a limit (0) never shuts anything."""

    def test_no_limit(self) -> None:
        signons = SignOns(0)
        reactor = MemoryReactor()
        port = tcp.Port(0, Factory(), reactor=reactor)
        port.connected = True
        port.startReading()
        signons.door(port)
        holders = [object() for _ in range(1000)]
        self.assertTrue(all(signons.take(holder) for holder in holders))
        self.assertIn(port, reactor.getReaders())
        self.assertEqual(signons.shut_times, 0)


#: A server stops while a name and an IRC registration wait for the one
#: slot, the way twistd stops it (its log begun, as twistd begins it into
#: its log file); then everything is let go and collected, and whatever
#: Python warned of on the way is printed.
STOP_WHILE_WAITING = """
import gc, warnings
from twisted.internet.error import ConnectionLost
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import globalLogBeginner
from twisted.python.failure import Failure
from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.wiring.service import HubService
from tests.doors.base.test_admission import SlowNameProtocol
from tests.support import FakeClient, local_server

globalLogBeginner.beginLoggingTo([lambda event: None], redirectStandardIO=False)


def serve_then_stop():
    server = local_server(ServerConfig(rate=0, signons_in_flight=1), Clock())
    irc = IRCFactory(server).buildProtocol(None)
    irc.makeConnection(StringTransport())
    irc.dataReceived(b"CAP LS 302\\r\\nCAP REQ :labeled-response\\r\\n")
    answers = []
    alice, bob = (FakeClient(server, protocol_class=SlowNameProtocol) for _ in "ab")
    for client, name in ((alice, "alice"), (bob, "bob")):
        client.protocol.session.answers = answers
        client.send(name)  # alice's takes the one slot; bob's waits
    irc.dataReceived(b"@label=1 NICK carol\\r\\n")  # waits too
    print("waiting", server.signons.waiting())
    HubService(server).stopService()
    for protocol in (alice.protocol, bob.protocol, irc):
        protocol.connectionLost(Failure(ConnectionLost()))


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    serve_then_stop()
    gc.collect()
for warning in caught:
    print(warning.category.__name__, warning.message)
"""


class StopTests(unittest.TestCase):
    """A server that stops while sign-ons wait for a slot lets their
    lines go cleanly: no line's work is left behind unrun, for Python to
    find and warn of ("coroutine ... was never awaited") when it is
    collected. Run in a fresh interpreter, where nothing but the server
    keeps the server's objects (in a test run Twisted's buffer of log
    events not yet written keeps every logging connection)."""

    def test_lines_waiting_at_the_stop_leave_no_coroutine_unawaited(self) -> None:
        """A line-door name and a labeled IRC ``NICK`` wait for the one
        slot when the server stops: once all is collected, Python has
        warned of nothing."""
        checkout = Path(__file__).resolve().parents[3]
        done = subprocess.run(
            [sys.executable, "-c", STOP_WHILE_WAITING],
            cwd=checkout,
            env=dict(os.environ, PYTHONPATH=str(checkout)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.splitlines(), ["waiting 2"], done.stderr)
