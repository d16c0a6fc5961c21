"""Bot accounts: an account of a kind, which signs in with a token.

A bot is an account (its name unique among accounts, bots and the names
connected users hold, as a user's name is) whose record says what makes
it a bot (:class:`~chatroom.core.model.accountrecord.Bot`): who owns it
(an account, or nobody for one the operator made), whether it may relay
others' words (IRC's ``RELAYMSG``, ``--relay``), when it was made, and
the SHA-256 of its token. It has no password: the token, made here and
shown once, is its password at every door (``/login NAME TOKEN``, SASL
``PLAIN``, IRC's ``PASS NAME:TOKEN``) and the REST API's bearer
token (:meth:`Bots.by_token`).

A token is the bot's name in hexadecimal, ``_``, and 43 characters of
URL-safe base64 (256 random bits): letters, digits, ``-`` and ``_`` only,
at least 46 of them. Its name part finds the one account whose hash it
is compared with (in constant time), so a bearer token costs one read of
one account and no index; the name is no secret (it is what the token
signs in as). A token is random enough that a SHA-256 of it is as good
as a slow hash: nobody can guess one to match.

Every write is the account record's one change (:func:`making`,
:func:`removing`): a bot made rests on its name being no account
(:class:`~chatroom.core.model.changes.rooms.Exists` False) and, for an
owner's, on the owner's owning fewer than :data:`MOST_BOTS`
(:class:`~chatroom.core.model.changes.accounts.FewerBotsThan`), a bot removed
on being the bot found (:class:`~chatroom.core.model.changes.accounts.
BotIs`), and goes with everything kept for its account (its remembered
rooms) while every session signed in to it ends, on every node, told
``bot removed by WHO`` (:class:`~chatroom.core.model.changes.moderation.
EndSessions`). An account's bots go when it does (:meth:`Bots.owner_gone`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts import sign_in_tokens
from chatroom.core.accounts.accounts import AccountStore, applied
from chatroom.core.model import errors
from chatroom.core.model.accountrecord import NO_PASSWORD, Account, Bot, bot_of
from chatroom.core.model.changes.accounts import (
    AccountRecord,
    BotIs,
    DropAccount,
    FewerBotsThan,
    MakeAccount,
    SetBot,
    SetPassword,
)
from chatroom.core.model.changes.base import Apply, DecidedChange, Premise
from chatroom.core.model.changes.moderation import EndSessions
from chatroom.core.model.changes.rooms import Exists
from chatroom.core.model.facts import Target
from chatroom.core.model.text import is_valid_name, name_key
from chatroom.core.policy import rules
from chatroom.wire.goodbyes import BOT_REMOVED_BY

#: The most bots one account owns (``/bot add``).
MOST_BOTS = 10
#: Random bytes in a token (its URL-safe base64 is 43 characters).
TOKEN_BYTES = 32
#: A token as made: the name's UTF-8 in hexadecimal, ``_``, the secret.
_TOKEN = re.compile(r"((?:[0-9a-f]{2})+)_([A-Za-z0-9_-]{43})")
#: What every session signed in to a removed bot is told (``BYE``); its
#: rooms hear ``bot removed`` (:func:`chatroom.wire.goodbyes.heard_in_rooms`).
REMOVED_BY = BOT_REMOVED_BY + "{who}"

log = Logger()


@dataclass(frozen=True)
class BotAccount:
    """A bot as the doors and the REST API see it: its name as made, its
    account key, its owner's name ("" for none: the operator's), whether
    it may relay (``RELAYMSG``) and when it was made (Unix seconds)."""

    name: str
    key: str
    owner: str
    relay: bool
    made: float


def new_token(name: str) -> str:
    """A fresh token for bot ``name``."""
    return f"{name.encode().hex()}_{secrets.token_urlsafe(TOKEN_BYTES)}"


def token_hash(token: str) -> str:
    """What a bot's record keeps of its token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_name(token: str) -> str | None:
    """The bot name a token is made for, or None: not a token's shape."""
    shape = _TOKEN.fullmatch(token)
    if shape is None:
        return None
    try:
        return bytes.fromhex(shape.group(1)).decode()
    except UnicodeDecodeError:
        return None


def token_matches(bot: Bot, token: str) -> bool:
    """Whether ``token`` is the bot's (its hash compared in constant time)."""
    return hmac.compare_digest(token_hash(token), bot.token_hash)


def check_no_bot(account: Account | None, what: str) -> None:
    """``NOT_ALLOWED`` for ``what`` (``/password``, ``/app-password add``,
    ``/bot add``) by a bot: its token is all it signs in with, and it
    makes nothing that signs in."""
    if account is not None and account.bot:
        raise errors.not_allowed(f"a bot may not use {what}")


def as_seen(account: Account) -> BotAccount:
    """``account`` (a bot's) as the doors show it."""
    bot = bot_of(account)
    assert bot is not None
    return BotAccount(account.name, account.key, bot.owner_name, bot.relay, bot.made)


def making(found: Account | None, name: str, bot: Bot, owned: int = 0) -> DecidedChange:
    """Make bot ``name`` (``bot`` what makes it one), its owner owning
    ``owned`` bots now: ``NAME_TAKEN`` if an account has the name,
    ``BAD_ARGS`` if the owner has :data:`MOST_BOTS`; resting on there
    being no account of the name still, and on the owner's having fewer
    than :data:`MOST_BOTS` (two made at once on two nodes make one)."""
    if found is not None:
        raise errors.name_taken(name)
    premises: tuple[Premise, ...] = (Exists(False),)
    if bot.owner:
        if owned >= MOST_BOTS:
            raise errors.bad_args(f"an account owns at most {MOST_BOTS} bots")
        premises += (FewerBotsThan(bot.owner, MOST_BOTS),)
    ops = (MakeAccount(name), SetPassword(NO_PASSWORD, ""), SetBot(bot.encode()))
    return DecidedChange(AccountRecord(name_key(name)), premises, ops)


