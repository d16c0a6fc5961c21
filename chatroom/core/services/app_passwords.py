"""App passwords: a password of its own for each client that cannot sign in
any other way.

An account may keep a few app passwords (``/app-password add LABEL``),
each made by the server, shown once, and labelled by its owner (``irssi``,
``phone``): a client that cannot run a browser's sign-in (the terminal
client, irssi, WeeChat), or one its owner would rather not trust with the
account's own password, signs in with one at ``/login`` or with SASL
``PLAIN`` (:meth:`chatroom.core.services.accounts.AccountService.sign_in` with
``app_passwords``), and with nothing else: no other door's sign-in, no
``/password``, ``/unregister``, ``/delete-account``, ``/reset`` or
``OPER``; and a session signed in with one makes or removes no app
password and gives or removes no e-mail address
(:func:`check_own_password_used`), so one taken from a client opens that
client's way in and no other. Removing one (``/app-password remove
LABEL``) stops it at the next sign-in; the others and the account's
password are untouched.

A password is :data:`~chatroom.core.accounts.accounts.GROUPS` groups of
:data:`~chatroom.core.accounts.accounts.GROUP` characters of an alphabet without
look-alikes (about 99 bits), written with dashes (``abcd-efgh-...``);
case, dashes and spaces do not count when it is typed back
(:func:`~chatroom.core.accounts.accounts.canonical`). Only its Argon2id hash is
kept (the accounts' own hashing, :data:`chatroom.core.accounts.accounts.HASHER`,
on their hashing threads), with its first group as its ``id``: a
sign-in hashes the one password whose first group it starts with, never
every one the account keeps, and a password that is no app password
costs no hash more than before.

They are a value of the account's record (:class:`~chatroom.core.
accountrecord.Account`'s ``app_passwords``), written like the rest of it
through one :class:`~chatroom.core.model.changes.base.DecidedChange` resting on them
as read (:class:`~chatroom.core.model.changes.accounts.AppPasswordsAre`), so they are
kept across restarts on either back-end, go with the account, and two
devices adding at once never pass :data:`MOST_APP_PASSWORDS`. ``/export``
lists their labels and when they were made, never a hash.
"""

from __future__ import annotations

import re
import secrets

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.accounts import (
    APP_ALPHABET,
    GROUP,
    GROUPS,
    applied,
    canonical,
)
from chatroom.core.accounts.bots import check_no_bot
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import (
    Account,
    AppPassword,
    app_passwords_of,
    encode_app_passwords,
)
from chatroom.core.model.changes.accounts import (
    AccountRecord,
    AppPasswordsAre,
    SetAppPasswords,
)
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.services.accounts import AccountService

#: The most app passwords one account keeps.
MOST_APP_PASSWORDS = 20
#: A label: a word of letters, digits, ``.``, ``_`` or ``-``.
_LABEL = re.compile(r"[\w.-]{1,32}")

log = Logger()


def new_app_password() -> str:
    """A fresh app password, in dashed groups."""
    letters = "".join(secrets.choice(APP_ALPHABET) for _ in range(GROUP * GROUPS))
    return "-".join(letters[i : i + GROUP] for i in range(0, len(letters), GROUP))


def check_own_password_used(app_password: str, what: str) -> None:
    """``NOT_ALLOWED`` for ``what`` (``/app-password add``, ``/email``) in
    a session signed in with app password ``app_password`` (its label; ""
    for one signed in with the account's own): what changes how the
    account is reached or recovered takes the account's own sign-in, so a
    client's app password, taken from it, cannot be made into more (a new
    app password, or an address a reset is mailed to)."""
    if app_password:
        raise errors.not_allowed(
            f"{what} takes a sign-in with the account's own password, not an app"
            f" password ({app_password})"
        )


def check_label(label: str) -> str:
    """``label`` as kept, or ``BAD_ARGS``."""
    if not _LABEL.fullmatch(label):
        raise errors.bad_args(
            "a label is one word of at most 32 letters, digits, '.', '_' or '-'"
        )
    return label


def app_passwords_set(found: Account, kept: tuple[AppPassword, ...]) -> DecidedChange:
    """Account ``found``'s app passwords are now ``kept``, resting on them
    being the ones found."""
    return DecidedChange(
        AccountRecord(found.key),
        (AppPasswordsAre(found.app_passwords),),
        (SetAppPasswords(encode_app_passwords(kept)),),
    )


def adding(found: Account | None, made: AppPassword) -> DecidedChange:
    """Keep ``made`` beside ``found``'s others: ``NAME_TAKEN`` for a label
    it keeps already, ``BAD_ARGS`` past :data:`MOST_APP_PASSWORDS`."""
    if found is None:
        raise errors.not_signed_in()
    check_no_bot(found, "/app-password add")
    kept = app_passwords_of(found)
    if any(each.label == made.label for each in kept):
        raise errors.ChatError(
            "NAME_TAKEN", f"you have an app password labelled {made.label}"
        )
    if len(kept) >= MOST_APP_PASSWORDS:
        raise errors.bad_args(
            f"an account keeps at most {MOST_APP_PASSWORDS} app passwords"
        )
    return app_passwords_set(found, (*kept, made))


def removing(found: Account | None, label: str) -> DecidedChange:
    """Forget ``found``'s app password labelled ``label`` (``BAD_ARGS``:
    it keeps none)."""
    if found is None:
        raise errors.not_signed_in()
    kept = app_passwords_of(found)
    left = tuple(each for each in kept if each.label != label)
    if len(left) == len(kept):
        raise errors.bad_args(f"you have no app password labelled {label}")
    return app_passwords_set(found, left)


class AppPasswords:
    """``/app-password add|list|remove``, for every door (see the module).

    Args:
        accounts: the server's account service: its store, its back-end's
            write and its hashing threads.
        clock: when each password was made.
    """

    def __init__(self, accounts: AccountService, clock: IReactorTime) -> None:
        self.accounts = accounts
        self.clock = clock

    async def add(self, key: str, label: str) -> str:
        """A new app password for the signed-in account ``key``, labelled
        ``label``: answered once, kept only as its hash."""
        label = check_label(label)
        account = await self.accounts.own(key)
        adding(account, AppPassword(label, "", "", 0.0))  # refused before a hash
        password = new_app_password()
        typed = canonical(password)
        hasher = self.accounts.hasher
        hashed = str(await self.accounts.hashing.hash(lambda: hasher.hash(typed)))
        made = AppPassword(label, typed[:GROUP], hashed, self.clock.seconds())

        async def decide(found: Account | None) -> DecidedChange:
            return adding(found, made)

        await applied(self.accounts.store, self.accounts.apply, key, decide, account)
        log.info("{name} made app password {label}", name=account.name, label=label)
        return password

    async def listed(self, key: str) -> tuple[AppPassword, ...]:
        """The signed-in account ``key``'s app passwords, oldest first."""
        return app_passwords_of(await self.accounts.own(key))

    async def remove(self, key: str, label: str) -> None:
        """Forget the signed-in account ``key``'s app password ``label``."""
        account = await self.accounts.own(key)

        async def decide(found: Account | None) -> DecidedChange:
            return removing(found, label)

        await applied(self.accounts.store, self.accounts.apply, key, decide, account)
        log.info("{name} removed app password {label}", name=account.name, label=label)
