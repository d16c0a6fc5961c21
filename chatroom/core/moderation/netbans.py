"""Server bans with an author, a reason and an end, and bans of networks.

A server ban (``/gban``, chatroom-admin's ``bans add``, the admin API,
IRC's ``UBAN ADD``) holds one mask:

- ``account:NAME`` or ``name:NAME``: the account, or the name, may not be
  taken (:mod:`chatroom.core.accounts.accounts`, :mod:`chatroom.core.moderation.admin`);
- ``ip:ADDRESS`` or ``ip:NETWORK/BITS``, IPv4 or IPv6: no connection from
  there gets as far as choosing a name. An IPv4-mapped IPv6 address
  (``::ffff:203.0.113.7``, what a dual-stack socket reports) is its IPv4
  address, so an IPv4 network covers it; masks are kept in the
  :mod:`ipaddress` module's normal form, so ``ip:203.0.113.9/24`` and
  ``ip:203.0.113.0/24`` are one ban.

Any ban may last a while (``/gban MASK [DURATION] [REASON]``, DURATION as
``30s``, ``10m``, ``2h``, ``7d`` or ``4w``): its end is kept with it, on the
injected clock, and a ban past its end holds nothing, whether or not the
timer that lifts it has fired yet on this node.

A connected user a ban covers is told ``banned from this server:
REASON`` (:func:`bye`); a network ban reaches every node's connections
, and a connection from a banned network is
refused with the same words before it is greeted.
:class:`chatroom.core.moderation.serverbans.ServerBans` makes, lifts and ends them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chatroom.core.model import errors
from chatroom.core.policy.moderation import Target, ban_mask
from chatroom.core.policy.rules import NO_REASON
from chatroom.core.policy.settingvalues import parse_mask

#: A duration's units, in seconds.
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
#: The longest duration a ban may be given (a longer one is for ever).
LONGEST = 520 * UNITS["w"]
#: The kinds of mask a ban may name, as typed.
MASK_KINDS = ("account:", "name:", "ip:")
IP = "ip:"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class BanTerms:
    """Who banned, until when (0: for ever; seconds since the epoch) and why."""

    by: str
    until: float = 0.0
    reason: str = ""

    def encoded(self) -> str:
        """As a back-end keeps it: ``until by reason`` (by holds no space)."""
        return f"{self.until:.3f} {self.by} {self.reason}"

    @classmethod
    def decoded(cls, kept: str) -> BanTerms:
        until, _, rest = kept.partition(" ")
        by, _, said = rest.partition(" ")
        return cls(by, float(until or 0), said)


#: The terms of a ban kept with none (one made before bans had terms).
UNKNOWN = BanTerms("")


@dataclass(frozen=True, slots=True)
class ServerBan:
    """One server ban: its mask, as kept, and its terms."""

    mask: str
    terms: BanTerms = UNKNOWN

    def active(self, now: float) -> bool:
        """Whether it still holds at ``now``."""
        return not self.terms.until or now < self.terms.until

    @property
    def told(self) -> str:
        """What a user it covers is told as the connection closes."""
        return bye(self.terms.reason)


def bye(said: str) -> str:
    """The words of a banned user's goodbye (line: ``BYE``; IRC: ``ERROR``)."""
    return f"banned from this server: {said or NO_REASON}"


def parse_duration(word: str) -> float | None:
    """``30s``, ``10m``, ``2h``, ``7d``, ``4w`` in seconds; None if ``word``
    is no duration (it is the reason's first word then).

    Raises:
        ChatError: ``BAD_ARGS`` for a duration of nothing, or too long.
    """
    number, unit = word[:-1], word[-1:].lower()
    if unit not in UNITS or not number.isdigit() or not number.isascii():
        return None
    seconds = int(number) * UNITS[unit]
    if not 0 < seconds <= LONGEST:
        raise errors.bad_args(f"{word!r}: a ban lasts 1s to {LONGEST // UNITS['w']}w")
    return float(seconds)


