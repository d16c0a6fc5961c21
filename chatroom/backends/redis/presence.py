"""Users' presence in Redis, for every node: the Redis :class:`PresenceSteps`.

``P presence:u`` is a hash (``user real away bot inv since``) that u's
node writes whenever its door hands the core new facts
(:mod:`chatroom.core.presence`). It goes with u's name, in the same
script: released, harvested, taken over (``unname``) or renamed
(``CLAIM``'s server step); a write of a seat that no longer holds u keeps
nothing, so a late write cannot bring back a user gone meanwhile.

A read is one script for all the users it names (a channel's members, one
nick): per user one ``HGET`` of ``P users`` (online?), one ``HMGET`` of
its hash and one ``HGET`` of ``P signed`` (its account).
"""

from __future__ import annotations

from collections.abc import Sequence

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.presence import Presence

#: ARGV: P, u, token, user, real, away, bot, inv, since. u's presence, if
#: seat token still holds u; 1 if kept, else 0.
PUBLISH = Script("presence-publish")

#: ARGV: P, u... For each u: {} if it is offline or has no presence, else
#: {name, user, real, away, bot, inv, since, account}.
READ = Script("presence-read")


class RedisPresence:
    """A node's reads and writes of users' presence."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def publish(self, key: str, token: str, facts: Presence) -> None:
        await self.calls.eval(
            PUBLISH,
            key,
            token,
            facts.user,
            facts.realname,
            facts.away,
            "1" if facts.bot else "",
            "1" if facts.invisible else "",
            repr(facts.signed_on),
        )

    async def read(self, keys: Sequence[str]) -> dict[str, Presence]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}
        reply = await self.calls.eval(READ, *unique)
        found = {}
        for key, row in zip(unique, reply, strict=True):
            if row:
                name, user, real, away, bot, inv, since, account = (
                    value.decode() for value in row
                )
                found[key] = Presence(
                    name,
                    user,
                    real,
                    away,
                    bot == "1",
                    inv == "1",
                    float(since),
                    account,
                )
        return found
