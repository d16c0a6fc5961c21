"""Accounts, for the doors: registering, signing in, passwords, and the
accounts' records as a door shows them.

:class:`AccountService` is the registry's ``accounts`` service
(:attr:`chatroom.core.registry.Registry.accounts`): it holds every rule about
passwords and sign-ins (:mod:`chatroom.core.accounts.accounts` holds the rules' values:
the passwords' shape, the decided changes of an account's record, the
store's reads), so no door reads the back-end's account store. App
passwords (:mod:`chatroom.core.services.app_passwords`), the mailbox
(:mod:`chatroom.core.services.mailbox`) and SCRAM
(:mod:`chatroom.core.services.scram_sign_in`) check their passwords
through it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.accounts import (
    HASHER,
    HASHING_THREADS,
    KNOWN_ADDRESSES,
    OWN_PASSWORD,
    AccountStore,
    app_candidates,
    applied,
    canonical,
    check_new_password,
    dropping,
    keys_added,
    passphrase,
    password_set,
    registering,
    unregistering,
)
from chatroom.core.accounts.bots import Bots, check_no_bot, token_matches
from chatroom.core.accounts.invitations import (
    InvitationService,
    LinkBase,
    Redeemed,
    RoomOwner,
)
from chatroom.core.accounts.invitations import check_registration as check_invited
from chatroom.core.accounts.scram import derive
from chatroom.core.accounts.sign_in_tokens import SignInTokens
from chatroom.core.infra.hashing import HashingQueue, Runner
from chatroom.core.infra.throttle import (
    FailureBackoff,
    Guesses,
    MemoryFailures,
    MemoryWindows,
    SharedWindowLimit,
    ThrottledError,
)
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Account, Mailbox, bot_of, mailbox_of
from chatroom.core.model.changes.accounts import AccountAge, SetRegistered
from chatroom.core.model.changes.base import Apply, DecidedChange, PremiseFailedError
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.facts import Target
from chatroom.core.model.text import account_mask, name_key
from chatroom.core.moderation.lockdown import check_registration
from chatroom.core.moderation.store import BanStore
from chatroom.core.policy import rules

#: Wrong passwords per name, from addresses that have not signed in to it.
BY_NAME = FailureBackoff("sign-in-name", free=5, base=1, cap=60, forget=900)
#: Wrong passwords (and unknown names) per address.
BY_ADDRESS = FailureBackoff("sign-in-address", free=5, base=1, cap=900, forget=3600)
#: Wrong passwords given by a signed-in session (``/password``,
#: ``/unregister``), per account: guessers at the sign-in cannot slow its
#: owner down here.
IN_SESSION = FailureBackoff("session", free=5, base=1, cap=60, forget=900)


class AccountService:
    """Registering, signing in and changing passwords, for every door.

    Args:
        store: the back-end's :class:`AccountStore`, where accounts are read.
        apply: the back-end's one write, which every change this service
            decides goes through (:meth:`chatroom.core.backend.Backend.apply`).
        clock: for the throttles.
        run: runs hashing off the reactor thread (a thread pool of its own
            in the server; in place in unit tests).
        config: the server's tunables: its admins
            (:attr:`~chatroom.core.model.config.ServerConfig.admin_accounts`),
            its registration limits and its SCRAM keys' iterations.
    """

    log = Logger()

    def __init__(
        self,
        store: AccountStore,
        bans: BanStore,
        apply: Apply,
        clock: IReactorTime,
        run: Runner,
        config: ServerConfig | None = None,
        hasher: PasswordHasher = HASHER,
        counts: Apply | None = None,
        find_user: Callable[[str], Awaitable[Target | None]] | None = None,
    ) -> None:
        """Args:
        store: where accounts (and invitations) are read.
        bans: where the server's bans and lockdown are read (a sign-in's
            and a registration's checks).
        apply: the back-end's one write, which applies what is decided.
        run: runs password hashing off the reactor's thread.
        counts: where registrations, wrong passwords and codes are
            counted: the back-end's one write, which counts them for every
            node of a cluster (None: this process's own memory).
        find_user: the user connected anywhere under a name, which no bot
            made takes (None: nobody is).
        """
        config = config or ServerConfig()
        self.store = store
        self.bans = bans
        self.apply = apply
        #: When registrations are made (their time is kept: newcomers).
        self.clock = clock
        self.hashing = HashingQueue(run, HASHING_THREADS)
        self.hasher = hasher
        self.scram_iterations = config.scram_iterations
        self.admins = config.admin_accounts
        self.password_min = config.password_min
        #: ``--require-email``: a new account must verify an address within
        #: ``verify_window`` seconds, and signs in nowhere else until then.
        self.require_email = config.require_email
        self.verify_window = config.verify_window
        #: ``--registration``: who may register (chatroom.core.accounts.invitations).
        self.registration = config.registration
        #: ``--oidc-only``: accounts are made by signing in through the
        #: OpenID provider named ``oidc_name``, never registered here.
        self.oidc_only = config.oidc_only
        self.oidc_name = config.oidc_name
        #: Where events are counted in sliding windows (registrations here,
        #: mails in the mailbox): ``counts``, or this process's own memory.
        self.count_events: Apply = counts or MemoryWindows(clock).apply
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
        #: Where wrong passwords and codes are counted (here, the mailbox's
        #: and the invitations'): ``counts``, or this process's own memory.
        self.count_failures: Apply = counts or MemoryFailures(clock).apply
        self.guesses = Guesses(self.count_failures, clock)
        #: The addresses each name has signed in from, exempt from its
        #: count: this node's (the cost of sharing it would be a second
        #: read per attempt; from elsewhere the owner waits at most
        #: BY_NAME's cap).
        self.known: OrderedDict[tuple[str, str], None] = OrderedDict()
        #: Device sessions: ``/session`` (chatroom.core.accounts.sign_in_tokens),
        #: kept with the accounts, ended with their passwords.
        self.sign_ins = SignInTokens(store, bans, apply, clock, self.count_failures)
        #: Bot accounts and their tokens (chatroom.core.accounts.bots).
        self.bots = Bots(store, apply, clock, find_user)

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

    def invitations(
        self, mode: str, room_owner: RoomOwner, link_base: LinkBase
    ) -> InvitationService:
        """The invitations to register (``--registration``'s ``mode``),
        kept with the accounts: made, listed, revoked and redeemed at every
        door and the admin API (``room_owner`` says who may invite into a
        room, ``link_base`` where their links point)."""
        return InvitationService(
            self.store,
            self.apply,
            self.clock,
            mode,
            room_owner,
            link_base,
            self.count_failures,
        )

    # -- the accounts' records, as a door or the operator shows them --------------

    async def named(self, name: str) -> Account:
        """Account ``name`` (as its name key compares), which must exist:
        NickServ's ``INFO``, the operator's tools.

        Raises:
            ChatError: ``NO_SUCH_ACCOUNT``.
        """
        found = await self.store.get(name_key(name))
        if found is None:
            raise errors.no_such_account(name)
        return found

    async def shown_name(self, key: str) -> str:
        """The name account ``key`` was registered as (``WHOIS``'s and
        ``WHOX``'s account); "" for no key or no such account."""
        found = await self.store.get(key) if key else None
        return found.name if found is not None else ""

    async def listed(self, text: str = "") -> list[str]:
        """The operator's ``accounts [search TEXT]``: every account's name,
        or those containing ``text`` (compared by :func:`name_key`, as names
        are, so case and look-alikes aside), sorted."""
        wanted = name_key(text) if text else ""
        return sorted(
            (name for name in await self.store.names() if wanted in name_key(name)),
            key=str.casefold,
        )

    async def server_bans(self, account: str) -> list[str]:
        """``/gbans``: every server-wide ban, for an admin's eyes only."""
        self.check_admin(account, "gbans")
        return await self.bans.server_bans()

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
        check_registration(await self.bans.lockdown())
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

            async def decide(found: Account | None) -> DecidedChange:
                return registering(found, account)

            await applied(self.store, self.apply, key, decide, found)
        except Exception:  # refused or failed: no registration was made
            await self._not_registered(address)
            raise
        await self.apply(
            DecidedChange(
                AccountAge(key),
                ops=(SetRegistered(self.clock.seconds()),),
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

    async def count_attempt(self, key: str, address: str) -> bool:
        """Count a sign-in to ``key`` from ``address`` as a failure now,
        before the slow check, to be given back when it was not one
        (:meth:`settle_attempt`): so concurrent guesses, at one node or at
        several, cannot slip through the back-off (``RATE_LIMITED`` past
        it). One step of the back-end: the address's count and the name's
        together. True if it counts for the name too (an address the name
        has not signed in from before)."""
        by_name = (key, address) not in self.known
        under = [(BY_ADDRESS, address)] + ([(BY_NAME, key)] if by_name else [])
        try:
            await self.guesses.attempt(*under)
        except ThrottledError as refused:
            by = (
                "from your address"
                if refused.backoff is BY_ADDRESS
                else "for this name"
            )
            raise errors.sign_in_throttled(by, refused.wait) from None
        return by_name

    async def settle_attempt(
        self, key: str, address: str, by_name: bool, signed_in: bool
    ) -> None:
        """An attempt :meth:`count_attempt` counted was no failure: given
        back, in one step; and if it ``signed_in``, the address's failures
        are forgotten (the name's are not: a guesser elsewhere would get
        its free tries back every time the owner signs in)."""
        name = [(BY_NAME, key)] if by_name else []
        if signed_in:
            await self.guesses.settle(name, cleared=[(BY_ADDRESS, address)])
        else:
            await self.guesses.settle([(BY_ADDRESS, address), *name])

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
        the account's app passwords (:mod:`chatroom.core.services.app_passwords`);
        the account, and the label of the app password it signed in with
        ("": its own password), which the session keeps
        (:func:`chatroom.core.services.app_passwords.check_own_password_used`)."""
        return await self._signed_in(name, password, address, True)

    async def _signed_in(
        self, name: str, password: str, address: str, app_passwords: bool
    ) -> tuple[Account, str]:
        rules.check_name(name)
        key = name_key(name)
        by_name = await self.count_attempt(key, address)
        try:
            account = await self.store.get(key)
            if account is not None:
                if await self.bans.is_server_banned([account_mask(key)]):
                    raise errors.banned_from_server()
                bot = bot_of(account)
                if bot is not None:  # its token, and nothing else
                    matched = OWN_PASSWORD if token_matches(bot, password) else ""
                else:
                    matched = await self._matched(
                        account, password, upgrade=True, app_passwords=app_passwords
                    )
        except BaseException:  # no failure: not checked
            await self.settle_attempt(key, address, by_name, signed_in=False)
            raise
        if account is None:
            # An unknown name costs the address, not the name.
            if by_name:
                await self.guesses.settle([(BY_NAME, key)])
            raise errors.no_such_account(name)
        if not matched:
            raise self.failed_sign_in(account, address)
        verified = not mailbox_of(account).required_until  # --require-email
        await self.settle_attempt(key, address, by_name, signed_in=verified)
        if not verified:
            raise errors.email_required(account.name)
        self.remember_address(key, address)
        return account, "" if matched == OWN_PASSWORD else matched

    async def change_password(
        self, account_key: str, old: str, new: str, address: str
    ) -> Account:
        """The signed-in account's password is now ``new``, its ``old`` one
        checked again (and once more if another device changed it before
        this applied: then the old one is no longer it, ``BAD_PASSWORD``)."""
        check_no_bot(await self.store.get(account_key), "/password")
        new = check_new_password(new, self.password_min)
        account = await self.check_own_password(account_key, old, address)
        hashed, scram = await self._hash(new)

        async def decide(found: Account | None) -> DecidedChange:
            checked = await self._rechecked(account, found, old, address)
            return password_set(checked, hashed, scram)

        await applied(self.store, self.apply, account_key, decide, account)
        await self.sign_ins.end_all(account_key)  # a device session is no password
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

        async def decide(found: Account | None) -> DecidedChange:
            if found is None:
                raise errors.no_such_account(name)
            return password_set(found, hashed, scram)

        await applied(self.store, self.apply, key, decide, account)
        await self.sign_ins.end_all(key)
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
        self, account_key: str, password: str, address: str, holder: str, token: str
    ) -> Account:
        """Delete the signed-in account, its ``password`` checked again (and
        once more if another device changed it before this applied): the
        session asking (holding name key ``holder``, its token ``token``)
        is signed out of it, every other one signed in to it ends, in the
        same step (:func:`~chatroom.core.accounts.accounts.unregistering`)."""
        account = await self.check_own_password(account_key, password, address)

        async def decide(found: Account | None) -> DecidedChange:
            checked = await self._rechecked(account, found, password, address)
            return unregistering(checked, holder, token)

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
        except PremiseFailedError:
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
        under = (IN_SESSION, account_key)
        try:
            await self.guesses.attempt(under)
        except ThrottledError as refused:
            raise errors.sign_in_throttled("for this account", refused.wait) from None
        try:
            account = await read(account_key)
            if account is None:
                raise errors.not_signed_in()
            matched = await self._matched(account, password)
        except BaseException:
            await self.guesses.settle([under])
            raise
        if not matched:
            raise self.failed_sign_in(account, address)
        await self.guesses.settle(cleared=[under])
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
        except PremiseFailedError:
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
