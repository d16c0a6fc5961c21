"""A node killed under load, as its users live it (issue 35, item 3).

The doomed node is a real ``twistd chatroom`` process, killed with
``SIGKILL`` while another node's user talks without pause. The terminal
client (its controller, model and screen, no terminal) was on the doomed
node and was given the survivor as another address (``--also``): it
comes back through the survivor by itself, takes its name back once the
survivor has harvested the dead node, rejoins its room ``since`` the
newest event it holds, and shows every message exactly once, in order.
"""

from __future__ import annotations

from twisted.internet import reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint

from chatroom.client.failover import FailoverConnector
from chatroom.client.model import EntryKind, Page, SessionModel
from chatroom.client.protocol import ChatClientProtocol
from tests.client.end_to_end import Client
from tests.cluster.support import ClusterTestCase
from tests.integration.test_twistd import spawn_twistd
from tests.support import built_by

#: The doomed node's heartbeat lifetime: its users are harvested after it.
NODE_TTL = "1.5"


class NodeLostTests(ClusterTestCase):
    """A terminal client's node is killed under traffic."""

    timeout = 40

    async def test_client_comes_back_through_another_node_missing_nothing(
        self,
    ) -> None:
        """kill -9 the client's node while a user elsewhere talks: the client
        is back in its room through the other node, every message once and
        in order, and the survivor told the room the user went away."""
        survivor = await self.node("--node-ttl", NODE_TTL)
        process = spawn_twistd(
            self,
            "--port", "tcp:0:interface=127.0.0.1",
            "--redis", self.redis.url,
            "--node-id", "doomed",
            "--node-ttl", NODE_TTL,
            "--rate", "0",
        )  # fmt: skip
        doomed_port = await process.listening
        await process.when_output(b"node doomed: in the cluster")

        bob = Client(lambda: doomed_port, "bob")
        ports = (doomed_port, self.port_of(survivor))
        bob.controller.connect = FailoverConnector(
            [TCP4ClientEndpoint(reactor, "127.0.0.1", port) for port in ports]
        )
        self.addCleanup(self.let_go, bob)
        await bob.controller.start().addCallback(built_by, ChatClientProtocol)
        await bob.when(lambda model: model.page == Page.LOBBY)
        bob.type_line("/join general")
        await bob.when(lambda model: model.room == "general")

        alice = await self.client(survivor, "alice")
        alice.say("/join general")
        await alice.expect_line("JOINED general ")
        said: list[str] = []

        def talk() -> None:
            said.append(f"line {len(said) + 1}")
            alice.say(said[-1])

        talking = task.LoopingCall(talk)
        talking.clock = reactor
        talking.start(0.03)
        await bob.when(bob.has_message("line 5"))

        assert process.transport is not None
        process.transport.signalProcess("KILL")
        await bob.when(lambda model: not model.connected)
        part = await alice.expect_line("PART general bob ")
        self.assertEqual(part, "PART general bob server doomed went away")
        # The client's backoff and name retries run on its own clock.
        await self.turn_until(bob, lambda model: model.connected)
        await self.turn_until(bob, lambda model: model.room == "general")
        await alice.expect_line("JOIN general bob")
        await self.turn_until(bob, bob.has_message("line 20"))
        talking.stop()
        last = said[-1]
        await bob.when(bob.has_message(last))

        shown = [entry.text for entry in self.messages_of(bob.model, "alice")]
        self.assertEqual(shown, said)  # each once, in order, none missing

    def messages_of(self, model: SessionModel, user: str) -> list:
        return [
            entry
            for entry in model.log
            if entry.kind == EntryKind.MESSAGE and entry.user == user
        ]

    async def turn_until(self, client: Client, predicate) -> None:
        """Advance the client's clock a second at a time until ``predicate``
        holds (at most 40 turns), letting the real sockets work between."""
        for _ in range(40):
            if predicate(client.model):
                return
            client.clock.advance(1)
            await task.deferLater(reactor, 0.1, lambda: None)
        self.assertTrue(predicate(client.model), "the client never got there")

    async def let_go(self, client: Client) -> None:
        client.controller.quitting = True
        if client.controller.protocol is not None:
            assert client.controller.protocol.transport is not None
            client.controller.protocol.transport.loseConnection()
        await client.when(lambda model: not model.connected)