def removing(found: Account | None, name: str, told: str) -> DecidedChange:
    """Remove bot ``found`` (``NO_SUCH_ACCOUNT`` if it is no bot), every
    session signed in to it ending, told ``told``; resting on its being
    the bot found."""
    if found is None or not found.bot:
        raise errors.no_such_account(name)
    return DecidedChange(
        AccountRecord(found.key),
        (BotIs(found.bot),),
        (DropAccount(), EndSessions("", found.key, told)),
    )


class Bots:
    """Bot accounts for every door and the admin API (see the module).

    Args:
        store: where accounts are read.
        apply: the back-end's one write.
        clock: when each bot was made.
        find_user: the user connected anywhere under a name (None: nobody).
    """

    def __init__(
        self,
        store: AccountStore,
        apply: Apply,
        clock: IReactorTime,
        find_user: Callable[[str], Awaitable[Target | None]] | None = None,
    ) -> None:
        self.store = store
        self.apply = apply
        self.clock = clock
        self.find_user = find_user

    async def add(
        self, name: str, owner: str = "", relay: bool = False
    ) -> tuple[BotAccount, str]:
        """Make bot ``name``, owned by account key ``owner`` ("" for
        none), with the relay permission if ``relay``: the bot and its
        token, shown this once.

        Raises:
            ChatError: ``BAD_NAME``, ``NAME_TAKEN`` (an account, a bot or a
                connected user has the name), ``NO_SUCH_ACCOUNT`` (the
                owner), ``BAD_ARGS`` (the owner has :data:`MOST_BOTS`),
                ``NOT_ALLOWED`` (the owner is a bot).
        """
        rules.check_name(name)
        key = name_key(name)
        owner_name = ""
        if owner:
            found_owner = await self.store.get(owner)
            if found_owner is None:
                raise errors.no_such_account(owner)
            check_no_bot(found_owner, "/bot add")
            owner_name = found_owner.name
        if self.find_user is not None:
            online = await self.find_user(name)
            if online is not None and online.session:
                raise errors.name_taken(name)
        token = new_token(name)
        bot = Bot(owner, owner_name, relay, self.clock.seconds(), token_hash(token))

        async def decide(found: Account | None) -> DecidedChange:
            owned = len(await self.owned(owner)) if owner else 0
            return making(found, name, bot, owned)

        await applied(self.store, self.apply, key, decide, await self.store.get(key))
        log.info("bot {name} made (owner: {owner})", name=name, owner=owner_name)
        return BotAccount(name, key, owner_name, relay, bot.made), token

    async def listed(self) -> list[BotAccount]:
        """Every bot, oldest first."""
        found = [await self.store.get(key) for key in await self.store.bots()]
        kept = [as_seen(account) for account in found if account and account.bot]
        return sorted(kept, key=lambda bot: (bot.made, bot.key))

    async def owned(self, owner: str) -> list[BotAccount]:
        """The bots account key ``owner`` owns, oldest first."""
        listed = await self.listed()
        return [bot for bot in listed if name_key(bot.owner) == owner and bot.owner]

    async def remove(self, name: str, by: str, owner: str = "") -> str:
        """Remove bot ``name`` (its sessions told ``bot removed by BY``);
        with ``owner``, only one of that account's bots. Its name as made.

        Raises:
            ChatError: ``NO_SUCH_ACCOUNT`` (no such bot); with ``owner``,
                ``BAD_ARGS`` (no bot of the owner's).
        """
        key = name_key(name) if is_valid_name(name) else ""
        found = await self.store.get(key) if key else None
        bot = bot_of(found)
        if owner and (bot is None or bot.owner != owner):
            raise errors.bad_args(f"you have no bot called {name}")
        if found is None or bot is None:
            raise errors.no_such_account(name)
        told = REMOVED_BY.format(who=by)

        async def decide(now: Account | None) -> DecidedChange:
            return removing(now, name, told)

        await applied(self.store, self.apply, key, decide, found)
        await self.apply(sign_in_tokens.all_ended(key))  # a page's device session
        log.info("bot {name} removed by {by}", name=found.name, by=by)
        return found.name

    async def owner_gone(self, owner: str, by: str) -> None:
        """Account key ``owner`` is gone: its bots go too."""
        for bot in await self.owned(owner):
            with contextlib.suppress(errors.ChatError):  # removed meanwhile
                await self.remove(bot.name, by)

    async def is_bot(self, key: str) -> bool:
        """Whether account key ``key`` is a bot's."""
        found = await self.store.get(key)
        return found is not None and bool(found.bot)

    async def keys(self) -> frozenset[str]:
        """Every bot's account key, in one read: IRC's ``WHO`` flags each
        member whose name is a bot's ``B``, however the bot is present (a
        door's connection, the REST API's standing member, another node)."""
        return frozenset(await self.store.bots())

    async def by_token(self, token: str) -> BotAccount | None:
        """The bot ``token`` is the token of, or None (no such bot, one
        removed, a wrong token): the REST API's bearer token, one read."""
        name = token_name(token)
        if name is None or not is_valid_name(name):
            return None
        found = await self.store.get(name_key(name))
        bot = bot_of(found)
        if found is None or bot is None or not token_matches(bot, token):
            return None
        return as_seen(found)
