"""Blocklists (``--dnsbl``) at every door, over real sockets.

The tests serve a blocklist zone with Twisted Names on 127.0.0.1
(:mod:`tests.dns_zone`) listing 127.0.0.2, and start the real service on
port 0 asking it (``--dnsbl dnsbl.test --dnsbl-resolver 127.0.0.1:PORT``).
Clients connect from the loopback addresses 127.0.0.2 (listed) and
127.0.0.3 (not), their sockets bound to them.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.dns_zone import ZONE, BlocklistZone, serve_zone
from tests.integration.test_doors import DoorsTestCase, line_from
from tests.support import LineClient, ServerTestCase, log_lines, port_of

LISTED, UNLISTED = "127.0.0.2", "127.0.0.3"
REASON = "open proxy"
LISTED_WORDS = f"your address is listed by {ZONE}: {REASON}"


class BlocklistCase(DoorsTestCase):
    """Every door, with ``--dnsbl`` asking a zone that lists 127.0.0.2."""

    action = "refuse"

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.zone = BlocklistZone()
        self.zone.list(LISTED, REASON)
        self.dns = serve_zone(self.zone)
        self.addCleanup(self.stop_dns)
        self.options = (
            *self.options,
            *("--dnsbl", ZONE, "--dnsbl-action", self.action),
            *("--dnsbl-resolver", f"127.0.0.1:{port_of(self.dns)}"),
            *("--dnsbl-timeout", "0.5"),
        )
        yield super().setUp()

    def stop_dns(self) -> Any:
        return self.dns.stopListening()

    @defer.inlineCallbacks
    def named_from(self, source: str, name: str, client: Any = None):
        """A line client (or the browser given) from ``source``, named ``name``."""
        if client is None:
            client = yield line_from(self, self.port, source)
        yield client.expect_line("HELLO ")
        client.say(name)
        yield client.expect_line(f"WELCOME {name}")
        return client


class RefuseTests(BlocklistCase):
    """``--dnsbl-action refuse``: a listed address is told why, in one line,
    and closed; nothing it sent is run."""

    @defer.inlineCallbacks
    def test_line_door(self):
        listed = yield line_from(self, self.port, LISTED)
        listed.say("mallory")
        yield listed.closed
        self.assertEqual(listed.lines, [f"BYE {LISTED_WORDS}"])
        yield self.named_from(UNLISTED, "carol")

    @defer.inlineCallbacks
    def test_irc_door(self):
        listed = yield self.irc_from(LISTED, "NICK mallory", "USER m 0 * :m")
        yield listed.closed
        self.assertEqual(
            listed.lines, [f"ERROR :Closing Link: {LISTED} ({LISTED_WORDS})"]
        )
        unlisted = yield self.irc_from(UNLISTED, "NICK carol", "USER c 0 * :c")
        yield unlisted.expect(lambda line: " 001 carol " in line)

    @defer.inlineCallbacks
    def test_web_door(self):
        """The page's socket hears the reason, then is closed."""
        listed = yield self.browser_from(LISTED)
        listed.say("mallory")
        yield listed.closed
        self.assertEqual(listed.lines.lines, [f"BYE {LISTED_WORDS}"])
        unlisted = yield self.browser_from(UNLISTED)
        yield self.named_from(UNLISTED, "carol", unlisted)


