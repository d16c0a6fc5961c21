"""Accounts: registering a name, signing in to it, and slowing down guessers.

:class:`~chatroom.core.services.accounts.AccountService` (the registry's
``accounts`` service) holds every rule about passwords and sign-ins, once, for
every door, on the values this module defines: passwords are 8-128 characters,
spaces and any printable ones, normalised the same way wherever they come from
(:func:`passphrase`); they are hashed with Argon2id (``argon2-cffi``) on a
thread of their own, never on the reactor thread; failed sign-ins back off per
name and per address (:class:`~chatroom.core.infra.throttle.FailureBackoff`), counted
by the back-end for every node of a cluster. Where
accounts and server bans are kept is an :class:`AccountStore`, which each
back-end provides (:class:`~chatroom.backends.local.accounts.StoredAccounts` in
one process, with SQLite; Redis in a cluster), so both modes run the same code
here. Every write of an account's record is decided here and handed to the
back-end as one :class:`~chatroom.core.model.changes.base.DecidedChange`
(:func:`registering`, :func:`password_set`, :func:`keys_added`,
:func:`dropping`, :func:`unregistering`), applied or refused on its
premises and decided again (:func:`applied`).

Passwords are arguments only: nothing in this module logs them, puts them
in an error, or keeps them after the call.

The throttle: per name, 5 failures are free, then each attempt waits 1 s,
doubling to at most 60 s, so a guesser gets about one guess a minute and
the real user waits at most a minute after the guesser's last try; an
address that has signed in to the account before is exempt from the
name's back-off (remembered by the node it signed in on), so an attacker
elsewhere cannot lock its owner out there at all.
Per address, 5 failures are free, then 1 s doubling to 15 minutes. A name's
failures are forgotten after 15 quiet minutes, an address's after an hour
(``docs/operations.md``, *Accounts*).

Every attempt is counted when it starts, before its password is hashed
(:meth:`~chatroom.core.infra.throttle.Guesses.attempt`: the address's count and
the name's in one step of the back-end), and given back if it was no
failure, so guesses sent all at once, at one door or several, to one node
or several, meet the same back-off as guesses sent one by one.

At ``/login`` and SASL ``PLAIN``
(:meth:`~chatroom.core.services.accounts.AccountService.sign_in_or_app`) an
account's app passwords sign in too (:mod:`chatroom.core.services.app_passwords` makes
them): a password typed in their shape (:func:`canonical`) is checked, after
the account's own, against the one whose first group it starts with
(:func:`app_candidates`), in the same hashing job, under the same back-off;
every other check of a password takes the account's own.

Registrations are limited per address (``--register-limit`` per
``--register-window``, 30 per 10 minutes by default, as Ergo's) and for the
whole server (``--register-rate`` per minute), counted before the hash too.
Hashing goes through a :class:`~chatroom.core.infra.hashing.HashingQueue`, where
sign-ins go first and waiting registrations are bounded, so registrations
cannot starve sign-ins.

Beside the hash, an account keeps its SCRAM-SHA-256 keys
(:mod:`chatroom.core.accounts.scram`), made in the same hashing job whenever a
password is set, and for an account registered before they existed at its
next sign-in with the password (at any door). A SCRAM sign-in
(:func:`chatroom.core.services.scram_sign_in.begin_scram`) meets the same throttles
as any other: counted when the exchange starts, given back when its proof
is right.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from argon2 import PasswordHasher

from chatroom.core.accounts.invitations import InvitationStore
from chatroom.core.accounts.sign_in_tokens import SignInTokenStore
from chatroom.core.infra.hashing import Runner
from chatroom.core.infra.thread_pool import PrivateThreads
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import (
    Account,
    AppPassword,
    app_passwords_of,
)
from chatroom.core.model.changes.accounts import (
    AccountRecord,
    DropAccount,
    MakeAccount,
    PasswordHashIs,
    SetMailbox,
    SetPassword,
    SetScramKeys,
)
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    Apply,
    DecidedChange,
    Operation,
    PremiseFailedError,
)
from chatroom.core.model.changes.moderation import EndSessions, SignOut
from chatroom.core.model.changes.rooms import Exists

__all__ = ["Account", "AccountStore", "Runner"]

PASSWORD_MIN, PASSWORD_MAX = 8, 128

#: Hashing threads (:func:`hashing_threads`), and so hashes run at once.
HASHING_THREADS = 2

#: Argon2id at OWASP's minimum (19 MiB, 2 passes): about 25 ms on one core.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

#: Addresses remembered per account as "has signed in from here".
KNOWN_ADDRESSES = 16

#: An app password's characters (:mod:`chatroom.core.services.app_passwords`):
#: small letters and digits without 0/o, 1/l/i.
APP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: An app password's groups of characters, and how many (31^20: ~99 bits).
GROUP, GROUPS = 4, 5
#: What a password check answers when the account's own password matched
#: (else an app password's label, which is never a space, or "": none).
OWN_PASSWORD = " "
#: An app password as typed back, once :func:`canonical`.
_APP_TYPED = re.compile(f"[{APP_ALPHABET}]{{{GROUP * GROUPS}}}")


class AccountStore(InvitationStore, SignInTokenStore, Protocol):
    """Where accounts, invitations and sign-in tokens are kept (SQLite or
    Redis): its reads. What changes them is a decided change the back-end
    applies (:meth:`chatroom.core.backend.Backend.apply`: an account's
    record, its ignore list and age, an invitation, an account's sign-in
    tokens). The server's bans and lockdown are moderation's
    (:class:`~chatroom.core.moderation.store.BanStore`), kept beside them."""

    async def get(self, key: str) -> Account | None:
        """The account registered under name key ``key``, if any."""
        ...

    async def names(self) -> list[str]:
        """Every account's name as registered (an operator's listing)."""
        ...

    async def oidc_account(self, oidc: str) -> str | None:
        """The key of the account bound to an OpenID provider's subject
        (``oidc``, as :func:`chatroom.core.accounts.oidc.binding` encodes it), if
        one is."""
        ...

    async def mailboxes(self) -> dict[str, str]:
        """Every account's mailbox, by key, of the accounts that have one."""
        ...

    async def bots(self) -> dict[str, str]:
        """Every bot account's :class:`~chatroom.core.model.accountrecord.Bot`,
        as encoded, by key (an operator's listing, an owner's)."""
        ...

    async def ignores(self, account: str) -> frozenset[str]:
        """The name keys account ``account`` ignores."""
        ...

    async def registered_at(self, account: str) -> float | None:
        """When ``account`` was registered (None: not kept, for an account
        registered before the time was, or none)."""
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


