"""Making the name a session holds an account, and giving an account up.

``/register PASSWORD`` at the line door and NickServ's ``REGISTER`` (or
IRCv3 ``REGISTER``) at the IRC door register the name the user holds now
and sign its session in to it; ``/unregister PASSWORD`` and NickServ's
``DROP`` delete the account the session is signed in to and sign it out.
Each is one operation here, the same for every door: the rules (a name
already registered is refused, so is registering while signed in to
another account) and the two steps (the account service's, then the
registry's sign-in or sign-out, which tells the user's rooms) are written
once, and a door renders the answer in its own words.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.core.accounts import Account, AccountService
from chatroom.core.registry import Member, Registry
from chatroom.core.text import name_key


async def register_name(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    password: str,
    address: str,
) -> Account:
    """Register the name ``member`` holds with ``password`` (from
    ``address``, for the registration limits) and sign it in to it.

    Raises:
        ChatError: ``NAME_REGISTERED`` (it is an account already: the
            member's own, or another's), ``NOT_ALLOWED`` (signed in to
            another account), ``BAD_ARGS`` (the password), ``RATE_LIMITED``.
    """
    name = member.name
    if not name:
        raise errors.no_name()
    signed_in = registry.account_of(member)
    if signed_in == name_key(name):
        raise errors.name_registered(name)
    if signed_in:
        raise errors.signed_in_already(signed_in)
    account = await accounts.register(name, password, address)
    await registry.set_account(member, account.key)
    return account


async def unregister(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    password: str,
    address: str,
) -> Account:
    """Delete the account ``member`` is signed in to, its ``password``
    checked again, and sign the member out of it.

    Raises:
        ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_PASSWORD``,
            ``RATE_LIMITED``.
    """
    account_key = registry.account_of(member)
    account = await accounts.unregister(account_key, password, address)
    await registry.set_account(member, "")
    return account
