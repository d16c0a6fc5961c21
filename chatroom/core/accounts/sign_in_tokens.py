"""Device sessions: a device that stays signed in without keeping the password.

A web page reloaded, a new tab, a terminal client started again: each would
ask for the password again, or keep it where it should not. Instead, a
device signed in with the account's own password (or through the OpenID
provider) asks ``/session new`` and is given a **sign-in token**, which it
keeps (the page in ``localStorage``) and signs in with later
(``/session TOKEN``), exactly as ``/login`` signs in: the connection is a
device of the account, listed by ``/devices`` as its door. A token is
revocable at every turn:

- ``/session end`` on the device that holds it (the page's *Sign out*);
- ``/logout ID`` of the device that signed in with it or made it, from
  any device of the account, on any node;
- every token of the account ends on ``/password``, a reset by mail or by
  the operator, ``/unregister`` and ``/delete-account``;
- a token unused for :data:`UNUSED_SECONDS` (30 days, on the server's
  injected clock) signs nobody in, and the back-end may forget it then.

A token is :data:`TOKEN_BYTES` random bytes in base64url (43 characters),
made here and shown once; only its SHA-256 is kept
(:func:`~chatroom.core.model.codes.code_hash`'s kind of hash, without its
folding of case), with its account and when it was made and last used,
on the back-end that keeps accounts (the ``--db`` file, or Redis for a
cluster), so it outlives a restart and works on every node. 256 random
bits need no slow hash: nobody guesses one, and a copy of the store opens
nothing. Guesses still meet a back-off per address, as invitation codes
do, so that nobody makes the server look up tokens without end.

A session signed in with an app password makes none (``NOT_ALLOWED``):
an app password taken from a client opens that client's way in and no
other, as :mod:`chatroom.core.services.app_passwords` says. A token's sign-in is
no more than the sign-in that made it, so it may make the next one
(``/session new`` again replaces the one the device holds).

Each write is one :class:`~chatroom.core.model.changes.base.DecidedChange` of an
:class:`~chatroom.core.model.changes.accounts.AccountSignIns` through the back-end's
``apply``: a token made rests on its account being registered, a use on
the token as read (:class:`~chatroom.core.model.changes.accounts.SignInTokenIs`), so a
token ended on one node while another node signs in with it is never
kept again.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.infra.throttle import FailureBackoff, Guesses, ThrottledError
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Account, mailbox_of
from chatroom.core.model.changes.accounts import (
    AccountSignIns,
    DropSignInToken,
    DropSignInTokens,
    KeepSignInToken,
    Registered,
    SignInTokenIs,
)
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    Apply,
    DecidedChange,
    Operation,
    PremiseFailedError,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import account_mask

#: Seconds a token lasts unused: 30 days.
UNUSED_SECONDS = 30 * 24 * 3600
#: Random bytes in a token (base64url: 43 characters).
TOKEN_BYTES = 32
#: Wrong tokens, per address.
TOKENS_BY_ADDRESS = FailureBackoff(
    "sign-in-token-address", free=5, base=1, cap=900, forget=3600
)

log = Logger()


def new_token() -> str:
    """A fresh token: 43 characters of ``A-Za-z0-9-_``."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is kept of ``token``: its SHA-256, in hex (a token is compared
    as it was given: case counts)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignInToken:
    """One token as kept: under ``hash`` (its token's), for ``account`` (a
    name key), made at ``made`` and last used at ``used`` (seconds on the
    server's clock)."""

    hash: str
    account: str
    made: float
    used: float

    @property
    def until(self) -> float:
        """When it stops signing anyone in, unless used before."""
        return self.used + UNUSED_SECONDS

    def alive(self, now: float) -> bool:
        return now < self.until

    def encoded(self) -> str:
        """As a back-end keeps it (the hash is its key)."""
        return json.dumps(
            {"account": self.account, "made": self.made, "used": self.used},
            separators=(",", ":"),
        )

    @classmethod
    def decoded(cls, token: str, kept: str) -> SignInToken:
        fields = json.loads(kept)
        return cls(
            token, str(fields["account"]), float(fields["made"]), float(fields["used"])
        )


class SignInTokenStore(Protocol):
    """Where sign-in tokens are kept (the back-end's account store): its
    read. An :class:`~chatroom.core.model.changes.accounts.AccountSignIns` change goes
    through the back-end's one write, applied atomically or refused with
    :class:`~chatroom.core.model.changes.base.PremiseFailedError` (and the token as
    kept now, "" for none, when :class:`~chatroom.core.model.changes.accounts.
    SignInTokenIs` failed)."""

    async def sign_in_token(self, token: str) -> str:
        """The token kept under hash ``token``, encoded ("" for none)."""
        ...


class _Store(SignInTokenStore, Protocol):
    """The account store, as this module reads it: its tokens, and the
    account a token signs in to."""

    async def get(self, key: str) -> Account | None: ...


class _Bans(Protocol):
    """What of the server's bans a token's sign-in reads."""

    async def is_server_banned(self, masks: Iterable[str]) -> bool: ...


# -- the changes ----------------------------------------------------------------


def made(token: SignInToken, replacing: str = "") -> DecidedChange:
    """Keep new ``token`` while its account is registered (the token the
    device held before, ``replacing``'s hash, ends with it)."""
    ops: tuple[Operation, ...] = (DropSignInToken(replacing),) if replacing else ()
    return DecidedChange(
        AccountSignIns(token.account),
        (Registered(), SignInTokenIs(token.hash, "")),
        (
            *ops,
            KeepSignInToken(token.hash, token.encoded(), token.until, token.used),
        ),
    )