def address_of(host: str) -> Address | None:
    """The address a connection came from (an IPv4-mapped one as its IPv4
    address); None for none (a UNIX socket's, a test's)."""
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def network_of(mask: str) -> Network | None:
    """The network an ``ip:`` mask bans (None: another kind of mask)."""
    if not mask.startswith(IP):
        return None
    return ipaddress.ip_network(mask[len(IP) :], strict=False)


def network_mask(text: str) -> str:
    """``ip:ADDRESS`` or ``ip:NETWORK/BITS`` as typed, as kept: the network
    in normal form, an IPv4-mapped one as IPv4, a single address without
    its ``/32`` or ``/128``.

    Raises:
        ChatError: ``BAD_ARGS``: not an address or network, or a network
            so wide it would ban half the internet (fewer than 8 bits of
            IPv4, 16 of IPv6).
    """
    given = text[len(IP) :]
    try:
        network: Network = ipaddress.ip_network(given, strict=False)
    except ValueError:
        raise errors.bad_args(
            f"{text!r} is not an address or network (ip:ADDRESS or ip:ADDRESS/BITS)"
        ) from None
    if isinstance(network, ipaddress.IPv6Network):
        mapped = network.network_address.ipv4_mapped
        if mapped is not None and network.prefixlen >= 96:
            network = ipaddress.IPv4Network(f"{mapped}/{network.prefixlen - 96}")
    least = 8 if network.version == 4 else 16
    if network.prefixlen < least:
        raise errors.bad_args(f"{text!r} covers too much (at least /{least})")
    if network.num_addresses == 1:
        return f"{IP}{network.network_address}"
    return f"{IP}{network}"


def ban_target_mask(text: str, target: Target | None) -> str:
    """What a ban names: a mask as typed, else the user by account or name."""
    if text.startswith(IP):
        return network_mask(text)
    if text.startswith(MASK_KINDS):
        return parse_mask(text)
    return ban_mask(target or Target(text))


def covers(mask: str, host: str) -> bool:
    """Whether ``mask`` bans a connection from ``host``."""
    network, address = network_of(mask), address_of(host)
    if network is None or address is None or network.version != address.version:
        return False
    return address in network


@dataclass(frozen=True, slots=True)
class BanRequest:
    """``/gban MASK [DURATION] [REASON]`` as typed: who or what, for how
    many seconds (None: for ever), and why ("": none given)."""

    target: str
    seconds: float | None = None
    reason: str = ""


def parse_request(
    words: str, usage: str = "/gban USER|MASK [DURATION] [REASON]"
) -> BanRequest:
    """``MASK [DURATION] [REASON]`` in its parts.

    Raises:
        ChatError: ``BAD_ARGS`` (nothing named, or a bad duration).
    """
    target, _, rest = words.strip().partition(" ")
    if not target:
        raise errors.bad_args(f"usage: {usage}")
    first, _, after = rest.strip().partition(" ")
    seconds = parse_duration(first) if first else None
    said = after.strip() if seconds is not None else rest.strip()
    return BanRequest(target, seconds, said)


#: Hears a network ban made anywhere (on any node): the doors' server ends
#: the connections it covers.
BanListener = Callable[[ServerBan], None]


class NetworkBanNews(Protocol):
    """What a back-end tells the core of the network bans (``ip:`` masks),
    made or lifted on any node: what keeps a node's copy of them current
    (:class:`chatroom.core.moderation.serverbans.ServerBans`), so a new connection is
    screened with no read."""

    def banned(self, ban: ServerBan) -> None:
        """``ban``, a network's, was made."""

    def lifted(self, mask: str) -> None:
        """The ban of network ``mask`` was lifted."""

    def missed(self) -> None:
        """News may have been missed (the node's link to the others
        dropped, or came back): the bans are read again."""
