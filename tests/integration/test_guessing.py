"""Guesses and registrations sent all at once, over real sockets.

The real service (``makeService``, its own hashing threads) with the line,
IRC and WebSocket doors open: forty wrong passwords leave at the same
moment from forty connections spread over the three doors, before the
first has been checked. Loopback has many addresses (127.0.0.0/8), so
"many addresses" is real too: each client binds its own.
"""

from __future__ import annotations

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.integration.test_doors import DoorsTestCase
from tests.support import LineClient, connect_client

PASSWORD = "tea-and-biscuits"
#: Where alice registered from (the guessers are elsewhere).
OWNER = "127.0.0.5"


def code_of(line: str) -> str:
    """``BAD_PASSWORD`` or ``RATE_LIMITED`` from a line, IRC or ``ERR`` reply."""
    if "Password incorrect" in line or line.startswith("ERR BAD_PASSWORD"):
        return "BAD_PASSWORD"
    if "too many failed sign-ins" in line:
        return "RATE_LIMITED"
    return line


class GuessingAtOnceTests(DoorsTestCase):
    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        owner = yield self.line_from(OWNER)
        owner.say(f"/register alice {PASSWORD}")
        yield owner.expect_line("REGISTERED alice")

    @defer.inlineCallbacks
    def line_from(self, address: str):
        """A line client whose socket is bound to ``address``."""
        endpoint = TCP4ClientEndpoint(
            reactor, "127.0.0.1", self.port, bindAddress=(address, 0)
        )
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        yield client.expect_line("HELLO ")
        return client

    @defer.inlineCallbacks
    def irc_unregistered(self):
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        return client

    @defer.inlineCallbacks
    def test_forty_guesses_at_once_across_three_doors(self):
        """14 line, 13 IRC and 13 WebSocket guesses from one address, sent
        together: 5 are checked (the free tries), 35 are RATE_LIMITED (at
        the IRC door, its notice and the closing link), and the owner,
        from the address it registered from, still signs in at once."""
        lines = []
        for _ in range(14):
            lines.append((yield connect_client(reactor, self.port)))
        self.clients.extend(lines)
        ircs = []
        for _ in range(13):
            ircs.append((yield self.irc_unregistered()))
        webs = []
        for _ in range(13):
            webs.append((yield self.browser()))
        for n, client in enumerate(lines + webs):
            client.say(f"/login alice guess-number-{n}")
        for n, client in enumerate(ircs):
            client.say(f"PASS alice:irc-guess-{n}")
            client.say(f"NICK guesser{n}")
            client.say(f"USER guesser{n} 0 * :guesser")
        replies = yield defer.gatherResults(
            [c.expect_line("ERR ") for c in lines + webs]
            + [c.expect_line("ERROR ") for c in ircs]
        )
        codes = [code_of(reply) for reply in replies]
        self.assertEqual(codes.count("BAD_PASSWORD"), 5, replies)
        self.assertEqual(codes.count("RATE_LIMITED"), 35, replies)
        owner = yield self.line_from(OWNER)
        owner.say(f"/login alice {PASSWORD}")
        yield owner.expect_line("WELCOME alice")

    @defer.inlineCallbacks
    def test_forty_guesses_at_once_from_forty_addresses(self):
        """Forty loopback addresses guessing one name at once meet the
        name's back-off: 5 are checked, 35 RATE_LIMITED."""
        clients = []
        for n in range(40):
            clients.append((yield self.line_from(f"127.0.1.{n + 1}")))
        for n, client in enumerate(clients):
            client.say(f"/login alice guess-number-{n}")
        replies = yield defer.gatherResults([c.expect_line("ERR ") for c in clients])
        codes = [code_of(reply) for reply in replies]
        self.assertEqual(codes.count("BAD_PASSWORD"), 5, replies)
        self.assertEqual(codes.count("RATE_LIMITED"), 35, replies)
        self.assertIn("for this name", replies[codes.index("RATE_LIMITED")])


class RegisteringAtOnceTests(DoorsTestCase):
    timeout = 30
    options = (*DoorsTestCase.options, "--register-limit", "4")

    @defer.inlineCallbacks
    def test_registrations_from_one_address_are_limited(self):
        """``--register-limit 4``: of ten registrations sent at once from
        one address, four succeed and six are refused RATE_LIMITED; a
        registration from another address still succeeds."""
        clients = []
        for _ in range(10):
            clients.append((yield connect_client(reactor, self.port)))
        self.clients.extend(clients)
        for n, client in enumerate(clients):
            client.say(f"/register user{n} {PASSWORD}")
        replies = yield defer.gatherResults(
            [
                c.expect(lambda line: line.startswith(("ERR", "REGISTERED")))
                for c in clients
            ]
        )
        self.assertEqual(sum(r.startswith("REGISTERED") for r in replies), 4, replies)
        refused = [r for r in replies if r.startswith("ERR RATE_LIMITED")]
        self.assertEqual(len(refused), 6, replies)
        self.assertIn("too many registrations from your address", refused[0])
        other = yield self.line_from_other()
        other.say(f"/register newcomer {PASSWORD}")
        yield other.expect_line("REGISTERED newcomer")

    @defer.inlineCallbacks
    def line_from_other(self):
        endpoint = TCP4ClientEndpoint(
            reactor, "127.0.0.1", self.port, bindAddress=("127.0.2.1", 0)
        )
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        yield client.expect_line("HELLO ")
        return client
