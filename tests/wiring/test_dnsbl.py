"""Blocklist lookups (``--dnsbl``): the names asked, the answers kept, the timeout.

A real DNS server (Twisted Names, :mod:`tests.dns_zone`) answers on
127.0.0.1; the answers' lifetimes and the lookups' timeout run on a
``task.Clock``.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.protocol import DatagramProtocol
from twisted.internet.task import Clock
from twisted.names import client, dns
from twisted.trial import unittest

from chatroom.core.infra.blocklists import CLEAR, Blocklists, ZoneListing
from chatroom.wiring.dnsbl import (
    NEGATIVE_TTL,
    TIMEOUT,
    UnansweredError,
    ZoneLookup,
    query_name,
    resolver_address,
)
from tests.dns_zone import ZONE, BlocklistZone, serve_zone
from tests.support import log_lines, port_of


class QueryNameTests(unittest.TestCase):
    """The names RFC 5782 asks."""

    def test_ipv4_octets_reversed(self) -> None:
        self.assertEqual(query_name("192.0.2.99", ZONE), "99.2.0.192.dnsbl.test")

    def test_ipv6_nibbles_reversed(self) -> None:
        self.assertEqual(
            query_name("2001:db8:1:2:3:4:567:89ab", "bl.example"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example",
        )

    def test_mapped_ipv4_asked_as_ipv4(self) -> None:
        self.assertEqual(query_name("::ffff:127.0.0.2", ZONE), "2.0.0.127.dnsbl.test")

    def test_no_ip_address_is_not_asked(self) -> None:
        self.assertIsNone(query_name("/run/chat.sock", ZONE))

    def test_resolver_address(self) -> None:
        self.assertEqual(resolver_address("127.0.0.1:5353"), ("127.0.0.1", 5353))
        self.assertEqual(resolver_address("[::1]:53"), ("::1", 53))
        self.assertEqual(resolver_address("10.0.0.1"), ("10.0.0.1", 53))


class LookupTests(unittest.TestCase):
    """Lookups of a real server's zone; the kept answers' time on a Clock."""

    def setUp(self) -> None:
        self.zone = BlocklistZone(ttl=60)
        port = serve_zone(self.zone)
        self.addCleanup(port.stopListening)
        self.clock = Clock()
        resolver = client.Resolver(
            servers=[("127.0.0.1", port_of(port))], reactor=reactor
        )
        self.lookup = ZoneLookup(resolver, [ZONE], self.clock, cache_size=2)

    @defer.inlineCallbacks
    def test_listed_with_its_reason(self):
        self.zone.list("127.0.0.2", "open proxy, see https://bl.test/127.0.0.2")
        listing = yield self.lookup("127.0.0.2")
        self.assertEqual(
            listing, ZoneListing(ZONE, "open proxy, see https://bl.test/127.0.0.2")
        )

    @defer.inlineCallbacks
    def test_unlisted(self):
        self.zone.list("127.0.0.2")
        listing = yield self.lookup("127.0.0.3")
        self.assertIsNone(listing)

    @defer.inlineCallbacks
    def test_a_refusal_by_the_zone_is_no_listing(self):
        """127.255.255.x is Spamhaus's "query refused", not a listing."""
        self.zone.list("127.0.0.2", answer="127.255.255.254")
        listing = yield self.lookup("127.0.0.2")
        self.assertIsNone(listing)

    @defer.inlineCallbacks
    def test_control_characters_in_the_reason_are_shown_safely(self):
        self.zone.list("127.0.0.2", "spam\x1b[2Jsource")
        listing = yield self.lookup("127.0.0.2")
        self.assertEqual(listing.reason, "spam\ufffd[2Jsource")

    @defer.inlineCallbacks
    def test_an_answer_is_kept_for_its_ttl(self):
        """Delisted, the address stays listed until the answer's TTL ends."""
        self.zone.list("127.0.0.2")
        first = yield self.lookup("127.0.0.2")
        self.zone.delist("127.0.0.2")
        self.clock.advance(59)
        kept = yield self.lookup("127.0.0.2")
        self.assertEqual((first, kept), (ZoneListing(ZONE), ZoneListing(ZONE)))
        self.clock.advance(2)
        fresh = yield self.lookup("127.0.0.2")
        self.assertIsNone(fresh)

    @defer.inlineCallbacks
    def test_a_no_is_kept_for_the_zones_negative_ttl(self):
        """A name with no A record (NODATA): its "no" holds for as long as
        the zone's SOA says (RFC 2308; 60 s here)."""
        self.zone.records[b"2.0.0.127.dnsbl.test"] = [
            dns.Record_TXT(b"not an A record", ttl=60)
        ]
        answers = yield self.listed_after_a_no(60)
        self.assertEqual(answers, (None, ZoneListing(ZONE)))

    @defer.inlineCallbacks
    def test_a_no_without_its_soa_is_kept_five_minutes(self):
        """Twisted's server sends an NXDOMAIN without its SOA: the "no"
        holds for NEGATIVE_TTL."""
        answers = yield self.listed_after_a_no(NEGATIVE_TTL)
        self.assertEqual(answers, (None, ZoneListing(ZONE)))

    @defer.inlineCallbacks
    def listed_after_a_no(self, held: float):
        """127.0.0.2 asked (not listed), then listed: the answers a second
        before and a second after ``held`` seconds."""
        yield self.lookup("127.0.0.2")
        self.zone.list("127.0.0.2")
        self.clock.advance(held - 1)
        kept = yield self.lookup("127.0.0.2")
        self.clock.advance(2)
        fresh = yield self.lookup("127.0.0.2")
        return kept, fresh

    @defer.inlineCallbacks
    def test_the_kept_answers_are_bounded(self):
        """Past ``cache_size`` answers, the least recently used is asked again."""
        self.zone.list("127.0.0.2")
        yield self.lookup("127.0.0.2")
        yield self.lookup("127.0.0.3")
        yield self.lookup("127.0.0.4")  # 127.0.0.2's answer goes
        self.zone.delist("127.0.0.2")
        self.zone.list("127.0.0.3")
        again = yield self.lookup("127.0.0.2")
        kept = yield self.lookup("127.0.0.4")
        self.assertEqual((again, kept), (None, None))

    @defer.inlineCallbacks
    def test_one_question_for_those_asking_at_once(self):
        """Two connections from one address at once: one answer for both,
        and it is the zone's."""
        self.zone.list("127.0.0.2")
        both = yield defer.gatherResults(
            [self.lookup("127.0.0.2"), self.lookup("127.0.0.2")]
        )
        self.assertEqual(both, [ZoneListing(ZONE), ZoneListing(ZONE)])

    @defer.inlineCallbacks
    def test_the_first_zone_to_list_it_in_their_order(self):
        other = BlocklistZone("other.test")
        port = serve_zone(self.zone, other)
        self.addCleanup(port.stopListening)
        resolver = client.Resolver(
            servers=[("127.0.0.1", port_of(port))], reactor=reactor
        )
        lookup = ZoneLookup(resolver, ["other.test", ZONE], self.clock)
        self.zone.list("127.0.0.2")
        other.list("127.0.0.2", "other's reason")
        self.zone.list("127.0.0.3")
        both = yield lookup("127.0.0.2")
        one = yield lookup("127.0.0.3")
        self.assertEqual(
            (both, one),
            (ZoneListing("other.test", "other's reason"), ZoneListing(ZONE)),
        )


