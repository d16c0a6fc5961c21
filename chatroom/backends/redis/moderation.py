"""Who may do what, in a cluster: accounts, room moderation and admins.

:class:`ClusterModeration` is the part of
:class:`~chatroom.backends.redis.registry.RedisRegistry` that decides with
:mod:`chatroom.core.moderation`, exactly as the in-process registry does, on
facts read from Redis: every decision reads the room (and the user it
names) with ``FACTS``, applies the one Python rule, and hands the outcome
to a script that applies it only if nothing it was decided on has changed
(:meth:`ClusterModeration._decide`). So a rule is never written in Lua,
and two nodes deciding at once cannot both act on stale facts.

Which account each of this node's sessions is signed in to is kept here
(for the actor of every decision) and in Redis (``P signed``, so that
other nodes can match bans, invitations and a kept room's owner against
it). What other nodes' scripts tell one of this node's sessions (ended,
kicked, invited, an announcement) arrives on the node channel and is
handled here too (:meth:`ClusterModeration._for_sessions`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from twisted.logger import Logger

from chatroom.backends.redis import moderation_scripts, scripts
from chatroom.backends.redis.accounts import RedisAccounts
from chatroom.backends.redis.calls import (
    MEMBERS_ONLY,
    FactsChangedError,
    RedisCalls,
    Refusals,
)
from chatroom.backends.redis.delivery import NodeRooms
from chatroom.backends.redis.node import ClusterConfig
from chatroom.backends.redis.prelude import Script
from chatroom.core import errors, moderation, rules
from chatroom.core.accounts import AccountStore
from chatroom.core.config import ServerConfig
from chatroom.core.events import from_line, to_line
from chatroom.core.moderation import (
    Action,
    Actor,
    Outcome,
    RoomPolicy,
    RoomSettings,
    Target,
)
from chatroom.core.registry import Member
from chatroom.core.text import name_key

#: How often a decision is retried when its facts keep changing under it.
DECISION_ATTEMPTS = 5

#: How the refusals of a create or a join read.
_ENTRY_REFUSALS: Refusals = {
    b"ALREADY_IN_ROOM": lambda r: errors.already_in_room(r[1].decode()),
    b"ROOM_FULL": lambda r: errors.room_full(r[1].decode(), r[2].decode()),
    b"ROOM_EXISTS": lambda r: errors.room_exists(r[1].decode()),
}

Decided = TypeVar("Decided")


@dataclass(frozen=True)
class Facts:
    """A room as ``FACTS`` read it: what the rules decide on, the guard a
    script checks (incarnation and ver), the owner's name if present, and
    the user a command names (None: nobody connected or registered)."""

    room: rules.RoomFacts
    inc: bytes
    ver: bytes
    owner_name: str
    target: Target | None


def parse_target(row: list[Any]) -> Target | None:
    """A user as the prelude's ``target`` function returns them."""
    if not row:
        return None
    name, account, token, present = row
    return Target(name.decode(), account.decode(), token.decode(), int(present) == 1)


def parse_facts(reply: list[Any]) -> Facts:
    """The reply of the ``FACTS`` script."""
    _, name, permanent, owner, capacity, members, inc, ver = reply[:8]
    policy, owner_name, found = reply[8:]
    room = rules.RoomFacts(
        name=name.decode(),
        permanent=permanent == b"1",
        owner=owner.decode(),
        capacity=int(capacity),
        members=int(members),
        policy=RoomPolicy.from_json(policy),
    )
    return Facts(room, inc, ver, owner_name.decode(), parse_target(found))


def operators_among(
    room: str, members: list[str], owner: bytes, policy: bytes, grants: list[Any]
) -> list[str]:
    """The members (``members``: their names) that ``/op`` made operators of
    ``room``, from the ``WHO`` script's policy and per-member grants; the
    owner is told apart, as the in-process registry does."""
    if not grants:
        return []
    facts = rules.RoomFacts(
        room, False, owner.decode(), 0, 0, RoomPolicy.from_json(policy)
    )
    return [
        name
        for name, (key, account, token) in zip(members, grants, strict=True)
        if key != owner
        and moderation.is_operator(
            facts, Target(name, account.decode(), token.decode(), True)
        )
    ]


