"""A DNS blocklist served by Twisted Names on 127.0.0.1, for the ``--dnsbl`` tests.

:class:`BlocklistZone` is a zone held in memory (Twisted's own
``FileAuthority`` logic, without a file) listing the addresses a test
names, as RFC 5782 asks: an A record of 127.0.0.2, a TXT record for the
reason. :func:`serve_zone` serves it over UDP with Twisted's
``DNSServerFactory``, on a port the system chooses; stopping the port is
the blocklist going down.
"""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.interfaces import IListeningPort
from twisted.names import authority, common, dns, server

from chatroom.wiring.dnsbl import query_name

ZONE = "dnsbl.test"


class BlocklistZone(authority.FileAuthority):
    """A blocklist zone whose listings a test adds and removes."""

    def __init__(self, zone: str = ZONE, ttl: int = 300) -> None:
        common.ResolverBase.__init__(self)
        self.zone = zone
        self.ttl = ttl
        soa = dns.Record_SOA(
            mname=f"ns.{zone}",
            rname=f"hostmaster.{zone}",
            serial=1,
            refresh=ttl,
            retry=ttl,
            expire=ttl,
            minimum=ttl,
            ttl=ttl,
        )
        # FileAuthority's own fields (typed None there: a file fills them)
        self.soa = (zone.encode(), soa)  # type: ignore[assignment]
        self.records: dict[bytes, list[object]] = {}  # type: ignore[assignment]

    def list(self, address: str, reason: str = "", answer: str = "127.0.0.2") -> None:
        """List ``address`` (with a TXT ``reason``, if given)."""
        name = query_name(address, self.zone)
        assert name is not None
        records: list[object] = [dns.Record_A(answer, ttl=self.ttl)]
        if reason:
            records.append(dns.Record_TXT(reason.encode(), ttl=self.ttl))
        self.records[name.encode()] = records

    def delist(self, address: str) -> None:
        name = query_name(address, self.zone)
        assert name is not None
        self.records.pop(name.encode(), None)


def serve_zone(*zones: BlocklistZone) -> IListeningPort:
    """Serve ``zones`` over UDP on 127.0.0.1, port chosen by the system."""
    factory = server.DNSServerFactory(authorities=list(zones))
    return reactor.listenUDP(  # type: ignore[attr-defined]
        0, dns.DNSDatagramProtocol(factory), interface="127.0.0.1"
    )
