"""A passphrase registered at one door signs in at the others, over real
sockets to the real service (its SQLite store): the line door's
``/register`` and ``/login``, IRC's SASL ``PLAIN`` and ``SCRAM-SHA-256``
(``scramp``'s client, which SASLpreps what it is given, as clients do) and
NickServ's ``REGISTER`` and ``IDENTIFY``. The web page's side is
``test_web_accounts.py``, the terminal client's ``tests/client``.
"""

from __future__ import annotations

import base64

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase
from tests.integration.test_irc_conformance import command, irc_client_unregistered
from tests.integration.test_irc_scram_sockets import scram_sign_in, start_sasl

PHRASE = "correct horse battery staple"


class PassphrasesOverSocketsTests(DoorsTestCase):
    def setUp(self):  # trial waits on the Deferred it returns
        self.db = self.mktemp() + ".db"  # a real SQLite file
        return super().setUp()

    @defer.inlineCallbacks
    def sasl(self, nick: str, mechanism: str, password: str):
        """The numeric that ends a SASL sign-in (``903``, ``904``)."""
        client = yield irc_client_unregistered(self.irc_port)
        self.clients.append(client)
        yield start_sasl(client, nick, mechanism)
        if mechanism == "PLAIN":
            plain = base64.b64encode(f"\0{nick}\0{password}".encode()).decode()
            client.say(f"AUTHENTICATE {plain}")
            ended = yield client.expect(lambda line: command(line) in ("903", "904"))
        else:
            ended = yield scram_sign_in(client, nick, password)
        client.say("QUIT")
        return command(ended)

    @defer.inlineCallbacks
    def logs_in_at_the_line_door(self, name: str, password: str):
        client = yield self.client()
        client.say(f"/login {name} {password}")
        answer = yield client.expect(
            lambda line: line.split(" ")[0] in ("WELCOME", "ERR")
        )
        client.say("/quit")
        return answer

    @defer.inlineCallbacks
    def test_registered_at_the_line_door_signs_in_everywhere(self):
        """/register with a passphrase; then /login, SASL PLAIN, SCRAM
        (typed with no-break spaces, as some keyboards make them) and
        NickServ IDENTIFY sign in with it, and not with its first words."""
        alice = yield self.client("alice")
        alice.say(f"/register {PHRASE}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/quit")
        welcomed = yield self.logs_in_at_the_line_door("alice", PHRASE)
        self.assertEqual(welcomed, "WELCOME alice")
        refused = yield self.logs_in_at_the_line_door("alice", "correct horse")
        self.assertTrue(refused.startswith("ERR BAD_PASSWORD"), refused)
        self.assertEqual((yield self.sasl("alice", "PLAIN", PHRASE)), "903")
        self.assertEqual((yield self.sasl("alice", "PLAIN", "correct horse")), "904")
        typed = PHRASE.replace(" ", "\u00a0")
        self.assertEqual((yield self.sasl("alice", "SCRAM-SHA-256", typed)), "903")
        guest = yield self.irc("guest")
        guest.say(f"PRIVMSG NickServ :IDENTIFY alice {PHRASE}")
        logged_in = yield guest.expect(lambda line: command(line) in ("900", "NOTICE"))
        self.assertEqual(command(logged_in), "900", logged_in)

    @defer.inlineCallbacks
    def test_registered_by_nickserv_signs_in_at_the_line_door(self):
        foo = yield self.irc("foo")
        foo.say(f"PRIVMSG NickServ :REGISTER {PHRASE}")
        yield foo.expect(lambda line: line.endswith(":Account created"))
        foo.say("QUIT")
        welcomed = yield self.logs_in_at_the_line_door("foo", PHRASE)
        self.assertEqual(welcomed, "WELCOME foo")
        self.assertEqual((yield self.sasl("foo", "SCRAM-SHA-256", PHRASE)), "903")
