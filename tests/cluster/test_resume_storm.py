"""Every node resuming at once, on a real redis-server.

After an outage every node resumes together, and Redis runs one script at
a time: a resume whose server step re-claimed all of a node's users in one
script made each node's call wait behind the others' whole resumes, past
``--redis-timeout``, so the node dropped its link and resumed again (and
its users saw ``ERR UNAVAILABLE`` the longer). The server step goes a
chunk of users a call (:mod:`chatroom.backends.redis.resume_steps`), so a
node's call waits behind a chunk of each other node's. The chunking's
calls one by one: ``tests/backends/redis/test_resume_chunks.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, protocol
from twisted.internet.interfaces import IProtocol

from chatroom.backends.redis import node_scripts
from chatroom.wire.names import name_key
from tests.cluster import resume_crowds
from tests.cluster.resume_crowds import (
    Resumes,
    config,
    crowd,
    start_node,
    storm,
    time_out_after,
)
from tests.cluster.support import RedisTestCase
from tests.support import FakeClient, redis_backend, redis_command

#: Nodes, and users on each: enough that the nodes' resumes together take
#: Redis longer than :data:`TIMEOUT` (about 65 µs a user), few enough to
#: sign in within seconds.
NODES = 4
USERS = 1000

#: The users a ``RESUME`` call re-claims in the storm: a chunk small beside
#: :data:`TIMEOUT` (about 2 ms of Redis's time against 100 ms), as the
#: default's (128) is beside the default ``--redis-timeout`` (under 10 ms
#: against 5 s), with room for a machine loaded by other work, which slows
#: Redis's scripts several times over (a node's call waits behind a chunk
#: of each other node's).
CHUNK = 32

#: Each node's users in a room (of every node's): small rooms, so that the
#: crowd's joins are quick.
ROOM = 25

#: The nodes' ``--redis-timeout`` in the storm (the least it takes): short,
#: so that a few thousand users' resumes together overrun it when each is
#: one script.
TIMEOUT = 0.1


class EveryNodeResumingTests(RedisTestCase):
    timeout = 180

    @defer.inlineCallbacks
    def setUp(self) -> Generator[Any, Any, None]:  # type: ignore[override]
        yield super().setUp()
        self.resumes = Resumes()
        self.addCleanup(self.resumes.stop)
        settings = config(USERS, ROOM)
        self.hubs = [
            start_node(self.redis_url, f"n{i}", settings) for i in range(NODES)
        ]
        self.addCleanup(self.stop_nodes)
        yield defer.ensureDeferred(
            resume_crowds.wait_for(
                lambda: not resume_crowds.resuming(self.hubs), 30, "in the cluster"
            )
        )
        self.crowds: list[list[FakeClient]] = []
        for i, hub in enumerate(self.hubs):
            self.crowds.append(
                (yield defer.ensureDeferred(crowd(hub, f"n{i}", USERS, ROOM)))
            )

    @defer.inlineCallbacks
    def stop_nodes(self) -> Generator[Any, Any, None]:
        """Redis first, so that no node harvests its own thousands as it
        leaves (it finds Redis gone, and leaves at once)."""
        yield self.redis.stop()
        for hub in self.hubs:
            hub.stop()
            for connection in list(hub.open_connections):
                IProtocol(connection).connectionLost(protocol.connectionDone)
            yield hub.registry.detach()

    @defer.inlineCallbacks
    def test_each_node_resumes_once(self) -> Generator[Any, Any, None]:
        """Four nodes of 1,000 users, each in a room with 25 of every node's,
        lose their links to Redis at once, at a ``--redis-timeout`` of a
        tenth of a second: a user who speaks meanwhile is refused
        ``UNAVAILABLE``; each node resumes once, Redis answering every call
        in time, and afterwards every user is still named and seated, and a
        user of each node speaks and is heard by its room's members on
        every node."""
        time_out_after(self.hubs, TIMEOUT)
        self.patch(node_scripts, "RESUME_CHUNK", CHUNK)
        asked: list[FakeClient] = []

        def ask_meanwhile() -> None:
            """A user of each node that does not serve yet speaks."""
            for hub, clients in zip(self.hubs, self.crowds, strict=True):
                if not redis_backend(hub).node.available:
                    clients[2].transport.clear()
                    clients[2].send("too soon")
                    asked.append(clients[2])

        _, counts = yield defer.ensureDeferred(
            storm(self.hubs, self.resumes, ask_meanwhile)
        )
        self.assertTrue(asked)
        for client in asked:  # refused until its node has resumed
            self.assertIn(b"ERR UNAVAILABLE", client.transport.value())
        late = dict(self.resumes.late)  # the calls Redis did not answer in time
        self.assertEqual((counts, late), ([1] * NODES, {}))
        prefix = redis_backend(self.hubs[0]).calls.prefix
        named = yield redis_command(self.hubs[0], "HLEN", f"{prefix}users")
        self.assertEqual(named, NODES * USERS)
        for room in range(0, USERS // ROOM, 5):
            members = f"{prefix}members:{name_key(f'r{room}')}"
            seated = yield redis_command(self.hubs[0], "ZCARD", members)
            self.assertEqual(seated, NODES * ROOM)
        for i, clients in enumerate(self.crowds):
            speaker = clients[i * ROOM]  # in room r{i}
            speaker.send(f"word from n{i}")
        for i in range(NODES):
            said = f"MSG r{i} n{i}u{i * ROOM} ".encode()
            for node in range(NODES):
                hearer = self.crowds[node][i * ROOM + 1]
                yield defer.ensureDeferred(
                    resume_crowds.wait_for(
                        lambda hearer=hearer, said=said: heard(hearer, said),
                        10,
                        f"heard in r{i} on n{node}",
                    )
                )


def heard(client: FakeClient, said: bytes) -> bool:
    """Whether ``client`` was sent ``said``."""
    return said in client.transport.value()
