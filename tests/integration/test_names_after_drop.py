"""A thousand users drop and come straight back: each gets its name at once.

Issue 79, point 2 ("Your name is yours again at once"): the real
``twistd chatroom`` on 127.0.0.1, and a thousand real line clients
(:mod:`tests.integration.blip_crowd`) in rooms of a hundred, each having
said a line. Every connection is cut in the same moment, as by a network
blip, and a thousand clients with the same names connect at once. None
is refused its name; a member who stayed (the watcher in ``r0``) sees
each of its room's members leave and join again, and the room holds
every one of them once it is over (an old session's end, coming late,
takes nothing from the new one). On one server, then on two nodes of a
cluster, the crowd signing in through node one and coming back through
node two. Every wait is for a condition, bounded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from twisted.trial import unittest

from tests.integration.blip_crowd import Outcome, blip, rooms_option, serving
from tests.integration.real_clients import Server
from tests.integration.two_nodes import start_two_nodes

#: The crowd: enough that a server gives its lost connections back over
#: several turns (``doors/base/leaving.PER_TURN`` a turn), as in the issue.
CLIENTS = 1000
ROOM = 100
#: No flood limit or per-address cap: the whole crowd comes from 127.0.0.1.
OPTIONS = ("--rate", "0", "--max-per-ip", "0", "--max-clients", "0")


class NamesAfterDropTests(unittest.TestCase):
    timeout = 600

    def setUp(self) -> None:
        self.folder = Path(self.mktemp()).absolute()
        self.folder.mkdir()
        self.options = (*OPTIONS, *rooms_option(CLIENTS, ROOM))

    def assert_everyone_back(self, outcome: Outcome) -> None:
        """Nobody refused, everyone seated, ``r0``'s leaves and joins seen,
        and ``r0`` holding its hundred and the watcher."""
        self.assertEqual(outcome.problems, [])
        self.assertEqual((outcome.refused, outcome.unseated), (0, 0))
        self.assertEqual(outcome.unseen, [])
        expected = {"watch0", *(f"u{i}" for i in range(ROOM))}
        missing = expected - set(outcome.members)
        seen = [
            line for line in outcome.comings_and_goings if line.split(" ")[2] in missing
        ]
        self.assertEqual(set(outcome.members), expected, f"the watcher read {seen}")

    def test_one_server(self) -> None:
        server = Server(self.folder, *self.options)
        server.start()
        self.addCleanup(server.stop)
        port = server.line_port
        self.assert_everyone_back(asyncio.run(blip(port, port, CLIENTS, ROOM)))

    def test_back_through_the_other_node(self) -> None:
        one, two = start_two_nodes(self.folder, self.options, self.addCleanup)

        async def blipped() -> Outcome:
            for node in (one, two):
                await serving(node.line_port)
            return await blip(one.line_port, two.line_port, CLIENTS, ROOM)

        self.assert_everyone_back(asyncio.run(blipped()))