def _flag(value: bool) -> str:
    return "1" if value else "0"


class ClusterModeration:
    """Accounts, moderation and admin commands of a node (a mixin of
    :class:`~chatroom.backends.redis.registry.RedisRegistry`, whose state it uses)."""

    log: Logger
    config: ServerConfig
    cluster: ClusterConfig
    calls: RedisCalls
    here: NodeRooms
    sessions: dict[str, Member]
    _accounts: RedisAccounts
    _tokens: dict[Member, str]
    _names: dict[Member, str]
    #: The account each of this node's signed-in sessions is signed in to.
    _signed: dict[Member, str]

    def release(self, member: Member, reason: str) -> None:
        raise NotImplementedError  # the registry's

    def _for_sessions(self, message: bytes) -> None:
        """A message for this node's sessions (the node channel's forms are
        in :mod:`chatroom.backends.redis.scripts`)."""
        number, _, data = message.partition(b" ")
        if number == b"*":
            event = from_line(data)
            for listener in list(self.sessions.values()):
                listener.deliver(event)
            return
        member = self.sessions.get(f"{self.cluster.node_id}:{number.decode()}")
        if member is None:
            return
        if data.startswith(b"end "):
            reason = data[4:].decode()
            self.release(member, reason)  # Redis has released it already
            member.disconnect(reason)
        elif data.startswith(b"kicked "):
            _, seq, line = data.split(b" ", 2)
            event = from_line(line)
            self.here.kicked(member, name_key(event.fields[0]), int(seq), event)
        else:
            member.deliver(from_line(data))

    @property
    def accounts(self) -> AccountStore:
        return self._accounts

    def account_of(self, member: Member) -> str:
        return self._signed.get(member, "")

    async def set_account(self, member: Member, account: str) -> None:
        await self.calls.call(
            scripts.SIGN,
            name_key(self._names[member]),
            self._tokens[member],
            account,
            refusals={},
        )
        if account:
            self._signed[member] = account
        else:
            self._signed.pop(member, None)

    def _actor(self, member: Member) -> Actor:
        account = self._signed.get(member, "")
        return Actor(
            self._names[member],
            account,
            self._tokens[member],
            account in self.config.admin_accounts,
        )

    # -- deciding on facts ------------------------------------------------------------

    async def _facts(self, room: str, target: str = "") -> Facts:
        """Room ``room`` (a name) and the user called ``target`` ("" for none)."""
        reply = await self.calls.call(
            scripts.FACTS,
            name_key(room),
            name_key(target) if target else "",
            refusals={b"NO_SUCH_ROOM": lambda r: errors.no_such_room(room)},
        )
        return parse_facts(reply)

    async def _decide(
        self,
        room: str,
        rule: Callable[[Facts], Decided],
        script: Script,
        args: Callable[[Facts, Decided], list[Any]],
        refusals: Refusals,
        target: str = "",
    ) -> Any:
        """Apply ``rule`` to the room's facts, then run ``script`` if they hold.

        ``args`` builds the script's arguments (ending with the facts' guard)
        from the facts and what the rule decided; the script refuses with
        ``CHANGED`` if the room changed in between, and the rule is applied
        again to the new facts.
        """
        for _attempt in range(DECISION_ATTEMPTS):
            facts = await self._facts(room, target)
            decided = rule(facts)
            try:
                return await self.calls.call(
                    script, *args(facts, decided), refusals=refusals
                )
            except FactsChangedError:
                continue
        raise errors.unavailable()

    async def _entry_reply(
        self,
        script: Script,
        args: list[Any],
        name: str,
        check: Callable[[], Awaitable[list[Any]]] | None,
    ) -> Any:
        """Run an entering script, deciding on facts whenever it asks to."""
        refusals: Refusals = {
            **_ENTRY_REFUSALS,
            b"NO_SUCH_ROOM": lambda r: errors.no_such_room(name),
            b"TOO_MANY_ROOMS": lambda r: errors.too_many_rooms(self.config.max_rooms),
        }
        guard: list[Any] = [] if check is None else ["", ""]
        for _attempt in range(DECISION_ATTEMPTS):
            try:
                return await self.calls.call(script, *args, *guard, refusals=refusals)
            except FactsChangedError:
                if check is None:
                    raise
                guard = await check()
        raise errors.unavailable()

    def _entry_check(
        self, member: Member, room: str, key: str | None
    ) -> Callable[[], Awaitable[list[Any]]]:
        """What a join of a restricted room runs: the entry rule on the room's
        facts (bans, invitation, key), returning the guard the join checks."""

        async def check() -> list[Any]:
            facts = await self._facts(room)
            if member not in self._names:
                raise errors.not_in_room()  # gone meanwhile: nobody to answer
            moderation.check_entry(facts.room, self._actor(member), key)
            return [facts.inc, facts.ver]

        return check

    # -- moderating a room ------------------------------------------------------------

    async def moderate(self, member: Member, room: str, action: Action) -> None:
        where = self.here.place(member, room)
        actor = self._actor(member)
        await self._decide(
            where.key,
            lambda facts: moderation.decide(action, facts.room, actor, facts.target),
            moderation_scripts.MODERATE,
            lambda facts, outcome: self._moderation_args(
                where.key, member, facts, outcome
            ),
            MEMBERS_ONLY,
            action.target if action.needs_target else "",
        )
        self.log.info(
            "{user} /{command} {target} in {room}",
            user=actor.name,
            command=action.command,
            target=action.target,
            room=where.name,
        )

    def _moderation_args(
        self, key: str, member: Member, facts: Facts, outcome: Outcome
    ) -> list[Any]:
        """The ``MODERATE`` script's arguments for a decided outcome."""
        policy, target, notify = outcome.policy, facts.target, outcome.notify
        return [
            key,
            name_key(self._names[member]),
            self._tokens[member],
            facts.inc,
            facts.ver,
            "-" if policy is None else policy.to_json(),
            _flag(policy is not None and policy.keep),
            _flag(policy is not None and policy.restricted),
            policy.owner_account if policy is not None else "",
            target.key if target is not None else "",
            target.session if target is not None else "",
            _flag(target is not None and target.present),
            _flag(outcome.kick is not None),
            to_line(outcome.kicked) if outcome.kicked is not None else b"",
            to_line(notify[1]) if notify is not None else b"",
            *(to_line(event) for event in outcome.events),
        ]

    async def room_settings(self, member: Member, room: str) -> RoomSettings:
        where = self.here.place(member, room)
        facts = await self._facts(where.key)
        return moderation.settings_of(facts.room, self._actor(member), facts.owner_name)

    # -- server admins -----------------------------------------------------------------

    async def kill(self, member: Member, target: str, reason: str) -> str:
        actor = self._actor(member)
        moderation.check_admin(actor, "kill")
        reply = await self.calls.call(
            moderation_scripts.KILL,
            name_key(target),
            f"killed by {actor.name}: {reason}",
            refusals={b"NO_SUCH_USER": lambda r: errors.no_such_user(target)},
        )
        name: str = reply[1].decode()
        self.log.info("{admin} killed {user}", admin=actor.name, user=name)
        return name

    async def server_ban(self, member: Member, target: str, banned: bool) -> str:
        actor = self._actor(member)
        moderation.check_admin(actor, "gban" if banned else "gunban")
        found = None
        if not target.startswith(("account:", "name:")):
            row = await self.calls.eval(moderation_scripts.TARGET, name_key(target))
            found = parse_target(row)
        mask = moderation.server_ban_mask(target, found)
        if banned:
            reason = f"banned from this server by {actor.name}"
            if not await self._accounts.add_server_ban(mask, reason):
                raise errors.server_ban_unchanged(mask, banned)
        elif not await self._accounts.remove_server_ban(mask):
            raise errors.server_ban_unchanged(mask, banned)
        return mask

    async def announce(self, member: Member, text: str) -> None:
        event = moderation.announcement(self._actor(member), text)
        await self.calls.eval(moderation_scripts.ANNOUNCE, to_line(event))
