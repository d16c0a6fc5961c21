"""Accounts: registering a name, signing in to it, and slowing down guessers.

:class:`AccountService` holds every rule about passwords and sign-ins, once, for
every door: passwords are 8-128 characters, spaces and any printable ones,
normalised the same way wherever they come from (:func:`passphrase`);
they are hashed with Argon2id (``argon2-cffi``) on a thread of their own,
never on the reactor thread; failed sign-ins back off per name and per
address (:class:`FailureThrottle`).
Where accounts and server bans are kept is an :class:`AccountStore`, which
each back-end provides (:class:`~chatroom.backends.local.accounts.
StoredAccounts` in one process, with SQLite; Redis in a cluster), so both
modes run the same code here. Every write of an account's record is
decided here and handed to the back-end as one
:class:`~chatroom.core.changes.DecidedChange` (:func:`registering`,
:func:`password_set`, :func:`keys_added`, :func:`dropping`), applied or
refused on its premises and decided again (:func:`applied`).

Passwords are arguments only: nothing in this module logs them, puts them
in an error, or keeps them after the call.

The throttle: per name, 5 failures are free, then each attempt waits 1 s,
doubling to at most 60 s, so a guesser gets about one guess a minute and
the real user waits at most a minute after the guesser's last try; an
address that has signed in to the account before is exempt from the
name's back-off, so an attacker elsewhere cannot lock its owner out at all.
Per address, 5 failures are free, then 1 s doubling to 15 minutes. A name's
failures are forgotten after 15 quiet minutes, an address's after an hour
(``docs/operations.md``, *Accounts*).

Every attempt is counted when it starts, before its password is hashed
(:meth:`FailureThrottle.attempt`), and given back if it was no failure, so
guesses sent all at once, at one door or several, meet the same back-off
as guesses sent one by one.

At ``/login`` and SASL ``PLAIN`` (:meth:`AccountService.sign_in_or_app`)
an account's app passwords sign in too (:mod:`chatroom.core.app_passwords`
makes them): a password typed in their shape (:func:`canonical`) is
checked, after the account's own, against the one whose first group it
starts with (:func:`app_candidates`), in the same hashing job, under the
same back-off; every other check of a password takes the account's own.

Registrations are limited per address (``--register-limit`` per
``--register-window``, 30 per 10 minutes by default, as Ergo's) and for the
whole server (``--register-rate`` per minute), counted before the hash too.
Hashing goes through a :class:`HashingQueue`, where sign-ins go first and
waiting registrations are bounded, so registrations cannot starve sign-ins.

Beside the hash, an account keeps its SCRAM-SHA-256 keys
(:mod:`chatroom.core.scram`), made in the same hashing job whenever a
password is set, and for an account registered before they existed at its
next sign-in with the password (at any door). A SCRAM sign-in
(:func:`chatroom.core.scram_sign_in.begin_scram`) meets the same throttles
as any other: counted when the exchange starts, given back when its proof
is right.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core import changes, errors, rules
from chatroom.core.accountrecord import (
    Account,
    AppPassword,
    Mailbox,
    app_passwords_of,
    mailbox_of,
)
from chatroom.core.config import ServerConfig
from chatroom.core.hashing import HashingQueue, Runner
from chatroom.core.invitations import InvitationStore, Redeemed
from chatroom.core.invitations import check_registration as check_invited
from chatroom.core.lockdown import Lockdown, check_registration
from chatroom.core.moderation import account_mask
from chatroom.core.netbans import BanTerms
from chatroom.core.scram import derive
from chatroom.core.text import name_key
from chatroom.core.threads import PrivateThreads
from chatroom.core.throttle import (
    FailureThrottle,
    MemoryWindows,
    SharedWindowLimit,
    SharedWindows,
)

__all__ = ["Account", "AccountService", "AccountStore", "Runner"]

PASSWORD_MIN, PASSWORD_MAX = 8, 128

#: Hashing threads (:func:`hashing_threads`), and so hashes run at once.
HASHING_THREADS = 2

#: Argon2id at OWASP's minimum (19 MiB, 2 passes): about 25 ms on one core.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

#: Addresses remembered per account as "has signed in from here".
KNOWN_ADDRESSES = 16

#: An app password's characters (:mod:`chatroom.core.app_passwords`):
#: small letters and digits without 0/o, 1/l/i.
APP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: An app password's groups of characters, and how many (31^20: ~99 bits).
GROUP, GROUPS = 4, 5
#: What a password check answers when the account's own password matched
#: (else an app password's label, which is never a space, or "": none).
OWN_PASSWORD = " "
#: An app password as typed back, once :func:`canonical`.
_APP_TYPED = re.compile(f"[{APP_ALPHABET}]{{{GROUP * GROUPS}}}")


class AccountStore(InvitationStore, Protocol):
    """Where accounts, server-wide bans and invitations are kept (SQLite or
    Redis): its reads. What changes them is a decided change the back-end
    applies (:meth:`chatroom.core.backend.Backend.apply`: an account's
    record, its ignore list and age, the server's bans and lockdown, an
    invitation)."""

    async def get(self, key: str) -> Account | None:
        """The account registered under name key ``key``, if any."""
        ...

    async def names(self) -> list[str]:
        """Every account's name as registered (an operator's listing)."""
        ...

    async def oidc_account(self, oidc: str) -> str | None:
        """The key of the account bound to an OpenID provider's subject
        (``oidc``, as :func:`chatroom.core.oidc.binding` encodes it), if
        one is."""
        ...

    async def mailboxes(self) -> dict[str, str]:
        """Every account's mailbox, by key, of the accounts that have one."""
        ...

    async def server_bans(self) -> list[str]:
        """Every server-wide ban mask, oldest first."""
        ...

    async def is_server_banned(self, masks: Iterable[str]) -> bool: ...

    async def server_ban_terms(self) -> dict[str, BanTerms]:
        """Each ban's terms (who, until when, why), by mask; a ban kept
        without any has none here."""
        ...

    async def ignores(self, account: str) -> frozenset[str]:
        """The name keys account ``account`` ignores."""
        ...

    async def registered_at(self, account: str) -> float | None:
        """When ``account`` was registered (None: not kept, for an account
        registered before the time was, or none)."""
        ...

    async def lockdown(self) -> Lockdown:
        """The server's lockdown level as kept (:data:`OPEN` if never set)."""
        ...

    @property
    def windows(self) -> SharedWindows | None:
        """Where registrations are counted for every node of a cluster
        (None: one process, which counts its own in memory:
        :class:`~chatroom.core.throttle.MemoryWindows`)."""
        ...


