"""DNS blocklists (``--dnsbl``): each new connection's address asked of zones.

What a listing means is the core's (:mod:`chatroom.core.infra.blocklists`); this
module asks, and remembers the answers. As RFC 5782 has it:

- the name asked is the address's octets reversed (IPv4: 127.0.0.2 in
  ``dnsbl.example`` is ``2.0.0.127.dnsbl.example``) or its nibbles
  reversed (IPv6; an IPv4-mapped address is asked as its IPv4 one);
- an A record in 127.0.0.0/8 lists the address, its TXT record says why
  (asked only then). 127.255.255.0/24 is no listing: Spamhaus answers
  that when it refuses the query (a public resolver, too many queries),
  and taking it for one would refuse everyone;
- each zone is asked at once, with Twisted Names' client
  (:class:`twisted.names.client.Resolver`): of ``--dnsbl-resolver``, or
  the system's (``/etc/resolv.conf``).

Each (zone, address) answer is kept for its TTL (an NXDOMAIN's from its
SOA, RFC 2308), at most :data:`TTL_CAP` seconds, and at most
:data:`CACHE_SIZE` answers, the least recently used going first; an
address asked about while its question is out waits for that answer. Every
question ends within ``--dnsbl-timeout`` seconds on the injected clock: a
failure (no answer in time, a server failure) is not remembered, and the
core lets the address in.

These lookups are the server's own, about the address that connected,
asked of its own resolver: nothing a user names is fetched, so they are no
request on a user's word.

Twisted Names (about 0.6 MiB of a node's memory) is imported where
``--dnsbl`` makes a resolver, not by every server.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from twisted.internet.defer import (
    Deferred,
    DeferredList,
    TimeoutError,
    ensureDeferred,
    succeed,
)
from twisted.internet.interfaces import IReactorTime
from twisted.names.error import DNSQueryTimeoutError, DomainError
from twisted.python import usage
from twisted.python.failure import Failure

from chatroom.core.infra.blocklists import (
    ACTIONS,
    REQUIRE_ACCOUNT,
    Blocklists,
    ZoneListing,
)
from chatroom.core.model.text import without_control_characters
from chatroom.wiring.cli import number

#: Seconds a lookup may take (``--dnsbl-timeout``'s default).
TIMEOUT = 3.0
#: Answers kept, and the longest time one is kept (seconds).
CACHE_SIZE = 10_000
TTL_CAP = 3600
#: How long an NXDOMAIN without an SOA is kept.
NEGATIVE_TTL = 300
#: The longest TXT reason shown.
REASON_MAX = 200

_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_REFUSALS = ipaddress.IPv4Network("127.255.255.0/24")

#: ``twistd chatroom``'s options for blocklists.
DNSBL_OPTIONS: list[list[Any]] = [
    [
        "dnsbl",
        None,
        "",
        "Comma-separated DNS blocklist zones (e.g. dnsbl.dronebl.org) each new "
        "connection's address is looked up in (RFC 5782); '' for none.",
    ],
    [
        "dnsbl-action",
        None,
        REQUIRE_ACCOUNT,
        "What a listed address may do: require-account (only sign in to an "
        "existing account: no plain name, no registering; as Ergo's "
        "require-sasl) or refuse (closed at once).",
    ],
    [
        "dnsbl-resolver",
        None,
        "",
        "The DNS server --dnsbl asks, as HOST:PORT (default: the system's, "
        "from /etc/resolv.conf).",
    ],
    [
        "dnsbl-timeout",
        None,
        TIMEOUT,
        "Seconds a blocklist lookup may take; past them the address is let in "
        "(and logged).",
        number(float, 0.1, "--dnsbl-timeout"),
    ],
]


def check_dnsbl(options: Any) -> None:
    """``--dnsbl`` as a tuple of zones, ``--dnsbl-resolver`` as a (host,
    port) or None, and the action one of the core's."""
    zones = tuple(z.strip().strip(".") for z in options["dnsbl"].split(","))
    zones = tuple(z for z in zones if z)
    for zone in zones:
        if not all(label and len(label) < 64 for label in zone.split(".")):
            raise usage.UsageError(f"--dnsbl: {zone!r} is not a DNS zone")
    options["dnsbl"] = zones
    if options["dnsbl-action"] not in ACTIONS:
        raise usage.UsageError(f"--dnsbl-action: one of {', '.join(ACTIONS)}")
    given = options["dnsbl-resolver"]
    options["dnsbl-resolver"] = resolver_address(given) if given else None


