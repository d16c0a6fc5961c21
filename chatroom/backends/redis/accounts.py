"""Accounts, server bans and invitations in Redis: the cluster's
:class:`AccountStore`.

Every node signs users in against the same accounts and bans, so they live
in Redis beside names and rooms (``P accounts``: name key → ``"name
hash"``, or ``"name hash scram"`` once the account has SCRAM keys, in
RFC 5803's form, which has no spaces; ``P mailboxes`` and ``P
app-passwords`` and ``P bots``: name key → the account's mailbox, its app
passwords, what makes it a bot, as the core encodes them; ``P gbans``: ban masks by age;
``P invitations``: a code's hash → the invitation as
:class:`chatroom.core.accounts.invitations.InviteLink` encodes it; ``P
sign-in:<hash>``: a sign-in token as :class:`chatroom.core.accounts.sign_in_tokens.
SignInToken` encodes it, expiring at its deadline, and ``P
sign-ins:<account>``: the hashes of the account's tokens).
The password rules, the hashing and the sign-in throttles stay in
:class:`chatroom.core.services.accounts.AccountService`, the same code as in one
process, which decides every write of a record and hands it here as one
:class:`~chatroom.core.model.changes.base.DecidedChange` (:meth:`RedisAccounts.apply`:
one script checks its premises and stores); only where the records are
kept differs.
A password hash and SCRAM keys are written and read here, never logged.

Name keys gained the UTS #39 skeleton (:func:`chatroom.core.model.text.name_key`):
:meth:`RedisAccounts.rekey`, run by each node as it starts, moves accounts
and server bans stored under an older key to today's (``name_key`` of the
old key), keeping the first one when two look-alikes now share a key.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatroom.backends.redis.calls import NONE, RedisCalls
from chatroom.backends.redis.failures import RedisFailures
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.windows import RedisWindows
from chatroom.core.model import codec
from chatroom.core.model.accountrecord import Account
from chatroom.core.model.changes.accounts import (
    AccountAge,
    AccountRecord,
    AccountSignIns,
    InvitationCode,
    SignInTokenIs,
)
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.moderation import (
    ServerBanList,
    ServerLockdown,
    SetLockdown,
)
from chatroom.core.model.changes.settings import AccountIgnores
from chatroom.core.model.nodemessages import LockdownSet
from chatroom.core.model.text import current_mask, name_key
from chatroom.core.moderation.lockdown import OPEN, Lockdown
from chatroom.core.moderation.modlog import MODLOG_KEEP
from chatroom.core.moderation.netbans import BanTerms

#: Operands: account. The account registered under it: ``"name hash"``,
#: or nil; its mailbox (``P mailboxes``' field), or nil; the OpenID
#: provider's subject it is bound to (``P oidc-of``'s field), or nil; and
#: its app passwords (``P app-passwords``' field), or nil; what makes it a
#: bot (``P bots``' field), or nil.
GET = Script("account-get")

#: Every bot's record: key, bot, key, bot...
BOTS = Script("bots-all")

#: Operands: oidc (a provider's subject, as :func:`chatroom.core.accounts.oidc.
#: binding` encodes it). The key of the account bound to it (``P oidc``:
#: subject → account key, checked against ``P oidc-of``: account key →
#: subject), or nil.
OIDC_ACCOUNT = Script("oidc-account")

#: Operands: ``change`` (a decided change of an account's record:
#: :meth:`RedisAccounts.apply`), and where it ends sessions, what they are
#: told (:func:`~chatroom.backends.redis.endings.telling`). Its premises
#: first (``{'CHANGED', the failed one's place}``, nothing written), then
#: each operation in order: the account made, its password and SCRAM keys,
#: its mailbox, its provider's subject bound, its app passwords, the
#: account dropped (its mailbox, its binding, its app passwords, its read
#: markers, the private messages kept for it and its remembered rooms with
#: it), and the sessions that go with it once it is written: a device
#: signed out (its name's other holders ended), the sessions an
#: ``EndSessions`` names (as the server bans' own). ``{'OK'}``, or with
#: sessions to end the server's step of their ends (``OK``, the leavers,
#: the copies to refresh: the back-end runs it,
#: :mod:`~chatroom.backends.redis.endings`).
APPLY = Script("account-apply", subjects=(AccountRecord,))

#: Every account's record (``"name hash [scram]"``).
RECORDS = Script("account-records")

#: Every account's mailbox: key, mailbox, key, mailbox...
MAILBOXES = Script("account-mailboxes")

#: Every server ban mask, oldest first.
BANS = Script("gbans")

#: Operands: name ('' for none), masks. Whether the name is registered,
#: and whether any of the masks is banned from the server: what
#: :func:`chatroom.core.policy.rules.check_claim` decides a name on, read for a
#: sign-in's screening (``is_server_banned``).
CLAIM_FACTS = Script("claim-facts")

#: Operands: ``change`` (a change of the server's bans: bans made and
#: lifted, the entries recorded, the sessions the core decided a ban
#: covers ended), ``orders`` (what every node hears of a network ban made
#: or lifted, by mask), ``keep`` (the most entries the server's moderation
#: log keeps) and what the sessions ended are told
#: (:func:`~chatroom.backends.redis.endings.telling`). ``{'CHANGED', the
#: failed premise's place}`` (nothing written); else the bans made and
#: lifted, then the start of the end of every session named, wherever it
#: is. The server's step of their ends (:mod:`.endings`): ``OK``, the
#: leavers, the copies to refresh. The bans come first, so that none of
#: them signs in again meanwhile.
APPLY_BANS = Script("server-bans-apply", subjects=(ServerBanList,))

#: Every account's key (to bring keys up to date).
KEYS = Script("account-keys")

#: Operands: old, new. Moves an account to key new, unless one is there.
MOVE = Script("account-move")

#: Operands: old, new. Moves a server ban to mask new, keeping its age.
MOVE_BAN = Script("gban-move")

#: Each ban's terms, as mask, terms, mask, terms...
BAN_TERMS = Script("gban-terms")

#: Operands: account. The name keys the account ignores.
IGNORES = Script("ignores-get")

#: Operands: ``change`` (an account's ignore list's: names ignored or not,
#: in order). Nothing for an account no longer registered (see
#: :mod:`chatroom.core.policy.userdata`, *What a deletion takes*).
APPLY_IGNORES = Script("ignores-apply")

#: Operands: account. When it was registered (nil: not kept).
AGE = Script("account-age-get")

#: Operands: ``change`` (an account's age: when it was registered). Keeps it.
SET_AGE = Script("account-age-set")

#: The lockdown level as the core encoded it (nil: never set).
LOCKDOWN = Script("lockdown-get")

#: Operands: ``change`` (the server's lockdown's: the level, the entries it
#: records), ``kept`` (the level as the core encoded it), ``order`` (what
#: every node hears: ``* ORDER``, :class:`~chatroom.core.model.nodemessages.
#: LockdownSet`), ``keep`` (the most entries the server's moderation log
#: keeps). Keeps it, tells every node and records it in the same step.
SET_LOCKDOWN = Script("lockdown-set")

#: Every invitation: its code's hash, what is kept, hash, kept...
INVITATIONS = Script("invitations-all")

#: Operands: code (a code's hash). The invitation kept under it (nil: none).
INVITATION = Script("invitation-get")

#: Operands: ``change`` (an invitation's: kept anew or dropped, resting on
#: what is kept as read). ``{1}`` once applied; ``{0, kept}`` if the
#: premise does not hold, and nothing is written.
APPLY_INVITATION = Script("invitation-apply", subjects=(InvitationCode,))


#: Operands: token (a sign-in token's hash). The token kept under it ('' for
#: none).
SIGN_IN_TOKEN = Script("sign-in-get")

#: Operands: ``change`` (an account's sign-in tokens': kept, resting on the
#: account being registered and the token new, or used, resting on the token
#: as read; one dropped, or all). ``{'OK'}`` once applied; ``{'CHANGED', the
#: failed premise's place}``, and nothing is written.
APPLY_SIGN_INS = Script("sign-in-apply", subjects=(AccountSignIns,))


class RedisAccounts:
    """The :class:`~chatroom.core.accounts.accounts.AccountStore` of a cluster node.

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
        read = await self.calls.eval(GET, {"account": key})
        return _account(key, *read)

    async def oidc_account(self, oidc: str) -> str | None:
        key = await self.calls.eval(OIDC_ACCOUNT, {"oidc": oidc})
        return key.decode() if key else None

    @applies(AccountAge, ServerLockdown, InvitationCode, AccountSignIns)
    async def apply(self, change: DecidedChange) -> None:
        """A change of what this store keeps, by its subject: an account's
        record, ignore list or age, the server's lockdown, an invitation
        (the server's bans end sessions: the back-end applies them,
        :data:`APPLY_BANS`)."""
        subject = change.subject
        if isinstance(subject, AccountRecord):
            reply = await self.calls.eval(APPLY, {"change": change})
            if reply[0] != b"OK":
                raise await self.refusal(change, FactsChangedError(reply))
        elif isinstance(subject, AccountIgnores):
            await self.calls.eval(APPLY_IGNORES, {"change": change})
        elif isinstance(subject, AccountAge):
            await self.calls.eval(SET_AGE, {"change": change})
        elif isinstance(subject, ServerLockdown):
            await self._apply_lockdown(change)
        elif isinstance(subject, InvitationCode):
            reply = await self.calls.eval(APPLY_INVITATION, {"change": change})
            if not int(reply[0]):
                raise PremiseFailedError(reply[1].decode(), change.premises[0])
        elif isinstance(subject, AccountSignIns):
            await self._apply_sign_ins(change)
        else:
            raise TypeError(f"no change of {subject!r} here")

    async def refusal(
        self, change: DecidedChange, changed: FactsChangedError
    ) -> PremiseFailedError:
        """The refusal of ``change`` whose premise (its place as ``APPLY``
        answered it) does not hold, with the account as it is now."""
        premise = change.premises[int(changed.args[0][1]) - 1]
        key = account_of(change, AccountRecord)
        return PremiseFailedError(await self.get(key), premise)

    async def mailboxes(self) -> dict[str, str]:
        flat = await self.calls.eval(MAILBOXES, NONE)
        return {
            k.decode(): v.decode() for k, v in zip(flat[::2], flat[1::2], strict=True)
        }

    async def bots(self) -> dict[str, str]:
        flat = await self.calls.eval(BOTS, NONE)
        return {
            k.decode(): v.decode() for k, v in zip(flat[::2], flat[1::2], strict=True)
        }

    async def names(self) -> list[str]:
        records = await self.calls.eval(RECORDS, NONE)
        return [record.decode().split(" ", 1)[0] for record in records]

    async def server_bans(self) -> list[str]:
        return [mask.decode() for mask in await self.calls.eval(BANS, NONE)]

    async def is_server_banned(self, masks: Iterable[str]) -> bool:
        read = {"name": "", "masks": list(masks)}
        _registered, banned = await self.calls.eval(CLAIM_FACTS, read)
        return bool(int(banned))

    async def server_ban_terms(self) -> dict[str, BanTerms]:
        flat = await self.calls.eval(BAN_TERMS, NONE)
        return {
            flat[i].decode(): BanTerms.decoded(flat[i + 1].decode())
            for i in range(0, len(flat), 2)
        }

    async def ignores(self, account: str) -> frozenset[str]:
        kept = await self.calls.eval(IGNORES, {"account": account})
        return frozenset(name.decode() for name in kept)

    async def registered_at(self, account: str) -> float | None:
        kept = await self.calls.eval(AGE, {"account": account})
        return float(kept) if kept else None

    async def lockdown(self) -> Lockdown:
        kept = await self.calls.eval(LOCKDOWN, NONE)
        return Lockdown.decoded(kept.decode()) if kept else OPEN

    async def _apply_lockdown(self, change: DecidedChange) -> None:
        """One :data:`SET_LOCKDOWN`: the level kept, every node told, and
        the server's moderation log's entry recorded."""
        (op,) = change.of(SetLockdown)
        operands = {
            "change": change,
            "kept": Lockdown(op.level, op.by).encoded(),
            "order": codec.encode(LockdownSet(op.level, op.by)),
            "keep": MODLOG_KEEP,
        }
        await self.calls.eval(SET_LOCKDOWN, operands)

    async def invitations(self) -> dict[str, str]:
        flat = await self.calls.eval(INVITATIONS, NONE)
        return {
            k.decode(): v.decode() for k, v in zip(flat[::2], flat[1::2], strict=True)
        }

    async def invitation(self, code: str) -> str:
        kept = await self.calls.eval(INVITATION, {"code": code})
        return kept.decode() if kept else ""

    async def sign_in_token(self, token: str) -> str:
        kept = await self.calls.eval(SIGN_IN_TOKEN, {"token": token})
        return kept.decode() if kept else ""

    async def _apply_sign_ins(self, change: DecidedChange) -> None:
        """One :data:`APPLY_SIGN_INS`: the premises checked and the tokens
        kept (with Redis's expiry at their deadline, as this change's own
        time says) or dropped, or :class:`~chatroom.core.model.changes.
        base.PremiseFailedError` with the token as kept now when a token
        was not kept as read (read again: the core reads it to decide
        anew)."""
        reply = await self.calls.eval(APPLY_SIGN_INS, {"change": change})
        if reply[0] == b"OK":
            return
        premise = change.premises[int(reply[1]) - 1]
        if isinstance(premise, SignInTokenIs):
            raise PremiseFailedError(await self.sign_in_token(premise.token), premise)
        raise PremiseFailedError(None, premise)

    async def rekey(self) -> int:
        """Move accounts and server bans stored under older keys to
        today's; how many moved. Safe to run on many nodes at once."""
        moved = 0
        for raw in await self.calls.eval(KEYS, NONE):
            old = raw.decode()
            if name_key(old) != old:
                keys = {"old": old, "new": name_key(old)}
                moved += int(await self.calls.eval(MOVE, keys))
        for mask in await self.server_bans():
            if current_mask(mask) != mask:
                masks = {"old": mask, "new": current_mask(mask)}
                moved += int(await self.calls.eval(MOVE_BAN, masks))
        return moved


def _account(
    key: str,
    record: bytes | None,
    mailbox: bytes | None,
    oidc: bytes | None,
    apps: bytes | None,
    bot: bytes | None = None,
) -> Account | None:
    """Account ``key`` from its stored ``"name hash [scram]"`` (None: none),
    its mailbox, its provider's subject, its app passwords and what makes
    it a bot (None: none)."""
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
        (bot or b"").decode(),
    )
