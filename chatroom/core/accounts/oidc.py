"""Signing in through an OpenID provider: the account bound to its subject.

The protocol's checks (the ID token's signature against the provider's
keys, its issuer, audience, expiry and nonce; an access token's) are the
wiring's (:mod:`chatroom.wiring.oidc`, with joserfc): what reaches the
core is a :class:`ProviderClaims`, the issuer and subject the provider
vouched for and the name it suggests. Here it is decided which account
that is:

- The account bound to the subject (``issuer`` and ``sub``: the only
  claims OpenID Connect promises never change), whatever it is called.
- None yet: an account is made, named from the provider's name claim
  (``--oidc-username-claim``) made a valid name, or a free variant of it
  (``alice2``, ``alice3``...) when that is taken. It has no password
  (:data:`~chatroom.core.model.accountrecord.NO_PASSWORD`): it is signed in to
  through the provider, with a ticket, or with the provider's access
  token (IRC's SASL ``OAUTHBEARER``). Its binding is made in the same
  change as the account (:class:`~chatroom.core.model.changes.accounts.BindOidc`),
  resting on no account being bound to the subject yet
  (:class:`~chatroom.core.model.changes.accounts.OidcUnbound`): two first sign-ins at
  once, on two nodes, make one account.

The web page, back from the provider, holds a *ticket*: the account's key,
its binding and an expiry, signed with a key every node shares (the
wiring derives it from the client secret), so any node takes it and none
keeps it. The page signs in with it (``/oidc TICKET``), and again after a
lost connection, until it expires (:data:`TICKET_SECONDS`). A ticket is a
secret like a password: nothing here logs one, or a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import NO_PASSWORD, Account
from chatroom.core.model.changes.accounts import (
    AccountAge,
    AccountRecord,
    BindOidc,
    MakeAccount,
    OidcUnbound,
    SetPassword,
    SetRegistered,
)
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    Apply,
    DecidedChange,
    PremiseFailedError,
)
from chatroom.core.model.changes.rooms import Exists
from chatroom.core.model.text import NAME_MAX_LENGTH, account_mask, name_key
from chatroom.core.moderation.lockdown import check_registration
from chatroom.core.moderation.store import BanStore
from chatroom.core.policy.rules import is_service_name
from chatroom.wire.names import is_valid_name

#: How long a ticket signs the page in (its first sign-in and every one
#: after a lost connection): a working day, as a sign-in cookie would.
TICKET_SECONDS = 12 * 3600

#: Variants of a taken name tried (``alice2`` .. ``alice99``) before a
#: first sign-in is refused.
NAME_VARIANTS = 99

#: The name given when the provider's claim has nothing a name may hold.
FALLBACK_NAME = "user"


@dataclass(frozen=True)
class ProviderClaims:
    """What the provider vouched for: its issuer, the subject (``sub``) and
    the name its claim suggests ("" when the token carries none)."""

    issuer: str
    subject: str
    username: str = ""


class Provider(Protocol):
    """The OpenID provider as the wiring speaks to it
    (:class:`chatroom.wiring.oidc.OidcProvider`): the authorization code
    flow the web door runs, and the check of an access token (IRC's SASL
    ``OAUTHBEARER``). Each refuses with ``BAD_TOKEN`` saying why."""

    async def start(self, redirect_uri: str) -> tuple[str, str]:
        """Where to send the browser (the provider's authorization URL,
        with PKCE, ``state`` and ``nonce``), and what the browser keeps
        meanwhile (signed: a cookie) for :meth:`finish`."""
        ...

    async def finish(
        self, code: str, state: str, kept: str, redirect_uri: str, iss: str = ""
    ) -> ProviderClaims:
        """The claims of the ID token ``code`` is exchanged for, checked
        against ``kept`` (the flow's ``state``, nonce and PKCE verifier);
        ``iss``, the answer's issuer when the provider names it (RFC 9207),
        must be this provider's."""
        ...

    async def access_token_claims(self, token: str) -> ProviderClaims:
        """The claims of ``token`` if it is the provider's, current, and
        issued for this server."""
        ...


def binding(issuer: str, subject: str) -> str:
    """The subject ``subject`` of ``issuer``, as an account keeps it."""
    return json.dumps([issuer, subject], separators=(",", ":"))


def provider_subject(oidc: str) -> dict[str, str] | None:
    """The issuer and subject an account is bound to (``oidc``, as
    :func:`binding` encodes them), as the account's ``/export`` shows them;
    None for an account bound to none."""
    if not oidc:
        return None
    issuer, subject = json.loads(oidc)
    return {"issuer": str(issuer), "subject": str(subject)}


def name_from_claim(claim: str) -> str:
    """A valid name made of the provider's name claim: an address's local
    part, its characters a name may not hold dropped, at most
    :data:`~chatroom.core.model.text.NAME_MAX_LENGTH` of them."""
    local = unicodedata.normalize("NFKC", claim).split("@", 1)[0]
    kept = "".join(ch for ch in local if ch.isalnum() or ch in "_-.")
    name = kept.strip(".-")[:NAME_MAX_LENGTH]
    return name if is_valid_name(name) else FALLBACK_NAME


def variants(name: str) -> list[str]:
    """``name``, then ``name2`` .. ``name99``, each cut to fit a name."""
    found = [name]
    for number in range(2, NAME_VARIANTS + 1):
        suffix = str(number)
        found.append(name[: NAME_MAX_LENGTH - len(suffix)] + suffix)
    return found


def making(name: str, oidc: str) -> DecidedChange:
    """Account ``name`` made with no password, bound to ``oidc``: resting
    on the name being no account yet and the subject bound to none."""
    return DecidedChange(
        AccountRecord(name_key(name)),
        (Exists(False), OidcUnbound(oidc)),
        (
            MakeAccount(name),
            SetPassword(NO_PASSWORD, ""),
            BindOidc(oidc),
        ),
    )


class OidcSignIn:
    """Sign-ins through the OpenID provider, for every door.

    Args:
        store: where accounts are read.
        bans: where the server's bans and lockdown are read.
        apply: the back-end's one write.
        clock: tickets' expiry, and a new account's age.
        name: the button's words (``--oidc-name``), in refusals.
        ticket_key: the key tickets are signed with, the same on every node.
        provider: the provider, as the wiring speaks to it.
    """

    log = Logger()

    def __init__(
        self,
        store: AccountStore,
        bans: BanStore,
        apply: Apply,
        clock: IReactorTime,
        name: str,
        ticket_key: bytes,
        provider: Provider,
    ) -> None:
        self.store = store
        self.bans = bans
        self.apply = apply
        self.clock = clock
        self.name = name
        self.ticket_key = ticket_key
        self.provider = provider

    async def signed_in(self, claims: ProviderClaims) -> Account:
        """The account bound to ``claims``' subject, made at its first
        sign-in; ``BANNED`` for an account banned from the server."""
        oidc = binding(claims.issuer, claims.subject)
        for _attempt in range(DECISION_ATTEMPTS):
            account = await self._bound(oidc)
            if account is not None:
                if await self.bans.is_server_banned([account_mask(account.key)]):
                    raise errors.banned_from_server()
                return account
            check_registration(await self.bans.lockdown())
            name = await self._free_name(name_from_claim(claims.username))
            try:
                await self.apply(making(name, oidc))
            except PremiseFailedError:
                continue  # the name, or the subject, taken meanwhile
            await self.apply(
                DecidedChange(
                    AccountAge(name_key(name)),
                    ops=(SetRegistered(self.clock.seconds()),),
                )
            )
            self.log.info(
                "{name} made at a first sign-in with {provider}",
                name=name,
                provider=self.name,
            )
            return Account(name_key(name), name, NO_PASSWORD, oidc=oidc)
        raise errors.unavailable()

    async def _bound(self, oidc: str) -> Account | None:
        key = await self.store.oidc_account(oidc)
        account = await self.store.get(key) if key is not None else None
        return account if account is not None and account.oidc == oidc else None

    async def _free_name(self, name: str) -> str:
        """The first of ``name``'s variants that is no account and no
        service's name."""
        for variant in variants(name):
            if is_service_name(variant):
                continue
            if await self.store.get(name_key(variant)) is None:
                return variant
        raise errors.name_registered(name)

    # -- tickets: the web page's sign-in ----------------------------------------

    def ticket(self, account: Account) -> str:
        """A ticket that signs in to ``account`` for :data:`TICKET_SECONDS`."""
        until = self.clock.seconds() + TICKET_SECONDS
        return seal(self.ticket_key, [account.key, account.oidc], until)

    async def sign_in_ticket(self, ticket: str) -> Account:
        """The account ``ticket`` signs in to, if it is one this server
        made, it has not expired, and the account is still bound to the
        same subject; else ``BAD_TOKEN``."""
        try:
            key, oidc = unsealed(self.ticket_key, ticket, self.clock.seconds())
        except ValueError as problem:
            why = f"{problem}: sign in with {self.name} again"
            raise errors.bad_token(why) from None
        return await self._still_bound(str(key), str(oidc))

    async def sign_in_token(self, token: str) -> Account:
        """The account bound to the subject of ``token``, an access token
        of the provider (made at its first sign-in when the token names
        the user); else ``BAD_TOKEN``."""
        claims = await self.provider.access_token_claims(token)
        oidc = binding(claims.issuer, claims.subject)
        account = await self._bound(oidc)
        if account is None and not claims.username:
            raise errors.bad_token(f"sign in with {self.name} on the web first")
        return await self.signed_in(claims)

    async def _still_bound(self, key: str, oidc: str) -> Account:
        account = await self.store.get(key)
        if account is None or not oidc or account.oidc != oidc:
            raise errors.bad_token("the account is no longer there")
        if await self.bans.is_server_banned([account_mask(key)]):
            raise errors.banned_from_server()
        return account


def seal(key: bytes, value: list[str], until: float) -> str:
    """``value`` and its expiry, signed with ``key`` (HMAC-SHA-256): it
    comes back unchanged, from any node that has the key, or not at all."""
    body = json.dumps([*value, int(until)], separators=(",", ":"))
    encoded = _b64(body.encode())
    return f"{encoded}.{_signature(key, encoded)}"


def unsealed(key: bytes, sealed: str, now: float) -> list[str]:
    """What :func:`seal` sealed with ``key``, if it is unchanged and not
    expired at ``now``; else ValueError saying which."""
    encoded, _, signature = sealed.partition(".")
    if not hmac.compare_digest(signature, _signature(key, encoded)):
        raise ValueError("not this server's")
    try:
        *value, until = json.loads(_unb64(encoded))
    except (ValueError, TypeError):
        raise ValueError("not this server's") from None
    if now >= until:
        raise ValueError("expired")
    return [str(part) for part in value]


def _signature(key: bytes, encoded: str) -> str:
    return _b64(hmac.new(key, encoded.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError("not base64") from None