def resolver_address(given: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT``; the port 53 if left out) as a pair."""
    host, port = given, "53"
    if given.startswith("["):
        host, _, rest = given[1:].partition("]")
        if rest:
            port = rest.removeprefix(":")
    elif given.count(":") == 1:
        host, port = given.split(":")
    try:
        ipaddress.ip_address(host)
        port_number = int(port)
    except ValueError:
        raise usage.UsageError(
            f"--dnsbl-resolver: {given!r} is not an IP address and port (HOST:PORT)"
        ) from None
    if not 0 < port_number < 65536:
        raise usage.UsageError(f"--dnsbl-resolver: no port {port_number}")
    return host, port_number


def build_blocklists(options: Any, reactor: Any) -> Blocklists | None:
    """What screens new connections (None without ``--dnsbl``)."""
    if not options["dnsbl"]:
        return None
    from twisted.names import client

    server = options["dnsbl-resolver"]
    if server is None:
        resolver = client.Resolver(resolv="/etc/resolv.conf", reactor=reactor)
    else:
        resolver = client.Resolver(servers=[server], reactor=reactor)
    lookup = ZoneLookup(resolver, options["dnsbl"], reactor, options["dnsbl-timeout"])
    return Blocklists(lookup, options["dnsbl-action"])


def query_name(address: str, zone: str) -> str | None:
    """The name RFC 5782 asks for ``address`` in ``zone`` (None: no IP
    address, a UNIX socket's say)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        labels = str(ip).split(".")
    else:
        labels = list(ip.exploded.replace(":", ""))
    return ".".join([*reversed(labels), zone])


class UnansweredError(Exception):
    """No zone listed the address, and some could not be asked."""


class ZoneLookup:
    """Asks every zone about an address, remembering the answers.

    Args:
        resolver: Twisted Names' resolver (``IResolver``) that asks.
        clock: times the answers kept and the lookups' timeout.
    """

    def __init__(
        self,
        resolver: Any,
        zones: Sequence[str],
        clock: IReactorTime,
        timeout: float = TIMEOUT,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.resolver = resolver
        self.zones = tuple(zones)
        self.clock = clock
        self.timeout = timeout
        self.cache_size = cache_size
        #: (zone, address) → (kept until, its listing or None).
        self._kept: OrderedDict[tuple[str, str], tuple[float, ZoneListing | None]] = (
            OrderedDict()
        )
        #: (zone, address) → those waiting for the question out.
        self._asking: dict[tuple[str, str], list[Deferred[ZoneListing | None]]] = {}

    def __call__(self, address: str) -> Deferred[ZoneListing | None]:
        """The first listing of ``address`` in the zones' order, or None;
        fails with :class:`UnansweredError` if none lists it and one failed."""
        if query_name(address, "") is None:
            return succeed(None)
        answers = [self._in_zone(zone, address) for zone in self.zones]
        return DeferredList(answers, consumeErrors=True).addCallback(self._first)

    def _first(self, results: list[tuple[bool, Any]]) -> ZoneListing | None:
        failed = []
        for zone, (ok, result) in zip(self.zones, results, strict=True):
            if ok and result is not None:
                return result
            if not ok:
                failed.append(f"{zone}: {_why(result)}")
        if failed:
            raise UnansweredError("; ".join(failed))
        return None

    def _in_zone(self, zone: str, address: str) -> Deferred[ZoneListing | None]:
        key = (zone, address)
        kept = self._kept.get(key)
        if kept is not None:
            if kept[0] > self.clock.seconds():
                self._kept.move_to_end(key)
                return succeed(kept[1])
            del self._kept[key]
        waiting = self._asking.get(key)
        if waiting is None:
            waiting = self._asking[key] = []
            asked = ensureDeferred(self._ask(zone, address))
            asked.addTimeout(self.timeout, self.clock)
            asked.addBoth(self._answered, key)
        answer: Deferred[ZoneListing | None] = Deferred()
        waiting.append(answer)
        return answer

    def _answered(self, result: Any, key: tuple[str, str]) -> None:
        """Hand the answer to those waiting; keep it (not a failure)."""
        waiting = self._asking.pop(key)
        if isinstance(result, Failure):
            for waiter in waiting:
                waiter.errback(result)
            return
        listing, ttl = result
        if ttl > 0:
            self._kept[key] = (self.clock.seconds() + min(ttl, TTL_CAP), listing)
            while len(self._kept) > self.cache_size:
                self._kept.popitem(last=False)
        for waiter in waiting:
            waiter.callback(listing)

    async def _ask(self, zone: str, address: str) -> tuple[ZoneListing | None, float]:
        """The zone's answer and how long it holds."""
        from twisted.names import dns

        name = query_name(address, zone)
        assert name is not None
        # A lost packet: asked once more. The two tries end at three
        # quarters of the timeout, so a zone that never answers fails in the
        # resolver itself, which then holds no timer of its own; the
        # timeout on the whole lookup is the backstop, not the rule.
        tries = (self.timeout / 4, self.timeout / 2)
        try:
            answers, authority, _ = await self.resolver.lookupAddress(name, tries)
        except DomainError as missing:  # NXDOMAIN: not listed
            message = missing.args[0] if missing.args else None
            return None, _negative_ttl(getattr(message, "authority", ()))
        listed = [
            record
            for record in answers
            if record.type == dns.A and _lists(record.payload.dottedQuad())
        ]
        if not listed:
            if not answers:  # NODATA: not listed, for as long as an NXDOMAIN
                return None, _negative_ttl(authority)
            return None, min(record.ttl for record in answers)
        reason = await self._reason(name, tries)
        return ZoneListing(zone, reason), min(record.ttl for record in listed)

    async def _reason(self, name: str, tries: tuple[float, float]) -> str:
        """The listing's TXT record, made safe to show ("" if none)."""
        from twisted.names import dns

        try:
            answers, _, _ = await self.resolver.lookupText(name, tries)
        except Exception:  # no reason given: the listing stands
            return ""
        for record in answers:
            if record.type == dns.TXT:
                text = b"".join(record.payload.data).decode("utf-8", "replace")
                return without_control_characters(text.strip())[:REASON_MAX]
        return ""


def _lists(dotted: str) -> bool:
    """Whether an A record's address is a listing (RFC 5782)."""
    address = ipaddress.IPv4Address(dotted)
    return address in _LOOPBACK and address not in _REFUSALS


def _negative_ttl(authority: Sequence[Any]) -> float:
    """How long a "not listed" holds: its SOA's TTL or minimum, the
    smaller (RFC 2308), else :data:`NEGATIVE_TTL`."""
    from twisted.names import dns

    for record in authority:
        if record.type == dns.SOA:
            return float(min(record.ttl, record.payload.minimum))
    return NEGATIVE_TTL


def _why(failure: Failure) -> str:
    """A failed question, in a few words for the log."""
    if failure.check(TimeoutError, DNSQueryTimeoutError):
        return "no answer in time"
    return failure.getErrorMessage() or type(failure.value).__name__
