"""Accounts, server bans and invitations in one process: the local
:class:`AccountStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``accounts`` and ``server_bans`` tables with ``--db``). A write of
an account's record comes decided (:mod:`chatroom.core.accounts.accounts`): its
premises are checked on the account as kept and its operations performed,
nothing decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from chatroom.backends.local.records import Store
from chatroom.core.infra.throttle import SharedFailures, SharedWindows
from chatroom.core.model.accountrecord import Account, Bot
from chatroom.core.model.changes.accounts import (
    AccountAge,
    AccountRecord,
    AccountSignIns,
    AppPasswordsAre,
    BindOidc,
    BotIs,
    DropAccount,
    DropInvitation,
    DropSignInToken,
    DropSignInTokens,
    FewerBotsThan,
    InvitationCode,
    InvitationIs,
    KeepSignInToken,
    MailboxIs,
    MakeAccount,
    OidcUnbound,
    PasswordHashIs,
    Registered,
    SetAppPasswords,
    SetBot,
    SetInvitation,
    SetMailbox,
    SetPassword,
    SetRegistered,
    SetScramKeys,
    SignInTokenIs,
)
from chatroom.core.model.changes.base import (
    DecidedChange,
    Premise,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.moderation import (
    AddBan,
    Banned,
    EndSessions,
    LiftBan,
    ServerBanList,
    ServerLockdown,
    SetLockdown,
    SignOut,
)
from chatroom.core.model.changes.rooms import Exists
from chatroom.core.model.changes.settings import AccountIgnores, Ignore, Unignore
from chatroom.core.moderation.lockdown import OPEN, Lockdown
from chatroom.core.moderation.netbans import BanTerms


class StoredAccounts:
    """The in-process :class:`AccountStore`: in memory, written through the
    registry's :class:`~chatroom.backends.local.store.Store` (loaded once at
    start-up)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        loaded = store.load_accounts()
        self.by_key: dict[str, Account] = {
            key: Account(
                key,
                name,
                hashed,
                loaded.scram.get(key, ""),
                loaded.mailboxes.get(key, ""),
                loaded.oidc.get(key, ""),
                loaded.app_passwords.get(key, ""),
                loaded.bots.get(key, ""),
            )
            for key, name, hashed in loaded.accounts
        }
        #: An OpenID provider's subject (encoded) → the account bound to it.
        self.by_oidc: dict[str, str] = {
            bound: key for key, bound in loaded.oidc.items()
        }
        self.bans: dict[str, None] = dict.fromkeys(loaded.server_bans)
        self._lockdown = Lockdown.decoded(loaded.lockdown) if loaded.lockdown else OPEN
        #: Invitations as the core encoded them, by their codes' hashes.
        self._invitations: dict[str, str] = dict(loaded.invitations)
        #: Sign-in tokens by their hashes: (account key, the token as the
        #: core encoded it, until when it is kept).
        self._sign_ins: dict[str, tuple[str, str, float]] = {
            token: (account, kept, until)
            for token, account, kept, until in loaded.sign_in_tokens
        }
        #: Account key → when it was registered.
        self._ages: dict[str, float] = dict(loaded.ages)
        #: Account key → the name keys it ignores.
        self._ignores: dict[str, set[str]] = {}
        for account, name in loaded.ignores:
            self._ignores.setdefault(account, set()).add(name)
        #: The terms each ban was kept with (by mask).
        self.terms = {
            mask: BanTerms.decoded(kept) for mask, kept in loaded.ban_terms.items()
        }
        #: Called with an account's key when it is deleted (its markers go).
        #: What goes with an account deleted or unregistered (its ignore
        #: list here; the other stores chain their own before it).
        self.on_delete: Callable[[str], None] = self._forget_ignores
        #: Where registrations are counted: the back-end's memory (None:
        #: the account service counts its own).
        self.windows: SharedWindows | None = None
        #: Where wrong passwords and codes are counted: the back-end's
        #: memory (None: the account service counts its own).
        self.failures: SharedFailures | None = None

    async def get(self, key: str) -> Account | None:
        return self.by_key.get(key)

    @applies(AccountAge, InvitationCode, AccountSignIns)
    async def apply(self, change: DecidedChange) -> None:
        """A change of what this store keeps, by its subject: an account's
        record, ignore list, age or sign-in tokens, the server's bans or
        lockdown, an invitation (the back-end ends the sessions a ban
        covers)."""
        subject = change.subject
        if isinstance(subject, AccountRecord):
            self._apply_record(change)
        elif isinstance(subject, AccountIgnores):
            self._apply_ignores(change)
        elif isinstance(subject, AccountAge):
            self._apply_age(change)
        elif isinstance(subject, ServerLockdown):
            self._apply_lockdown(change)
        elif isinstance(subject, InvitationCode):
            await self._apply_invitation(change)
        elif isinstance(subject, AccountSignIns):
            self._apply_sign_ins(change)
        elif isinstance(subject, ServerBanList):
            self._apply_bans(change)
        else:
            raise TypeError(f"no change of {subject!r} here")

    def _apply_record(self, change: DecidedChange) -> None:
        """Check ``change``'s premises on the account as kept, then perform
        its operations and write the outcome through (one SQLite
        statement: a row saved, or the account's rows dropped)."""
        key = account_of(change, AccountRecord)
        found = self.by_key.get(key)
        for premise in change.premises:
            if isinstance(premise, OidcUnbound):
                if self._bound(premise.oidc) is not None:
                    raise PremiseFailedError(None, premise)
            elif isinstance(premise, FewerBotsThan):
                if self._owned(premise.owner) >= premise.count:
                    raise PremiseFailedError(found, premise)
            elif not _holds(found, premise):
                raise PremiseFailedError(found, premise)
        account: Account | None = found
        for op in change.ops:
            if isinstance(op, MakeAccount):
                account = Account(key, op.name, "")
            elif isinstance(op, DropAccount):
                account = None
            elif isinstance(op, SignOut | EndSessions):
                continue  # the back-end signs out and ends the sessions
            elif account is None:
                raise TypeError(f"{op!r} on no account")
            elif isinstance(op, SetPassword):
                account = replace(account, hash=op.hash, scram=op.scram)
            elif isinstance(op, SetScramKeys):
                account = replace(account, scram=op.scram)
            elif isinstance(op, SetMailbox):
                account = replace(account, mailbox=op.mailbox)
            elif isinstance(op, BindOidc):
                account = replace(account, oidc=op.oidc)
            elif isinstance(op, SetAppPasswords):
                account = replace(account, app_passwords=op.app_passwords)
            elif isinstance(op, SetBot):
                account = replace(account, bot=op.bot)
            else:
                raise TypeError(f"no operation {op!r} of an account's record")
        if found is not None and found.oidc and account != found:
            self.by_oidc.pop(found.oidc, None)
        if account is not None and account.oidc:
            self.by_oidc[account.oidc] = key
        if account is None:
            self.by_key.pop(key, None)
            self.store.drop_account(key)
            self.on_delete(key)
        else:
            self.by_key[key] = account
            self.store.save_account(account)

    def _owned(self, owner: str) -> int:
        """How many bots account key ``owner`` owns."""
        kept = (a.bot for a in self.by_key.values() if a.bot)
        return sum(1 for bot in kept if Bot.decode(bot).owner == owner)

    async def oidc_account(self, oidc: str) -> str | None:
        return self._bound(oidc)

    def _bound(self, oidc: str) -> str | None:
        """The key of the account bound to ``oidc``, if one still is (an
        account erased by ``/delete-account`` leaves its entry behind)."""
        key = self.by_oidc.get(oidc)
        account = self.by_key.get(key) if key is not None else None
        return key if account is not None and account.oidc == oidc else None

    async def names(self) -> list[str]:
        return [account.name for account in self.by_key.values()]

    async def mailboxes(self) -> dict[str, str]:
        return {key: a.mailbox for key, a in self.by_key.items() if a.mailbox}

    async def bots(self) -> dict[str, str]:
        return {key: a.bot for key, a in self.by_key.items() if a.bot}

    async def server_bans(self) -> list[str]:
        return list(self.bans)

    async def is_server_banned(self, masks: Iterable[str]) -> bool:
        return any(mask in self.bans for mask in masks)

    def _apply_bans(self, change: DecidedChange) -> None:
        """A change of the server's bans
        (:class:`~chatroom.core.model.changes.moderation.ServerBanList`): every
        premise checked on the bans as kept, then each ban made or lifted
        in order."""
        for premise in change.premises:
            if not isinstance(premise, Banned):
                raise TypeError(f"no premise {premise!r} of the server's bans")
            if (premise.mask in self.bans) != premise.banned:
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, AddBan):
                self.bans[op.mask] = None
                self.terms.pop(op.mask, None)
                if op.terms:
                    self.terms[op.mask] = BanTerms.decoded(op.terms)
                self.store.save_server_ban(op.mask, True, op.terms)
            elif isinstance(op, LiftBan):
                self.bans.pop(op.mask, None)
                self.terms.pop(op.mask, None)
                self.store.save_server_ban(op.mask, False)
            elif not isinstance(op, EndSessions):  # the back-end ends them
                raise TypeError(f"no operation {op!r} of the server's bans")

    async def server_ban_terms(self) -> dict[str, BanTerms]:
        return dict(self.terms)

    def _forget_ignores(self, account: str) -> None:
        """Account ``account`` is gone: its ignore list with it (the store
        drops its rows with the account's)."""
        self._ignores.pop(account, None)

    async def ignores(self, account: str) -> frozenset[str]:
        return frozenset(self._ignores.get(account, ()))

    def _apply_ignores(self, change: DecidedChange) -> None:
        """An ignore list's change, kept only while its account is
        registered: one decided before its deletion and come after the
        erasure keeps nothing (:mod:`chatroom.core.policy.userdata`)."""
        account = account_of(change, AccountIgnores)
        if account not in self.by_key:
            return
        listed = self._ignores.setdefault(account, set())
        for op in change.ops:
            if isinstance(op, Ignore):
                listed.add(op.name)
            elif isinstance(op, Unignore):
                listed.discard(op.name)
            else:
                raise TypeError(f"no operation {op!r} of an ignore list")
            self.store.save_ignore(account, op.name, isinstance(op, Ignore))
        if not listed:
            del self._ignores[account]

    async def registered_at(self, account: str) -> float | None:
        return self._ages.get(account)

    def _apply_age(self, change: DecidedChange) -> None:
        account = account_of(change, AccountAge)
        for op in change.ops:
            if not isinstance(op, SetRegistered):
                raise TypeError(f"no operation {op!r} of an account's age")
            self._ages[account] = op.at
            self.store.save_age(account, op.at)

    async def lockdown(self) -> Lockdown:
        return self._lockdown

    def _apply_lockdown(self, change: DecidedChange) -> None:
        for op in change.ops:
            if not isinstance(op, SetLockdown):
                raise TypeError(f"no operation {op!r} of the lockdown")
            self._lockdown = Lockdown(op.level, op.by)
            self.store.save_lockdown(self._lockdown.encoded())

    async def invitations(self) -> dict[str, str]:
        return dict(self._invitations)

    async def invitation(self, code: str) -> str:
        return self._invitations.get(code, "")

    async def _apply_invitation(self, change: DecidedChange) -> None:
        """Check ``change``'s premise on the invitation as kept, then keep
        what its operation says (and write it through)."""
        if not isinstance(change.subject, InvitationCode):
            raise TypeError(f"{change.subject!r} is no invitation")
        code = change.subject.code
        kept = self._invitations.get(code, "")
        for premise in change.premises:
            if not isinstance(premise, InvitationIs):
                raise TypeError(f"no premise {premise!r} of an invitation")
            if premise.kept != kept:
                raise PremiseFailedError(kept, premise)
        for op in change.ops:
            if isinstance(op, SetInvitation):
                self._invitations[code] = kept = op.kept
            elif isinstance(op, DropInvitation):
                self._invitations.pop(code, None)
                kept = ""
            else:
                raise TypeError(f"no operation {op!r} of an invitation")
            self.store.save_invitation(code, kept)

    async def sign_in_token(self, token: str) -> str:
        kept = self._sign_ins.get(token)
        return kept[1] if kept is not None else ""

    def _apply_sign_ins(self, change: DecidedChange) -> None:
        """Check ``change``'s premises on the account and its tokens as
        kept, then keep or drop what its operations say (and write it
        through); tokens kept until before a write's time are forgotten
        then."""
        account = account_of(change, AccountSignIns)
        for premise in change.premises:
            if isinstance(premise, Registered):
                if account not in self.by_key:
                    raise PremiseFailedError(None, premise)
            elif isinstance(premise, SignInTokenIs):
                held = self._sign_ins.get(premise.token)
                kept = held[1] if held is not None else ""
                if kept != premise.kept:
                    raise PremiseFailedError(kept, premise)
            else:
                raise TypeError(f"no premise {premise!r} of sign-in tokens")
        for op in change.ops:
            if isinstance(op, KeepSignInToken):
                self._forget_past(op.at)
                self._sign_ins[op.token] = (account, op.kept, op.until)
                self.store.save_sign_in_token(op.token, account, op.kept, op.until)
            elif isinstance(op, DropSignInToken):
                self._sign_ins.pop(op.token, None)
                self.store.drop_sign_in_token(op.token)
            elif isinstance(op, DropSignInTokens):
                self._sign_ins = {
                    token: held
                    for token, held in self._sign_ins.items()
                    if held[0] != account
                }
                self.store.drop_sign_in_tokens(account)
            else:
                raise TypeError(f"no operation {op!r} of sign-in tokens")

    def _forget_past(self, at: float) -> None:
        """Tokens kept until before ``at`` go."""
        past = [token for token, held in self._sign_ins.items() if held[2] < at]
        for token in past:
            del self._sign_ins[token]
            self.store.drop_sign_in_token(token)


def _holds(found: Account | None, premise: Premise) -> bool:
    """Whether ``premise`` holds of the account as kept (``found``)."""
    if isinstance(premise, Exists):
        return (found is not None) == premise.exists
    if isinstance(premise, PasswordHashIs):
        return found is not None and found.hash == premise.hash
    if isinstance(premise, MailboxIs):
        return found is not None and found.mailbox == premise.mailbox
    if isinstance(premise, AppPasswordsAre):
        return found is not None and found.app_passwords == premise.app_passwords
    if isinstance(premise, BotIs):
        return found is not None and found.bot == premise.bot
    raise TypeError(f"no premise {premise!r} of an account's record")
