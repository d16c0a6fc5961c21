"""The guard of every request made on a user's word: which addresses it
refuses, ``--outbound-allow``'s exceptions and the options that spell
them, and names resolved by a real DNS server (Twisted Names on 127.0.0.1,
serving a zone of the test's own)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from twisted.internet import defer, reactor, task
from twisted.internet._resolver import HostResolution
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from twisted.internet.testing import MemoryReactorClock
from twisted.names import client, dns, error, server
from twisted.names.common import ResolverBase
from twisted.python import usage
from twisted.trial import unittest
from zope.interface import implementer

from chatroom.wiring.outbound import (
    OutboundGuard,
    OutboundPolicy,
    RefusedAddressError,
    guarded_agent,
    is_public,
)
from chatroom.wiring.tap import Options
from chatroom.wiring.webpush import WebPushSender


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


class AddressTests(unittest.TestCase):
    """What is never connected to, IPv4 and IPv6."""

    def test_internal_addresses_are_not_public(self) -> None:
        """Loopback, private, link-local (cloud metadata), multicast,
        reserved, unspecified, carrier-grade NAT, and IPv6 forms that carry
        such an IPv4 address: mapped, 6to4, NAT64."""
        for text in (
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "224.0.0.1",
            "240.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2002:7f00:1::",  # 6to4 of 127.0.0.1
            "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
            "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
            "64:ff9b:1::a00:1",  # local-use NAT64 (RFC 8215)
        ):
            self.assertFalse(is_public(ip(text)), text)

    def test_public_addresses_are(self) -> None:
        """Addresses of the Internet are connected to, a public IPv4
        address reached through NAT64 (an IPv6-only host's DNS64) too."""
        for text in (
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::5db8:d822",
        ):
            self.assertTrue(is_public(ip(text)), text)

    def test_exceptions_by_network_and_by_host_and_port(self) -> None:
        """A network allows any port of its addresses; ``HOST:PORT`` one
        port of one address, or of a host name as the URL names it."""
        policy = OutboundPolicy.parse(
            ["10.0.0.0/8", "127.0.0.1:8080", "[::1]:9000", "wiki.intra:80"]
        )
        self.assertTrue(policy.allows(ip("10.9.9.9"), "10.9.9.9", 443))
        self.assertTrue(policy.allows(ip("127.0.0.1"), "127.0.0.1", 8080))
        self.assertFalse(policy.allows(ip("127.0.0.1"), "127.0.0.1", 8081))
        self.assertTrue(policy.allows(ip("::1"), "::1", 9000))
        self.assertTrue(policy.allows(ip("192.168.0.5"), "wiki.intra", 80))
        self.assertFalse(policy.allows(ip("192.168.0.5"), "other.intra", 80))
        self.assertFalse(OutboundPolicy().allows(ip("127.0.0.1"), "localhost", 80))


class OptionTests(unittest.TestCase):
    """``--outbound-allow``, and the options that are spellings of it."""

    def policy(self, *arguments: str) -> OutboundPolicy:
        options = Options()
        options.parseOptions(list(arguments))
        return options.outbound_policy

    def test_comma_separated_repeated_and_its_older_name(self) -> None:
        """Entries comma-separated, the option repeated, and
        ``--preview-allow``'s entries: all of them add up."""
        policy = self.policy(
            *("--outbound-allow", "10.0.0.0/8,wiki.intra:80"),
            *("--outbound-allow", "[::1]:9000"),
            *("--preview-allow", "127.0.0.1:8080"),
        )
        self.assertEqual(
            policy,
            OutboundPolicy.parse(
                ["10.0.0.0/8", "wiki.intra:80", "[::1]:9000", "127.0.0.1:8080"]
            ),
        )
        self.assertEqual(self.policy(), OutboundPolicy())

    def test_push_allow_http_allows_its_hosts(self) -> None:
        """Each ``--push-allow-http`` prefix allows its host: that port when
        it names one, any port of an address that names none, port 80 of a
        name."""
        policy = self.policy(
            "--push-allow-http",
            "http://127.0.0.1:8081/push/,http://[::1]:,http://push.intra/",
        )
        self.assertEqual(
            policy,
            OutboundPolicy.parse(["127.0.0.1:8081", "::1/128", "push.intra:80"]),
        )
        self.assertTrue(policy.allows(ip("127.0.0.1"), "127.0.0.1", 8081))
        self.assertFalse(policy.allows(ip("127.0.0.1"), "127.0.0.1", 8082))

    def test_mistakes_name_their_option(self) -> None:
        """An entry that is neither a network nor HOST:PORT is one line
        naming the option it was given to."""
        for option in ("--outbound-allow", "--preview-allow"):
            with self.assertRaisesRegex(usage.UsageError, f"^{option}: 'nonsense'"):
                Options().parseOptions([option, "10.0.0.0/8,nonsense"])
        with self.assertRaisesRegex(usage.UsageError, "'h:70000': no such port"):
            Options().parseOptions(["--outbound-allow", "h:70000"])
        with self.assertRaisesRegex(usage.UsageError, "--previews: on or off"):
            Options().parseOptions(["--previews", "maybe"])

    def test_in_the_config_file_as_an_array(self) -> None:
        """``outbound-allow = [...]`` in a ``--config`` file holds every
        entry; the command line's ``--outbound-allow`` replaces the file's,
        as the command line does for every option."""
        path = Path(self.mktemp())
        path.write_text('[outbound]\noutbound-allow = ["10.0.0.0/8", "h.intra:81"]\n')
        self.assertEqual(
            self.policy("--config", str(path)),
            OutboundPolicy.parse(["10.0.0.0/8", "h.intra:81"]),
        )
        policy = self.policy("--config", str(path), "--outbound-allow", "[::1]:9")
        self.assertEqual(policy, OutboundPolicy.parse(["[::1]:9"]))


class Zone(ResolverBase):
    """A DNS zone of the test's own: each name's IPv4 addresses, the
    answers given in turn (the last one again once they run out); every
    question asked is kept."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        super().__init__()
        self.answers = answers
        self.asked: list[str] = []

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> Any:
        asked = name.decode().lower()
        self.asked.append(asked)
        turns = self.answers.get(asked)
        if not turns:
            return defer.fail(error.DomainError(name))
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        records = [
            dns.RRHeader(name, dns.A, dns.IN, 0, dns.Record_A(address, 0))
            for address in addresses
            if type in (dns.A, dns.ALL_RECORDS)
        ]
        return defer.succeed((records, [], []))


@implementer(IHostnameResolver)
class EveryAddress:
    """A name's every IPv4 address, as the DNS server ``names`` answers
    (Twisted's own adapter of a DNS client gives the first one only)."""

    def __init__(self, names: client.Resolver) -> None:
        self.names = names

    def resolveHostName(
        self,
        receiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Any = None,
        transportSemantics: str = "TCP",
    ) -> HostResolution:
        resolution = HostResolution(hostName)
        receiver.resolutionBegan(resolution)

        def answered(result: Any) -> None:
            for record in result[0]:
                if record.type == dns.A:
                    address = record.payload.dottedQuad()
                    receiver.addressResolved(IPv4Address("TCP", address, portNumber))

        looking = self.names.lookupAddress(hostName)
        looking.addCallbacks(answered, lambda _: None)
        looking.addBoth(lambda _: receiver.resolutionComplete())
        return resolution


class ResolvedNameTests(unittest.TestCase):
    """Names the guard resolves through a real DNS server on 127.0.0.1."""

    timeout = 30

    def setUp(self) -> None:
        self.zone = Zone(
            {
                "inside.test": [["127.0.0.1"]],
                "intranet.test": [["10.0.0.7"]],
                "metadata.test": [["169.254.169.254"]],
                "mixed.test": [["93.184.216.34", "192.168.1.1"]],
                "public.test": [["93.184.216.34"]],
                "rebinding.test": [["93.184.216.34"], ["127.0.0.1"]],
            }
        )
        factory = server.DNSServerFactory(authorities=[self.zone])
        port = reactor.listenUDP(  # type: ignore[attr-defined]
            0, dns.DNSDatagramProtocol(factory), interface="127.0.0.1"
        )
        self.addCleanup(port.stopListening)
        names = client.Resolver(servers=[("127.0.0.1", port.getHost().port)])
        self.resolver = EveryAddress(names)

    def guard(self, reactor: Any = reactor, *allowed: str) -> OutboundGuard:
        policy = OutboundPolicy.parse(list(allowed))
        return OutboundGuard(reactor, policy, resolver=self.resolver)

    @defer.inlineCallbacks
    def test_names_of_internal_addresses_are_refused(self) -> Any:
        """A name whose answer is loopback, private or link-local is
        refused, as is one with any such address among public ones; a
        name with no address too; a public one is not."""
        guard = self.guard()
        for host in ("inside.test", "intranet.test", "metadata.test", "mixed.test"):
            with self.assertRaisesRegex(RefusedAddressError, "not public"):
                yield defer.ensureDeferred(guard.vet(f"https://{host}/push"))
        with self.assertRaisesRegex(RefusedAddressError, "no address"):
            yield defer.ensureDeferred(guard.vet("https://nowhere.test/"))
        yield defer.ensureDeferred(guard.vet("https://public.test/push"))
        excepted = self.guard(reactor, "inside.test:443")
        yield defer.ensureDeferred(excepted.vet("https://inside.test/push"))

    @defer.inlineCallbacks
    def test_the_address_checked_is_the_one_connected_to(self) -> Any:
        """A name that answers a public address, then loopback (DNS
        rebinding): one request asks the server once, and connects to the
        public address it checked; the next request hears loopback and is
        refused without a connection."""
        connections = MemoryReactorClock()
        agent = guarded_agent(self.guard(connections))
        agent.request(b"GET", b"http://rebinding.test/")
        for _ in range(500):
            if connections.tcpClients:
                break
            yield task.deferLater(reactor, 0.01, lambda: None)
        self.assertEqual(
            [(host, port) for host, port, *_ in connections.tcpClients],
            [("93.184.216.34", 80)],
        )
        self.assertEqual(self.zone.asked, ["rebinding.test"])
        with self.assertRaisesRegex(RefusedAddressError, "127.0.0.1: not public"):
            yield agent.request(b"GET", b"http://rebinding.test/")
        self.assertEqual(len(connections.tcpClients), 1)

    @defer.inlineCallbacks
    def test_only_http_urls_with_a_host(self) -> Any:
        """What is no http(s) URL with a host is refused."""
        guard = self.guard()
        for url in ("ftp://public.test/", "https:///x", "https://[::1/"):
            with self.assertRaises(RefusedAddressError):
                yield defer.ensureDeferred(guard.vet(url))


@implementer(IHostnameResolver)
class Silent:
    """A resolver that never answers."""

    def resolveHostName(self, receiver: Any, hostName: str, *args: Any) -> Any:
        resolution = HostResolution(hostName)
        receiver.resolutionBegan(resolution)
        return resolution


class PushEndpointVetTests(unittest.TestCase):
    """What the Web Push sender tells ``/push add`` (its guard's word)."""

    def test_an_unanswered_name_is_not_allowed(self) -> None:
        """A name the resolver never answers is not allowed once the
        sender's timeout has passed (on its clock); an address the guard
        refuses at once; a public address at once."""
        clock = MemoryReactorClock()
        guard = OutboundGuard(clock, OutboundPolicy(), resolver=Silent())
        sender = WebPushSender(guard, clock, timeout=10)
        asked = sender.allows("https://push.example/x")
        self.assertNoResult(asked)
        clock.advance(10)
        self.assertIs(self.successResultOf(asked), False)
        refused = sender.allows("https://[::ffff:10.0.0.1]/x")
        self.assertIs(self.successResultOf(refused), False)
        public = sender.allows("https://93.184.216.34/x")
        self.assertIs(self.successResultOf(public), True)

    def test_push_allow_http_takes_http_urls_only(self) -> None:
        """A prefix that is no http:// URL with a host is a usage error."""
        for wrong in ("ftp://x", "http://", "http://[::1", "http://h:port/"):
            with self.assertRaisesRegex(usage.UsageError, "is no http:// URL"):
                Options().parseOptions(["--push-allow-http", wrong])
