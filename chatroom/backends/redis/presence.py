"""Users' presence in Redis, for every node: the Redis :class:`PresenceSteps`.

``P presence:u`` is a hash (``user real away bot inv since meta``) that
u's node writes whenever its door hands the core new facts
(:mod:`chatroom.core.presence`), and its ``meta`` (the metadata u's
session keeps, as JSON pairs) whenever that changes. It goes with u's name, in the same
script: released, harvested, taken over (``unname``) or renamed
(``CLAIM``'s server step); a write of a seat that no longer holds u keeps
nothing, so a late write cannot bring back a user gone meanwhile. A claim
given the user's presence (an IRC sign-on's) writes the hash itself, in
the step that gives u the name: one round trip where two were.

A read is one script for all the users it names (a channel's members, one
nick): per user one ``HGET`` of ``P users`` (online?), one ``HMGET`` of
its hash and one ``HGET`` of ``P signed`` (its account).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.presence import Presence

#: ARGV: P, u, token, user, real, away, bot, inv, since, meta. u's
#: presence, if seat token still holds u; 1 if kept, else 0.
PUBLISH = Script("presence-publish")

#: ARGV: P, u, token, meta. u's session's metadata, if seat token still
#: holds u; 1 if kept, else 0.
PUBLISH_METADATA = Script("presence-metadata")

#: ARGV: P, u... For each u: {} if it is offline or has no presence, else
#: {name, user, real, away, bot, inv, since, account, meta}.
READ = Script("presence-read")


def _encoded(metadata: tuple[tuple[str, str], ...]) -> str:
    return json.dumps([list(pair) for pair in metadata]) if metadata else ""


def _decoded(meta: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in json.loads(meta)) if meta else ()


def fields(facts: Presence) -> list[str]:
    """``facts`` as the presence hash keeps them: ``user real away bot inv
    since meta`` (:data:`PUBLISH`'s, and a claim's, arguments)."""
    return [
        facts.user,
        facts.realname,
        facts.away,
        "1" if facts.bot else "",
        "1" if facts.invisible else "",
        repr(facts.signed_on),
        _encoded(facts.metadata),
    ]


def claimed_with(facts: Presence | None) -> list[str]:
    """``CLAIM``'s presence arguments: '1' and ``facts``' :func:`fields`,
    kept with the name; or '0' and none, seven ''."""
    return ["0", *[""] * 7] if facts is None else ["1", *fields(facts)]


class RedisPresence:
    """A node's reads and writes of users' presence."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def publish(self, key: str, token: str, facts: Presence) -> None:
        await self.calls.eval(PUBLISH, key, token, *fields(facts))

    async def publish_metadata(
        self, key: str, token: str, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        await self.calls.eval(PUBLISH_METADATA, key, token, _encoded(metadata))

    async def read(self, keys: Sequence[str]) -> dict[str, Presence]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}
        reply = await self.calls.eval(READ, *unique)
        found = {}
        for key, row in zip(unique, reply, strict=True):
            if row:
                name, user, real, away, bot, inv, since, account, meta = (
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
                    _decoded(meta),
                )
        return found
