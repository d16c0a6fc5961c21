"""A bot's event streams over two real nodes on one ``redis-server``, at
their HTTP doors as a bot's client reads them (a socket each, the
request written by hand, the answer read as it comes).

With ``--max-devices 2``, one stream open through node one and one
through node two are the bot's two: a third is ``409 TOO_MANY_DEVICES``
through either, and the client closing one of them frees its place;
standing in its rooms on both nodes meanwhile, the bot still signs in
from two connections of its own at the line door (the streams and its
standing are none of its devices). A node killed with both streams (a
``twistd`` of its own) holds them no longer than its heartbeat: the
survivor opens two once it has lapsed.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Generator
from typing import Any

from twisted.internet import defer, protocol, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from chatroom.wiring.tap import ChatroomService
from tests.cluster.support import ClusterTestCase
from tests.integration.test_twistd import spawn_twistd
from tests.support import port_of, until

LIMIT = ("--max-devices", "2")
WEB = ("--http", "tcp:0:interface=127.0.0.1", *LIMIT)


class StreamClient(protocol.Protocol):
    """One ``GET /api/v1/events`` on a socket of its own: what came back."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.received = b""
        self.lost: defer.Deferred[None] = defer.Deferred()

    def connectionMade(self) -> None:
        self.transport.write(  # type: ignore[union-attr]
            b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Connection: close\r\n"
            b"Authorization: Bearer " + self.token.encode() + b"\r\n\r\n"
        )

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: Any = None) -> None:
        if not self.lost.called:
            self.lost.callback(None)

    @property
    def status(self) -> int:
        """The answer's status (0: none yet)."""
        line = self.received.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) > 1 and b"\r\n\r\n" in self.received else 0

    @property
    def body(self) -> bytes:
        """What came after the head, its chunks joined (if it came in
        chunks)."""
        head, _, body = self.received.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" not in head.lower():
            return body
        joined = b""
        while body:
            size, _, rest = body.partition(b"\r\n")
            length = int(size.split(b";")[0] or b"0", 16)
            joined, body = joined + rest[:length], rest[length + 2 :]
            if not length:
                break
        return joined

    def close(self) -> defer.Deferred[None]:
        """The client hangs up (the connection lost, as a bot's ends)."""
        self.transport.loseConnection()  # type: ignore[union-attr]
        return self.lost


def free_port() -> int:
    """A port nothing listens on now (for a process's ``--http``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StreamsOnTwoNodes(ClusterTestCase):
    timeout = 120

    def setUp(self) -> Any:
        self.streams: list[StreamClient] = []
        self.addCleanup(self._hang_up)
        return super().setUp()

    def _hang_up(self) -> defer.Deferred[Any]:
        return defer.gatherResults([s.close() for s in self.streams if s.transport])

    @defer.inlineCallbacks
    def bot(self, node: ChatroomService) -> Generator[Any, Any, str]:
        """The bot robot, made through ``node``: its token."""
        made = node.server.registry.accounts.bots.add("robot")
        _, token = yield defer.Deferred.fromCoroutine(made)
        return token

    @defer.inlineCallbacks
    def stream(self, port: int, token: str) -> Generator[Any, Any, StreamClient]:
        """A stream asked for at the HTTP door on ``port``, once answered."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        client = yield connectProtocol(endpoint, StreamClient(token))
        self.streams.append(client)
        yield until(lambda: defer.succeed(client.status), 30, "the stream answered")
        return client

    @defer.inlineCallbacks
    def streamed(self, port: int, token: str) -> Generator[Any, Any, StreamClient]:
        """A stream open at ``port``: ``200``, ``text/event-stream``."""
        client = yield self.stream(port, token)
        self.assertEqual(client.status, 200, client.received)
        self.assertIn(b"text/event-stream", client.received)
        yield until(
            lambda: defer.succeed(b": connected" in client.body), 30, "connected"
        )
        return client

    @defer.inlineCallbacks
    def refused(self, port: int, token: str) -> Generator[Any, Any, None]:
        """One more stream at ``port`` is ``409 TOO_MANY_DEVICES``."""
        client = yield self.stream(port, token)
        self.assertEqual(client.status, 409, client.received)
        yield until(lambda: defer.succeed(client.lost.called), 30, "answered whole")
        answer = json.loads(client.body)
        self.assertEqual(answer["error"], "TOO_MANY_DEVICES")

    @defer.inlineCallbacks
    def opens_again(self, port: int, token: str) -> Generator[Any, Any, StreamClient]:
        """A stream asked for at ``port`` until one opens (a place is freed
        as its node learns what freed it)."""

        @defer.inlineCallbacks
        def attempt() -> Generator[Any, Any, StreamClient | None]:
            client = yield self.stream(port, token)
            if client.status == 200:
                return client
            yield client.close()
            return None

        client = yield until(attempt, 60, "a stream opened")
        return client

    @defer.inlineCallbacks
    def test_one_stream_on_each_node_is_the_limit(
        self,
    ) -> Generator[Any, Any, None]:
        one, two = yield self.start_nodes(2, *WEB)
        web = [port_of(node.doors["http"].port) for node in (one, two)]
        token = yield self.bot(one)
        first = yield self.streamed(web[0], token)
        yield self.streamed(web[1], token)
        yield self.refused(web[0], token)
        yield self.refused(web[1], token)
        yield first.close()
        yield self.opens_again(web[1], token)
        yield self.refused(web[0], token)

    @defer.inlineCallbacks
    def test_streams_on_both_nodes_leave_the_bot_its_devices(
        self,
    ) -> Generator[Any, Any, None]:
        one, two = yield self.start_nodes(2, *WEB)
        web = [port_of(node.doors["http"].port) for node in (one, two)]
        token = yield self.bot(one)
        for port in web:
            yield self.streamed(port, token)
        for node in (one, two):  # each stream stands the bot on its node
            self.assertIsNotNone(node.server.registry.standing.find("robot"))
        doors = []
        for node in (one, two):
            door = yield self.client(node)
            door.say(f"/login robot {token}")
            yield door.expect_line("WELCOME robot")
            doors.append(door)
        doors[-1].say("/devices")
        listed = yield doors[-1].expect_line("DEVICES_END")
        self.assertEqual(listed, "DEVICES_END 2")
        third = yield self.client(one)
        third.say(f"/login robot {token}")
        refused = yield third.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR TOO_MANY_DEVICES "), refused)

    @defer.inlineCallbacks
    def test_a_killed_nodes_streams_are_freed(self) -> Generator[Any, Any, None]:
        (one,) = yield self.start_nodes(1, *WEB)
        web = port_of(one.doors["http"].port)
        token = yield self.bot(one)
        http = free_port()
        doomed = spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1",
            "--http", f"tcp:{http}:interface=127.0.0.1",
            "--redis", self.redis.url,
            "--node-id", "doomed",
            "--node-ttl", "1.5",
            *LIMIT,
        )  # fmt: skip
        yield doomed.when_output(b"node doomed: in the cluster")
        yield self.streamed(http, token)
        yield self.streamed(http, token)
        yield self.refused(web, token)
        assert doomed.transport is not None
        doomed.transport.signalProcess("KILL")
        yield doomed.ended
        yield self.opens_again(web, token)
        yield self.streamed(web, token)
        yield self.refused(web, token)