def used(found: SignInToken, now: float) -> DecidedChange:
    """``found`` used at ``now``, resting on its being kept as found."""
    after = replace(found, used=now)
    return DecidedChange(
        AccountSignIns(found.account),
        (SignInTokenIs(found.hash, found.encoded()),),
        (KeepSignInToken(found.hash, after.encoded(), after.until, now),),
    )


def ended(account: str, token: str) -> DecidedChange:
    """Account ``account``'s token whose hash is ``token`` ends."""
    return DecidedChange(AccountSignIns(account), ops=(DropSignInToken(token),))


def all_ended(account: str) -> DecidedChange:
    """Every token of account ``account`` ends."""
    return DecidedChange(AccountSignIns(account), ops=(DropSignInTokens(),))


# -- the service ----------------------------------------------------------------


class SignInTokens:
    """``/session new|TOKEN|end`` and the ends of tokens, for every door
    (see the module); which token each device here holds.

    Args:
        store: where accounts and tokens are kept.
        bans: the server's bans (an account banned signs in with no token).
        apply: the back-end's one write.
        clock: when tokens are made and used, and when they die.
        count_failures: where wrong tokens are counted (the accounts'
            wrong passwords' place: every node of a cluster's).
    """

    def __init__(
        self,
        store: _Store,
        bans: _Bans,
        apply: Apply,
        clock: IReactorTime,
        count_failures: Apply,
    ) -> None:
        self.store = store
        self.bans = bans
        self.apply = apply
        self.clock = clock
        self.guesses = Guesses(count_failures, clock)
        #: Device (a door's member) → the hash of the token it signed in
        #: with or made: what ``/session end`` and ``/logout ID`` end. Only
        #: devices holding one are here, until they go (:meth:`let_go`).
        self.held: dict[Member, str] = {}

    async def issue(
        self, member: Member, account: str, app_password: str
    ) -> tuple[str, int]:
        """``/session new`` of device ``member``, signed in to ``account``
        (a key; "" for a plain name) with its own password (or ``app
        password``, a label: ``NOT_ALLOWED``): a new token, shown once, and
        the seconds it lasts unused. The token the device held before
        ends with it."""
        if not account:
            raise errors.not_allowed(
                "/session new needs an account: /login or /register first"
            )
        if app_password:
            raise errors.not_allowed(
                "/session new takes a sign-in with the account's own password,"
                f" not an app password ({app_password})"
            )
        token = new_token()
        now = self.clock.seconds()
        kept = SignInToken(token_hash(token), account, now, now)
        try:
            await self.apply(made(kept, self.held.get(member, "")))
        except PremiseFailedError:
            raise errors.not_signed_in() from None  # the account went meanwhile
        self.held[member] = kept.hash
        log.info("{account} made a device session", account=account)
        return token, UNUSED_SECONDS

    async def sign_in(self, token: str, address: str) -> tuple[Account, str]:
        """``/session TOKEN`` from ``address``: the account it signs in to,
        and its hash (for :meth:`signed_in`, once the device has its
        name), its use kept.

        Raises:
            ChatError: ``BAD_TOKEN`` (unknown, ended or unused too long),
                ``RATE_LIMITED`` past the back-off, ``BANNED``,
                ``EMAIL_REQUIRED``.
        """
        guess = (TOKENS_BY_ADDRESS, address)
        try:
            await self.guesses.attempt(guess)
        except ThrottledError as refused:
            raise errors.sign_in_throttled("from your address", refused.wait) from None
        given = token_hash(token)
        kept = await self.store.sign_in_token(given)
        for _attempt in range(DECISION_ATTEMPTS):
            found = SignInToken.decoded(given, kept) if kept else None
            if found is None:
                raise errors.bad_session()
            now = self.clock.seconds()
            account = await self.store.get(found.account)
            if account is None or not found.alive(now):
                await self.apply(ended(found.account, found.hash))
                raise errors.bad_session()
            if await self.bans.is_server_banned([account_mask(account.key)]):
                raise errors.banned_from_server()
            if mailbox_of(account).required_until:  # --require-email
                raise errors.email_required(account.name)
            try:
                await self.apply(used(found, now))
            except PremiseFailedError as refusal:
                kept = refusal.facts if isinstance(refusal.facts, str) else ""
                continue
            await self.guesses.settle([guess])
            return account, given
        raise errors.unavailable()

    def signed_in(self, member: Member, token: str) -> None:
        """Device ``member`` signed in with the token whose hash is ``token``."""
        self.held[member] = token

    async def end(self, member: Member, account: str) -> None:
        """``/session end``, or ``/logout`` of device ``member`` of
        ``account``: the token it holds, if any, ends."""
        token = self.held.pop(member, "")
        if token and account:
            await self.apply(ended(account, token))
            log.info("{account} ended a device session", account=account)

    def let_go(self, member: Member) -> None:
        """Device ``member`` is gone: its token is no longer held here (it
        still signs in, until it ends)."""
        self.held.pop(member, None)

    async def end_all(self, account: str) -> None:
        """Every token of ``account`` ends (a new password, an account given
        up or deleted)."""
        await self.apply(all_ended(account))
