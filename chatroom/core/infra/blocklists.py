"""Blocklists: what a listing of a connection's address means for it.

With ``--dnsbl``, each new connection's address is looked up in DNS
blocklists (RFC 5782) before anything it sends is run. The lookups are the
wiring's (:mod:`chatroom.wiring.dnsbl`, over Twisted Names), handed to
:class:`Blocklists` as a :class:`Lookup`; the rule is here, once, for
every door:

- a listed address is refused (``--dnsbl-action refuse``), or
  (``require-account``, the default, as Ergo's ``require-sasl``) may only
  sign in to an account it already has: a plain name is refused
  (``ACCOUNT_REQUIRED``), and so is registering one (``REGISTRATION_CLOSED``),
  so a listed spammer cannot make the account it would need;
- an address no zone lists is let in;
- a lookup that fails or times out lets the address in, and is logged: a
  blocklist down must not close the server.

A door's :class:`~chatroom.doors.base.connection.Connection` holds the
:class:`Verdict` it was given, and asks it at the name step and before a
registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.model import errors

#: ``--dnsbl-action``: what a listing means.
REFUSE, REQUIRE_ACCOUNT = "refuse", "require-account"
ACTIONS = (REFUSE, REQUIRE_ACCOUNT)


@dataclass(frozen=True, slots=True)
class ZoneListing:
    """A zone lists the address; ``reason`` is its TXT record, if it has one."""

    zone: str
    reason: str = ""

    def words(self) -> str:
        """What the user is told: the zone, and its reason if it gave one."""
        listed = f"your address is listed by {self.zone}"
        return f"{listed}: {self.reason}" if self.reason else listed


#: Looks an address up in every zone: its first listing (in the zones'
#: order), None if no zone lists it; fails if no zone listed it and one
#: could not be asked (the failure says which and why).
Lookup = Callable[[str], "Deferred[ZoneListing | None]"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a connection may do, once its address has been looked up."""

    listing: ZoneListing | None = None
    action: str = REQUIRE_ACCOUNT

    @property
    def refusal(self) -> str | None:
        """Why the connection is closed at once (``refuse``), or None."""
        if self.listing is None or self.action != REFUSE:
            return None
        return self.listing.words()

    def check_name(self, account: str | None) -> None:
        """The name step: a listed address takes no plain name.

        Raises:
            ChatError: ``ACCOUNT_REQUIRED``, naming the zone.
        """
        if self.listing is not None and not account:
            raise errors.listed_account_required(self.listing.words())

    def check_registration(self) -> None:
        """No account is registered from a listed address.

        Raises:
            ChatError: ``REGISTRATION_CLOSED``, naming the zone.
        """
        if self.listing is not None:
            raise errors.listed_registration_closed(self.listing.words())


#: The verdict of an address no zone lists (and of every one without
#: ``--dnsbl``).
CLEAR = Verdict()


class Blocklists:
    """Screens new connections' addresses: their lookups, judged by the rule."""

    log = Logger()

    def __init__(self, look_up: Lookup, action: str = REQUIRE_ACCOUNT) -> None:
        if action not in ACTIONS:
            raise ValueError(f"action: one of {', '.join(ACTIONS)}")
        self.look_up = look_up
        self.action = action

    def screen(self, address: str) -> Deferred[Verdict]:
        """The verdict on ``address``; it never fails (a failed lookup is
        :data:`CLEAR`, logged)."""
        looked = self.look_up(address)
        return looked.addCallbacks(
            self._judged,
            self._unanswered,
            callbackArgs=(address,),
            errbackArgs=(address,),
        )

    def _judged(self, listing: ZoneListing | None, address: str) -> Verdict:
        if listing is None:
            return CLEAR
        self.log.info(
            "{address} is listed by {zone} ({action}){reason}",
            address=address,
            zone=listing.zone,
            action=self.action,
            reason=f": {listing.reason}" if listing.reason else "",
        )
        return Verdict(listing, self.action)

    def _unanswered(self, failure: Failure, address: str) -> Verdict:
        self.log.warn(
            "blocklist lookup of {address} failed, so it is let in: {why}",
            address=address,
            why=failure.getErrorMessage(),
        )
        return CLEAR