class RequireAccountTests(BlocklistCase):
    """``--dnsbl-action require-account`` (the default): a listed address
    may only sign in to an account it has; no plain name, no registering."""

    action = "require-account"
    options = (*BlocklistCase.options, "--irc-register-before-connect")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        registering = yield line_from(
            self, self.port, UNLISTED
        )  # alice's, from elsewhere
        yield registering.expect_line("HELLO ")
        registering.say("/register alice password1")
        yield registering.expect_line("REGISTERED alice")
        registering.say("/quit")
        yield registering.closed

    @defer.inlineCallbacks
    def test_line_door(self):
        listed = yield line_from(self, self.port, LISTED)
        listed.say("mallory")
        refused = yield listed.expect_line("ERR ")
        self.assertEqual(
            refused,
            f"ERR ACCOUNT_REQUIRED {LISTED_WORDS}; sign in to an existing account",
        )
        listed.say("/register mallory password1")
        refused = yield listed.expect_line("ERR ")
        self.assertEqual(
            refused,
            f"ERR REGISTRATION_CLOSED {LISTED_WORDS}; no account can be "
            "registered from it",
        )
        listed.say("/login alice password1")
        yield listed.expect_line("WELCOME alice")

    @defer.inlineCallbacks
    def test_irc_door(self):
        plain = yield self.irc_from(LISTED, "NICK mallory", "USER m 0 * :m")
        yield plain.closed
        self.assertIn(
            f":chatroom FAIL * ACCOUNT_REQUIRED :{LISTED_WORDS}; sign in to an "
            "existing account",
            plain.lines,
        )
        self.assertEqual(
            plain.lines[-1], f"ERROR :Closing Link: {LISTED} (Account required)"
        )
        signed = yield self.irc_from(
            LISTED, "PASS alice:password1", "NICK alice", "USER a 0 * :a"
        )
        yield signed.expect(lambda line: " 001 alice " in line)

    @defer.inlineCallbacks
    def test_irc_register_is_refused(self):
        client = yield self.irc_from(
            LISTED, "CAP LS 302", "NICK mallory", "REGISTER * - password1"
        )
        fail = yield client.expect(lambda line: " FAIL " in line)
        self.assertEqual(
            fail,
            f":chatroom FAIL REGISTER DISALLOWED mallory :{LISTED_WORDS}; "
            "no account can be registered from it",
        )

    @defer.inlineCallbacks
    def test_web_door(self):
        listed = yield self.browser_from(LISTED)
        yield listed.expect_line("HELLO ")
        listed.say("mallory")
        refused = yield listed.expect_line("ERR ")
        self.assertTrue(refused.startswith(f"ERR ACCOUNT_REQUIRED {LISTED_WORDS};"))
        listed.say("/login alice password1")
        yield listed.expect_line("WELCOME alice")

    @defer.inlineCallbacks
    def test_unlisted_takes_a_plain_name(self):
        yield self.named_from(UNLISTED, "carol")


class BlocklistDownTests(BlocklistCase):
    """The blocklist's server is down: everyone gets in, and it is logged."""

    @defer.inlineCallbacks
    def test_everyone_gets_in_at_every_door(self):
        logged = log_lines(self)
        yield self.stop_dns()
        yield self.named_from(LISTED, "lina")
        ircer = yield self.irc_from(LISTED, "NICK ivy", "USER i 0 * :i")
        yield ircer.expect(lambda line: " 001 ivy " in line)
        web = yield self.browser_from(LISTED)
        yield self.named_from(LISTED, "wes", web)
        failures = [
            entry
            for entry in logged
            if entry.startswith(f"blocklist lookup of {LISTED} failed, so it is let in")
        ]
        self.assertEqual(len(failures), 3, logged)
        self.assertIn(f"{ZONE}: no answer in time", failures[0])


class ProxiedTests(ServerTestCase):
    """Behind a proxy, the address looked up is the one its header gives."""

    port_spec = "haproxy:tcp:0:interface=127.0.0.1"

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        zone = BlocklistZone()
        zone.list(LISTED, REASON)
        dns = serve_zone(zone)
        self.addCleanup(dns.stopListening)
        self.options = (
            *self.options,
            *("--dnsbl", ZONE, "--dnsbl-action", "refuse"),
            *("--dnsbl-resolver", f"127.0.0.1:{port_of(dns)}"),
        )
        yield super().setUp()

    @defer.inlineCallbacks
    def proxied(self, source: str):
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.port)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        client.transport.write(
            f"PROXY TCP4 {source} 127.0.0.1 40000 {self.port}\r\n".encode()
        )
        return client

    @defer.inlineCallbacks
    def test_the_proxied_address_is_looked_up(self):
        listed = yield self.proxied(LISTED)
        yield listed.closed
        self.assertEqual(listed.lines, [f"BYE {LISTED_WORDS}"])
        unlisted = yield self.proxied(UNLISTED)
        yield unlisted.expect_line("HELLO ")
