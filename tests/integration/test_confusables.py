"""Look-alike names at the line and IRC doors, over real sockets.

With ``root`` (an admin) and ``alicia`` registered and a room ``general``,
names that only look the same (pairs from Unicode's confusables data, as
ICU's SpoofChecker applies it) are refused: mixed-script ones as
``BAD_NAME``, single-script look-alikes as the name they look like.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.integration.test_doors import DoorsTestCase
from tests.support import LineClient

PASSWORD = "tea-and-biscuits"

#: Cyrillic о twice, Greek ο, Cyrillic а, Cyrillic і: mixed with Latin.
MIXED = ("rооt", "rοot", "аlicia", "alicіa")
#: Latin alpha (ɑ) and the digits 0 and 1: all Latin, so one script, but
#: each has the skeleton of a registered name.
LOOK_ALIKES = ("ɑlicia", "r0ot", "a1icia", "ROOT")


class ConfusableNamesTests(DoorsTestCase):
    timeout = 20
    options = (*DoorsTestCase.options, "--admins", "root")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        for name in ("root", "alicia"):
            owner = yield self.client()
            owner.say(f"/register {name} {PASSWORD}")
            yield owner.expect_line(f"REGISTERED {name}")
            owner.say("/quit")
            yield owner.closed

    @defer.inlineCallbacks
    def test_line_door_refuses_look_alike_names(self):
        """Mixed-script names are BAD_NAME; all-Latin look-alikes of a
        registered name are NAME_REGISTERED, as the name itself is."""
        client = yield self.client()
        for name in MIXED:
            client.say(name)
            reply = yield client.expect_line("ERR ")
            self.assertTrue(reply.startswith("ERR BAD_NAME"), (name, reply))
        for name in LOOK_ALIKES:
            client.say(name)
            reply = yield client.expect_line("ERR ")
            self.assertTrue(reply.startswith("ERR NAME_REGISTERED"), (name, reply))
            self.assertIn(name, reply)
        client.say("иван")  # one script (Cyrillic) is a fine name
        yield client.expect_line("WELCOME иван")

    @defer.inlineCallbacks
    def test_line_door_refuses_look_alike_rooms(self):
        """``/create gеneral`` (Cyrillic е) is BAD_NAME; ``/create
        genera1`` is the room general, which exists."""
        client = yield self.client("maker")
        client.say("/create gеneral")
        reply = yield client.expect_line("ERR ")
        self.assertTrue(reply.startswith("ERR BAD_NAME"), reply)
        client.say("/create genera1")
        reply = yield client.expect_line("ERR ")
        self.assertTrue(reply.startswith("ERR ROOM_EXISTS"), reply)
        client.say("/join GENERA1")
        yield client.expect_line("MEMBERS general ")

    @defer.inlineCallbacks
    def test_irc_door_refuses_look_alike_nicks(self):
        """Mixed-script nicks are 432 (erroneous nickname); all-Latin
        look-alikes of a registered name are 433 like the name itself;
        ``JOIN #tеa`` cannot make a mixed-script room, and ``JOIN
        #gеneral`` joins the room it looks like."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        client.say("USER guest 0 * :guest")
        for nick in MIXED:
            client.say(f"NICK {nick}")
            reply = yield client.expect(lambda line: " 432 " in line or " 001 " in line)
            self.assertIn(" 432 ", reply, nick)
        for nick in LOOK_ALIKES:
            client.say(f"NICK {nick}")
            reply = yield client.expect(lambda line: " 001 " in line or " 4" in line)
            self.assertIn(" 433 ", reply, nick)
            self.assertIn("registered", reply, nick)
        client.say("NICK guest")
        yield client.expect(lambda line: " 001 " in line)
        client.say("JOIN #tеa")  # no such room: made, so refused (476)
        reply = yield client.expect(lambda line: "#tеa" in line)
        self.assertIn(" 476 ", reply)
        client.say("JOIN #gеneral")  # the room general, by its look-alike
        yield client.expect(lambda line: line.endswith("JOIN :#general"))
