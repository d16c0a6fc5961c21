"""Accounts, server bans and invitations in one process: the local
:class:`AccountStore`.

Kept in memory (loaded once at start-up) and written through the
back-end's :class:`~chatroom.backends.local.records.Store` (the SQLite
file's ``accounts`` and ``server_bans`` tables with ``--db``). A write of
an account's record comes decided (:mod:`chatroom.core.accounts`): its
premises are checked on the account as kept and its operations performed,
nothing decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from chatroom.backends.local.records import Store
from chatroom.core import changes
from chatroom.core.accountrecord import Account
from chatroom.core.lockdown import OPEN, Lockdown
from chatroom.core.netbans import BanTerms
from chatroom.core.throttle import SharedFailures, SharedWindows


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

    async def apply(self, change: changes.DecidedChange) -> None:
        """A change of what this store keeps, by its subject: an account's
        record, ignore list, age or sign-in tokens, the server's bans or
        lockdown, an invitation (the back-end ends the sessions a ban
        covers)."""
        subject = change.subject
        if isinstance(subject, changes.AccountRecord):
            self._apply_record(change)
        elif isinstance(subject, changes.AccountIgnores):
            self._apply_ignores(change)
        elif isinstance(subject, changes.AccountAge):
            self._apply_age(change)
        elif isinstance(subject, changes.ServerLockdown):
            self._apply_lockdown(change)
        elif isinstance(subject, changes.InvitationCode):
            await self._apply_invitation(change)
        elif isinstance(subject, changes.AccountSignIns):
            self._apply_sign_ins(change)
        elif isinstance(subject, changes.ServerBanList):
            self._apply_bans(change)
        else:
            raise TypeError(f"no change of {subject!r} here")

    def _apply_record(self, change: changes.DecidedChange) -> None:
        """Check ``change``'s premises on the account as kept, then perform
        its operations and write the outcome through (one SQLite
        statement: a row saved, or the account's rows dropped)."""
        key = changes.account_of(change, changes.AccountRecord)
        found = self.by_key.get(key)
        for premise in change.premises:
            if isinstance(premise, changes.OidcUnbound):
                if self._bound(premise.oidc) is not None:
                    raise changes.PremiseFailedError(None, premise)
            elif not _holds(found, premise):
                raise changes.PremiseFailedError(found, premise)
        account: Account | None = found
        for op in change.ops:
            if isinstance(op, changes.MakeAccount):
                account = Account(key, op.name, "")
            elif isinstance(op, changes.DropAccount):
                account = None
            elif isinstance(op, changes.SignOut | changes.EndSessions):
                continue  # the back-end signs out and ends the sessions
            elif account is None:
                raise TypeError(f"{op!r} on no account")
            elif isinstance(op, changes.SetPassword):
                account = replace(account, hash=op.hash, scram=op.scram)
            elif isinstance(op, changes.SetScramKeys):
                account = replace(account, scram=op.scram)
            elif isinstance(op, changes.SetMailbox):
                account = replace(account, mailbox=op.mailbox)
            elif isinstance(op, changes.BindOidc):
                account = replace(account, oidc=op.oidc)
            elif isinstance(op, changes.SetAppPasswords):
                account = replace(account, app_passwords=op.app_passwords)
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

    async def server_bans(self) -> list[str]:
        return list(self.bans)

    async def is_server_banned(self, masks: Iterable[str]) -> bool:
        return any(mask in self.bans for mask in masks)

    def _apply_bans(self, change: changes.DecidedChange) -> None:
        """A :class:`~chatroom.core.changes.ServerBanList` change: every
        premise checked on the bans as kept, then each ban made or lifted
        in order."""
        for premise in change.premises:
            if not isinstance(premise, changes.Banned):
                raise TypeError(f"no premise {premise!r} of the server's bans")
            if (premise.mask in self.bans) != premise.banned:
                raise changes.PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, changes.AddBan):
                self.bans[op.mask] = None
                self.terms.pop(op.mask, None)
                if op.terms:
                    self.terms[op.mask] = BanTerms.decoded(op.terms)
                self.store.save_server_ban(op.mask, True, op.terms)
            elif isinstance(op, changes.LiftBan):
                self.bans.pop(op.mask, None)
                self.terms.pop(op.mask, None)
                self.store.save_server_ban(op.mask, False)
            elif not isinstance(op, changes.EndSessions):  # the back-end ends them
                raise TypeError(f"no operation {op!r} of the server's bans")

    async def server_ban_terms(self) -> dict[str, BanTerms]:
        return dict(self.terms)

    def _forget_ignores(self, account: str) -> None:
        """Account ``account`` is gone: its ignore list with it (the store
        drops its rows with the account's)."""
        self._ignores.pop(account, None)

    async def ignores(self, account: str) -> frozenset[str]:
        return frozenset(self._ignores.get(account, ()))

    def _apply_ignores(self, change: changes.DecidedChange) -> None:
        account = changes.account_of(change, changes.AccountIgnores)
        listed = self._ignores.setdefault(account, set())
        for op in change.ops:
            if isinstance(op, changes.Ignore):
                listed.add(op.name)
            elif isinstance(op, changes.Unignore):
                listed.discard(op.name)
            else:
                raise TypeError(f"no operation {op!r} of an ignore list")
            self.store.save_ignore(account, op.name, isinstance(op, changes.Ignore))
        if not listed:
            del self._ignores[account]

    async def registered_at(self, account: str) -> float | None:
        return self._ages.get(account)

    def _apply_age(self, change: changes.DecidedChange) -> None:
        account = changes.account_of(change, changes.AccountAge)
        for op in change.ops:
            if not isinstance(op, changes.SetRegistered):
                raise TypeError(f"no operation {op!r} of an account's age")
            self._ages[account] = op.at
            self.store.save_age(account, op.at)

    async def lockdown(self) -> Lockdown:
        return self._lockdown

    def _apply_lockdown(self, change: changes.DecidedChange) -> None:
        for op in change.ops:
            if not isinstance(op, changes.SetLockdown):
                raise TypeError(f"no operation {op!r} of the lockdown")
            self._lockdown = Lockdown(op.level, op.by)
            self.store.save_lockdown(self._lockdown.encoded())

    async def invitations(self) -> dict[str, str]:
        return dict(self._invitations)

    async def invitation(self, code: str) -> str:
        return self._invitations.get(code, "")

    async def _apply_invitation(self, change: changes.DecidedChange) -> None:
        """Check ``change``'s premise on the invitation as kept, then keep
        what its operation says (and write it through)."""
        if not isinstance(change.subject, changes.InvitationCode):
            raise TypeError(f"{change.subject!r} is no invitation")
        code = change.subject.code
        kept = self._invitations.get(code, "")
        for premise in change.premises:
            if not isinstance(premise, changes.InvitationIs):
                raise TypeError(f"no premise {premise!r} of an invitation")
            if premise.kept != kept:
                raise changes.PremiseFailedError(kept, premise)
        for op in change.ops:
            if isinstance(op, changes.SetInvitation):
                self._invitations[code] = kept = op.kept
            elif isinstance(op, changes.DropInvitation):
                self._invitations.pop(code, None)
                kept = ""
            else:
                raise TypeError(f"no operation {op!r} of an invitation")
            self.store.save_invitation(code, kept)

    async def sign_in_token(self, token: str) -> str:
        kept = self._sign_ins.get(token)
        return kept[1] if kept is not None else ""

    def _apply_sign_ins(self, change: changes.DecidedChange) -> None:
        """Check ``change``'s premises on the account and its tokens as
        kept, then keep or drop what its operations say (and write it
        through); tokens kept until before a write's time are forgotten
        then."""
        account = changes.account_of(change, changes.AccountSignIns)
        for premise in change.premises:
            if isinstance(premise, changes.Registered):
                if account not in self.by_key:
                    raise changes.PremiseFailedError(None, premise)
            elif isinstance(premise, changes.SignInTokenIs):
                held = self._sign_ins.get(premise.token)
                kept = held[1] if held is not None else ""
                if kept != premise.kept:
                    raise changes.PremiseFailedError(kept, premise)
            else:
                raise TypeError(f"no premise {premise!r} of sign-in tokens")
        for op in change.ops:
            if isinstance(op, changes.KeepSignInToken):
                self._forget_past(op.at)
                self._sign_ins[op.token] = (account, op.kept, op.until)
                self.store.save_sign_in_token(op.token, account, op.kept, op.until)
            elif isinstance(op, changes.DropSignInToken):
                self._sign_ins.pop(op.token, None)
                self.store.drop_sign_in_token(op.token)
            elif isinstance(op, changes.DropSignInTokens):
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


def _holds(found: Account | None, premise: changes.Premise) -> bool:
    """Whether ``premise`` holds of the account as kept (``found``)."""
    if isinstance(premise, changes.Exists):
        return (found is not None) == premise.exists
    if isinstance(premise, changes.PasswordHashIs):
        return found is not None and found.hash == premise.hash
    if isinstance(premise, changes.MailboxIs):
        return found is not None and found.mailbox == premise.mailbox
    if isinstance(premise, changes.AppPasswordsAre):
        return found is not None and found.app_passwords == premise.app_passwords
    raise TypeError(f"no premise {premise!r} of an account's record")