def registering(found: Account | None, account: Account) -> DecidedChange:
    """Register ``account`` (hashed already), its name's account being
    ``found``: ``NAME_REGISTERED`` if there is one; resting on there
    being none still."""
    if found is not None:
        raise errors.name_registered(account.name)
    ops: tuple[Operation, ...] = (
        MakeAccount(account.name),
        SetPassword(account.hash, account.scram),
    )
    if account.mailbox:  # --require-email: verify an address by a deadline
        ops += (SetMailbox(account.mailbox),)
    return DecidedChange(AccountRecord(account.key), (Exists(False),), ops)


def password_set(found: Account, hashed: str, scram: str) -> DecidedChange:
    """Account ``found``'s password is now the one hashed ``hashed``, with
    SCRAM keys ``scram``: resting on its password being the one found
    (checked, or replaced by an operator)."""
    return _rested_on(found, SetPassword(hashed, scram))


def keys_added(found: Account, scram: str) -> DecidedChange:
    """Account ``found`` gets SCRAM keys ``scram``, made from the password
    it was found with: never written over a password set meanwhile."""
    return _rested_on(found, SetScramKeys(scram))


def dropping(found: Account) -> DecidedChange:
    """Account ``found`` goes (with its markers, remembered rooms and the
    messages kept for it), resting on its password being the one found."""
    return _rested_on(found, DropAccount())


#: What every device of an account is told as it ends with the account
#: (``/delete-account``, ``/unregister``, NickServ's ``DROP``), ``name``
#: the account's: a goodbye the clients take as final
#: (:data:`chatroom.wire.goodbyes.ACCOUNT_DELETED`).
ACCOUNT_DELETED = "account {name} deleted"


def unregistering(found: Account, holder: str, token: str) -> DecidedChange:
    """Account ``found`` goes, as :func:`dropping` has it, and in the same
    step its devices: the one that gave it up (the session holding name
    key ``holder``, its token ``token``) is signed out and stays, every
    other one signed in to it ends, on every node, whatever name it
    holds (:class:`~chatroom.core.model.changes.moderation.SignOut` first, then
    :class:`~chatroom.core.model.changes.moderation.EndSessions`). Decided and applied
    together, no device stays signed in to an account no longer there,
    and none of them is signed out first and so missed by the end."""
    told = ACCOUNT_DELETED.format(name=found.name)
    return _rested_on(
        found,
        DropAccount(),
        SignOut(holder, token, told),
        EndSessions("", found.key, told),
    )


def _rested_on(found: Account, *ops: Operation) -> DecidedChange:
    premise = PasswordHashIs(found.hash)
    return DecidedChange(AccountRecord(found.key), (premise,), ops)


async def applied(
    store: AccountStore,
    apply: Apply,
    key: str,
    decide: Callable[[Account | None], Awaitable[DecidedChange]],
    found: Account | None,
) -> None:
    """What ``decide`` decides on account ``key`` as ``found`` (read by
    the caller in ``store``), applied by the back-end's ``apply``; decided
    again on the account as a refusal brings it, at most
    :data:`~chatroom.core.model.changes.base.DECISION_ATTEMPTS` times (then
    ``UNAVAILABLE``)."""
    for _attempt in range(DECISION_ATTEMPTS):
        change = await decide(found)
        try:
            await apply(change)
        except PremiseFailedError as refusal:
            now = refusal.facts
            found = now if isinstance(now, Account) else await store.get(key)
            continue
        return
    raise errors.unavailable()


def hashing_threads(reactor: Any) -> PrivateThreads:
    """Two threads of their own for hashing passwords: two sign-ins at once
    use at most two cores, and a burst of them queues. The server stops
    them (:meth:`chatroom.doors.base.hub.DoorHub.detach`)."""
    return PrivateThreads(reactor, "chatroom-passwords", HASHING_THREADS)
