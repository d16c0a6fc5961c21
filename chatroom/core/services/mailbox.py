"""An account's e-mail address, and the codes mailed to it.

An account may keep one address (``/email ADDRESS``). It is *pending*
until its owner gives back the code mailed there (``/verify CODE``, or
opens the mail's link), then *verified*; only a verified address is
mailed a password reset (``/reset NAME``). The address is the owner's
alone: no other user is ever shown it, and it is in the owner's
``/export``.

Under ``--require-email`` a new account keeps in its mailbox when it must
have verified an address: until then it signs in nowhere else
(:meth:`chatroom.core.services.accounts.AccountService.sign_in`), and once that
time is over :meth:`MailboxService.remove_unverified` removes it, every
node looking every :data:`SWEEP_INTERVAL` seconds.

What an account keeps of this is its :class:`Mailbox`, one value in the
account's record (:class:`~chatroom.core.model.accountrecord.Account`'s
``mailbox``, as :meth:`Mailbox.encode` writes it), written like the rest
of the record through one :class:`~chatroom.core.model.changes.base.DecidedChange`
resting on the mailbox as read (:class:`~chatroom.core.model.changes.
MailboxIs`): a code checked here is the one still kept when the change
applies, so each code works once, on whichever node, and survives a
restart with the account.

A code (:mod:`chatroom.core.model.codes`) is 10 characters without look-alikes
(50 bits), kept only as its SHA-256 (:func:`code_hash`) and compared in
constant time (:func:`hmac.compare_digest`). Neither a code nor a link
holding one is ever logged: the links carry it as ``code=``, which
:mod:`chatroom.core.urlsecrets` hides. Guesses at a reset code meet a
back-off per name and per address, as wrong passwords do.

Mail is sent by a :class:`~chatroom.core.model.letters.Mailer` (the wiring's SMTP
sender,
:mod:`chatroom.wiring.smtp`), off the command's way: the answer does not
wait for the SMTP server, and a mail it refuses is logged and, for an
address being verified, told to its owner in one line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from urllib.parse import urlencode

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.accounts.accounts import applied
from chatroom.core.infra.throttle import (
    FailureBackoff,
    Guesses,
    SharedWindowLimit,
    ThrottledError,
)
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Account, Mailbox, mailbox_of
from chatroom.core.model.changes.accounts import (
    AccountRecord,
    DropAccount,
    MailboxIs,
    PasswordHashIs,
    SetMailbox,
    SetPassword,
)
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.codes import code_hash, new_code, same_code
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.letters import (
    Letter,
    LinkBase,
    Mailer,
    MailUnsentError,
    reset_letter,
    verify_letter,
)
from chatroom.core.model.text import name_key
from chatroom.core.policy import rules
from chatroom.core.services.accounts import AccountService

#: Wrong codes (``/verify``, ``/reset``) per account, and per address.
CODES_BY_NAME = FailureBackoff("code-name", free=5, base=1, cap=60, forget=900)
CODES_BY_ADDRESS = FailureBackoff("code-address", free=5, base=1, cap=900, forget=3600)

#: Seconds a password reset's code is good for.
RESET_SECONDS = 30 * 60
#: The longest address kept (RFC 5321's path limit).
ADDRESS_MAX = 254
#: Mails one account may be sent per hour (verifications and resets).
MAILS_PER_HOUR = 5
#: Reset requests one address (a requester's) may make per hour.
RESETS_PER_ADDRESS = 10

#: Where the HTTP door verifies an address (``?account=NAME&code=CODE``).
VERIFY_PATH = "/email/verify"
#: Where the HTTP door's form sets a new password with a reset's code.
RESET_PATH = "/email/reset"

#: An address as kept: one ``@``, no spaces, nothing a mail header or the
#: line protocol would read otherwise.
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")

log = Logger()


def code_matches(kept: str, code: str, until: float, now: float) -> bool:
    """Whether ``code`` is the one kept as ``kept``, before ``until``;
    compared in constant time."""
    return same_code(kept, code) and now < until


def check_address(address: str) -> str:
    """``address`` as kept, or ``BAD_ARGS``."""
    if len(address) > ADDRESS_MAX or not _ADDRESS.fullmatch(address):
        raise errors.bad_args(f"{address!r} is not an e-mail address")
    return address


def mailbox_set(found: Account, mailbox: Mailbox) -> DecidedChange:
    """Account ``found``'s mailbox is now ``mailbox``, resting on its
    mailbox being the one found (a code checked is still the one kept)."""
    return DecidedChange(
        AccountRecord(found.key),
        (MailboxIs(found.mailbox),),
        (SetMailbox(mailbox.encode()),),
    )


def password_reset(
    found: Account, mailbox: Mailbox, hashed: str, scram: str
) -> DecidedChange:
    """Account ``found``'s password is now the one hashed ``hashed``, its
    reset code spent: resting on both its mailbox and its password being
    the ones found."""
    return DecidedChange(
        AccountRecord(found.key),
        (PasswordHashIs(found.hash), MailboxIs(found.mailbox)),
        (
            SetPassword(hashed, scram),
            SetMailbox(replace(mailbox, reset="", reset_until=0.0).encode()),
        ),
    )


def unverified_dropped(found: Account) -> DecidedChange:
    """Account ``found`` goes, not having verified an address in time
    (``--require-email``): resting on its password and its mailbox being
    the ones found (an address verified meanwhile keeps it)."""
    return DecidedChange(
        AccountRecord(found.key),
        (PasswordHashIs(found.hash), MailboxIs(found.mailbox)),
        (DropAccount(),),
    )


#: Told to a user once a mail was not sent: why, in one line.
Unsent = Callable[[str], None]

#: Ends every device signed in to an account (its key), whatever name it
#: goes by, with a reason, and forgets its push subscriptions and upload
#: tokens: the registry's ``end_signed_in``.
SignOut = Callable[[str, str], Awaitable[None]]

#: What every device of an account is told when its password was reset.
RESET_REASON = "password reset"
#: What an account's devices are told when it goes for want of a
#: verified address (``--require-email``).
UNVERIFIED_REASON = "account removed: no e-mail address was verified in time"

#: Seconds between looks for accounts whose time to verify is over.
SWEEP_INTERVAL = 300.0


class MailboxService:
    """``/email``, ``/verify`` and ``/reset``, for every door (see the module).

    Args:
        accounts: the server's account service (its store, hashing, throttles).
        mailer: what sends mail.
        clock: codes' expiries and the limits' windows.
        server_name: ``--name``, which the mails are signed with.
        link_base: where the mails' links start.
        sign_out: ends the devices of an account whose password was reset.
        verify_window: seconds a verification code is good for.
    """

    def __init__(
        self,
        accounts: AccountService,
        mailer: Mailer,
        clock: IReactorTime,
        server_name: str,
        link_base: LinkBase,
        sign_out: SignOut,
        verify_window: float = ServerConfig.verify_window,
    ) -> None:
        self.accounts = accounts
        self.mailer = mailer
        self.clock = clock
        self.server_name = server_name
        self.link_base = link_base
        self.sign_out = sign_out
        self.verify_window = verify_window
        self.sweeping = LoopingCall(self._sweep)
        self.sweeping.clock = clock
        count = accounts.count_events
        self.mails = SharedWindowLimit(MAILS_PER_HOUR, 3600, count, "mail")
        self.reset_requests = SharedWindowLimit(
            RESETS_PER_ADDRESS, 3600, count, "reset-address"
        )
        #: Wrong codes, counted where the accounts' wrong passwords are
        #: (for every node of a cluster).
        self.guesses = Guesses(accounts.count_failures, clock)

    # -- the owner's address -------------------------------------------------------

    async def shown(self, key: str) -> Mailbox:
        """The signed-in account ``key``'s mailbox (``/email``)."""
        return mailbox_of(await self.accounts.own(key))

    async def set_address(self, key: str, address: str) -> Callable[[Unsent], None]:
        """Account ``key``'s address is now ``address``, pending, with a new
        code; answers what mails the code there once the door has answered
        (in the background: its ``unsent`` is told if it was not sent).
        ``RATE_LIMITED`` past :data:`MAILS_PER_HOUR`."""
        address = check_address(address)
        account = await self.accounts.own(key)
        wait = await self.mails.take(key)
        if wait:
            raise errors.ChatError(
                "RATE_LIMITED", f"too many mails for this account; wait {wait:.0f}s"
            )
        code = new_code()
        mailbox = Mailbox(
            address,
            verified=False,
            code=code_hash(code),
            code_until=self.clock.seconds() + self.verify_window,
        )

        async def decide(found: Account | None) -> DecidedChange:
            if found is None:
                raise errors.not_signed_in()
            kept = mailbox_of(found)
            return mailbox_set(
                found,
                replace(
                    mailbox,
                    reset=kept.reset,
                    reset_until=kept.reset_until,
                    required_until=kept.required_until,
                ),
            )

        await applied(self.accounts.store, self.accounts.apply, key, decide, account)
        log.info("{name} gave an e-mail address to verify", name=account.name)
        link = self._link(VERIFY_PATH, account.name, code)
        letter = verify_letter(
            self.server_name, self.link_base(), account.name, address, code, link
        )
        return partial(self._send, letter, account.name)

    async def remove(self, key: str) -> None:
        """``/email remove``: account ``key`` keeps no address (one that has
        yet to verify one for ``--require-email`` still has to)."""
        account = await self.accounts.own(key)

        async def decide(found: Account | None) -> DecidedChange:
            if found is None:
                raise errors.not_signed_in()
            required = mailbox_of(found).required_until
            return mailbox_set(found, Mailbox(required_until=required))

        await applied(self.accounts.store, self.accounts.apply, key, decide, account)

    async def verify(self, name: str, code: str, address: str) -> str:
        """Account ``name``'s pending address is verified with ``code``
        (the mail's link opened from ``address``, IRC's ``VERIFY``);
        answers the address. ``BAD_CODE`` for a wrong or expired code, or
        none pending."""
        rules.check_name(name)
        return await self.verify_account(name_key(name), code, address)

    async def verify_account(self, key: str, code: str, address: str) -> str:
        """:meth:`verify` of the account keyed ``key`` (``/verify CODE``,
        signed in to it)."""
        await self._count_guess(key, address)

        async def decide(found: Account | None) -> DecidedChange:
            kept = mailbox_of(found)
            if found is None or not code_matches(
                kept.code, code, kept.code_until, self.clock.seconds()
            ):
                raise errors.ChatError("BAD_CODE", "that code is wrong or has expired")
            return mailbox_set(
                found,
                replace(
                    kept, verified=True, code="", code_until=0.0, required_until=0.0
                ),
            )

        accounts = self.accounts
        found = await accounts.store.get(key)
        await applied(accounts.store, accounts.apply, key, decide, found)
        await self._right_guess(key, address)
        account = await self.accounts.store.get(key)
        log.info("{key} verified their e-mail address", key=key)
        return mailbox_of(account).address

    # -- --require-email: accounts that never verified an address ---------------------

    def start(self) -> None:
        """Look for accounts past their time to verify every
        :data:`SWEEP_INTERVAL` seconds (every node does: each removal rests
        on the account as found, so two nodes remove it once)."""
        self.sweeping.start(SWEEP_INTERVAL, now=False)

    def stop(self) -> None:
        if self.sweeping.running:
            self.sweeping.stop()

    def _sweep(self) -> Deferred[int]:
        def failed(failure: Failure) -> int:
            if isinstance(failure.value, errors.ChatError):  # Redis out of reach
                log.info(
                    "unverified accounts not looked for: {why}", why=failure.value.text
                )
            else:
                log.failure("removing unverified accounts failed", failure)
            return 0

        return Deferred.fromCoroutine(self.remove_unverified()).addErrback(failed)

    async def remove_unverified(self) -> int:
        """Remove every account registered under ``--require-email`` that
        did not verify an address in time, closing its devices; how many."""
        now = self.clock.seconds()
        store = self.accounts.store
        removed = 0
        for key, kept in (await store.mailboxes()).items():
            if not Mailbox.decode(kept).unverified_past(now):
                continue
            found = await store.get(key)
            if found is None or not mailbox_of(found).unverified_past(now):
                continue
            try:
                await self.accounts.apply(unverified_dropped(found))
            except PremiseFailedError:  # verified, or gone, meanwhile
                continue
            removed += 1
            log.info("{name} removed: no address verified in time", name=found.name)
            await self.sign_out(key, UNVERIFIED_REASON)
        return removed

    # -- a password reset ---------------------------------------------------------

    async def request_reset(self, name: str, address: str) -> None:
        """``/reset NAME`` from ``address``: if ``name`` is an account with a
        verified address, a reset code is mailed there. The same answer in
        every case (nothing tells whether the account exists or has an
        address), but ``RATE_LIMITED`` for the requester past
        :data:`RESETS_PER_ADDRESS` an hour; an account is mailed at most
        :data:`MAILS_PER_HOUR` an hour, the others dropped unsaid."""
        rules.check_name(name)
        wait = await self.reset_requests.take(address)
        if wait:
            raise errors.ChatError(
                "RATE_LIMITED", f"too many resets from your address; wait {wait:.0f}s"
            )
        key = name_key(name)
        account = await self.accounts.store.get(key)
        if account is None or not mailbox_of(account).verified:
            return
        if await self.mails.take(key):
            log.info("reset for {name} not mailed: too many mails", name=account.name)
            return
        code = new_code()
        until = self.clock.seconds() + RESET_SECONDS

        async def decide(found: Account | None) -> DecidedChange:
            kept = mailbox_of(found)
            if found is None or not kept.verified:
                raise _NothingToMailError()
            return mailbox_set(
                found, replace(kept, reset=code_hash(code), reset_until=until)
            )

        try:
            await applied(
                self.accounts.store, self.accounts.apply, key, decide, account
            )
        except _NothingToMailError:
            return
        kept = mailbox_of(await self.accounts.store.get(key))
        link = self._link(RESET_PATH, account.name, code)
        letter = reset_letter(
            self.server_name, self.link_base(), account.name, kept.address, code, link
        )
        log.info("a password reset was mailed to {name}", name=account.name)
        self._send(letter, account.name, lambda why: None)

    async def reset(self, name: str, code: str, password: str, address: str) -> Account:
        """``/reset NAME CODE NEWPASSWORD``: account ``name``'s password is
        now ``password`` if ``code`` is its reset code (spent then), and
        every device signed in to it is disconnected (:data:`RESET_REASON`).
        ``BAD_CODE`` otherwise (an unknown name too), ``BAD_ARGS`` for the
        password, ``RATE_LIMITED`` past the back-off."""
        rules.check_name(name)
        key = name_key(name)
        hashed, scram = await self.accounts.hashed(password)
        await self._count_guess(key, address)

        async def decide(found: Account | None) -> DecidedChange:
            kept = mailbox_of(found)
            if found is None or not code_matches(
                kept.reset, code, kept.reset_until, self.clock.seconds()
            ):
                raise errors.ChatError("BAD_CODE", "that code is wrong or has expired")
            return password_reset(found, kept, hashed, scram)

        accounts = self.accounts
        found = await accounts.store.get(key)
        await applied(accounts.store, accounts.apply, key, decide, found)
        await self._right_guess(key, address)
        account = await self.accounts.store.get(key)
        assert account is not None
        log.info("{name}'s password was reset by mail", name=account.name)
        await self.sign_out(account.key, RESET_REASON)
        return account

    # -- inside -------------------------------------------------------------------

    async def _count_guess(self, key: str, address: str) -> None:
        """A code given: counted as wrong until it proves right (per
        address and per name, in one step)."""
        try:
            await self.guesses.attempt(
                (CODES_BY_ADDRESS, address), (CODES_BY_NAME, key)
            )
        except ThrottledError as refused:
            by_address = refused.backoff is CODES_BY_ADDRESS
            by = "from your address" if by_address else "for this name"
            raise errors.sign_in_throttled(by, refused.wait) from None

    async def _right_guess(self, key: str, address: str) -> None:
        await self.guesses.settle([(CODES_BY_ADDRESS, address), (CODES_BY_NAME, key)])

    def _link(self, path: str, name: str, code: str) -> str:
        base = self.link_base().rstrip("/")
        if not base:
            return ""
        return f"{base}{path}?{urlencode({'account': name, 'code': code})}"

    def _send(self, letter: Letter, name: str, unsent: Unsent) -> None:
        """Send ``letter`` in the background; a failure is logged (the
        account's name and why: never the address or the code) and told."""

        def failed(failure: Failure) -> None:
            why = (
                failure.getErrorMessage()
                if isinstance(failure.value, MailUnsentError)
                else "the mail server failed"
            )
            log.warn("mail to {name} not sent: {why}", name=name, why=why)
            unsent(why)

        self.mailer.send(letter).addErrback(failed)


class _NothingToMailError(Exception):
    """The account lost its verified address between the read and the write."""
