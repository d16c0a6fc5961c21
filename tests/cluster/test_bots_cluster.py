"""Bot accounts across nodes at the line door: two real nodes share one
real redis-server. A bot made on one node signs in on the other, its
words tagged ``bot`` on both; removed through the other node, its
connection ends and its token stops everywhere; ``/bot`` made on one is
listed on the other."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase

PASSWORD = "correct horse staple"


class BotsAcrossNodesTests(ClusterTestCase):
    @defer.inlineCallbacks
    def test_a_bot_made_on_one_node_works_and_goes_on_both(self) -> Any:
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say(f"/register {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/bot add deployer")
        token = (yield alice.expect_line("BOT deployer ")).split(" ")[2]
        alice.say("/caps rich")
        yield alice.expect_line("CAPS ")
        alice.say("/create ops")
        yield alice.expect_line("JOINED ops")
        bot = yield self.client(two)
        bot.say(f"/login deployer {token}")
        yield bot.expect_line("WELCOME deployer")
        bot.say("/join ops")
        yield bot.expect_line("JOINED ops")
        bot.say("from the other node")
        said = yield alice.expect(lambda line: " MSG ops deployer " in line)
        self.assertRegex(said, r"^@\d+;bot MSG ops deployer \S+ from the other node$")
        lister = yield self.client(two)
        lister.say(f"/login alice {PASSWORD}")
        yield lister.expect_line("WELCOME alice")
        lister.say("/bot list")
        yield lister.expect_line("BOT_MADE deployer ")
        yield lister.expect_line("BOTS_END 1")
        lister.say("/bot remove deployer")
        yield lister.expect_line("BOT_REMOVED deployer")
        bye = yield bot.expect_line("BYE ")
        self.assertEqual(bye, "BYE bot removed by alice")
        part = yield alice.expect(lambda line: line.startswith("PART ops deployer "))
        self.assertEqual(part, "PART ops deployer bot removed")
        again = yield self.client(one)
        again.say(f"/login deployer {token}")
        refused = yield again.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR NO_SUCH_ACCOUNT "), refused)
