"""A slash command's call as ``twistd chatroom`` makes it, driven on a
memory reactor: the guard at add and at each use, the request's form, the
answers said in the room or to the typer alone, and the failures (a
redirect, a status, no answer within 5 s on the injected clock)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from twisted.internet._resolver import HostResolution
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial import unittest
from zope.interface import implementer

from chatroom.core.model.config import ServerConfig
from chatroom.core.rooms.slash_commands import ANSWER_SECONDS
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from chatroom.wiring.slashcalls import SlashCaller
from tests.backends.contracts.handler import User
from tests.support import FakeClient, local_server

CONFIG = ServerConfig(rate=0, name="chat.example")
#: A public address: connected to as the literal it is.
URL = "http://93.184.216.34/weather"


@implementer(IHostnameResolver)
class Hosts:
    """Names resolved from a table, at once."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def resolveHostName(
        self,
        receiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Any = None,
        transportSemantics: str = "TCP",
    ) -> HostResolution:
        resolution = HostResolution(hostName)
        receiver.resolutionBegan(resolution)
        if hostName in self.table:
            receiver.addressResolved(IPv4Address("TCP", self.table[hostName], 0))
        receiver.resolutionComplete()
        return resolution


def http_answer(status: str, kind: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {kind}", *headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class CallTests(unittest.TestCase):
    def setUp(self) -> None:
        self.reactor = MemoryReactorClock()
        policy = OutboundPolicy.parse(["127.0.0.1:8080"])
        guard = OutboundGuard(
            self.reactor, policy, resolver=Hosts({"localhost": "127.0.0.1"})
        )
        self.server = local_server(
            CONFIG, self.reactor, call_command=SlashCaller(guard)
        )
        self.alice = self.user("alice", "/create tea")
        self.bob = self.user("bob", "/join tea", "/caps rich")

    def user(self, *lines: str) -> User:
        user = User(FakeClient(self.server))
        for line in lines:
            user.say(line)
        return user

    def lines(self, user: User, prefix: str) -> list[str]:
        return [line for line in user.unread() if prefix in line]

    def added(self, url: str = URL) -> str:
        self.alice.say(f"/command add weather {url}")
        line = self.alice.take("COMMAND ")
        assert line is not None, self.alice.unread()
        return line.split(" ")[3]

    def connection(self, index: int = 0) -> tuple[Any, StringTransport, dict[str, str]]:
        """The call's connection (where it went), the protocol answering it,
        and the form it posted."""
        host, port, factory, _timeout, _bind = self.reactor.tcpClients[index]
        self.assertEqual((host, port), ("93.184.216.34", 80))
        protocol = factory.buildProtocol(None)
        assert protocol is not None
        transport = StringTransport()
        protocol.makeConnection(transport)
        request = transport.value()
        head, _, body = request.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"POST /weather HTTP/1.1\r\n"), head)
        self.assertIn(b"Content-Type: application/x-www-form-urlencoded", head)
        return protocol, transport, dict(parse_qsl(body.decode(), True))

    def test_the_guard_at_add(self) -> None:
        """Loopback outside the allow list, ``localhost`` (a name for it),
        cloud metadata and private addresses are refused ``BAD_ARGS``
        without a connection; the allowed place is taken."""
        for url in (
            "http://127.0.0.1:9090/",
            "http://localhost:9090/",
            "http://localhost/",
            "http://169.254.169.254/latest/meta-data/",
            "http://192.168.1.1/",
            "http://unknown.example/",
        ):
            self.alice.say(f"/command add w {url}")
            self.assertEqual(
                self.lines(self.alice, "ERR "),
                ["ERR BAD_ARGS the address is not a public address"],
                url,
            )
            self.alice.seen = len(self.alice.lines)
        self.added("http://localhost:8080/weather")
        self.assertEqual(self.reactor.tcpClients, [])

    def test_in_channel_is_said_by_the_commands_bot(self) -> None:
        """bob's ``/weather paris`` posts Mattermost's fields; the
        ``in_channel`` answer is a message of ``weather[bot]`` tagged bot,
        which both see, and bob's line itself is shown to nobody."""
        token = self.added()
        self.bob.say("/weather paris now")
        protocol, _, form = self.connection()
        self.assertEqual(
            form,
            {
                "token": token,
                "command": "/weather",
                "text": "paris now",
                "user_name": "bob",
                "channel_name": "tea",
                "channel_id": "tea",
                "user_id": "bob",
                "team_domain": "chat.example",
            },
        )
        body = b'{"response_type": "in_channel", "text": "Paris: *sunny*\\n21 C"}'
        protocol.dataReceived(http_answer("200 OK", "application/json", body))
        (said,) = self.lines(self.alice, "MSG tea")
        self.assertTrue(said.startswith("MSG tea weather[bot] "), said)
        self.assertTrue(said.endswith(" Paris: *sunny* 21 C"), said)
        (tagged,) = self.lines(self.bob, "MSG tea")
        self.assertRegex(
            tagged, r"^@\d+;multiline=Paris:\\s\*sunny\*\\n21\\sC;bot MSG tea weather"
        )
        self.assertEqual(self.lines(self.alice, "paris now"), [])

    def test_the_typer_goes_on_while_the_command_answers(self) -> None:
        """While ``/weather`` waits for its answer (up to 5 s), what bob
        types next is said at once; the answer comes when it does."""
        self.added()
        self.bob.say("/weather")
        protocol, _, _ = self.connection()
        self.bob.say("meanwhile")
        self.bob.say("/weather")  # a second call, made at once too
        self.assertEqual(len(self.reactor.tcpClients), 2)
        (said,) = self.lines(self.alice, "MSG tea")
        self.assertTrue(said.startswith("MSG tea bob "), said)
        self.assertTrue(said.endswith(" meanwhile"), said)
        body = b'{"response_type": "in_channel", "text": "sunny"}'
        protocol.dataReceived(http_answer("200 OK", "application/json", body))
        answered = self.lines(self.alice, "MSG tea")
        self.assertTrue(answered[-1].startswith("MSG tea weather[bot] "), answered)

    def test_a_member_who_may_not_speak_calls_nothing(self) -> None:
        """In a moderated room bob, who has no voice, is refused
        ``MODERATED`` and no call is made (its answer would speak for him);
        once voiced, his command calls."""
        self.added()
        self.alice.say("/set moderated on")
        self.bob.say("/weather paris")
        (refused,) = self.lines(self.bob, "ERR ")
        self.assertTrue(refused.startswith("ERR MODERATED "), refused)
        self.assertEqual(self.reactor.tcpClients, [])
        self.alice.say("/voice bob")
        self.bob.say("/weather paris")
        self.connection()

    def test_ephemeral_is_the_typers_alone(self) -> None:
        """An ephemeral answer, JSON or plain text, is ``EPHEMERAL`` to bob
        alone, under the name it asks for, a line each of its lines; an
        empty one shows nothing."""
        self.added()
        for index, (kind, body) in enumerate(
            (
                ("application/json", b'{"text": "just you", "username": "Sky"}'),
                ("text/plain; charset=utf-8", b"plain for you\n\nand more"),
                ("application/json", b""),
            )
        ):
            self.bob.say("/weather")
            protocol, _, _ = self.connection(index)
            protocol.dataReceived(http_answer("200 OK", kind, body))
        shown = [line.split(" ", 4) for line in self.lines(self.bob, "EPHEMERAL")]
        self.assertEqual(
            [(line[1], line[2], line[4]) for line in shown],
            [
                ("tea", "Sky[bot]", "just you"),
                ("tea", "weather[bot]", "plain for you"),
                ("tea", "weather[bot]", "and more"),
            ],
        )
        self.assertEqual(self.lines(self.bob, "ERR"), [])
        self.assertEqual(self.lines(self.alice, "you"), [])

    def test_failures_are_unavailable(self) -> None:
        """A redirect is not followed; a ``500`` and no answer within 5 s
        (the injected clock) are ``ERR UNAVAILABLE``; the room hears
        nothing."""
        self.added()
        self.bob.say("/weather")
        protocol, _, _ = self.connection()
        moved = http_answer(
            "302 Found", "text/plain", b"", "Location: http://10.0.0.1/"
        )
        protocol.dataReceived(moved)
        self.assertEqual(len(self.reactor.tcpClients), 1)  # nowhere else
        self.bob.say("/weather")
        protocol, _, _ = self.connection(1)
        protocol.dataReceived(http_answer("500 Oops", "text/plain", b"broken"))
        self.bob.say("/weather")
        _, transport, _ = self.connection(2)
        self.reactor.advance(ANSWER_SECONDS - 0.1)
        self.assertEqual(len(self.lines(self.bob, "ERR ")), 2)
        self.reactor.advance(0.1)
        self.assertEqual(
            self.lines(self.bob, "ERR "),
            [
                "ERR UNAVAILABLE /weather did not answer (it redirected: 302)",
                "ERR UNAVAILABLE /weather did not answer (status 500)",
                "ERR UNAVAILABLE /weather did not answer (no answer in 5 s)",
            ],
        )
        self.assertTrue(transport.disconnecting or transport.disconnected)
        self.assertEqual(self.lines(self.alice, "MSG"), [])

    def test_a_name_the_room_lacks_is_unknown(self) -> None:
        """``/NAME`` of no command of the room is ``UNKNOWN_COMMAND``, in
        the lobby too; nothing is called."""
        self.added()
        self.bob.say("/forecast")
        self.assertEqual(
            self.lines(self.bob, "ERR "),
            ["ERR UNKNOWN_COMMAND no command /forecast; try /help"],
        )
        self.bob.say("/leave")
        self.bob.say("/weather")
        self.assertEqual(
            self.lines(self.bob, "ERR UNKNOWN")[-1].split()[:2],
            ["ERR", "UNKNOWN_COMMAND"],
        )
        self.assertEqual(self.reactor.tcpClients, [])
