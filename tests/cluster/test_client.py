"""The terminal client's real objects against two cluster nodes and Redis.

Alice's client talks to one node, Bob's to the other; what each screen
shows is what crossed Redis.
"""

from __future__ import annotations

from twisted.internet import defer

from chatroom.client.model import EntryKind, Page
from tests.client.end_to_end import Client
from tests.client.support import SIZE
from tests.cluster.support import ClusterTestCase


class ClusterClientTests(ClusterTestCase):
    """Two users' clients, each on its own node."""

    async def connect(self, node, username: str) -> Client:
        client = Client(lambda: self.port_of(node), username)
        self.addCleanup(self.disconnect, client)
        await client.controller.start()
        await client.when(lambda model: model.page == Page.LOBBY)
        return client

    async def disconnect(self, client: Client) -> None:
        """After the test: stop the nodes, and see the client let go."""
        client.controller.quitting = True  # no reconnecting after the test
        for node in self.nodes:
            if node.running:
                await node.stopService()
        await client.when(lambda model: not model.connected)

    async def test_chat_across_nodes_and_a_redis_restart(self) -> None:
        """They chat across nodes; when Redis restarts both screens say so."""
        one, two = await defer.gatherResults([self.node(), self.node()])
        alice = await self.connect(one, "alice")
        bob = await self.connect(two, "bob")
        alice.type_line("/create tea")
        await alice.when(lambda model: model.room == "tea")
        await bob.when(lambda model: "tea" in model.rooms)  # pushed across nodes
        self.assertRegex(bob.text(), r"tea +1/256")
        bob.type_line("/join tea")
        await alice.when(lambda model: "bob" in model.members)
        alice.type_line("hello from node one")
        await bob.when(bob.has_message("hello from node one"))
        self.assertIn("<alice> hello from node one", bob.text())

        await self.redis.stop()
        bob.type_line("anyone?")
        await bob.when(lambda model: "unreachable" in model.log[-1].text)
        self.assertEqual(bob.model.page, Page.ROOM)  # the session goes on
        await self.redis.start()
        for client in (alice, bob):
            await client.when(
                lambda model: any(
                    entry.kind == EntryKind.NOTICE
                    and "may have been missed" in entry.text
                    for entry in model.log
                )
            )
        bob.type_line("back")
        await alice.when(alice.has_message("back"))
        self.assertIn("tea: messages may have been missed", alice.text())
        bob.screen.keypress(SIZE, "enter")  # an empty line sends nothing
        self.assertEqual(bob.screen.input.edit_text, "")
