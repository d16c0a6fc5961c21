"""The server's operator, from outside any chat session: what
``chatroom-admin`` and the HTTP admin API (``/admin/``) do.

The operator is an admin with no session (:func:`operator`), named as the
server is (``--name``), so every change goes through the admin rules chat
admins are held to (:mod:`chatroom.core.moderation.admin`): an announcement is
``/announce``'s, a ban ``/gban``'s. The commands an operator has beyond a
chat admin's are made of those, once, here:

- **lock** an account: a server ban of its mask ``account:KEY`` (``/gban
  account:KEY``), so its sessions end at once, on every node, and it cannot
  sign in until the ban is lifted (an admin's ``/gunban account:KEY`` in
  chat);
- **delete** an account: every device signed in to it, whatever name it
  took with ``/nick``, is ended as ``/kill`` ends a user (``killed by
  OPERATOR: account deleted``), on every node, then the account goes with
  its read markers, remembered rooms and kept messages, and the rooms it
  owned pass on, as ``/unregister``'s;
- **reset** a password: the account service's rule for a new password,
  without the old one; one is made up when none is given. Every device
  signed in to the account ends (``password reset by OPERATOR``), and its
  push subscriptions and upload tokens are forgotten, as after a reset by
  mail: whoever knew the old password is out.
"""

from __future__ import annotations

import secrets

from chatroom.core.accounts.accounts import applied, dropping
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import Account
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.text import account_mask
from chatroom.core.policy.moderation import Actor
from chatroom.core.registry import Registry
from chatroom.core.services.mailbox import RESET_REASON

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
    """Delete account ``name``, ending its devices first as ``/kill`` does,
    and forgetting its push subscriptions, upload tokens and device
    sessions; returns the account's name as registered.

    Raises:
        ChatError: ``NO_SUCH_ACCOUNT``.
    """
    accounts = registry.accounts
    found = await accounts.named(name)
    key, shown = found.key, found.name
    await registry.moderation.kill_account_as(actor, key, shown, "account deleted")

    async def decide(now: Account | None) -> DecidedChange:
        if now is None:
            raise errors.no_such_account(name)
        return dropping(now)

    await applied(accounts.store, accounts.apply, key, decide, found)
    await registry.users.forget_access(key)  # no way back in to whoever takes it
    await registry.moderation.pass_on_rooms(key)
    await accounts.bots.owner_gone(key, actor.name)
    return shown


async def reset_password(
    registry: Registry, actor: Actor, name: str, password: str = ""
) -> str:
    """Set account ``name``'s password to ``password``, or to one made up
    (returned: the operator passes it on); then every device signed in to
    the account ends, told ``password reset by OPERATOR``, and its push
    subscriptions and upload tokens are forgotten.

    Raises:
        ChatError: ``NO_SUCH_ACCOUNT``, ``BAD_ARGS`` (the password).
    """
    new = password or secrets.token_urlsafe(MADE_UP_PASSWORD_BYTES)
    account = await registry.accounts.reset_password(name, new)
    await registry.users.end_signed_in(account.key, f"{RESET_REASON} by {actor.name}")
    return new