def passphrase(password: str) -> str:
    """``password`` as it is hashed, at registration and at every sign-in,
    whichever door it came through: every space U+0020 (a no-break space,
    an ideographic one...) and the whole in NFKC, as NIST SP 800-63B asks
    and as SASLprep (RFC 4013) maps a password before SCRAM hashes it, so
    keys derived from this form are the ones a SCRAM client derives from
    what its user typed."""
    spaced = "".join(" " if unicodedata.category(c) == "Zs" else c for c in password)
    return unicodedata.normalize("NFKC", spaced)


#: What no password holds: control characters (a tab, a line end), line
#: and paragraph separators, lone surrogates.
_NOT_IN_PASSWORDS = frozenset({"Cc", "Cs", "Zl", "Zp"})


def check_new_password(password: str, shortest: int = PASSWORD_MIN) -> str:
    """The new password as kept (its :func:`passphrase`), or ``BAD_ARGS``:
    ``shortest`` (the server's ``--password-min``, 8 by default) to
    :data:`PASSWORD_MAX` characters, spaces and every printable character
    allowed, but no space first or last (where the line door and IRC
    clients trim a line, so such a password would not sign in there)."""
    password = passphrase(password)
    if (
        not shortest <= len(password) <= PASSWORD_MAX
        or password != password.strip(" ")
        or any(unicodedata.category(c) in _NOT_IN_PASSWORDS for c in password)
    ):
        raise errors.bad_new_password(shortest, PASSWORD_MAX)
    return password