class Silent(DatagramProtocol):
    """A DNS server that never answers."""


class ClockedUDP(Clock):
    """Real UDP sockets, timers on a Clock: the resolver's own timeouts
    and the lookup's run when the test says."""

    def listenUDP(self, *args: Any, **kwargs: Any) -> Any:
        return reactor.listenUDP(*args, **kwargs)  # type: ignore[attr-defined]


class TimeoutTests(unittest.TestCase):
    """A server that never answers: the lookup gives up after its timeout."""

    def setUp(self) -> None:
        port = reactor.listenUDP(0, Silent(), interface="127.0.0.1")  # type: ignore[attr-defined]
        self.addCleanup(port.stopListening)
        self.clock = ClockedUDP()
        resolver = client.Resolver(
            servers=[("127.0.0.1", port_of(port))], reactor=self.clock
        )
        self.lookup = ZoneLookup(resolver, [ZONE], self.clock)

    def test_no_answer_within_the_timeout_fails(self) -> None:
        asked = self.lookup("127.0.0.2")
        self.clock.advance(TIMEOUT - 0.1)
        self.assertNoResult(asked)
        self.clock.advance(0.1)
        failure = self.failureResultOf(asked, UnansweredError)
        self.assertEqual(failure.getErrorMessage(), f"{ZONE}: no answer in time")

    def test_the_address_is_let_in_and_it_is_logged(self) -> None:
        logged = log_lines(self)
        screened = Blocklists(self.lookup).screen("127.0.0.2")
        self.clock.advance(TIMEOUT)
        self.assertIs(self.successResultOf(screened), CLEAR)
        self.assertIn(
            "blocklist lookup of 127.0.0.2 failed, so it is let in: "
            f"{ZONE}: no answer in time",
            logged,
        )

    def test_a_failure_is_not_kept(self) -> None:
        """Asked again after a timeout, the address is asked again."""
        self.failureResultOf(self._timed_out(), UnansweredError)
        again = self.lookup("127.0.0.2")
        self.assertNoResult(again)
        self.clock.advance(TIMEOUT)
        self.failureResultOf(again, UnansweredError)

    def _timed_out(self) -> defer.Deferred[Any]:
        asked = self.lookup("127.0.0.2")
        self.clock.advance(TIMEOUT)
        return asked
