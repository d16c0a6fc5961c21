"""Signing in by SCRAM-SHA-256: an exchange of messages, throttled as a password is.

A ``PLAIN`` sign-in is one call (:meth:`AccountService.sign_in`); a SCRAM
one spans two messages from the client, so it is an object: made by
:func:`begin_scram` (the same throttles as :meth:`~AccountService.sign_in`,
counted as a failure from the start), settled by :meth:`ScramSignIn.finish`
(given back when the proof is right, kept when it is wrong; both
one step of the back-end) or
:meth:`ScramSignIn.abandon` (given back: no proof was checked). Guesses by
SCRAM, ``PLAIN``, ``/login`` and NickServ therefore slow each other down.
Checking a proof is a few HMACs, done in place; the keys were derived on
the hashing threads when the password was set.
"""

from __future__ import annotations

from twisted.internet.defer import ensureDeferred
from twisted.logger import Logger

from chatroom.core.accounts.accounts import Account
from chatroom.core.accounts.scram import ScramError, ScramExchange, ScramKeys
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import mailbox_of
from chatroom.core.model.text import account_mask, name_key
from chatroom.core.policy import rules
from chatroom.core.services.accounts import BY_NAME, AccountService

__all__ = ["ScramSignIn", "begin_scram"]

log = Logger()


async def begin_scram(service: AccountService, name: str, address: str) -> ScramSignIn:
    """A SCRAM sign-in to ``name``, counted now as
    :meth:`AccountService.sign_in` counts one, and settled by its proof
    (:class:`ScramSignIn`).

    Raises:
        ChatError: ``BAD_NAME``, ``RATE_LIMITED``, ``NO_SUCH_ACCOUNT``,
            ``BANNED``, ``NO_SCRAM_KEYS`` (none made for it yet).
    """
    rules.check_name(name)
    key = name_key(name)
    by_name = await service.count_attempt(key, address)
    attempt = ScramSignIn(service, key, address, by_name)
    try:
        account = await service.store.get(key)
        if account is None:  # costs the address, not the name
            attempt.settled = True
            if by_name:
                await service.guesses.settle([(BY_NAME, key)])
            raise errors.no_such_account(name)
        if await service.bans.is_server_banned([account_mask(key)]):
            raise errors.banned_from_server()
        keys = ScramKeys.decode(account.scram)
        if keys is None:
            raise errors.no_scram_keys(account.name)
    except BaseException:
        if not attempt.settled:
            attempt.settled = True
            await service.settle_attempt(key, address, by_name, signed_in=False)
        raise
    attempt.account, attempt.exchange = account, ScramExchange(keys)
    return attempt


class ScramSignIn:
    """One SCRAM exchange, counted as a failed sign-in until its proof is
    right (:meth:`finish`); :meth:`abandon` gives the count back when it
    ends with no proof checked (an abort, a malformed message)."""

    def __init__(
        self, service: AccountService, key: str, address: str, by_name: bool
    ) -> None:
        self.service = service
        self.key, self.address, self.by_name = key, address, by_name
        self.account: Account | None = None
        self.exchange: ScramExchange | None = None
        self.settled = False

    def server_first(self, client_first: str) -> str:
        """Raises :class:`ScramError` for a malformed message."""
        assert self.exchange is not None
        return self.exchange.server_first(client_first)

    async def finish(self, client_final: str) -> tuple[Account, str]:
        """The account and the server's final message, if the proof is right.

        Raises:
            ChatError: ``BAD_PASSWORD`` (a wrong or malformed proof: a
                failed sign-in, as a wrong password is), ``EMAIL_REQUIRED``
                (the right proof of an account yet to verify an address,
                as :meth:`AccountService.sign_in` refuses it).
        """
        assert self.account is not None and self.exchange is not None
        service, self.settled = self.service, True
        try:
            server_final = self.exchange.server_final(client_final)
        except ScramError:
            raise service.failed_sign_in(self.account, self.address) from None
        verified = not mailbox_of(self.account).required_until  # --require-email
        await service.settle_attempt(
            self.key, self.address, self.by_name, signed_in=verified
        )
        if not verified:
            raise errors.email_required(self.account.name)
        service.remember_address(self.key, self.address)
        return self.account, server_final

    def abandon(self) -> None:
        """Ended before a proof was checked: it was no failure (given back
        in the background; a count that cannot be given back is
        forgotten with the rest)."""
        if not self.settled:
            self.settled = True
            settling = self.service.settle_attempt(
                self.key, self.address, self.by_name, signed_in=False
            )
            ensureDeferred(settling).addErrback(
                lambda failure: log.failure("a SCRAM attempt not given back", failure)
            )