def canonical(password: str) -> str:
    """``password`` as an app password is hashed: small letters, without
    the dashes and spaces it is shown or typed with; "" if it cannot be an
    app password at all (so no hash is spent on it)."""
    typed = re.sub(r"[\s-]", "", password).lower()
    return typed if _APP_TYPED.fullmatch(typed) else ""


def app_candidates(account: Account, password: str) -> list[AppPassword]:
    """The app passwords of ``account`` that ``password`` may be: those
    whose id (first group) it starts with, one as a rule."""
    typed = canonical(password)
    return [
        kept
        for kept in (app_passwords_of(account) if typed else ())
        if secrets.compare_digest(kept.id, typed[:GROUP])
    ]


# -- the decided changes of an account's record ---------------------------------


def registering(found: Account | None, account: Account) -> changes.DecidedChange:
    """Register ``account`` (hashed already), its name's account being
    ``found``: ``NAME_REGISTERED`` if there is one; resting on there
    being none still."""
    if found is not None:
        raise errors.name_registered(account.name)
    ops: tuple[changes.Operation, ...] = (
        changes.MakeAccount(account.name),
        changes.SetPassword(account.hash, account.scram),
    )
    if account.mailbox:  # --require-email: verify an address by a deadline
        ops += (changes.SetMailbox(account.mailbox),)
    return changes.DecidedChange(
        changes.AccountRecord(account.key), (changes.Exists(False),), ops
    )


def password_set(found: Account, hashed: str, scram: str) -> changes.DecidedChange:
    """Account ``found``'s password is now the one hashed ``hashed``, with
    SCRAM keys ``scram``: resting on its password being the one found
    (checked, or replaced by an operator)."""
    return _rested_on(found, changes.SetPassword(hashed, scram))


def keys_added(found: Account, scram: str) -> changes.DecidedChange:
    """Account ``found`` gets SCRAM keys ``scram``, made from the password
    it was found with: never written over a password set meanwhile."""
    return _rested_on(found, changes.SetScramKeys(scram))


def dropping(found: Account) -> changes.DecidedChange:
    """Account ``found`` goes (with its markers, remembered rooms and the
    messages kept for it), resting on its password being the one found."""
    return _rested_on(found, changes.DropAccount())


def _rested_on(found: Account, op: changes.Operation) -> changes.DecidedChange:
    premise = changes.PasswordHashIs(found.hash)
    return changes.DecidedChange(changes.AccountRecord(found.key), (premise,), (op,))


async def applied(
    store: AccountStore,
    apply: changes.Apply,
    key: str,
    decide: Callable[[Account | None], Awaitable[changes.DecidedChange]],
    found: Account | None,
) -> None:
    """What ``decide`` decides on account ``key`` as ``found`` (read by
    the caller in ``store``), applied by the back-end's ``apply``; decided
    again on the account as a refusal brings it, at most
    :data:`~chatroom.core.changes.DECISION_ATTEMPTS` times (then
    ``UNAVAILABLE``)."""
    for _attempt in range(changes.DECISION_ATTEMPTS):
        change = await decide(found)
        try:
            await apply(change)
        except changes.PremiseFailedError as refusal:
            now = refusal.facts
            found = now if isinstance(now, Account) else await store.get(key)
            continue
        return
    raise errors.unavailable()


