"""Accounts, server bans and invitations in Redis: the cluster's
:class:`AccountStore`.

Every node signs users in against the same accounts and bans, so they live
in Redis beside names and rooms (``P accounts``: name key → ``"name
hash"``, or ``"name hash scram"`` once the account has SCRAM keys, in
RFC 5803's form, which has no spaces; ``P mailboxes`` and ``P
app-passwords``: name key → the account's mailbox, its app passwords, as
the core encodes them; ``P gbans``: ban masks by age;
``P invitations``: a code's hash → the invitation as
:class:`chatroom.core.invitations.InviteLink` encodes it; ``P
sign-in:<hash>``: a sign-in token as :class:`chatroom.core.sign_in_tokens.
SignInToken` encodes it, expiring at its deadline, and ``P
sign-ins:<account>``: the hashes of the account's tokens).
The password rules, the hashing and the sign-in throttles stay in
:class:`chatroom.core.services.accounts.AccountService`, the same code as in one
process, which decides every write of a record and hands it here as one
:class:`~chatroom.core.changes.DecidedChange` (:meth:`RedisAccounts.apply`:
one script checks its premises and stores); only where the records are
kept differs.
A password hash and SCRAM keys are written and read here, never logged.

Name keys gained the UTS #39 skeleton (:func:`chatroom.core.text.name_key`):
:meth:`RedisAccounts.rekey`, run by each node as it starts, moves accounts
and server bans stored under an older key to today's (``name_key`` of the
old key), keeping the first one when two look-alikes now share a key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.endings import telling
from chatroom.backends.redis.failures import RedisFailures
from chatroom.backends.redis.modlog import carried
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.windows import RedisWindows
from chatroom.core import changes, codec
from chatroom.core.accountrecord import Account
from chatroom.core.lockdown import OPEN, Lockdown
from chatroom.core.modlog import SERVER_LOG
from chatroom.core.netbans import BanTerms
from chatroom.core.nodemessages import LockdownSet
from chatroom.core.text import current_mask, name_key

#: ARGV: P, u. The account registered under u: ``"name hash"``, or nil;
#: its mailbox (``P mailboxes``' field u), or nil; the OpenID provider's
#: subject it is bound to (``P oidc-of``'s field u), or nil; and its app
#: passwords (``P app-passwords``' field u), or nil.
GET = Script("account-get")

#: ARGV: P, a provider's subject (as :func:`chatroom.core.oidc.binding`
#: encodes it). The key of the account bound to it (``P oidc``: subject →
#: account key, checked against ``P oidc-of``: account key → subject), or
#: nil.
OIDC_ACCOUNT = Script("oidc-account")

#: ARGV: P, u, exists, hash, mailbox, oidc, apps, then the operations. A
#: decided change of account u's record (:meth:`RedisAccounts.apply`): its
#: premises first, ``exists`` ('1' it does, '0' it does not, '-' no
#: premise), ``hash`` (its password hash is this; '-' no premise),
#: ``mailbox`` (its mailbox is this; '-' no premise), ``oidc`` (no account
#: is bound to this provider's subject; '-' no premise) and ``apps`` (its
#: app passwords are these; '-' no premise), then each operation in order,
#: its name then its operands: ``make NAME``, ``password HASH SCRAM``,
#: ``scram SCRAM``, ``mailbox MAILBOX`` ('' for none), ``oidc SUBJECT``
#: (bound to it), ``apps APPS`` ('' for none), ``drop`` (the account, its
#: mailbox, its binding, its app passwords, its read markers, the private
#: messages kept for it and its remembered rooms), and the sessions that go
#: with it, once it is written: ``signout HOLDER TOKEN`` (the session
#: holding name key HOLDER with token TOKEN signed out, its name's other
#: holders ended) and ``end HOLDER ACCOUNT`` (as the server bans' ``end``),
#: each followed by what the sessions ended are told (the reason, the
#: node's EndSession, how long it stays listed:
#: :func:`~chatroom.backends.redis.endings.telling`). ``{'CHANGED',
#: premise}`` if a premise does not hold, and nothing is written; else
#: ``{'OK'}``, or with sessions to end the server's step of their ends
#: (``OK``, the leavers, the copies to refresh: the back-end runs it,
#: :mod:`~chatroom.backends.redis.endings`).
APPLY = Script("account-apply")

#: ARGV: P. Every account's record (``"name hash [scram]"``).
RECORDS = Script("account-records")

#: ARGV: P. Every account's mailbox: key, mailbox, key, mailbox...
MAILBOXES = Script("account-mailboxes")

#: ARGV: P. Every server ban mask, oldest first.
BANS = Script("gbans")

#: ARGV: P, u ('' for none), masks... Whether u is registered, and whether
#: any of the masks is banned from the server: what
#: :func:`chatroom.core.rules.check_claim` decides a name on, read for a
#: sign-in's screening (``is_server_banned``); a name's claim checks both
#: in ``CLAIM`` itself, as its premises.
CLAIM_FACTS = Script("claim-facts")

#: ARGV: P, the reason the sessions ended are told ('': end none), how
#: many premises, each premise's mask and '1' (banned) or '0' (not yet),
#: then the operations: ``add MASK TERMS ORDER`` (its terms as a
#: :class:`~chatroom.core.netbans.BanTerms` encoded, '' for none; the order
#: every node hears, ``* ORDER``, a network ban's, '' for none), ``lift
#: MASK ORDER`` (a network's, '' for another mask) or ``end HOLDER
#: ACCOUNT`` (the sessions the core decided a ban covers: the one holding
#: name key HOLDER, every one signed in to ACCOUNT; '' for none). A
#: :class:`~chatroom.core.changes.ServerBanList` change: ``{'CHANGED',
#: i}`` if premise i does not hold (nothing written); else the bans made
#: and lifted, then the start of the end of every session named, wherever
#: it is. The server's step of their ends (:mod:`.endings`): ``OK``, the
#: leavers, the copies to refresh. The bans come first, so that none of
#: them signs in again meanwhile.
APPLY_BANS = Script("server-bans-apply")

#: ARGV: P. Every account's key (to bring keys up to date).
KEYS = Script("account-keys")

#: ARGV: P, old, new. Moves an account to key new, unless one is there.
MOVE = Script("account-move")

#: ARGV: P, old, new. Moves a server ban to mask new, keeping its age.
MOVE_BAN = Script("gban-move")

#: ARGV: P. Each ban's terms, as mask, terms, mask, terms...
BAN_TERMS = Script("gban-terms")

#: ARGV: P, account. The name keys the account ignores.
IGNORES = Script("ignores-get")

#: ARGV: P, account, then ``+``/``-`` and a name key, each pair. Adds or
#: removes them; nothing for an account no longer registered (see
#: :mod:`chatroom.core.userdata`, *What a deletion takes*).
APPLY_IGNORES = Script("ignores-apply")

#: ARGV: P, account. When it was registered (nil: not kept).
AGE = Script("account-age-get")

#: ARGV: P, account, seconds. Keeps when it was registered.
SET_AGE = Script("account-age-set")

#: ARGV: P. The lockdown level as the core encoded it (nil: never set).
LOCKDOWN = Script("lockdown-get")

#: ARGV: P, the lockdown level as the core encoded it, the order every node
#: hears (``* ORDER``, :class:`~chatroom.core.nodemessages.LockdownSet`),
#: the most entries the server's moderation log keeps and the entries the
#: change records there (:func:`.modlog.carried`). Keeps it, tells every
#: node and records it in the same step.
SET_LOCKDOWN = Script("lockdown-set")

#: ARGV: P. Every invitation: its code's hash, what is kept, hash, kept...
INVITATIONS = Script("invitations-all")

#: ARGV: P, a code's hash. The invitation kept under it (nil: none).
INVITATION = Script("invitation-get")

#: ARGV: P, a code's hash, the invitation its premise says is kept ('-':
#: no premise; '' none), the invitation kept after ('' for gone). ``{1}``
#: once kept; ``{0, kept}`` if the premise does not hold, and nothing is
#: written.
APPLY_INVITATION = Script("invitation-apply")


#: ARGV: P, a sign-in token's hash. The token kept under it ('' for none).
SIGN_IN_TOKEN = Script("sign-in-get")

#: ARGV: P, account, '1' (it must be registered) or '-', a token's hash
#: whose premise says it is kept as the next argument ('' for no premise),
#: then the operations: ``keep HASH KEPT SECONDS``, ``drop HASH``, ``all``
#: (every token of the account). ``{1}`` once applied; ``{0}`` if the
#: account is not registered, ``{0, kept}`` if the token is not kept as
#: said (nothing written).
APPLY_SIGN_INS = Script("sign-in-apply")


class RedisAccounts:
    """The :class:`~chatroom.core.accounts.AccountStore` of a cluster node.

    Each call is one script, so it is bounded by ``--redis-timeout`` and
    answered ``UNAVAILABLE`` while Redis is out of reach, like every other
    command of a node.
    """

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls
        #: Registrations are counted for the whole cluster.
        self.windows = RedisWindows(calls)
        #: ... and wrong passwords and codes.
        self.failures = RedisFailures(calls)

    async def get(self, key: str) -> Account | None:
        record, mailbox, oidc, apps = await self.calls.eval(GET, key)
        return _account(key, record, mailbox, oidc, apps)

    async def oidc_account(self, oidc: str) -> str | None:
        key = await self.calls.eval(OIDC_ACCOUNT, oidc)
        return key.decode() if key else None

    async def apply(self, change: changes.DecidedChange) -> None:
        """A change of what this store keeps, by its subject: an account's
        record, ignore list or age, the server's lockdown, an invitation
        (the server's
        bans end sessions: the back-end applies them, :data:`APPLY_BANS`)."""
        subject = change.subject
        if isinstance(subject, changes.AccountRecord):
            await self._apply_record(change)
        elif isinstance(subject, changes.AccountIgnores):
            await self._apply_ignores(change)
        elif isinstance(subject, changes.AccountAge):
            await self._apply_age(change)
        elif isinstance(subject, changes.ServerLockdown):
            await self._apply_lockdown(change)
        elif isinstance(subject, changes.InvitationCode):
            await self._apply_invitation(change)
        elif isinstance(subject, changes.AccountSignIns):
            await self._apply_sign_ins(change)
        else:
            raise TypeError(f"no change of {subject!r} here")

    async def _apply_record(self, change: changes.DecidedChange) -> None:
        """One :data:`APPLY`: the change's premises checked and its
        operations stored there, or :class:`~chatroom.core.changes.
        PremiseFailedError` with the account as the script found it (a
        change that ends sessions is the back-end's to run: it has their
        ends' steps)."""
        reply = await self.calls.eval(APPLY, *self.record_arguments(change))
        if reply[0] != b"OK":
            raise await self.refusal(change, reply[1])

    @staticmethod
    def record_arguments(change: changes.DecidedChange) -> list[str]:
        """What :data:`APPLY` is handed for ``change``, a change of an
        account's record: the account, its premises, its operations."""
        key = changes.account_of(change, changes.AccountRecord)
        exists = change.premise(changes.Exists)
        hashed = change.premise(changes.PasswordHashIs)
        mailbox = change.premise(changes.MailboxIs)
        unbound = change.premise(changes.OidcUnbound)
        apps = change.premise(changes.AppPasswordsAre)
        arguments = [
            key,
            "-" if exists is None else str(int(exists.exists)),
            "-" if hashed is None else hashed.hash,
            "-" if mailbox is None else mailbox.mailbox,
            "-" if unbound is None else unbound.oidc,
            "-" if apps is None else apps.app_passwords,
        ]
        for op in change.ops:
            arguments += _operands(op)
        return arguments

    async def refusal(
        self, change: changes.DecidedChange, failed: bytes
    ) -> changes.PremiseFailedError:
        """The refusal of ``change`` whose premise ``failed`` (as
        :data:`APPLY` names it) does not hold, with the account as it is
        now (none for a subject already bound)."""
        if failed == b"oidc":
            return changes.PremiseFailedError(None, change.premise(changes.OidcUnbound))
        premise = {
            b"exists": change.premise(changes.Exists),
            b"hash": change.premise(changes.PasswordHashIs),
            b"mailbox": change.premise(changes.MailboxIs),
            b"apps": change.premise(changes.AppPasswordsAre),
        }[failed]
        key = changes.account_of(change, changes.AccountRecord)
        return changes.PremiseFailedError(await self.get(key), premise)

    async def mailboxes(self) -> dict[str, str]:
        flat = await self.calls.eval(MAILBOXES)
        return {
            k.decode(): v.decode() for k, v in zip(flat[::2], flat[1::2], strict=True)
        }

    async def names(self) -> list[str]:
        records = await self.calls.eval(RECORDS)
        return [record.decode().split(" ", 1)[0] for record in records]

    async def server_bans(self) -> list[str]:
        return [mask.decode() for mask in await self.calls.eval(BANS)]

    async def is_server_banned(self, masks: Iterable[str]) -> bool:
        _registered, banned = await self.calls.eval(CLAIM_FACTS, "", *masks)
        return bool(int(banned))

    async def server_ban_terms(self) -> dict[str, BanTerms]:
        flat = await self.calls.eval(BAN_TERMS)
        return {
            flat[i].decode(): BanTerms.decoded(flat[i + 1].decode())
            for i in range(0, len(flat), 2)
        }

    async def ignores(self, account: str) -> frozenset[str]:
        return frozenset(
            name.decode() for name in await self.calls.eval(IGNORES, account)
        )

    async def _apply_ignores(self, change: changes.DecidedChange) -> None:
        account = changes.account_of(change, changes.AccountIgnores)
        pairs: list[str] = []
        for op in change.ops:
            if isinstance(op, changes.Ignore):
                pairs += ["+", op.name]
            elif isinstance(op, changes.Unignore):
                pairs += ["-", op.name]
            else:
                raise TypeError(f"no operation {op!r} of an ignore list")
        await self.calls.eval(APPLY_IGNORES, account, *pairs)

    async def registered_at(self, account: str) -> float | None:
        kept = await self.calls.eval(AGE, account)
        return float(kept) if kept else None

    async def _apply_age(self, change: changes.DecidedChange) -> None:
        account = changes.account_of(change, changes.AccountAge)
        for op in change.ops:
            if not isinstance(op, changes.SetRegistered):
                raise TypeError(f"no operation {op!r} of an account's age")
            await self.calls.eval(SET_AGE, account, repr(op.at))

    async def lockdown(self) -> Lockdown:
        kept = await self.calls.eval(LOCKDOWN)
        return Lockdown.decoded(kept.decode()) if kept else OPEN

    async def _apply_lockdown(self, change: changes.DecidedChange) -> None:
        """One :data:`SET_LOCKDOWN`: the level kept, every node told, and
        the server's moderation log's entry recorded."""
        (op,) = change.of(changes.SetLockdown)
        order = codec.encode(LockdownSet(op.level, op.by)).decode()
        kept = Lockdown(op.level, op.by).encoded()
        await self.calls.eval(SET_LOCKDOWN, kept, order, *carried(change, SERVER_LOG))

    async def invitations(self) -> dict[str, str]:
        flat = await self.calls.eval(INVITATIONS)
        return {
            k.decode(): v.decode() for k, v in zip(flat[::2], flat[1::2], strict=True)
        }

    async def invitation(self, code: str) -> str:
        kept = await self.calls.eval(INVITATION, code)
        return kept.decode() if kept else ""

    async def _apply_invitation(self, change: changes.DecidedChange) -> None:
        """One :data:`APPLY_INVITATION`: the premise checked and the
        invitation kept (or dropped), or :class:`~chatroom.core.changes.
        PremiseFailedError` with the invitation as the script found it."""
        if not isinstance(change.subject, changes.InvitationCode):
            raise TypeError(f"{change.subject!r} is no invitation")
        premise = change.premise(changes.InvitationIs)
        after = ""
        for op in change.ops:
            if isinstance(op, changes.SetInvitation):
                after = op.kept
            elif not isinstance(op, changes.DropInvitation):
                raise TypeError(f"no operation {op!r} of an invitation")
        expected = "-" if premise is None else premise.kept
        reply = await self.calls.eval(
            APPLY_INVITATION, change.subject.code, expected, after
        )
        if not int(reply[0]):
            raise changes.PremiseFailedError(reply[1].decode(), premise)

    async def sign_in_token(self, token: str) -> str:
        kept = await self.calls.eval(SIGN_IN_TOKEN, token)
        return kept.decode() if kept else ""

    async def _apply_sign_ins(self, change: changes.DecidedChange) -> None:
        """One :data:`APPLY_SIGN_INS`: the premises checked and the tokens
        kept (with Redis's expiry at their deadline, as this change's own
        time says) or dropped, or :class:`~chatroom.core.changes.
        PremiseFailedError` with the token as the script found it."""
        account = changes.account_of(change, changes.AccountSignIns)
        registered = change.premise(changes.Registered)
        token = change.premise(changes.SignInTokenIs)
        arguments = [
            account,
            "-" if registered is None else "1",
            "" if token is None else token.token,
            "" if token is None else token.kept,
        ]
        for op in change.ops:
            if isinstance(op, changes.KeepSignInToken):
                seconds = max(1, math.ceil(op.until - op.at))
                arguments += ["keep", op.token, op.kept, str(seconds)]
            elif isinstance(op, changes.DropSignInToken):
                arguments += ["drop", op.token]
            elif isinstance(op, changes.DropSignInTokens):
                arguments.append("all")
            else:
                raise TypeError(f"no operation {op!r} of sign-in tokens")
        reply = await self.calls.eval(APPLY_SIGN_INS, *arguments)
        if not int(reply[0]):
            if len(reply) > 1:
                raise changes.PremiseFailedError(reply[1].decode(), token)
            raise changes.PremiseFailedError(None, registered)

    async def rekey(self) -> int:
        """Move accounts and server bans stored under older keys to
        today's; how many moved. Safe to run on many nodes at once."""
        moved = 0
        for raw in await self.calls.eval(KEYS):
            old = raw.decode()
            if name_key(old) != old:
                moved += int(await self.calls.eval(MOVE, old, name_key(old)))
        for mask in await self.server_bans():
            if current_mask(mask) != mask:
                moved += int(await self.calls.eval(MOVE_BAN, mask, current_mask(mask)))
        return moved


def _account(
    key: str,
    record: bytes | None,
    mailbox: bytes | None,
    oidc: bytes | None,
    apps: bytes | None,
) -> Account | None:
    """Account ``key`` from its stored ``"name hash [scram]"`` (None: none),
    its mailbox, its provider's subject and its app passwords (None: none)."""
    if not record:
        return None
    name, hashed, *scram = record.decode().split(" ")
    return Account(
        key,
        name,
        hashed,
        "".join(scram),
        (mailbox or b"").decode(),
        (oidc or b"").decode(),
        (apps or b"").decode(),
    )


def _operands(op: changes.Operation) -> list[str]:
    """How :data:`APPLY` is told operation ``op``: its name, its operands."""
    if isinstance(op, changes.MakeAccount):
        return ["make", op.name]
    if isinstance(op, changes.SetPassword):
        return ["password", op.hash, op.scram]
    if isinstance(op, changes.SetScramKeys):
        return ["scram", op.scram]
    if isinstance(op, changes.SetMailbox):
        return ["mailbox", op.mailbox]
    if isinstance(op, changes.BindOidc):
        return ["oidc", op.oidc]
    if isinstance(op, changes.SetAppPasswords):
        return ["apps", op.app_passwords]
    if isinstance(op, changes.DropAccount):
        return ["drop"]
    if isinstance(op, changes.SignOut):
        return ["signout", op.holder, op.token, *map(str, telling(op.told))]
    if isinstance(op, changes.EndSessions):
        return ["end", op.holder, op.account, *map(str, telling(op.told))]
    raise TypeError(f"no operation {op!r} of an account's record")
