"""``--rooms-per-hour`` against the in-process registry."""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.rooms.creation import HOUR
from tests.backends.contracts.creation import CONFIG, CreationContract
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import FakeClient, local_server


class LocalCreationTests(CreationContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)

    def test_an_hour_later_she_may_again(self) -> None:
        """Past the hour since her first room, lina makes one more (and
        then is refused again until the second's hour is over)."""
        lina = FakeClient(self.server)
        lina.send("lina")
        lina.send("/create one")
        self.clock.advance(600)
        lina.send("/create two")
        lina.send("/create three")
        self.assertIn("ERR TOO_MANY_ROOMS", lina.received()[-1])
        self.clock.advance(HOUR - 600)
        lina.send("/create three")
        self.assertIn("MEMBERS three lina", lina.received())
        lina.send("/create four")
        reply = lina.received()[-1]
        self.assertEqual(
            reply,
            "ERR TOO_MANY_ROOMS you have made 2 rooms in the last hour: "
            "try again in 10 min",
        )


class CreationByAccountTests(AccountsCase):
    """A signed-in user is counted by account; admins are not counted."""

    config = replace(CONFIG, admins=("root",))

    def test_a_new_name_does_not_escape_it(self) -> None:
        """alice, signed in, makes two channels as alice and is refused a
        third as ally (same account); the admin root makes five."""
        self.account("alice")
        self.account("root")
        alice = self.irc()
        alice.send(f"PASS alice:{PASSWORD}", "NICK alice", "USER a 0 * :A")
        alice.send("JOIN #a,#b", "NICK ally", "JOIN #c")
        self.assertIn(" 405 ally #c :you have made 2 rooms", alice.received()[-1])
        root = self.irc()
        root.send(f"PASS root:{PASSWORD}", "NICK root", "USER r 0 * :R")
        root.received()
        root.send("JOIN #r1,#r2,#r3,#r4,#r5")
        self.assertNotIn("405", " ".join(root.numerics()))
