"""The server's operator, from outside any chat session: what
``chatroom-admin`` and the HTTP admin API (``/admin/``) do.

The operator is an admin with no session (:func:`operator`), named as the
server is (``--name``), so every change goes through the admin rules chat
admins are held to (:mod:`chatroom.core.admin`): an announcement is
``/announce``'s, a ban ``/gban``'s. The commands an operator has beyond a
chat admin's are made of those, once, here:

- **lock** an account: a server ban of its mask ``account:KEY`` (``/gban
  account:KEY``), so its sessions end at once, on every node, and it cannot
  sign in until the ban is lifted (an admin's ``/gunban account:KEY`` in
  chat);
- **delete** an account: its session is ended as ``/kill`` ends one
  (``killed by OPERATOR: account deleted``), then the account goes with its
  read markers, remembered rooms and kept messages, as ``/unregister``'s;
- **reset** a password: the account service's rule for a new password,
  without the old one; one is made up when none is given.
"""

from __future__ import annotations

import secrets

from chatroom.core import errors
from chatroom.core.accountrecord import Account
from chatroom.core.accounts import applied, dropping
from chatroom.core.changes import DecidedChange
from chatroom.core.config import ServerConfig
from chatroom.core.errors import ChatError
from chatroom.core.moderation import Actor, account_mask
from chatroom.core.registry import Registry
from chatroom.core.services.accounts import AccountService

#: Bytes of randomness in a password made up by ``reset-password`` (its
#: URL-safe base64 is 16 characters, none of them a space).
MADE_UP_PASSWORD_BYTES = 12


def operator(config: ServerConfig) -> Actor:
    """The operator as the admin rules see it: an admin named as the server."""
    return Actor(config.name, admin=True)


async def lock(registry: Registry, actor: Actor, name: str) -> str:
    """Lock account ``name``: ban ``account:KEY`` from the server (its
    sessions end, told ``account locked by OPERATOR``); returns the mask.

    Raises:
        ChatError: ``NO_SUCH_ACCOUNT``; ``BAD_ARGS`` (locked already).
    """
    account = (await registry.accounts.named(name)).key
    locked = await registry.moderation.server_ban_as(
        actor, account_mask(account), True, f"account locked by {actor.name}"
    )
    return locked.mask


async def delete(registry: Registry, actor: Actor, name: str) -> str:
    """Delete account ``name``, ending its session first as ``/kill`` does;
    returns the account's name as registered.

    Raises:
        ChatError: ``NO_SUCH_ACCOUNT``.
    """
    accounts = registry.accounts
    found = await accounts.named(name)
    key, shown = found.key, found.name
    try:
        await registry.moderation.kill_as(actor, shown, "account deleted")
    except ChatError as refusal:
        if refusal.code != "NO_SUCH_USER":  # nobody connected: nothing to end
            raise

    async def decide(now: Account | None) -> DecidedChange:
        if now is None:
            raise errors.no_such_account(name)
        return dropping(now)

    await applied(accounts.store, accounts.apply, key, decide, found)
    return shown


async def reset_password(
    accounts: AccountService, name: str, password: str = ""
) -> str:
    """Set account ``name``'s password to ``password``, or to one made up
    (returned: the operator passes it on).

    Raises:
        ChatError: ``NO_SUCH_ACCOUNT``, ``BAD_ARGS`` (the password).
    """
    new = password or secrets.token_urlsafe(MADE_UP_PASSWORD_BYTES)
    await accounts.reset_password(name, new)
    return new
