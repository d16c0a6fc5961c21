"""SASL SCRAM-SHA-256 over real sockets, against the real service with its
SQLite store (the Redis one is tests/cluster/test_scram_redis.py).

The client's side is ``scramp``'s ``ScramClient``, so each exchange is
checked by a second implementation of RFC 7677, including the server's
own proof in its last message.
"""

from __future__ import annotations

import base64

from scramp import ScramClient
from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase
from tests.integration.test_irc_conformance import command, irc_client_unregistered
from tests.integration.test_irc_ports import cap_ls
from tests.support import LineClient

MECHANISM = "SCRAM-SHA-256"


def _sent(message: str) -> str:
    return "AUTHENTICATE " + base64.b64encode(message.encode()).decode()


def _read(line: str) -> str:
    return base64.b64decode(line.split(" ")[1]).decode()


@defer.inlineCallbacks
def start_sasl(client: LineClient, nick: str, mechanism: str = MECHANISM):
    """Ask for ``sasl`` before registering, and start ``mechanism``."""
    offered = yield cap_ls(client)
    assert f"sasl=PLAIN,{MECHANISM}" in offered, offered
    client.say(f"NICK {nick}")
    client.say(f"USER {nick} 0 * :{nick}")
    client.say("CAP REQ :sasl")
    yield client.expect(lambda line: " ACK " in line)
    client.say(f"AUTHENTICATE {mechanism}")
    yield client.expect_line("AUTHENTICATE +")


@defer.inlineCallbacks
def scram_sign_in(client: LineClient, name: str, password: str):
    """A SCRAM exchange after :func:`start_sasl`; fires with the numeric
    that ends it (``903``, or ``904`` with its line)."""
    scram = ScramClient([MECHANISM], name, password)
    client.say(_sent(scram.get_client_first()))
    first = yield client.expect(lambda line: True)
    if command(first) != "AUTHENTICATE":
        return first
    scram.set_server_first(_read(first))
    client.say(_sent(scram.get_client_final()))
    final = yield client.expect(lambda line: True)
    if command(final) != "AUTHENTICATE":
        return final
    scram.set_server_final(_read(final))  # raises unless the server has the keys
    client.say("AUTHENTICATE +")
    ended = yield client.expect(lambda line: command(line) in ("903", "904"))
    return ended


class ScramOverSocketsTests(DoorsTestCase):
    """Registered at one door, signed in by SCRAM at the IRC door."""

    def setUp(self):  # trial waits on the Deferred it returns
        self.db = self.mktemp() + ".db"  # a real SQLite file
        return super().setUp()

    @defer.inlineCallbacks
    def connect(self, nick: str, mechanism: str = MECHANISM):
        client = yield irc_client_unregistered(self.irc_port)
        self.clients.append(client)
        yield start_sasl(client, nick, mechanism)
        return client

    @defer.inlineCallbacks
    def test_registered_at_the_line_door_signs_in_by_scram(self):
        """/register at the line door; a wrong password is 904; the right
        one is 903 and the welcome is the account's."""
        line_user = yield self.client("alice")
        line_user.say("/register correct-horse")
        yield line_user.expect_line("REGISTERED alice")
        line_user.say("/quit")
        wrong = yield self.connect("alice")
        refused = yield scram_sign_in(wrong, "alice", "wrong-horse")
        self.assertTrue(refused.endswith(":SASL authentication failed: wrong password"))
        client = yield self.connect("alice")
        ended = yield scram_sign_in(client, "alice", "correct-horse")
        self.assertEqual(command(ended), "903")
        client.say("CAP END")
        welcome = yield client.expect(lambda line: command(line) == "001")
        self.assertIn(" 001 alice ", welcome)

    @defer.inlineCallbacks
    def test_new_password_at_nickserv(self):
        """NickServ REGISTER then SET PASSWORD: SCRAM knows only the new one."""
        foo = yield self.irc("foo")
        foo.say("PRIVMSG NickServ :REGISTER correct-horse")
        yield foo.expect(lambda line: line.endswith(":Account created"))
        foo.say("NS SET PASSWORD correct-horse battery-staple")
        yield foo.expect(lambda line: line.endswith(":Password changed for foo"))
        foo.say("QUIT")
        old = yield self.connect("foo")
        refused = yield scram_sign_in(old, "foo", "correct-horse")
        self.assertEqual(command(refused), "904")
        new = yield self.connect("foo")
        ended = yield scram_sign_in(new, "foo", "battery-staple")
        self.assertEqual(command(ended), "903")