class AccountService:
    """Registering, signing in and changing passwords, for every door.

    Args:
        store: the registry's :class:`AccountStore`, where accounts are read.
        apply: the back-end's one write, which every change this service
            decides goes through (:meth:`chatroom.core.backend.Backend.apply`).
        clock: for the throttles.
        run: runs hashing off the reactor thread (a thread pool of its own
            in the server; in place in unit tests).
        config: the server's tunables: its admins
            (:attr:`~chatroom.core.config.ServerConfig.admin_accounts`),
            its registration limits and its SCRAM keys' iterations.
    """

    log = Logger()

    def __init__(
        self,
        store: AccountStore,
        apply: changes.Apply,
        clock: IReactorTime,
        run: Runner,
        config: ServerConfig | None = None,
        hasher: PasswordHasher = HASHER,
    ) -> None:
        config = config or ServerConfig()
        self.store = store
        self.apply = apply
        #: When registrations are made (their time is kept: newcomers).
        self.clock = clock
        self.hashing = HashingQueue(run, HASHING_THREADS)
        self.hasher = hasher
        self.scram_iterations = config.scram_iterations
        self.admins = config.admin_accounts
        self.password_min = config.password_min
        self.clock = clock
        #: ``--require-email``: a new account must verify an address within
        #: ``verify_window`` seconds, and signs in nowhere else until then.
        self.require_email = config.require_email
        self.verify_window = config.verify_window
        #: ``--registration``: who may register (chatroom.core.invitations).
        self.registration = config.registration
        #: ``--oidc-only``: accounts are made by signing in through the
        #: OpenID provider named ``oidc_name``, never registered here.
        self.oidc_only = config.oidc_only
        self.oidc_name = config.oidc_name
        #: Where events are counted in sliding windows (registrations here,
        #: mails in the mailbox): the back-end's one write, which counts them
        #: for every node where its store does (:attr:`AccountStore.windows`),
        #: or this process's own memory.
        self.count_events: changes.Apply = (
            apply if store.windows is not None else MemoryWindows(clock).apply
        )
        count = self.count_events
        self.registrations = SharedWindowLimit(
            config.register_limit,
            config.register_window,
            count,
            "register-address",
        )
        self.all_registrations = SharedWindowLimit(
            config.register_rate, 60.0, count, "register-all"
        )
        self.by_name = FailureThrottle(clock, free=5, base=1, cap=60, forget=900)
        self.by_address = FailureThrottle(clock, free=5, base=1, cap=900, forget=3600)
        #: Wrong passwords given by a signed-in session (``/password``,
        #: ``/unregister``), per account: guessers at the sign-in cannot
        #: slow its owner down here.
        self.in_session = FailureThrottle(clock, free=5, base=1, cap=60, forget=900)
        self.known: OrderedDict[tuple[str, str], None] = OrderedDict()

    def reconfigure(self, config: ServerConfig) -> None:
        """A reload: ``config``'s admins and ``--registration`` from the
        next check on."""
        self.admins = config.admin_accounts
        self.registration = config.registration

    def is_admin(self, account: str) -> bool:
        return account in self.admins

    def check_admin(self, account: str, command: str) -> None:
        """Refuse ``command`` (``NOT_ALLOWED``) unless ``account`` is an admin's."""
        if not self.is_admin(account):
            raise errors.admins_only(command)

    async def sign_in_admin(self, name: str, password: str, address: str) -> Account:
        """IRC's ``OPER NAME PASSWORD``: :meth:`sign_in` to ``name``, which
        must be an account ``--admins`` names (``NOT_ALLOWED`` before any
        password is checked, so it costs no try). There is no second kind of
        privilege: an operator is a session signed in to an admin account,
        with the same back-off on wrong passwords as every sign-in."""
        rules.check_name(name)
        if not self.is_admin(name_key(name)):
            raise errors.not_an_admin(name)
        return await self.sign_in(name, password, address)

    async def server_bans(self, account: str) -> list[str]:
        """``/gbans``: every server-wide ban, for an admin's eyes only."""
        self.check_admin(account, "gbans")
        return await self.store.server_bans()

    async def register(
        self,
        name: str,
        password: str,
        address: str,
        invited: Redeemed | None = None,
    ) -> Account:
        """Register ``name`` (the caller holds it) with ``password``: refused
        (``NAME_REGISTERED``) before anything is counted or hashed if it is
        an account already, and again if it became one before the back-end
        applied the registration (another node's, at the same time); on a
        server not open to everyone (``--registration``), refused unless
        the connection redeemed an invitation (``invited``)."""
        if self.oidc_only:
            raise errors.password_registration_off(self.oidc_name)
        password = check_new_password(password, self.password_min)
        check_registration(await self.store.lockdown())
        check_invited(self.registration, invited)
        key = name_key(name)
        found = await self.store.get(key)
        if found is not None:
            raise errors.name_registered(name)
        wait = await self.registrations.take(address)
        if wait:
            raise errors.registrations_limited("from your address", wait)
        wait = await self.all_registrations.take("")
        if wait:
            await self.registrations.give_back(address)
            raise errors.registrations_limited("on this server", wait)
        try:
            account = Account(key, name, *await self._hash(password))
            if self.require_email:
                deadline = self.clock.seconds() + self.verify_window
                required = Mailbox(required_until=deadline).encode()
                account = replace(account, mailbox=required)

            async def decide(found: Account | None) -> changes.DecidedChange:
                return registering(found, account)

            await applied(self.store, self.apply, key, decide, found)
        except Exception:  # refused or failed: no registration was made
            await self._not_registered(address)
            raise
        await self.apply(
            changes.DecidedChange(
                changes.AccountAge(key),
                ops=(changes.SetRegistered(self.clock.seconds()),),
            )
        )
        self.remember_address(key, address)
        self.log.info("{name} registered", name=name)
        return account

    async def _not_registered(self, address: str) -> None:
        """A registration counted from ``address`` was not made: both
        counts give it back."""
        await self.registrations.give_back(address)
        await self.all_registrations.give_back("")

    def count_attempt(self, key: str, address: str) -> bool:
        """Count a sign-in to ``key`` from ``address`` as a failure now,
        before the slow check, to be given back when it was not one: so
        concurrent guesses cannot slip through the back-off (``RATE_LIMITED``
        past it). True if it counts for the name too (an address the name
        has not signed in from before)."""
        wait = self.by_address.attempt(address)
        if wait:
            raise errors.sign_in_throttled("from your address", wait)
        by_name = (key, address) not in self.known
        if by_name:
            wait = self.by_name.attempt(key)
            if wait:
                self.by_address.refund(address)
                raise errors.sign_in_throttled("for this name", wait)
        return by_name

    async def sign_in(self, name: str, password: str, address: str) -> Account:
        """The account ``name`` if ``password`` is its password.

        Raises:
            ChatError: ``BAD_NAME``, ``RATE_LIMITED``, ``NO_SUCH_ACCOUNT``,
                ``BAD_PASSWORD``, ``BANNED``.
        """
        account, _ = await self._signed_in(name, password, address, False)
        return account

    async def sign_in_or_app(
        self, name: str, password: str, address: str
    ) -> tuple[Account, str]:
        """``/login`` and SASL ``PLAIN``: :meth:`sign_in`, or with one of
        the account's app passwords (:mod:`chatroom.core.app_passwords`);
        the account, and the label of the app password it signed in with
        ("": its own password), which the session keeps
        (:func:`chatroom.core.app_passwords.check_own_password_used`)."""
        return await self._signed_in(name, password, address, True)

    async def _signed_in(
        self, name: str, password: str, address: str, app_passwords: bool
    ) -> tuple[Account, str]:
        rules.check_name(name)
        key = name_key(name)
        by_name = self.count_attempt(key, address)
        failed = False
        try:
            account = await self.store.get(key)
            if account is None:
                # An unknown name costs the address, not the name.
                failed = True
                if by_name:
                    self.by_name.refund(key)
                    by_name = False
                raise errors.no_such_account(name)
            if await self.store.is_server_banned([account_mask(key)]):
                raise errors.banned_from_server()
            matched = await self._matched(
                account, password, upgrade=True, app_passwords=app_passwords
            )
            if not matched:
                failed = True
                raise self.failed_sign_in(account, address)
        finally:
            if not failed:
                self.by_address.refund(address)
                if by_name:
                    self.by_name.refund(key)
        if mailbox_of(account).required_until:  # --require-email, unverified
            raise errors.email_required(account.name)
        # The name's count is not cleared: a guesser elsewhere would get its
        # free tries back every time the owner signs in.
        self.by_address.succeeded(address)
        self.remember_address(key, address)
        return account, "" if matched == OWN_PASSWORD else matched

    async def change_password(
        self, account_key: str, old: str, new: str, address: str
    ) -> Account:
        """The signed-in account's password is now ``new``, its ``old`` one
        checked again (and once more if another device changed it before
        this applied: then the old one is no longer it, ``BAD_PASSWORD``)."""
        new = check_new_password(new, self.password_min)
        account = await self.check_own_password(account_key, old, address)
        hashed, scram = await self._hash(new)

        async def decide(found: Account | None) -> changes.DecidedChange:
            checked = await self._rechecked(account, found, old, address)
            return password_set(checked, hashed, scram)

        await applied(self.store, self.apply, account_key, decide, account)
        self.log.info("{name} changed their password", name=account.name)
        return replace(account, hash=hashed, scram=scram)

    async def reset_password(self, name: str, new: str) -> Account:
        """An operator sets account ``name``'s password (chatroom-admin's
        ``accounts reset-password``): the same rule for a new password and
        the same hashing as :meth:`change_password`, without the old one.
        Its devices are :func:`chatroom.core.operating.reset_password`'s to
        end.

        Raises:
            ChatError: ``NO_SUCH_ACCOUNT``, ``BAD_ARGS`` (the password).
        """
        key = name_key(name)
        account = await self.store.get(key)
        if account is None:
            raise errors.no_such_account(name)
        new = check_new_password(new, self.password_min)
        hashed, scram = await self._hash(new)

        async def decide(found: Account | None) -> changes.DecidedChange:
            if found is None:
                raise errors.no_such_account(name)
            return password_set(found, hashed, scram)

        await applied(self.store, self.apply, key, decide, account)
        self.log.info("{name}'s password was reset", name=account.name)
        return replace(account, hash=hashed, scram=scram)

    async def hashed(self, password: str) -> tuple[str, str]:
        """A new password's hash and SCRAM keys (for a change decided
        elsewhere: a reset by mail), the rule for new ones checked first.

        Raises:
            ChatError: ``BAD_ARGS`` (the password).
        """
        return await self._hash(check_new_password(password, self.password_min))

    async def unregister(
        self, account_key: str, password: str, address: str
    ) -> Account:
        """Delete the signed-in account, its ``password`` checked again (and
        once more if another device changed it before this applied)."""
        account = await self.check_own_password(account_key, password, address)

        async def decide(found: Account | None) -> changes.DecidedChange:
            return dropping(await self._rechecked(account, found, password, address))

        await applied(self.store, self.apply, account_key, decide, account)
        self.log.info("{name} unregistered", name=account.name)
        return account

    async def give_up(self, account: Account) -> None:
        """Delete ``account``, registered by this server a moment ago and
        not taken after all (``/register NAME PASSWORD`` for a name someone
        holds); kept if it changed meanwhile (it is no longer the one made
        here)."""
        try:
            await self.apply(dropping(account))
        except changes.PremiseFailedError:
            self.log.info("{name} changed meanwhile: kept", name=account.name)

    async def own(self, key: str) -> Account:
        """The account a session is signed in to (``key``: its key, "" for
        none), as kept: ``NOT_ALLOWED`` for none, or one gone meanwhile."""
        if not key:
            raise errors.not_signed_in()
        account = await self.store.get(key)
        if account is None:
            raise errors.not_signed_in()
        return account

    # -- inside -------------------------------------------------------------------

    async def check_own_password(
        self, account_key: str, password: str, address: str
    ) -> Account:
        """The caller's own account, re-checking its password (throttled too).

        Raises:
            ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_PASSWORD``,
                ``RATE_LIMITED``.
        """
        if not account_key:
            raise errors.not_signed_in()
        return await self._checked(account_key, self.store.get, password, address)

    async def _rechecked(
        self, checked: Account, found: Account | None, password: str, address: str
    ) -> Account:
        """``found``, the account as it is now, ``password`` checked against
        it again unless it is still ``checked`` (its password checked)."""
        if found == checked:
            return checked

        async def now(_key: str) -> Account | None:
            return found

        return await self._checked(checked.key, now, password, address)

    async def _checked(
        self,
        account_key: str,
        read: Callable[[str], Awaitable[Account | None]],
        password: str,
        address: str,
    ) -> Account:
        """The account ``read`` finds, if ``password`` is its password
        (throttled per account)."""
        wait = self.in_session.attempt(account_key)
        if wait:
            raise errors.sign_in_throttled("for this account", wait)
        failed = False
        try:
            account = await read(account_key)
            if account is None:
                raise errors.not_signed_in()
            if not await self._matched(account, password):
                failed = True
                raise self.failed_sign_in(account, address)
        finally:
            if not failed:
                self.in_session.refund(account_key)
        self.in_session.succeeded(account_key)
        return account

    def remember_address(self, key: str, address: str) -> None:
        """``address`` has signed in to ``key``: exempt from the name's back-off."""
        self.known[(key, address)] = None
        self.known.move_to_end((key, address))
        while len(self.known) > KNOWN_ADDRESSES * 1000:
            self.known.popitem(last=False)

    async def _matched(
        self,
        account: Account,
        password: str,
        upgrade: bool = False,
        app_passwords: bool = False,
    ) -> str:
        """What ``password`` is of the account, checked on the hashing
        thread: :data:`OWN_PASSWORD`, an app password's label, or ``""``
        nothing; with ``upgrade``, an account without SCRAM keys gets them
        (derived in the same job, once the password is right); with
        ``app_passwords``, one of its app passwords will do too (never
        made into SCRAM keys).

        The password is checked in its :func:`passphrase` form, as every
        password set is hashed; then, if that differs, as typed: a password
        set before passwords were normalised was hashed as it was typed."""
        upgrade = upgrade and not account.scram
        iterations = self.scram_iterations
        normal = passphrase(password)
        apps = app_candidates(account, password) if app_passwords else []
        typed = canonical(password)

        def check() -> tuple[str, str]:
            """What matched (as :meth:`_matched` answers) and the SCRAM keys
            made."""
            if self._verify(account.hash, normal) or (
                normal != password and self._verify(account.hash, password)
            ):
                return OWN_PASSWORD, derive(normal, iterations) if upgrade else ""
            for kept in apps:
                if self._verify(kept.hash, typed):
                    return kept.label, ""
            return "", ""

        matched, scram = await self.hashing.check(check)
        if scram:
            await self._add_scram(account, scram)
        if matched not in ("", OWN_PASSWORD):
            self.log.info(
                "{name} signed in with app password {label}",
                name=account.name,
                label=matched,
            )
        return str(matched)

    async def _add_scram(self, account: Account, scram: str) -> None:
        """Store keys made at a sign-in; the sign-in goes on if it cannot
        (the next one tries again)."""
        try:
            await self.apply(keys_added(account, scram))
            self.log.info("{name} has SCRAM keys now", name=account.name)
        except changes.PremiseFailedError:
            pass  # a new password meanwhile, with keys of its own
        except Exception:
            self.log.failure("SCRAM keys for {name} not stored", name=account.name)

    def failed_sign_in(self, account: Account, address: str) -> Exception:
        self.log.info(
            "failed sign-in to {name} from {address}",
            name=account.name,
            address=address,
        )
        return errors.bad_password()

    def _verify(self, hashed: str, password: str) -> bool:
        """On the hashing thread."""
        try:
            return bool(self.hasher.verify(hashed, password))
        except (VerificationError, InvalidHashError):
            return False

    async def _hash(self, password: str) -> tuple[str, str]:
        """The Argon2id hash and the SCRAM keys of a new password."""
        iterations = self.scram_iterations
        hashed, scram = await self.hashing.hash(
            lambda: (self.hasher.hash(password), derive(password, iterations))
        )
        return str(hashed), str(scram)


def hashing_threads(reactor: Any) -> PrivateThreads:
    """Two threads of their own for hashing passwords: two sign-ins at once
    use at most two cores, and a burst of them queues. The server stops
    them (:meth:`chatroom.doors.base.hub.DoorHub.detach`)."""
    return PrivateThreads(reactor, "chatroom-passwords", HASHING_THREADS)
