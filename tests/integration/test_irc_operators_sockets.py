"""IRC operators at the real service, over sockets: ``OPER`` to the
``--admins`` account, ``WALLOPS`` to ``+w`` users, ``KILL``, and the
refusals (``464``, ``491``, ``481``)."""

from __future__ import annotations

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase

PASSWORD = "correct-horse"


class IRCOperatorsOverSocketsTests(DoorsTestCase):
    """``boss`` is registered and named by ``--admins``."""

    options = (*DoorsTestCase.options, "--admins", "boss")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        owner = yield self.client()
        owner.say(f"/register boss {PASSWORD}")
        yield owner.expect_line("REGISTERED boss")
        owner.say("/quit")
        yield owner.closed

    @defer.inlineCallbacks
    def test_oper_wallops_and_kill(self):
        """ivy's wrong OPER is 464 and a non-admin name 491; the right one
        is 381 and +o; carl's WALLOPS is 481, ivy's reaches wes (+w) and
        not carl; ivy's KILL closes carl's link with the reason."""
        ivy = yield self.irc("ivy")
        wes = yield self.irc("wes")
        carl = yield self.irc("carl")
        ivy.say("OPER boss wrong")
        refused = yield ivy.expect(lambda line: " 464 " in line)
        self.assertEqual(refused, ":chatroom 464 ivy :Password incorrect")
        ivy.say(f"OPER carl {PASSWORD}")
        yield ivy.expect(lambda line: " 491 " in line)
        ivy.say(f"OPER boss {PASSWORD}")
        yield ivy.expect(lambda line: " 381 " in line)
        mode = yield ivy.expect(lambda line: " MODE " in line)
        self.assertEqual(mode, ":ivy!ivy@chatroom MODE ivy :+o")
        wes.say("MODE wes +w")
        yield wes.expect(lambda line: " MODE wes " in line)
        carl.say("WALLOPS :me too")
        yield carl.expect(lambda line: " 481 " in line)
        ivy.say("WALLOPS :restart at noon")
        wallop = yield wes.expect(lambda line: " WALLOPS " in line)
        self.assertEqual(wallop, ":ivy!ivy@chatroom WALLOPS :restart at noon")
        ivy.say("KILL carl :enough")
        closing = yield carl.expect(lambda line: line.startswith("ERROR "))
        self.assertIn("(killed by ivy: enough)", closing)
        yield carl.closed
        self.assertFalse([line for line in carl.lines if " WALLOPS " in line])
