"""Names and accounts: registering a name, giving an account up (or
deleting it with its data), taking one's own name back.

``/register PASSWORD`` at the line door and NickServ's ``REGISTER`` (or
IRCv3 ``REGISTER``) at the IRC door register the name the user holds now
and sign its session in to it; ``/register NAME PASSWORD`` before a name
registers NAME and takes it; ``/unregister PASSWORD`` and NickServ's
``DROP`` delete the account the session is signed in to, sign it out and
end every other device signed in to it;
``/delete-account PASSWORD`` deletes it with everything of it
(:mod:`chatroom.core.policy.userdata`) and disconnects its devices;
NickServ's ``GHOST`` takes the account's name from another of its
sessions. Each is one operation here, the same for every door: the rules
(a name already registered is refused, so is registering while signed in
to another account) and the steps (the account service's, then the
registry's claim, sign-in or sign-out, which tells the user's rooms) are
written once, and a door renders the answer in its own words.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.accounts.accounts import ACCOUNT_DELETED, Account
from chatroom.core.accounts.invitations import Redeemed
from chatroom.core.model import errors
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy import rules
from chatroom.core.registry import Registry
from chatroom.core.services.accounts import AccountService


async def register_name(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    password: str,
    address: str,
    invited: Redeemed | None = None,
) -> Account:
    """Register the name ``member`` holds with ``password`` (from
    ``address``, for the registration limits) and sign it in to it.

    ``invited``: the invitation the connection redeemed, if any (a server
    not open to everyone registers nobody without one).

    Raises:
        ChatError: ``NAME_REGISTERED`` (it is an account already: the
            member's own, or another's), ``NOT_ALLOWED`` (signed in to
            another account; registration closed), ``INVITE_REQUIRED``,
            ``BAD_ARGS`` (the password), ``RATE_LIMITED``.
    """
    name = member.name
    if not name:
        raise errors.no_name()
    session = registry.sessions.get(member)
    if session is not None and session.bot:
        raise errors.not_allowed("a bot has a token, not a password to register")
    signed_in = registry.sessions.account_of(member)
    if signed_in == name_key(name):
        raise errors.name_registered(name)
    if signed_in:
        raise errors.signed_in_already(signed_in)
    account = await accounts.register(name, password, address, invited)
    await registry.set_account(member, account.key)
    return account


async def register_new_name(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    name: str,
    password: str,
    address: str,
    invited: Redeemed | None = None,
) -> Account:
    """Register ``name`` for ``member``, which has no name yet, and give it
    the name signed in (``/register NAME PASSWORD``, on servers with
    ``--require-account``): a name someone holds is ``NAME_TAKEN``, never
    taken over, and then the account is given up again.

    Raises:
        ChatError: as :func:`register_name`, and ``BAD_NAME``,
            ``NAME_TAKEN``, ``BANNED``.
    """
    rules.check_name(name)
    account = await accounts.register(name, password, address, invited)
    try:
        await registry.claim_name(member, account.name, account.key, takeover=False)
    except BaseException:
        await accounts.give_up(account)
        raise
    return account


async def regain(registry: Registry, member: Member, name: str) -> None:
    """``member`` takes ``name``, its account's own, from another session
    of the account, which is closed (NickServ's ``GHOST``, ``RECOVER``).

    Raises:
        ChatError: ``BAD_NAME``, ``NOT_ALLOWED`` (not signed in, its own
            name already, or not its account's name).
    """
    rules.check_name(name)
    account = registry.sessions.account_of(member)
    if not account:
        raise errors.not_signed_in()
    if name_key(name) == name_key(member.name or ""):
        raise errors.not_allowed("you can't ghost yourself")
    if name_key(name) != account:
        raise errors.not_allowed("you don't own that nick")
    await registry.claim_name(member, name, account)


async def unregister(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    password: str,
    address: str,
) -> Account:
    """Delete the account ``member`` is signed in to, its ``password``
    checked again, and sign the member out of it; every other device
    signed in to the account ends (told ``account NAME deleted``), on
    every node, whatever name it holds: in the account's own step
    (:func:`~chatroom.core.accounts.accounts.unregistering`) but for the other
    devices of the member's own seat here, which this node closes. Its
    push subscriptions and upload tokens are forgotten then, and the
    rooms it owned pass on
    (:meth:`~chatroom.core.services.moderation.ModerationService.pass_on_rooms`).

    Raises:
        ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_PASSWORD``,
            ``RATE_LIMITED``.
    """
    session = registry.sessions.get(member)
    if session is None or not session.account:
        raise errors.not_signed_in()
    account = await accounts.unregister(
        session.account, password, address, name_key(session.name), session.token
    )
    told = ACCOUNT_DELETED.format(name=account.name)
    registry.devices.end_others(member, told)
    await registry.set_account(member, "")
    await registry.users.forget_access(account.key)
    await registry.moderation.pass_on_rooms(account.key)
    await accounts.bots.owner_gone(account.key, account.name)
    return account


async def delete_account(
    accounts: AccountService,
    registry: Registry,
    member: Member,
    password: str,
    address: str,
    deleted: Callable[[Account], None],
) -> Account:
    """``/delete-account PASSWORD``: the member's account and its data go
    (:mod:`chatroom.core.policy.userdata`, *What a deletion takes*); ``deleted``
    is called once they have (the door's ``ACCOUNT_DELETED``), then every
    device signed in to the account is disconnected, on every node, under
    whatever name it took with ``/nick``, its upload tokens are
    forgotten, and the rooms it owned pass on.

    Raises:
        ChatError: ``NOT_ALLOWED`` (not signed in), ``BAD_PASSWORD``,
            ``RATE_LIMITED``; nothing is changed then.
    """
    account_key = registry.sessions.account_of(member)
    account = await accounts.check_own_password(account_key, password, address)
    await registry.users.erase_account(member, account_key)
    accounts.log.info("{name} deleted their account", name=account.name)
    deleted(account)
    # Every device signed in to it, whatever name it took with /nick.
    told = ACCOUNT_DELETED.format(name=account.name)
    await registry.users.end_signed_in(account_key, told)
    # Once more, now that no device is left: in a cluster, another device
    # may have spoken between the erasure's read and its write.
    await registry.users.erase_account(member, account_key)
    await registry.moderation.pass_on_rooms(account_key)
    await accounts.bots.owner_gone(account_key, account.name)
    return account
