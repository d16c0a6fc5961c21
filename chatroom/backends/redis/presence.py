"""Users' presence in Redis, for every node: the Redis :class:`PresenceSteps`.

u's presence is its field of one hash, ``P presence``: its facts (``user
real away bot inv since``) as one JSON list, which u's node writes
whenever its door hands the core new facts (:mod:`chatroom.core.model.presence`);
and the metadata u's session keeps (as JSON pairs), where it keeps any,
its field of ``P presence-meta``, written whenever that changes. A field
of one hash is about 110 bytes of Redis's memory for an IRC client (the
only door that gives presence), where a hash of u's own (``P
presence:u``, which a read still finds where an older node kept it) was
about 170 and its slot in the keyspace. It goes with u's name, in the
same script: released, harvested, taken over (``unname``) or renamed
(``CLAIM``'s server step); a write of a seat that no longer holds u keeps
nothing, so a late write cannot bring back a user gone meanwhile. A claim
given the user's presence (an IRC sign-on's) writes it itself, in the
step that gives u the name: one round trip where two were.

A read is one script for all the users it names (a channel's members, one
nick): per user one ``HGET`` of ``P users`` (online?), one of ``P
presence``, one of ``P signed`` (its account) and one of ``P
presence-meta``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.presence import Metadata, Presence

#: Operands: user, token, facts, meta (:func:`fields`). u's presence, if
#: seat token still holds u; 1 if kept, else 0.
PUBLISH = Script("presence-publish")

#: Operands: user, token, meta. u's session's metadata, if seat token still
#: holds u; 1 if kept, else 0.
PUBLISH_METADATA = Script("presence-metadata")

#: Operands: users. For each u: {} if it is offline or has no presence, else
#: {name, facts, account, meta} (or, kept by an older node, {name, user,
#: real, away, bot, inv, since, account, meta}).
READ = Script("presence-read")

#: Operands: users. For each u: the metadata its session keeps (JSON
#: pairs), "" if it is offline or keeps none.
READ_METADATA = Script("presence-metadata-read")


def _encoded(metadata: Metadata) -> str:
    return json.dumps([list(pair) for pair in metadata]) if metadata else ""


def _decoded(meta: str) -> Metadata:
    return tuple((str(k), str(v)) for k, v in json.loads(meta)) if meta else ()


def fields(facts: Presence) -> dict[str, str]:
    """``facts`` as ``P presence`` keeps them: ``user real away bot inv
    since`` as one JSON list (bot and inv 1 or 0), and the metadata
    (:data:`PUBLISH`'s, and a claim's, operands)."""
    kept = [
        facts.user,
        facts.realname,
        facts.away,
        1 if facts.bot else 0,
        1 if facts.invisible else 0,
        facts.signed_on,
    ]
    return {
        "facts": json.dumps(kept, ensure_ascii=False, separators=(",", ":")),
        "meta": _encoded(facts.metadata),
    }


def _read(row: list[bytes]) -> Presence:
    """A :data:`READ` reply's row for a user with presence."""
    if len(row) == 4:
        name, facts, account, meta = (value.decode() for value in row)
        user, real, away, bot, inv, since = json.loads(facts)
        return Presence(
            name,
            user,
            real,
            away,
            bot == 1,
            inv == 1,
            float(since),
            account,
            _decoded(meta),
        )
    name, user, real, away, bot, inv, since, account, meta = (
        value.decode() for value in row
    )
    return Presence(
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


class RedisPresence:
    """A node's reads and writes of users' presence."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def publish(self, key: str, token: str, facts: Presence) -> None:
        await self.calls.eval(PUBLISH, {"user": key, "token": token, **fields(facts)})

    async def publish_metadata(
        self, key: str, token: str, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        kept = {"user": key, "token": token, "meta": _encoded(metadata)}
        await self.calls.eval(PUBLISH_METADATA, kept)

    async def metadata(self, keys: Sequence[str]) -> dict[str, Metadata]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}
        reply = await self.calls.eval(READ_METADATA, {"users": unique})
        return {
            key: _decoded(kept.decode())
            for key, kept in zip(unique, reply, strict=True)
            if kept
        }

    async def read(self, keys: Sequence[str]) -> dict[str, Presence]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}
        reply = await self.calls.eval(READ, {"users": unique})
        return {key: _read(row) for key, row in zip(unique, reply, strict=True) if row}
